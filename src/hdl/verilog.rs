//! Renders a module description as Verilog-2005 through
//! `templates/hdl/module.v`: the template holds the module skeleton,
//! declarations, `assign` lines, the processes, register, memory and instance
//! blocks; this file turns expressions into Verilog text with as few
//! parentheses as reads clearly, and lays out statements.

use askama::Template;

use super::expr::{BinaryOp, Expr, Node, ShiftOp, UnaryOp};
use super::module::{Item, Module, NetKind, Statement};
use crate::error::Result;

/// A sized literal: `1'b0`, `3'b101`, otherwise hex with no leading zeros (`12'h7ff`).
pub fn literal(width: u32, value: u64) -> String {
    let value = value & crate::design::mask(width);
    if width <= 3 {
        format!("{width}'b{value:0w$b}", w = width as usize)
    } else {
        format!("{width}'h{value:x}")
    }
}

/// `[hi:0] ` for a vector, nothing for a bit.
fn range(width: u32) -> String {
    if width == 1 {
        String::new()
    } else {
        format!("[{}:0] ", width - 1)
    }
}

/// Lines longer than this break (multiplexer chains at `:`, sums before an operator).
const LINE: usize = 100;

/// Breaks `line` before its outermost binary operator (` + `, ` - `, ` * `,
/// ` | `, ` & `, ` ^ `) when it is longer than `LINE`; the continuation
/// starts under the expression (`indent` columns), plus one per open
/// parenthesis. When the continuation is still too long, every operator of
/// the outermost level breaks (one operand per line); a line with no such
/// operator breaks
/// a concatenation after its commas (`break_concat`).
fn break_long(line: &str, indent: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = line.to_string();
    // Where the next scan for an operator starts (past a continuation's own operator).
    let mut from = indent;
    // Once a chain broke at its outermost level, each of its operands takes a line.
    let mut chain = false;
    while rest.len() > LINE || chain {
        match outermost_operator(&rest, indent, from) {
            Some((depth, _)) if chain && depth > 0 => break,
            Some((depth, at)) => {
                lines.push(rest[..at - 1].to_string());
                rest = format!("{}{}", " ".repeat(indent + depth), &rest[at..]);
                if depth > 0 {
                    break;
                }
                // A chain too long for two lines takes one operand per line.
                chain = chain || rest.len() > LINE;
                from = indent + 2;
            }
            None if lines.is_empty() => return break_concat(line),
            None => break,
        }
    }
    lines.push(rest);
    lines
}

/// The (parenthesis depth, position) of the first binary operator at the
/// smallest parenthesis depth in `line[from..]`, depth counted from `indent`.
fn outermost_operator(line: &str, indent: usize, from: usize) -> Option<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut depth = 0usize;
    let mut best: Option<(usize, usize)> = None;
    for i in indent..bytes.len() {
        match bytes[i] {
            // Only parentheses count for depth; braces hold a concatenation.
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'+' | b'-' | b'*' | b'|' | b'&' | b'^'
                if i >= from
                    && i > 0
                    && bytes[i - 1] == b' '
                    && bytes.get(i + 1) == Some(&b' ')
                    && best.is_none_or(|(d, _)| depth < d) =>
            {
                best = Some((depth, i));
            }
            _ => {}
        }
    }
    best
}

/// Breaks the first concatenation of `line` after its top-level commas,
/// filling each line up to `LINE`; continuations align under its first part.
fn break_concat(line: &str) -> Vec<String> {
    let bytes = line.as_bytes();
    let (mut braces, mut parens) = (0usize, 0usize);
    let mut open = None;
    let mut commas = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' => {
                braces += 1;
                if braces == 1 && open.is_none() {
                    open = Some(i);
                }
            }
            b'}' => {
                braces = braces.saturating_sub(1);
                if braces == 0 && open.is_some() {
                    break;
                }
            }
            b'(' => parens += 1,
            b')' => parens = parens.saturating_sub(1),
            b',' if braces == 1 && parens == 0 => commas.push(i),
            _ => {}
        }
    }
    let Some(open) = open else {
        return vec![line.to_string()];
    };
    let pad = " ".repeat(open + 1);
    let mut lines = Vec::new();
    let mut start = 0;
    let mut prefix = String::new();
    let mut last_fit = None;
    for &c in &commas {
        if prefix.len() + (c + 1 - start) > LINE && last_fit.is_some() {
            let end: usize = last_fit.take().expect("checked");
            lines.push(format!("{prefix}{}", &line[start..=end]));
            prefix = pad.clone();
            start = end + 2;
        }
        last_fit = Some(c);
    }
    if prefix.len() + (line.len() - start) > LINE
        && let Some(end) = last_fit
    {
        lines.push(format!("{prefix}{}", &line[start..=end]));
        prefix = pad.clone();
        start = end + 2;
    }
    lines.push(format!("{prefix}{}", &line[start..]));
    lines
}

/// Binding strength of what an expression renders as (higher binds tighter).
fn precedence(e: &Expr) -> u8 {
    match &e.node {
        Node::Binary(op, ..) => match op {
            BinaryOp::Mul | BinaryOp::MulSigned => 10,
            BinaryOp::Add | BinaryOp::Sub => 9,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 7,
            BinaryOp::Eq | BinaryOp::Ne => 6,
            BinaryOp::And => 5,
            BinaryOp::Xor => 4,
            BinaryOp::Or => 3,
        },
        Node::Shift(..) => 8,
        Node::Mux(..) => 1,
        Node::Unary(..) => 11,
        _ => 12,
    }
}

/// Renders expressions of one module (net ids to names).
struct Printer<'a> {
    module: &'a Module,
}

impl Printer<'_> {
    fn name(&self, id: u32) -> &str {
        &self.module.net(id).name
    }

    fn expr(&self, e: &Expr) -> String {
        match &e.node {
            Node::Const(v) => literal(e.width, *v),
            Node::Net(n) => self.name(*n).to_string(),
            Node::Slice { net, hi, lo } if hi == lo => format!("{}[{hi}]", self.name(*net)),
            Node::Slice { net, hi, lo } => format!("{}[{hi}:{lo}]", self.name(*net)),
            Node::Zext(a) => format!("{{{}, {}}}", literal(e.width - a.width, 0), self.expr(a)),
            Node::Sext(net, width) => {
                let name = self.name(*net);
                let msb = if *width == 1 {
                    name.to_string()
                } else {
                    format!("{name}[{}]", width - 1)
                };
                let copies = e.width - width;
                if copies == 1 {
                    format!("{{{msb}, {name}}}")
                } else {
                    format!("{{ {{{copies}{{{msb}}}}}, {name} }}")
                }
            }
            Node::Concat(parts) => {
                let inner: Vec<String> = parts.iter().map(|p| self.expr(p)).collect();
                format!("{{{}}}", inner.join(", "))
            }
            Node::Repeat(n, a) => format!("{{{n}{{{}}}}}", self.expr(a)),
            Node::Unary(op, a) => {
                let symbol = match op {
                    UnaryOp::Not => "~",
                    UnaryOp::ReduceOr => "|",
                    UnaryOp::ReduceAnd => "&",
                    UnaryOp::ReduceXor => "^",
                };
                format!("{symbol}{}", self.operand(a, 11, *op != UnaryOp::Not))
            }
            Node::Binary(BinaryOp::MulSigned, a, b) => {
                format!("{} * {}", self.signed(a), self.signed(b))
            }
            Node::Binary(op, a, b) => {
                let symbol = match op {
                    BinaryOp::Add => "+",
                    BinaryOp::Sub => "-",
                    BinaryOp::Mul | BinaryOp::MulSigned => "*",
                    BinaryOp::And => "&",
                    BinaryOp::Or => "|",
                    BinaryOp::Xor => "^",
                    BinaryOp::Eq => "==",
                    BinaryOp::Ne => "!=",
                    BinaryOp::Lt => "<",
                    BinaryOp::Le => "<=",
                    BinaryOp::Gt => ">",
                    BinaryOp::Ge => ">=",
                };
                let p = precedence(e);
                let bitwise = matches!(op, BinaryOp::And | BinaryOp::Or | BinaryOp::Xor);
                // Left-associative: the left operand may share the level when
                // it is the same operator (a + b - c); the right one may not.
                let left = self.binary_operand(a, p, bitwise, |c| {
                    matches!(&c.node, Node::Binary(o, ..) if o == op
                        || (matches!(op, BinaryOp::Add | BinaryOp::Sub) && matches!(o, BinaryOp::Add | BinaryOp::Sub)))
                });
                let right = self.binary_operand(b, p, bitwise, |_| false);
                format!("{left} {symbol} {right}")
            }
            Node::Shift(ShiftOp::RightArithmetic, a, k) => {
                let operand = match &a.node {
                    Node::Binary(BinaryOp::MulSigned, ..) => format!("({})", self.expr(a)),
                    _ => self.signed(a),
                };
                format!("{operand} >>> {k}")
            }
            Node::Shift(op, a, k) => {
                let symbol = if *op == ShiftOp::Left { "<<" } else { ">>" };
                format!("{} {symbol} {k}", self.operand(a, 8, false))
            }
            Node::Mux(s, a, b) => format!(
                "{} ? {} : {}",
                self.operand(s, 2, true),
                self.arm(a),
                self.mux_else(b)
            ),
            Node::Invalid(reason) => format!("/* invalid: {reason} */"),
        }
    }

    /// `$signed(x)`.
    fn signed(&self, e: &Expr) -> String {
        format!("$signed({})", self.expr(e))
    }

    /// An operand that needs parentheses below `min` (or always, when `clarify`
    /// and it is an operator of its own).
    fn operand(&self, e: &Expr, min: u8, clarify: bool) -> String {
        let p = precedence(e);
        if p < min || (clarify && p < 12) {
            format!("({})", self.expr(e))
        } else {
            self.expr(e)
        }
    }

    fn binary_operand(
        &self,
        e: &Expr,
        parent: u8,
        bitwise: bool,
        same_level_ok: impl Fn(&Expr) -> bool,
    ) -> String {
        let p = precedence(e);
        // Inside &, |, ^ every comparison, shift or sum gets parentheses:
        // the precedence is right without them, the reader would still ask.
        let clarify = bitwise && p < 11 && p != parent;
        let needs = p < parent || (p == parent && !same_level_ok(e)) || clarify;
        if needs {
            format!("({})", self.expr(e))
        } else {
            self.expr(e)
        }
    }

    /// A multiplexer's `then` arm: a nested multiplexer gets parentheses.
    fn arm(&self, e: &Expr) -> String {
        self.operand(e, 2, false)
    }

    /// A multiplexer's `else` arm: a nested multiplexer continues the chain.
    fn mux_else(&self, e: &Expr) -> String {
        match &e.node {
            Node::Mux(..) => self.expr(e),
            _ => self.operand(e, 2, false),
        }
    }

    /// The lines of `lhs = rhs;`. A multiplexer chain breaks at each `:`,
    /// continuations aligned under the `=`; any other line longer than
    /// `LINE` breaks before its outermost binary operator.
    fn assignment(&self, lhs: &str, op: &str, e: &Expr) -> Vec<String> {
        let pad = " ".repeat(lhs.len() + 1);
        let mut arms = Vec::new();
        let mut cursor = e;
        while let Node::Mux(s, a, b) = &cursor.node {
            arms.push((self.operand(s, 2, true), self.arm(a)));
            cursor = b;
            if !matches!(cursor.node, Node::Mux(..)) {
                break;
            }
        }
        let one_line = format!("{lhs} {op} {};", self.expr(e));
        if arms.is_empty() || (arms.len() == 1 && one_line.len() <= LINE) {
            return break_long(&one_line, lhs.len() + 1);
        }
        let last = self.operand(cursor, 2, false);
        let mut lines = Vec::new();
        for (i, (select, then)) in arms.iter().enumerate() {
            let lead = if i == 0 {
                format!("{lhs} {op} ")
            } else {
                format!("{pad}: ")
            };
            let line = format!("{lead}{select} ? {then}");
            if line.len() > LINE {
                lines.push(format!("{lead}{select}"));
                lines.push(format!("{pad}? {then}"));
            } else {
                lines.push(line);
            }
        }
        lines.push(format!("{pad}: {last};"));
        lines
    }

    /// Statement lines at `depth` (two spaces each), `=` aligned across runs of assignments.
    fn statements(&self, list: &[Statement], depth: usize, out: &mut Vec<String>) {
        let indent = "  ".repeat(depth);
        let mut i = 0;
        while i < list.len() {
            let run_end = list[i..]
                .iter()
                .position(|s| matches!(s, Statement::If { .. }))
                .map_or(list.len(), |p| i + p);
            if run_end > i {
                let targets: Vec<String> = list[i..run_end]
                    .iter()
                    .map(|s| match s {
                        Statement::Assign { target, bits, .. } => match bits {
                            Some((hi, lo)) if hi == lo => format!("{}[{hi}]", self.name(*target)),
                            Some((hi, lo)) => format!("{}[{hi}:{lo}]", self.name(*target)),
                            None => self.name(*target).to_string(),
                        },
                        Statement::If { .. } => unreachable!("runs hold assignments"),
                    })
                    .collect();
                let w = targets.iter().map(String::len).max().unwrap_or(0);
                for (s, t) in list[i..run_end].iter().zip(targets) {
                    if let Statement::Assign { value, .. } = s {
                        for line in self.assignment(&format!("{t:<w$}"), "=", value) {
                            out.push(format!("{indent}{line}"));
                        }
                    }
                }
                i = run_end;
                continue;
            }
            if let Statement::If {
                condition,
                then,
                otherwise,
            } = &list[i]
            {
                out.push(format!("{indent}if ({}) begin", self.expr(condition)));
                self.statements(then, depth + 1, out);
                let mut rest = otherwise;
                loop {
                    match rest.as_slice() {
                        [] => break,
                        [
                            Statement::If {
                                condition,
                                then,
                                otherwise,
                            },
                        ] => {
                            out.push(format!(
                                "{indent}end else if ({}) begin",
                                self.expr(condition)
                            ));
                            self.statements(then, depth + 1, out);
                            rest = otherwise;
                        }
                        other => {
                            out.push(format!("{indent}end else begin"));
                            self.statements(other, depth + 1, out);
                            break;
                        }
                    }
                }
                out.push(format!("{indent}end"));
            }
            i += 1;
        }
    }
}

struct PortView {
    direction: &'static str,
    range: String,
    name: String,
    separator: &'static str,
    comment: String,
}

struct DeclarationView {
    keyword: &'static str,
    range: String,
    name: String,
    comment: String,
}

struct ParamView {
    range: String,
    name: String,
    value: String,
    comment: String,
}

struct RegisterView {
    name: String,
    reset: String,
    next: String,
}

struct ConnectionView {
    port: String,
    signal: String,
    separator: &'static str,
}

/// One body item, flattened for the template (`kind` says which fields count).
struct ItemView {
    kind: &'static str,
    comment: Vec<String>,
    declarations: Vec<DeclarationView>,
    /// Assign lines, already aligned; or process / enable lines.
    lines: Vec<String>,
    registers: Vec<RegisterView>,
    enable: String,
    memory_name: String,
    memory_range: String,
    memory_depth_last: u64,
    /// The synthesis attribute of a memory built in logic, or empty.
    memory_attribute: String,
    write_enable: String,
    write_address: String,
    write_data: String,
    reads: Vec<(String, String)>,
    instance_module: String,
    instance_name: String,
    connections: Vec<ConnectionView>,
}

impl ItemView {
    fn new(kind: &'static str) -> Self {
        ItemView {
            kind,
            comment: Vec::new(),
            declarations: Vec::new(),
            lines: Vec::new(),
            registers: Vec::new(),
            enable: String::new(),
            memory_name: String::new(),
            memory_range: String::new(),
            memory_depth_last: 0,
            memory_attribute: String::new(),
            write_enable: String::new(),
            write_address: String::new(),
            write_data: String::new(),
            reads: Vec::new(),
            instance_module: String::new(),
            instance_name: String::new(),
            connections: Vec::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "hdl/module.v")]
struct ModuleVerilog {
    version: &'static str,
    origin: String,
    header: Vec<String>,
    name: String,
    ports: Vec<PortView>,
    params: Vec<ParamView>,
    items: Vec<ItemView>,
}

/// The Verilog-2005 text of one module (not of its children).
pub fn render(module: &Module) -> Result<String> {
    let p = Printer { module };
    let ports = module
        .ports
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let n = module.net(id);
            PortView {
                direction: if n.kind == NetKind::Input {
                    "input "
                } else {
                    "output"
                },
                range: range(n.width),
                name: n.name.clone(),
                separator: if i + 1 == module.ports.len() { "" } else { "," },
                comment: comment(&n.comment),
            }
        })
        .collect();
    let params = module
        .nets
        .iter()
        .filter(|n| n.kind == NetKind::Constant)
        .map(|n| ParamView {
            range: range(n.width),
            name: n.name.clone(),
            value: literal(n.width, n.value),
            comment: comment(&n.comment),
        })
        .collect();
    let mut items = Vec::new();
    for item in &module.items {
        items.push(match item {
            Item::Section {
                comment: text,
                nets,
                assigns,
                explanations,
                process,
            } => {
                let mut view = ItemView::new("section");
                view.comment = text.clone();
                view.declarations = nets
                    .iter()
                    .map(|&id| {
                        let n = module.net(id);
                        DeclarationView {
                            keyword: match n.kind {
                                NetKind::Register | NetKind::Comb | NetKind::MemoryRead => "reg ",
                                _ => "wire",
                            },
                            range: range(n.width),
                            name: n.name.clone(),
                            comment: comment(&n.comment),
                        }
                    })
                    .collect();
                let w = assigns
                    .iter()
                    .map(|(n, _)| module.net(*n).name.len())
                    .max()
                    .unwrap_or(0);
                for (n, e) in assigns {
                    if let Some((_, lines)) = explanations.iter().find(|(x, _)| x == n) {
                        view.lines.extend(lines.iter().map(|l| format!("// {l}")));
                    }
                    let lhs = format!("assign {:<w$}", module.net(*n).name);
                    view.lines.extend(p.assignment(&lhs, "=", e));
                }
                if !process.is_empty() {
                    if !view.lines.is_empty() {
                        view.lines.push(String::new());
                    }
                    view.lines.push("always @(*) begin".into());
                    p.statements(process, 1, &mut view.lines);
                    view.lines.push("end".into());
                }
                view
            }
            Item::Registers(group) => {
                let mut view = ItemView::new("registers");
                let w = group
                    .registers
                    .iter()
                    .map(|(q, _)| module.net(*q).name.len())
                    .max()
                    .unwrap_or(0);
                view.registers = group
                    .registers
                    .iter()
                    .zip(&group.reset_names)
                    .map(|((q, next), reset_name)| {
                        let n = module.net(*q);
                        RegisterView {
                            name: format!("{:<w$}", n.name),
                            reset: match reset_name {
                                Some(c) => module.net(*c).name.clone(),
                                None => literal(n.width, n.value),
                            },
                            next: p.expr(next),
                        }
                    })
                    .collect();
                view.enable = group.enable.as_ref().map(|e| p.expr(e)).unwrap_or_default();
                view
            }
            Item::Memory(m) => {
                let mut view = ItemView::new("memory");
                view.comment = if m.comment.is_empty() {
                    Vec::new()
                } else {
                    vec![m.comment.clone()]
                };
                view.memory_name = m.name.clone();
                view.memory_range = range(m.width);
                view.memory_depth_last = m.depth() - 1;
                if m.in_logic() {
                    view.memory_attribute = "(* ram_style = \"logic\" *) ".into();
                } else if m.block_ram {
                    view.memory_attribute = "(* ram_style = \"block\" *) ".into();
                }
                view.write_enable = p.expr(&m.write_enable);
                view.write_address = p.expr(&m.write_address);
                view.write_data = p.expr(&m.write_data);
                view.declarations = m
                    .reads
                    .iter()
                    .map(|(n, _)| {
                        let decl = module.net(*n);
                        DeclarationView {
                            keyword: "reg ",
                            range: range(decl.width),
                            name: decl.name.clone(),
                            comment: comment(&decl.comment),
                        }
                    })
                    .collect();
                view.reads = m
                    .reads
                    .iter()
                    .map(|(n, a)| (module.net(*n).name.clone(), p.expr(a)))
                    .collect();
                view
            }
            Item::Instance(inst) => {
                let mut view = ItemView::new("instance");
                view.instance_module = inst.module.name.clone();
                view.instance_name = inst.name.clone();
                let child = &inst.module;
                let w = child
                    .ports
                    .iter()
                    .map(|&q| child.net(q).name.len())
                    .max()
                    .unwrap_or(0);
                let count = child.ports.len();
                view.connections = child
                    .ports
                    .iter()
                    .enumerate()
                    .map(|(i, &q)| {
                        let port = &child.net(q).name;
                        let signal = inst
                            .inputs
                            .iter()
                            .find(|(p, _)| p == port)
                            .map(|(_, e)| p.expr(e))
                            .or_else(|| {
                                inst.outputs
                                    .iter()
                                    .find(|(p, _)| p == port)
                                    .map(|(_, n)| module.net(*n).name.clone())
                            })
                            .unwrap_or_default();
                        ConnectionView {
                            port: format!("{port:<w$}"),
                            signal,
                            separator: if i + 1 == count { "" } else { "," },
                        }
                    })
                    .collect();
                view
            }
        });
    }
    let (origin, header) = match module.header.split_first() {
        Some((first, rest)) => (first.clone(), rest.to_vec()),
        None => ("a hebb description".to_string(), Vec::new()),
    };
    let text = ModuleVerilog {
        version: env!("CARGO_PKG_VERSION"),
        origin,
        header,
        name: module.name.clone(),
        ports,
        params,
        items,
    }
    .render()?;
    Ok(crate::verilog::finish(&text))
}

fn comment(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(" // {text}")
    }
}
