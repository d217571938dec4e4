//! A module description: named nets, what drives each of them, and the order
//! and comments they are written in. `ModuleBuilder` checks it as it is built;
//! a finished `Module` renders to Verilog (`verilog.rs`), compiles to a cycle
//! model (`sim.rs`), lists its nets (`table.rs`) and counts its operators
//! (`estimate.rs`).

use std::collections::HashMap;
use std::sync::Arc;

use super::expr::{Expr, MAX_WIDTH, Net, lit};

/// What a net is in the RTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetKind {
    Input,
    Output,
    /// A sized `localparam`.
    Constant,
    /// A flip-flop output (`_q`), reset asynchronously to a constant.
    Register,
    /// A `wire` driven by one `assign`.
    Wire,
    /// A `reg` assigned in an `always @(*)` process.
    Comb,
    /// A `wire` driven by an instance's output port.
    InstanceOutput,
    /// The registered read data of a memory port (no reset: block RAM has none).
    MemoryRead,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetDecl {
    pub name: String,
    pub width: u32,
    pub kind: NetKind,
    /// A short note rendered beside the declaration.
    pub comment: String,
    /// The value of a constant; the reset value of a register.
    pub value: u64,
}

/// One statement of an `always @(*)` process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// `target = value;` or `target[hi:lo] = value;`
    Assign {
        target: u32,
        bits: Option<(u32, u32)>,
        value: Expr,
    },
    If {
        condition: Expr,
        then: Vec<Statement>,
        otherwise: Vec<Statement>,
    },
}

impl Statement {
    /// `target = value;`
    pub fn assign(target: Net, value: Expr) -> Statement {
        Statement::Assign {
            target: target.id,
            bits: None,
            value,
        }
    }

    /// `target[hi:lo] = value;`
    pub fn assign_bits(target: Net, hi: u32, lo: u32, value: Expr) -> Statement {
        Statement::Assign {
            target: target.id,
            bits: Some((hi, lo)),
            value,
        }
    }

    /// `if (condition) begin then end else begin otherwise end`
    pub fn when(
        condition: impl Into<Expr>,
        then: Vec<Statement>,
        otherwise: Vec<Statement>,
    ) -> Statement {
        Statement::If {
            condition: condition.into(),
            then,
            otherwise,
        }
    }
}

/// Flip-flops clocked together: one `always @(posedge clk_i or negedge rst_ni)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterGroup {
    /// (register, next value); the reset value is the register's `NetDecl::value`,
    /// named by `reset_names` when a localparam holds it.
    pub registers: Vec<(u32, Expr)>,
    /// The localparam each register resets to, if any (else a literal).
    pub reset_names: Vec<Option<u32>>,
    /// Registers load only while this one-bit expression is high.
    pub enable: Option<Expr>,
}

/// A synchronous memory in the form Yosys maps to block RAM: one write port,
/// registered read ports, no reset, power of two depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    pub name: String,
    pub width: u32,
    pub address_bits: u32,
    pub comment: String,
    pub write_enable: Expr,
    pub write_address: Expr,
    pub write_data: Expr,
    /// (read data register net, address).
    pub reads: Vec<(u32, Expr)>,
    /// Block RAM however small (`ram_style = "block"`): a design for a part
    /// whose logic cells are scarcer than its block RAMs asks for it.
    pub block_ram: bool,
}

/// Memories of fewer bits than this are built in flip-flops: an eighth of
/// an iCE40 block RAM (4 Kbit), below which a block is mostly wasted (Yosys
/// would otherwise spend one on a handful of words).
pub const LOGIC_MEMORY_BITS: u64 = 512;

impl Memory {
    pub fn depth(&self) -> u64 {
        1u64 << self.address_bits
    }
    pub fn bits(&self) -> u64 {
        u64::from(self.width) * self.depth()
    }
    /// Built in flip-flops (`ram_style = "logic"`), not block RAM.
    pub fn in_logic(&self) -> bool {
        !self.block_ram && self.bits() < LOGIC_MEMORY_BITS
    }
}

/// An instance of another module.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub name: String,
    pub module: Arc<Module>,
    /// Input port name and the expression driving it, in the child's port order.
    pub inputs: Vec<(String, Expr)>,
    /// Output port name and the parent net it drives.
    pub outputs: Vec<(String, u32)>,
}

/// The body of a module, in the order it is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A commented group: declares `nets`, then drives them by `assigns`
    /// and/or one `always @(*)` process.
    Section {
        comment: Vec<String>,
        nets: Vec<u32>,
        assigns: Vec<(u32, Expr)>,
        /// Comment lines written just above the assign of a net.
        explanations: Vec<(u32, Vec<String>)>,
        process: Vec<Statement>,
    },
    Registers(RegisterGroup),
    Memory(Memory),
    Instance(Instance),
}

/// A finished, checked module description.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub name: String,
    /// What the header says after "Generated by hebb": the unit, its parameters, its behaviour.
    pub header: Vec<String>,
    pub nets: Vec<NetDecl>,
    /// Port nets in port order.
    pub ports: Vec<u32>,
    pub items: Vec<Item>,
}

impl Module {
    pub fn net(&self, id: u32) -> &NetDecl {
        &self.nets[id as usize]
    }

    pub fn find(&self, name: &str) -> Option<u32> {
        self.nets
            .iter()
            .position(|n| n.name == name)
            .map(|i| i as u32)
    }

    /// The distinct modules of the hierarchy below and including this one,
    /// children before parents, each once.
    pub fn hierarchy(self: &Arc<Self>) -> Vec<Arc<Module>> {
        fn visit(m: &Arc<Module>, out: &mut Vec<Arc<Module>>) {
            for item in &m.items {
                if let Item::Instance(i) = item {
                    visit(&i.module, out);
                }
            }
            if !out.iter().any(|o| o.name == m.name) {
                out.push(m.clone());
            }
        }
        let mut out = Vec::new();
        visit(self, &mut out);
        out
    }

    /// This module with every memory of it and of its instances in block
    /// RAM, however small; each module of the subtree gets `suffix` added to
    /// its name (its Verilog differs from the original's).
    pub fn with_memories_in_block_ram(&self, suffix: &str) -> Module {
        let mut module = self.renamed(&format!("{}{suffix}", self.name));
        for item in &mut module.items {
            match item {
                Item::Memory(m) => m.block_ram = true,
                Item::Instance(i) => {
                    i.module = Arc::new(i.module.with_memories_in_block_ram(suffix));
                }
                _ => {}
            }
        }
        module
    }

    /// The same module under another Verilog name.
    pub fn renamed(&self, name: &str) -> Module {
        Module {
            name: name.to_string(),
            ..self.clone()
        }
    }

    /// Every expression of the module, mutably, with the net it drives (or
    /// the register / memory it feeds): the hook fault injection and
    /// experiments use to alter a built description.
    pub fn rewrite(&mut self, mut edit: impl FnMut(&str, &mut Expr)) {
        fn statements(
            nets: &[NetDecl],
            list: &mut [Statement],
            edit: &mut dyn FnMut(&str, &mut Expr),
        ) {
            for s in list {
                match s {
                    Statement::Assign { target, value, .. } => {
                        edit(&nets[*target as usize].name, value)
                    }
                    Statement::If {
                        condition,
                        then,
                        otherwise,
                    } => {
                        edit("if", condition);
                        statements(nets, then, edit);
                        statements(nets, otherwise, edit);
                    }
                }
            }
        }
        let nets = self.nets.clone();
        for item in &mut self.items {
            match item {
                Item::Section {
                    assigns, process, ..
                } => {
                    for (net, e) in assigns {
                        edit(&nets[*net as usize].name, e);
                    }
                    statements(&nets, process, &mut edit);
                }
                Item::Registers(g) => {
                    for (q, e) in &mut g.registers {
                        edit(&nets[*q as usize].name, e);
                    }
                    if let Some(e) = &mut g.enable {
                        edit("enable", e);
                    }
                }
                Item::Memory(m) => {
                    edit(&m.name, &mut m.write_enable);
                    edit(&m.name, &mut m.write_address);
                    edit(&m.name, &mut m.write_data);
                    for (net, e) in &mut m.reads {
                        edit(&nets[*net as usize].name, e);
                    }
                }
                Item::Instance(i) => {
                    for (port, e) in &mut i.inputs {
                        edit(port, e);
                    }
                }
            }
        }
    }

    /// The expression assigned to `net` (continuous assigns only), to be
    /// replaced by fault injection; `None` when no `assign` drives it.
    pub fn assignment_mut(&mut self, net: &str) -> Option<&mut Expr> {
        let id = self.find(net)?;
        self.items.iter_mut().find_map(|item| match item {
            Item::Section { assigns, .. } => {
                assigns.iter_mut().find(|(n, _)| *n == id).map(|(_, e)| e)
            }
            _ => None,
        })
    }

    /// Replaces every read of net `net` by `replacement` in the expressions
    /// driving `site` (a net name as `rewrite` names them), or everywhere.
    pub fn substitute(&mut self, net: &str, replacement: &Expr, site: Option<&str>) -> bool {
        let Some(id) = self.find(net) else {
            return false;
        };
        self.rewrite(|at, e| {
            if site.is_none_or(|s| s == at) {
                e.substitute(id, replacement);
            }
        });
        true
    }

    /// A handle on net `name` for building replacement expressions.
    pub fn handle(&self, name: &str) -> Option<Net> {
        let id = self.find(name)?;
        Some(Net {
            id,
            width: self.net(id).width,
        })
    }
}

/// A construction error: names the module and the net (or item) at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("description of module `{module}`: {subject}: {reason}")]
pub struct DescriptionError {
    pub module: String,
    pub subject: String,
    pub reason: String,
}

/// Builds a `Module`, checking widths, names and drivers as it goes. Errors
/// are collected and the first is returned by `finish`, so a description
/// reads as straight-line code.
pub struct ModuleBuilder {
    module: Module,
    errors: Vec<DescriptionError>,
    names: HashMap<String, u32>,
    /// Nets declared since the last section started.
    pending: Vec<u32>,
    /// Whether each net has its driver yet.
    driven: Vec<bool>,
    /// The localparam each register resets to, when it is one.
    reset_names: HashMap<u32, Option<u32>>,
    /// Comment lines for the next assign.
    explanation: Vec<String>,
}

impl ModuleBuilder {
    pub fn new(name: impl Into<String>, header: Vec<String>) -> Self {
        let name = name.into();
        let mut builder = ModuleBuilder {
            module: Module {
                name: name.clone(),
                header,
                nets: Vec::new(),
                ports: Vec::new(),
                items: Vec::new(),
            },
            errors: Vec::new(),
            names: HashMap::new(),
            pending: Vec::new(),
            driven: Vec::new(),
            reset_names: HashMap::new(),
            explanation: Vec::new(),
        };
        if !is_identifier(&name) {
            builder.error(
                "module name",
                format!("`{name}` is not a Verilog identifier ([A-Za-z_][A-Za-z0-9_$]*)"),
            );
        }
        builder
    }

    fn error(&mut self, subject: impl Into<String>, reason: impl Into<String>) {
        self.errors.push(DescriptionError {
            module: self.module.name.clone(),
            subject: subject.into(),
            reason: reason.into(),
        });
    }

    fn declare(&mut self, name: &str, width: u32, kind: NetKind, comment: &str, value: u64) -> Net {
        let id = self.module.nets.len() as u32;
        if !is_identifier(name) {
            self.error(format!("net `{name}`"), "not a Verilog identifier");
        }
        if !(1..=MAX_WIDTH).contains(&width) {
            self.error(
                format!("net `{name}`"),
                format!("width {width} is out of range: allowed 1..={MAX_WIDTH}"),
            );
        }
        if self.names.insert(name.to_string(), id).is_some() {
            self.error(format!("net `{name}`"), "declared twice");
        }
        self.module.nets.push(NetDecl {
            name: name.to_string(),
            width,
            kind,
            comment: comment.to_string(),
            value,
        });
        self.driven
            .push(matches!(kind, NetKind::Input | NetKind::Constant));
        Net {
            id,
            width: width.clamp(1, MAX_WIDTH),
        }
    }

    pub fn input(&mut self, name: &str, width: u32, comment: &str) -> Net {
        let n = self.declare(name, width, NetKind::Input, comment, 0);
        self.module.ports.push(n.id);
        n
    }

    pub fn output(&mut self, name: &str, width: u32, comment: &str) -> Net {
        let n = self.declare(name, width, NetKind::Output, comment, 0);
        self.module.ports.push(n.id);
        n
    }

    /// A sized localparam.
    pub fn constant(&mut self, name: &str, width: u32, value: u64, comment: &str) -> Net {
        if width <= MAX_WIDTH && value & !crate::design::mask(width.max(1)) != 0 {
            self.error(
                format!("constant `{name}`"),
                format!("value {value:#x} does not fit {width} bits"),
            );
        }
        self.declare(name, width, NetKind::Constant, comment, value)
    }

    /// Starts a commented section; nets declared after it (wires, combs,
    /// registers) are declared at its head.
    pub fn section(&mut self, comment: &[&str]) {
        self.close_section();
        self.module.items.push(Item::Section {
            comment: comment.iter().map(|s| s.to_string()).collect(),
            nets: Vec::new(),
            assigns: Vec::new(),
            explanations: Vec::new(),
            process: Vec::new(),
        });
    }

    /// A comment written just above the next `assign`: why that line is as it is.
    pub fn explain(&mut self, text: &str) {
        self.explanation.push(text.to_string());
    }

    /// Adds a paragraph to the current section's comment.
    pub fn note(&mut self, text: &str) {
        if let Item::Section { comment, .. } = self.current_section() {
            if !comment.is_empty() {
                comment.push(String::new());
            }
            comment.push(text.to_string());
        }
    }

    fn close_section(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        match self.module.items.last_mut() {
            Some(Item::Section { nets, .. }) => nets.extend(pending),
            _ => self.module.items.push(Item::Section {
                comment: Vec::new(),
                nets: pending,
                assigns: Vec::new(),
                explanations: Vec::new(),
                process: Vec::new(),
            }),
        }
    }

    fn current_section(&mut self) -> &mut Item {
        self.close_section();
        if !matches!(self.module.items.last(), Some(Item::Section { .. })) {
            self.module.items.push(Item::Section {
                comment: Vec::new(),
                nets: Vec::new(),
                assigns: Vec::new(),
                explanations: Vec::new(),
                process: Vec::new(),
            });
        }
        self.module.items.last_mut().expect("just pushed")
    }

    /// A `wire` of the current section.
    pub fn wire(&mut self, name: &str, width: u32, comment: &str) -> Net {
        let n = self.declare(name, width, NetKind::Wire, comment, 0);
        self.pending.push(n.id);
        n
    }

    /// A `reg` of the current section, assigned in its `always @(*)` process.
    pub fn comb(&mut self, name: &str, width: u32, comment: &str) -> Net {
        let n = self.declare(name, width, NetKind::Comb, comment, 0);
        self.pending.push(n.id);
        n
    }

    /// A flip-flop of the current section, reset to `reset` (a constant
    /// expression: a literal or a localparam).
    pub fn register(
        &mut self,
        name: &str,
        width: u32,
        reset: impl Into<Expr>,
        comment: &str,
    ) -> Net {
        let reset = reset.into();
        let value = match &reset.node {
            super::expr::Node::Const(v) => Some((*v, None)),
            super::expr::Node::Net(c) if self.module.net(*c).kind == NetKind::Constant => {
                Some((self.module.net(*c).value, Some(*c)))
            }
            _ => None,
        };
        let n = self.declare(name, width, NetKind::Register, comment, 0);
        match value {
            Some((v, named)) if reset.width == width => {
                self.module.nets[n.id as usize].value = v;
                self.reset_names.insert(n.id, named);
            }
            Some(_) => self.error(
                format!("register `{name}`"),
                format!(
                    "reset value of {} bits for a {width}-bit register",
                    reset.width
                ),
            ),
            None => self.error(
                format!("register `{name}`"),
                "reset value is not a literal or localparam",
            ),
        }
        self.pending.push(n.id);
        n
    }

    /// Checks `value` as the driver of `net`.
    fn check_driver(&mut self, net: Net, value: &Expr, what: &str) -> bool {
        let name = self.module.net(net.id).name.clone();
        if let Some(reason) = value.invalid_reason() {
            self.error(format!("{what} `{name}`"), reason.to_string());
            return false;
        }
        if value.width != net.width {
            self.error(
                format!("{what} `{name}`"),
                format!(
                    "the expression has {} bits, the net {} (no silent truncation or extension)",
                    value.width, net.width
                ),
            );
            return false;
        }
        if value.misplaced_signed_operator(true, false) {
            self.error(
                format!("{what} `{name}`"),
                "a signed operator ($signed * or >>>) must be the whole right-hand side (a signed multiply may sit under an arithmetic shift)",
            );
            return false;
        }
        true
    }

    /// `assign net = value;` in the current section.
    pub fn assign(&mut self, net: Net, value: impl Into<Expr>) {
        let value = value.into();
        let kind = self.module.net(net.id).kind;
        if !matches!(kind, NetKind::Wire | NetKind::Output) {
            let name = self.module.net(net.id).name.clone();
            self.error(
                format!("net `{name}`"),
                format!("a {kind:?} cannot be assigned"),
            );
            return;
        }
        if !self.check_driver(net, &value, "assign to") {
            return;
        }
        self.mark_driven(net.id);
        let explanation = std::mem::take(&mut self.explanation);
        if let Item::Section {
            assigns,
            explanations,
            ..
        } = self.current_section()
        {
            if !explanation.is_empty() {
                explanations.push((net.id, explanation));
            }
            assigns.push((net.id, value));
        }
    }

    fn mark_driven(&mut self, id: u32) {
        if std::mem::replace(&mut self.driven[id as usize], true) {
            let name = self.module.net(id).name.clone();
            self.error(format!("net `{name}`"), "has two drivers");
        }
    }

    /// The `always @(*)` process of the current section. Every target must
    /// get a full-width default first (no latches).
    pub fn process(&mut self, statements: Vec<Statement>) {
        let mut defaults = Vec::new();
        for s in &statements {
            match s {
                Statement::Assign {
                    target, bits: None, ..
                } => defaults.push(*target),
                _ => break,
            }
        }
        let mut targets = Vec::new();
        self.check_statements(&statements, &mut targets);
        for t in &targets {
            if !defaults.contains(t) {
                let name = self.module.net(*t).name.clone();
                self.error(
                    format!("process target `{name}`"),
                    "has no full-width default at the head of the process (it would infer a latch)",
                );
            }
        }
        for t in defaults {
            self.mark_driven(t);
        }
        if let Item::Section { process, .. } = self.current_section() {
            if !process.is_empty() {
                let module = self.module.name.clone();
                self.errors.push(DescriptionError {
                    module,
                    subject: "section".into(),
                    reason: "has two processes".into(),
                });
                return;
            }
            *process = statements;
        }
    }

    fn check_statements(&mut self, list: &[Statement], targets: &mut Vec<u32>) {
        for s in list {
            match s {
                Statement::Assign {
                    target,
                    bits,
                    value,
                } => {
                    let decl = self.module.net(*target).clone();
                    if decl.kind != NetKind::Comb {
                        self.error(
                            format!("process target `{}`", decl.name),
                            "is not a comb net (declare it with `comb`)",
                        );
                        continue;
                    }
                    let width = match bits {
                        Some((hi, lo)) if hi >= lo && *hi < decl.width => hi - lo + 1,
                        Some((hi, lo)) => {
                            self.error(
                                format!("process target `{}`", decl.name),
                                format!("bits [{hi}:{lo}] out of range"),
                            );
                            continue;
                        }
                        None => decl.width,
                    };
                    let slot = Net { id: *target, width };
                    self.check_driver(slot, value, "process assignment to");
                    if !targets.contains(target) {
                        targets.push(*target);
                    }
                }
                Statement::If {
                    condition,
                    then,
                    otherwise,
                } => {
                    if let Some(reason) = condition.invalid_reason() {
                        self.error("process condition", reason.to_string());
                    } else if condition.width != 1 {
                        self.error(
                            "process condition",
                            format!("{} bits (needs 1)", condition.width),
                        );
                    }
                    self.check_statements(then, targets);
                    self.check_statements(otherwise, targets);
                }
            }
        }
    }

    /// The clocked process of `registers` ((register, next value) pairs),
    /// loading while `enable` (when given) is high.
    pub fn clocked(&mut self, registers: Vec<(Net, Expr)>, enable: Option<Expr>) {
        self.close_section();
        let mut group = RegisterGroup {
            registers: Vec::new(),
            reset_names: Vec::new(),
            enable: None,
        };
        for (q, next) in registers {
            if self.module.net(q.id).kind != NetKind::Register {
                let name = self.module.net(q.id).name.clone();
                self.error(format!("net `{name}`"), "is not a register");
                continue;
            }
            if self.check_driver(q, &next, "next value of register") {
                self.mark_driven(q.id);
            }
            group
                .reset_names
                .push(self.reset_names.get(&q.id).copied().flatten());
            group.registers.push((q.id, next));
        }
        if let Some(e) = enable {
            if e.width != 1 || e.is_invalid() {
                self.error("register enable", "must be a valid one-bit expression");
            }
            group.enable = Some(e);
        }
        self.module.items.push(Item::Registers(group));
    }

    /// A block-RAM style memory of 2^`address_bits` words of `width` bits
    /// with one write port; `reads` names each registered read-data net and
    /// its address. Returns the read-data nets.
    #[allow(clippy::too_many_arguments)]
    pub fn memory(
        &mut self,
        name: &str,
        width: u32,
        address_bits: u32,
        comment: &str,
        write_enable: Expr,
        write_address: Expr,
        write_data: Expr,
        reads: Vec<(&str, Expr)>,
    ) -> Vec<Net> {
        self.close_section();
        if !(1..=24).contains(&address_bits) {
            self.error(
                format!("memory `{name}`"),
                format!("address_bits {address_bits} is out of range: allowed 1..=24"),
            );
        }
        if !is_identifier(name) || self.names.contains_key(name) {
            self.error(format!("memory `{name}`"), "name is not a fresh identifier");
        }
        let checks = [
            ("write enable", &write_enable, 1),
            ("write address", &write_address, address_bits),
            ("write data", &write_data, width),
        ];
        for (what, e, w) in checks {
            if e.is_invalid() || e.width != w {
                self.error(
                    format!("memory `{name}` {what}"),
                    format!("needs a valid {w}-bit expression, got {} bits", e.width),
                );
            }
        }
        let mut nets = Vec::new();
        let mut read_ports = Vec::new();
        for (data, address) in reads {
            if address.is_invalid() || address.width != address_bits {
                self.error(
                    format!("memory `{name}` read address for `{data}`"),
                    format!("needs a valid {address_bits}-bit expression"),
                );
            }
            let n = self.declare(data, width, NetKind::MemoryRead, "", 0);
            self.driven[n.id as usize] = true;
            nets.push(n);
            read_ports.push((n.id, address));
        }
        self.module.items.push(Item::Memory(Memory {
            name: name.to_string(),
            width,
            address_bits,
            comment: comment.to_string(),
            write_enable,
            write_address,
            write_data,
            reads: read_ports,
            block_ram: false,
        }));
        nets
    }

    /// An instance of `module` named `name`; `inputs` drive its input ports
    /// by name, `outputs` connect its output ports to nets of this module
    /// (declared here as instance outputs: `<port> -> <net name>`).
    pub fn instance(
        &mut self,
        name: &str,
        module: Arc<Module>,
        inputs: Vec<(&str, Expr)>,
        outputs: Vec<(&str, &str)>,
    ) -> Vec<Net> {
        self.close_section();
        if !is_identifier(name) || self.names.contains_key(name) {
            self.error(
                format!("instance `{name}`"),
                "name is not a fresh identifier",
            );
        }
        let mut connected_inputs = Vec::new();
        let mut connected_outputs = Vec::new();
        let mut nets = Vec::new();
        let mut pending_decls = Vec::new();
        for &port in &module.ports {
            let decl = module.net(port);
            match decl.kind {
                NetKind::Input => match inputs.iter().find(|(p, _)| *p == decl.name) {
                    Some((_, e)) => {
                        if e.is_invalid() || e.width != decl.width {
                            self.error(
                                format!("instance `{name}` port `{}`", decl.name),
                                format!("driven by {} bits, the port has {}", e.width, decl.width),
                            );
                        }
                        connected_inputs.push((decl.name.clone(), e.clone()));
                    }
                    None => self.error(
                        format!("instance `{name}` port `{}`", decl.name),
                        "input port left unconnected",
                    ),
                },
                _ => match outputs.iter().find(|(p, _)| *p == decl.name) {
                    Some((_, net_name)) => {
                        pending_decls.push((decl.name.clone(), net_name.to_string(), decl.width))
                    }
                    None => self.error(
                        format!("instance `{name}` port `{}`", decl.name),
                        "output port left unconnected",
                    ),
                },
            }
        }
        for (p, _) in &inputs {
            if !module
                .ports
                .iter()
                .any(|&q| module.net(q).name == *p && module.net(q).kind == NetKind::Input)
            {
                self.error(
                    format!("instance `{name}`"),
                    format!("`{p}` is not an input port of `{}`", module.name),
                );
            }
        }
        for (port, net_name, width) in pending_decls {
            let n = self.declare(
                &net_name,
                width,
                NetKind::InstanceOutput,
                &format!("{name}.{port}"),
                0,
            );
            self.driven[n.id as usize] = true;
            self.pending.push(n.id);
            nets.push(n);
            connected_outputs.push((port, n.id));
        }
        // The output nets are declared in a section of their own above the instance.
        self.close_section();
        self.names.insert(name.to_string(), u32::MAX);
        self.module.items.push(Item::Instance(Instance {
            name: name.to_string(),
            module,
            inputs: connected_inputs,
            outputs: connected_outputs,
        }));
        nets
    }

    /// Checks that every net has exactly one driver and returns the module.
    pub fn finish(mut self) -> Result<Module, DescriptionError> {
        self.close_section();
        for (id, driven) in self.driven.clone().into_iter().enumerate() {
            if !driven {
                let name = self.module.nets[id].name.clone();
                self.error(format!("net `{name}`"), "is never driven");
            }
        }
        match self.errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(self.module),
        }
    }
}

/// A literal `width`-bit zero.
pub fn zero(width: u32) -> Expr {
    lit(width, 0)
}

/// `[A-Za-z_][A-Za-z0-9_$]*`, not a Verilog keyword hebb might clash with.
pub fn is_identifier(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "module",
        "endmodule",
        "input",
        "output",
        "inout",
        "wire",
        "reg",
        "assign",
        "always",
        "begin",
        "end",
        "if",
        "else",
        "case",
        "endcase",
        "localparam",
        "parameter",
        "posedge",
        "negedge",
        "or",
        "and",
        "not",
        "integer",
        "initial",
        "function",
        "task",
        "for",
    ];
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !KEYWORDS.contains(&name)
}
