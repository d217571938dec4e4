//! The cycle model of a description: the hierarchy flattened into one array
//! of value slots, every expression compiled once into a flat program of
//! register-machine instructions, combinational logic ordered by its data
//! dependences. An evaluation runs programs; nothing walks a tree per clock.
//!
//! Semantics are those of the rendered Verilog as Verilator evaluates it:
//! values are unsigned bit patterns truncated to their widths; registers
//! sample at a rising `clk_i` the values settled before the edge; a low
//! `rst_ni` resets them asynchronously (at its falling edge, and at every
//! rising clock while low); memories and their read registers clock on every
//! rising edge, reset or not, reading the contents before this edge's write.

use std::collections::HashMap;
use std::sync::Arc;

use super::expr::{BinaryOp, Expr, Node, ShiftOp, UnaryOp};
use super::module::{Item, Module, NetKind, Statement};
use crate::design::{CycleModel, Signal, SignalKind, mask};
use crate::error::{Error, Result};

/// One instruction over value slots. Results are kept within their width.
#[derive(Debug, Clone, Copy)]
enum Instr {
    Copy {
        dst: u32,
        a: u32,
    },
    Add {
        dst: u32,
        a: u32,
        b: u32,
        mask: u64,
    },
    Sub {
        dst: u32,
        a: u32,
        b: u32,
        mask: u64,
    },
    Mul {
        dst: u32,
        a: u32,
        b: u32,
        mask: u64,
    },
    And {
        dst: u32,
        a: u32,
        b: u32,
    },
    Or {
        dst: u32,
        a: u32,
        b: u32,
    },
    Xor {
        dst: u32,
        a: u32,
        b: u32,
    },
    Not {
        dst: u32,
        a: u32,
        mask: u64,
    },
    Shl {
        dst: u32,
        a: u32,
        k: u32,
        mask: u64,
    },
    Shr {
        dst: u32,
        a: u32,
        k: u32,
    },
    /// Arithmetic right shift of a `width`-bit value.
    Sra {
        dst: u32,
        a: u32,
        k: u32,
        width: u32,
        mask: u64,
    },
    Eq {
        dst: u32,
        a: u32,
        b: u32,
    },
    Ne {
        dst: u32,
        a: u32,
        b: u32,
    },
    Lt {
        dst: u32,
        a: u32,
        b: u32,
    },
    Le {
        dst: u32,
        a: u32,
        b: u32,
    },
    ReduceOr {
        dst: u32,
        a: u32,
    },
    ReduceAnd {
        dst: u32,
        a: u32,
        mask: u64,
    },
    ReduceXor {
        dst: u32,
        a: u32,
    },
    Mux {
        dst: u32,
        s: u32,
        a: u32,
        b: u32,
    },
    /// `(a >> lo) & mask`
    Slice {
        dst: u32,
        a: u32,
        lo: u32,
        mask: u64,
    },
    /// Sign extension of a `width`-bit value.
    Sext {
        dst: u32,
        a: u32,
        width: u32,
        mask: u64,
    },
    /// `(hi << shift) | lo`
    Join {
        dst: u32,
        hi: u32,
        lo: u32,
        shift: u32,
    },
    /// `a * factor`: copies of `a` side by side (factor has a one every `width(a)` bits).
    Repeat {
        dst: u32,
        a: u32,
        factor: u64,
    },
    /// Writes `a` into bits `lo..` of `dst` (`mask` is the field's width mask).
    Insert {
        dst: u32,
        a: u32,
        lo: u32,
        mask: u64,
    },
    JumpIfZero {
        s: u32,
        to: u32,
    },
    Jump {
        to: u32,
    },
}

fn run(program: &[Instr], v: &mut [u64]) {
    let mut pc = 0;
    while let Some(instr) = program.get(pc) {
        pc += 1;
        match *instr {
            Instr::Copy { dst, a } => v[dst as usize] = v[a as usize],
            Instr::Add { dst, a, b, mask } => {
                v[dst as usize] = v[a as usize].wrapping_add(v[b as usize]) & mask
            }
            Instr::Sub { dst, a, b, mask } => {
                v[dst as usize] = v[a as usize].wrapping_sub(v[b as usize]) & mask
            }
            Instr::Mul { dst, a, b, mask } => {
                v[dst as usize] = v[a as usize].wrapping_mul(v[b as usize]) & mask
            }
            Instr::And { dst, a, b } => v[dst as usize] = v[a as usize] & v[b as usize],
            Instr::Or { dst, a, b } => v[dst as usize] = v[a as usize] | v[b as usize],
            Instr::Xor { dst, a, b } => v[dst as usize] = v[a as usize] ^ v[b as usize],
            Instr::Not { dst, a, mask } => v[dst as usize] = !v[a as usize] & mask,
            Instr::Shl { dst, a, k, mask } => {
                v[dst as usize] = v[a as usize].checked_shl(k).unwrap_or(0) & mask
            }
            Instr::Shr { dst, a, k } => v[dst as usize] = v[a as usize].checked_shr(k).unwrap_or(0),
            Instr::Sra {
                dst,
                a,
                k,
                width,
                mask,
            } => {
                let signed = crate::design::sign_extend(v[a as usize], width);
                v[dst as usize] = (signed >> k.min(63)) as u64 & mask
            }
            Instr::Eq { dst, a, b } => v[dst as usize] = u64::from(v[a as usize] == v[b as usize]),
            Instr::Ne { dst, a, b } => v[dst as usize] = u64::from(v[a as usize] != v[b as usize]),
            Instr::Lt { dst, a, b } => v[dst as usize] = u64::from(v[a as usize] < v[b as usize]),
            Instr::Le { dst, a, b } => v[dst as usize] = u64::from(v[a as usize] <= v[b as usize]),
            Instr::ReduceOr { dst, a } => v[dst as usize] = u64::from(v[a as usize] != 0),
            Instr::ReduceAnd { dst, a, mask } => v[dst as usize] = u64::from(v[a as usize] == mask),
            Instr::ReduceXor { dst, a } => {
                v[dst as usize] = u64::from(v[a as usize].count_ones() & 1)
            }
            Instr::Mux { dst, s, a, b } => {
                v[dst as usize] = if v[s as usize] != 0 {
                    v[a as usize]
                } else {
                    v[b as usize]
                }
            }
            Instr::Slice { dst, a, lo, mask } => v[dst as usize] = (v[a as usize] >> lo) & mask,
            Instr::Sext {
                dst,
                a,
                width,
                mask,
            } => v[dst as usize] = crate::design::sign_extend(v[a as usize], width) as u64 & mask,
            Instr::Join { dst, hi, lo, shift } => {
                v[dst as usize] = (v[hi as usize] << shift) | v[lo as usize]
            }
            Instr::Repeat { dst, a, factor } => {
                v[dst as usize] = v[a as usize].wrapping_mul(factor)
            }
            Instr::Insert { dst, a, lo, mask } => {
                let field = v[a as usize] << lo;
                let d = &mut v[dst as usize];
                *d = (*d & !(mask << lo)) | field
            }
            Instr::JumpIfZero { s, to } => {
                if v[s as usize] == 0 {
                    pc = to as usize
                }
            }
            Instr::Jump { to } => pc = to as usize,
        }
    }
}

/// A unit of combinational logic to schedule: one assign, one process or
/// one instance input connection.
struct CombNode {
    reads: Vec<u32>,
    writes: Vec<u32>,
    code: Vec<Instr>,
    /// What it drives, for error messages.
    name: String,
}

struct RegisterUpdate {
    q: u32,
    next: u32,
    reset: u64,
    enable: Option<u32>,
}

struct MemoryModel {
    words: usize,
    write_enable: u32,
    write_address: u32,
    write_data: u32,
    /// (read data register slot, address slot)
    reads: Vec<(u32, u32)>,
}

/// A description compiled for simulation; `CompiledModel::new` instantiates it.
pub struct Compiled {
    signals: Vec<Signal>,
    signal_slots: Vec<u32>,
    initial: Vec<u64>,
    settle: Vec<Instr>,
    next_state: Vec<Instr>,
    registers: Vec<RegisterUpdate>,
    memories: Vec<MemoryModel>,
    clk: u32,
    rst_n: u32,
    /// Whether combinational logic reads `clk_i` (then a clock edge must resettle first).
    clk_is_data: bool,
}

struct Compiler {
    initial: Vec<u64>,
    constants: HashMap<u64, u32>,
    nodes: Vec<CombNode>,
    next_state: Vec<Instr>,
    registers: Vec<RegisterUpdate>,
    memories: Vec<MemoryModel>,
    signals: Vec<(Signal, u32)>,
}

impl Compiler {
    fn slot(&mut self) -> u32 {
        self.initial.push(0);
        (self.initial.len() - 1) as u32
    }

    fn constant(&mut self, value: u64) -> u32 {
        if let Some(&s) = self.constants.get(&value) {
            return s;
        }
        let s = self.slot();
        self.initial[s as usize] = value;
        self.constants.insert(value, s);
        s
    }

    /// Compiles `e` (nets at `slots`) and returns the slot holding its value;
    /// `dst` is where the root must go when given.
    fn expr(&mut self, e: &Expr, slots: &[u32], code: &mut Vec<Instr>, dst: Option<u32>) -> u32 {
        let m = mask(e.width);
        let target = |c: &mut Compiler| dst.unwrap_or_else(|| c.slot());
        let out = match &e.node {
            Node::Const(v) => {
                let s = self.constant(*v);
                return self.place(s, dst, code);
            }
            Node::Net(n) => return self.place(slots[*n as usize], dst, code),
            Node::Zext(a) => {
                // Zero extension leaves the bit pattern as it is.
                return self.expr(a, slots, code, dst);
            }
            Node::Slice { net, lo, .. } => {
                let d = target(self);
                code.push(Instr::Slice {
                    dst: d,
                    a: slots[*net as usize],
                    lo: *lo,
                    mask: m,
                });
                d
            }
            Node::Sext(net, width) => {
                let d = target(self);
                code.push(Instr::Sext {
                    dst: d,
                    a: slots[*net as usize],
                    width: *width,
                    mask: m,
                });
                d
            }
            Node::Concat(parts) => {
                let mut acc = self.expr(&parts[0], slots, code, None);
                for (i, part) in parts.iter().enumerate().skip(1) {
                    let lo = self.expr(part, slots, code, None);
                    let d = if i + 1 == parts.len() {
                        target(self)
                    } else {
                        self.slot()
                    };
                    code.push(Instr::Join {
                        dst: d,
                        hi: acc,
                        lo,
                        shift: part.width,
                    });
                    acc = d;
                }
                acc
            }
            Node::Repeat(count, a) => {
                let a_slot = self.expr(a, slots, code, None);
                let factor = (0..*count).fold(0u64, |f, i| f | (1u64 << (i * a.width)));
                let d = target(self);
                code.push(Instr::Repeat {
                    dst: d,
                    a: a_slot,
                    factor,
                });
                d
            }
            Node::Unary(op, a) => {
                let a_slot = self.expr(a, slots, code, None);
                let d = target(self);
                code.push(match op {
                    UnaryOp::Not => Instr::Not {
                        dst: d,
                        a: a_slot,
                        mask: m,
                    },
                    UnaryOp::ReduceOr => Instr::ReduceOr { dst: d, a: a_slot },
                    UnaryOp::ReduceAnd => Instr::ReduceAnd {
                        dst: d,
                        a: a_slot,
                        mask: mask(a.width),
                    },
                    UnaryOp::ReduceXor => Instr::ReduceXor { dst: d, a: a_slot },
                });
                d
            }
            Node::Binary(op, a, b) => {
                let (a, b) = (
                    self.expr(a, slots, code, None),
                    self.expr(b, slots, code, None),
                );
                let d = target(self);
                code.push(match op {
                    BinaryOp::Add => Instr::Add {
                        dst: d,
                        a,
                        b,
                        mask: m,
                    },
                    BinaryOp::Sub => Instr::Sub {
                        dst: d,
                        a,
                        b,
                        mask: m,
                    },
                    // The low bits of a two's-complement product equal the unsigned product's.
                    BinaryOp::Mul | BinaryOp::MulSigned => Instr::Mul {
                        dst: d,
                        a,
                        b,
                        mask: m,
                    },
                    BinaryOp::And => Instr::And { dst: d, a, b },
                    BinaryOp::Or => Instr::Or { dst: d, a, b },
                    BinaryOp::Xor => Instr::Xor { dst: d, a, b },
                    BinaryOp::Eq => Instr::Eq { dst: d, a, b },
                    BinaryOp::Ne => Instr::Ne { dst: d, a, b },
                    BinaryOp::Lt => Instr::Lt { dst: d, a, b },
                    BinaryOp::Le => Instr::Le { dst: d, a, b },
                    BinaryOp::Gt => Instr::Lt { dst: d, a: b, b: a },
                    BinaryOp::Ge => Instr::Le { dst: d, a: b, b: a },
                });
                d
            }
            Node::Shift(op, a, k) => {
                let a_slot = self.expr(a, slots, code, None);
                let d = target(self);
                code.push(match op {
                    ShiftOp::Left => Instr::Shl {
                        dst: d,
                        a: a_slot,
                        k: *k,
                        mask: m,
                    },
                    ShiftOp::Right => Instr::Shr {
                        dst: d,
                        a: a_slot,
                        k: *k,
                    },
                    ShiftOp::RightArithmetic => Instr::Sra {
                        dst: d,
                        a: a_slot,
                        k: *k,
                        width: a.width,
                        mask: m,
                    },
                });
                d
            }
            Node::Mux(s, a, b) => {
                let s = self.expr(s, slots, code, None);
                let a = self.expr(a, slots, code, None);
                let b = self.expr(b, slots, code, None);
                let d = target(self);
                code.push(Instr::Mux { dst: d, s, a, b });
                d
            }
            Node::Invalid(reason) => {
                unreachable!("a finished module has no invalid expression: {reason}")
            }
        };
        out
    }

    /// Puts the value of `slot` at `dst` (a copy) when a destination is asked for.
    fn place(&mut self, slot: u32, dst: Option<u32>, code: &mut Vec<Instr>) -> u32 {
        match dst {
            Some(d) if d != slot => {
                code.push(Instr::Copy { dst: d, a: slot });
                d
            }
            _ => slot,
        }
    }

    fn statements(&mut self, list: &[Statement], slots: &[u32], code: &mut Vec<Instr>) {
        for s in list {
            match s {
                Statement::Assign {
                    target,
                    bits: None,
                    value,
                } => {
                    self.expr(value, slots, code, Some(slots[*target as usize]));
                }
                Statement::Assign {
                    target,
                    bits: Some((_, lo)),
                    value,
                } => {
                    let a = self.expr(value, slots, code, None);
                    code.push(Instr::Insert {
                        dst: slots[*target as usize],
                        a,
                        lo: *lo,
                        mask: mask(value.width),
                    });
                }
                Statement::If {
                    condition,
                    then,
                    otherwise,
                } => {
                    let s = self.expr(condition, slots, code, None);
                    let branch = code.len();
                    code.push(Instr::Jump { to: 0 });
                    self.statements(then, slots, code);
                    if otherwise.is_empty() {
                        code[branch] = Instr::JumpIfZero {
                            s,
                            to: code.len() as u32,
                        };
                    } else {
                        let skip = code.len();
                        code.push(Instr::Jump { to: 0 });
                        code[branch] = Instr::JumpIfZero {
                            s,
                            to: code.len() as u32,
                        };
                        self.statements(otherwise, slots, code);
                        code[skip] = Instr::Jump {
                            to: code.len() as u32,
                        };
                    }
                }
            }
        }
    }

    /// Compiles `module` as instance `prefix` (empty for the top). `forced`
    /// gives the slots of nets the parent already owns (connected ports).
    fn module(&mut self, module: &Module, prefix: &str, forced: &HashMap<u32, u32>) {
        let mut slots = Vec::with_capacity(module.nets.len());
        for (id, net) in module.nets.iter().enumerate() {
            let s = match forced.get(&(id as u32)) {
                Some(&s) => s,
                None => {
                    let s = self.slot();
                    if net.kind == NetKind::Constant {
                        self.initial[s as usize] = net.value;
                    }
                    s
                }
            };
            slots.push(s);
        }
        // The net table: ports first (in port order), then every other net in declaration order.
        let order = module
            .ports
            .iter()
            .copied()
            .chain((0..module.nets.len() as u32).filter(|id| !module.ports.contains(id)));
        for id in order {
            let net = module.net(id);
            let kind = match net.kind {
                NetKind::Input => SignalKind::Input,
                NetKind::Output => SignalKind::Output,
                NetKind::Constant => SignalKind::Constant,
                NetKind::Register | NetKind::MemoryRead => SignalKind::Register,
                NetKind::Wire | NetKind::Comb | NetKind::InstanceOutput => SignalKind::Comb,
            };
            self.signals.push((
                Signal {
                    name: format!("{prefix}{}", net.name),
                    width: net.width,
                    kind,
                },
                slots[id as usize],
            ));
        }
        for item in &module.items {
            match item {
                Item::Section {
                    assigns, process, ..
                } => {
                    for (net, e) in assigns {
                        let mut code = Vec::new();
                        self.expr(e, &slots, &mut code, Some(slots[*net as usize]));
                        let mut reads = Vec::new();
                        e.reads(&mut reads);
                        self.nodes.push(CombNode {
                            reads: reads.iter().map(|r| slots[*r as usize]).collect(),
                            writes: vec![slots[*net as usize]],
                            code,
                            name: format!("{prefix}{}", module.net(*net).name),
                        });
                    }
                    if !process.is_empty() {
                        let mut code = Vec::new();
                        self.statements(process, &slots, &mut code);
                        let (mut reads, mut writes) = (Vec::new(), Vec::new());
                        statement_nets(process, &mut reads, &mut writes);
                        self.nodes.push(CombNode {
                            reads: reads.iter().map(|r| slots[*r as usize]).collect(),
                            writes: writes.iter().map(|w| slots[*w as usize]).collect(),
                            code,
                            name: format!("{prefix}{}", module.net(writes[0]).name),
                        });
                    }
                }
                Item::Registers(group) => {
                    let enable = group.enable.as_ref().map(|e| {
                        let mut code = std::mem::take(&mut self.next_state);
                        let s = self.expr(e, &slots, &mut code, None);
                        self.next_state = code;
                        s
                    });
                    for (q, next) in &group.registers {
                        let mut code = std::mem::take(&mut self.next_state);
                        let s = self.expr(next, &slots, &mut code, None);
                        self.next_state = code;
                        self.registers.push(RegisterUpdate {
                            q: slots[*q as usize],
                            next: s,
                            reset: module.net(*q).value,
                            enable,
                        });
                    }
                }
                Item::Memory(m) => {
                    let mut code = std::mem::take(&mut self.next_state);
                    let write_enable = self.expr(&m.write_enable, &slots, &mut code, None);
                    let write_address = self.expr(&m.write_address, &slots, &mut code, None);
                    let write_data = self.expr(&m.write_data, &slots, &mut code, None);
                    let reads = m
                        .reads
                        .iter()
                        .map(|(q, a)| (slots[*q as usize], self.expr(a, &slots, &mut code, None)))
                        .collect();
                    self.next_state = code;
                    self.memories.push(MemoryModel {
                        words: m.depth() as usize,
                        write_enable,
                        write_address,
                        write_data,
                        reads,
                    });
                }
                Item::Instance(inst) => {
                    let child = &inst.module;
                    let mut child_forced = HashMap::new();
                    for (port, e) in &inst.inputs {
                        let id = child.find(port).expect("checked at construction");
                        if let Node::Net(n) = e.node {
                            child_forced.insert(id, slots[n as usize]);
                        } else {
                            let s = self.slot();
                            let mut code = Vec::new();
                            self.expr(e, &slots, &mut code, Some(s));
                            let mut reads = Vec::new();
                            e.reads(&mut reads);
                            self.nodes.push(CombNode {
                                reads: reads.iter().map(|r| slots[*r as usize]).collect(),
                                writes: vec![s],
                                code,
                                name: format!("{prefix}{}.{port}", inst.name),
                            });
                            child_forced.insert(id, s);
                        }
                    }
                    for (port, net) in &inst.outputs {
                        let id = child.find(port).expect("checked at construction");
                        child_forced.insert(id, slots[*net as usize]);
                    }
                    self.module(child, &format!("{prefix}{}.", inst.name), &child_forced);
                }
            }
        }
    }
}

/// Nets a process reads (conditions, values) and writes (targets).
fn statement_nets(list: &[Statement], reads: &mut Vec<u32>, writes: &mut Vec<u32>) {
    for s in list {
        match s {
            Statement::Assign { target, value, .. } => {
                value.reads(reads);
                if !writes.contains(target) {
                    writes.push(*target);
                }
            }
            Statement::If {
                condition,
                then,
                otherwise,
            } => {
                condition.reads(reads);
                statement_nets(then, reads, writes);
                statement_nets(otherwise, reads, writes);
            }
        }
    }
}

/// Orders nodes so every node runs after the nodes producing what it reads.
fn schedule(nodes: Vec<CombNode>, slot_count: usize) -> Result<Vec<Instr>> {
    let mut producer = vec![usize::MAX; slot_count];
    for (i, n) in nodes.iter().enumerate() {
        for &w in &n.writes {
            producer[w as usize] = i;
        }
    }
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; nodes.len()];
    let mut order = Vec::with_capacity(nodes.len());
    for start in 0..nodes.len() {
        if state[start] != 0 {
            continue;
        }
        // Iterative depth-first search: (node, next read to look at).
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&r) = nodes[node].reads.get(*next) {
                *next += 1;
                let p = producer[r as usize];
                if p == usize::MAX || p == node {
                    continue;
                }
                match state[p] {
                    0 => {
                        state[p] = 1;
                        stack.push((p, 0));
                    }
                    1 => {
                        return Err(Error::Other(format!(
                            "combinational loop through `{}`",
                            nodes[p].name
                        )));
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                order.push(node);
                stack.pop();
            }
        }
    }
    let mut program = Vec::new();
    for i in order {
        let base = program.len() as u32;
        program.extend(nodes[i].code.iter().map(|instr| match *instr {
            Instr::Jump { to } => Instr::Jump { to: to + base },
            Instr::JumpIfZero { s, to } => Instr::JumpIfZero { s, to: to + base },
            other => other,
        }));
    }
    Ok(program)
}

fn reads_slot(program: &[Instr], slot: u32) -> bool {
    program.iter().any(|i| {
        let operands: &[u32] = match i {
            Instr::Copy { a, .. }
            | Instr::Not { a, .. }
            | Instr::Shl { a, .. }
            | Instr::Shr { a, .. }
            | Instr::Sra { a, .. }
            | Instr::ReduceOr { a, .. }
            | Instr::ReduceAnd { a, .. }
            | Instr::ReduceXor { a, .. }
            | Instr::Slice { a, .. }
            | Instr::Sext { a, .. }
            | Instr::Repeat { a, .. }
            | Instr::Insert { a, .. } => std::slice::from_ref(a),
            Instr::Add { a, b, .. }
            | Instr::Sub { a, b, .. }
            | Instr::Mul { a, b, .. }
            | Instr::And { a, b, .. }
            | Instr::Or { a, b, .. }
            | Instr::Xor { a, b, .. }
            | Instr::Eq { a, b, .. }
            | Instr::Ne { a, b, .. }
            | Instr::Lt { a, b, .. }
            | Instr::Le { a, b, .. } => return *a == slot || *b == slot,
            Instr::Mux { s, a, b, .. } => return *s == slot || *a == slot || *b == slot,
            Instr::Join { hi, lo, .. } => return *hi == slot || *lo == slot,
            Instr::JumpIfZero { s, .. } => std::slice::from_ref(s),
            Instr::Jump { .. } => &[],
        };
        operands.contains(&slot)
    })
}

impl Compiled {
    /// Compiles the hierarchy under `top`.
    pub fn new(top: &Arc<Module>) -> Result<Arc<Compiled>> {
        let mut c = Compiler {
            initial: Vec::new(),
            constants: HashMap::new(),
            nodes: Vec::new(),
            next_state: Vec::new(),
            registers: Vec::new(),
            memories: Vec::new(),
            signals: Vec::new(),
        };
        c.module(top, "", &HashMap::new());
        let port = |name: &str| {
            top.ports
                .iter()
                .find(|&&p| top.net(p).name == name && top.net(p).kind == NetKind::Input)
                .map(|&p| p as usize)
        };
        let (Some(clk), Some(rst_n)) = (port("clk_i"), port("rst_ni")) else {
            return Err(Error::Other(format!(
                "module `{}` needs the inputs clk_i and rst_ni",
                top.name
            )));
        };
        let slot_of = |id: usize| {
            let name = &top.nets[id].name;
            c.signals
                .iter()
                .find(|(s, _)| &s.name == name)
                .map(|(_, slot)| *slot)
                .expect("every top net is in the table")
        };
        let (clk, rst_n) = (slot_of(clk), slot_of(rst_n));
        let slot_count = c.initial.len();
        let settle = schedule(std::mem::take(&mut c.nodes), slot_count)?;
        let clk_is_data = reads_slot(&settle, clk);
        let (signals, signal_slots) = c.signals.into_iter().unzip();
        Ok(Arc::new(Compiled {
            signals,
            signal_slots,
            initial: c.initial,
            settle,
            next_state: c.next_state,
            registers: c.registers,
            memories: c.memories,
            clk,
            rst_n,
            clk_is_data,
        }))
    }

    /// The net table: every net of every level, hierarchical names.
    pub fn signals(&self) -> &[Signal] {
        &self.signals
    }

    /// Instructions per settle and per clock edge (for benchmarks and docs).
    pub fn program_sizes(&self) -> (usize, usize) {
        (self.settle.len(), self.next_state.len())
    }
}

/// A running instance of a compiled description.
pub struct CompiledModel {
    program: Arc<Compiled>,
    values: Vec<u64>,
    memories: Vec<Vec<u64>>,
    /// Values of register next states and read data, gathered before any lands.
    staged: Vec<u64>,
    clk_before: bool,
    rst_n_before: bool,
    in_reset: bool,
    /// An input changed since the last settle.
    dirty: bool,
}

impl CompiledModel {
    pub fn new(program: Arc<Compiled>) -> Self {
        let memories = program.memories.iter().map(|m| vec![0; m.words]).collect();
        let mut model = CompiledModel {
            values: program.initial.clone(),
            memories,
            staged: Vec::new(),
            program,
            clk_before: false,
            rst_n_before: false,
            in_reset: false,
            dirty: false,
        };
        // Registers power up at zero, as Verilator's do; only an active
        // reset (a falling edge of rst_ni) loads the reset constants.
        run(&model.program.settle, &mut model.values);
        model
    }

    /// The value of the net named `name` (hierarchical), if there is one.
    pub fn net(&self, name: &str) -> Option<u64> {
        let i = self.program.signals.iter().position(|s| s.name == name)?;
        Some(self.value(i))
    }

    /// Word `address` of memory `index` (declaration order, depth first).
    pub fn memory_word(&self, index: usize, address: usize) -> Option<u64> {
        self.memories.get(index)?.get(address).copied()
    }

    fn clock_edge(&mut self) {
        let p = &*self.program;
        run(&p.next_state, &mut self.values);
        let v = &mut self.values;
        self.staged.clear();
        for (m, words) in p.memories.iter().zip(&mut self.memories) {
            for &(q, address) in &m.reads {
                self.staged
                    .push(words[v[address as usize] as usize % m.words]);
                let _ = q;
            }
        }
        for (m, words) in p.memories.iter().zip(&mut self.memories) {
            if v[m.write_enable as usize] & 1 == 1 {
                words[v[m.write_address as usize] as usize % m.words] = v[m.write_data as usize];
            }
        }
        let mut staged = self.staged.iter();
        for m in &p.memories {
            for &(q, _) in &m.reads {
                v[q as usize] = *staged.next().expect("staged above");
            }
        }
        let rst_n = v[p.rst_n as usize] & 1 == 1;
        if rst_n {
            self.staged.clear();
            for r in &p.registers {
                let load = r.enable.is_none_or(|e| v[e as usize] & 1 == 1);
                self.staged.push(if load {
                    v[r.next as usize]
                } else {
                    v[r.q as usize]
                });
            }
            for (r, value) in p.registers.iter().zip(&self.staged) {
                v[r.q as usize] = *value;
            }
        }
    }
}

impl CycleModel for CompiledModel {
    fn signals(&self) -> &[Signal] {
        &self.program.signals
    }

    fn set_input(&mut self, index: usize, value: u64) {
        let slot = self.program.signal_slots[index] as usize;
        let value = value & mask(self.program.signals[index].width);
        if self.values[slot] != value {
            self.values[slot] = value;
            if slot as u32 != self.program.clk || self.program.clk_is_data {
                self.dirty = true;
            }
        }
    }

    fn eval(&mut self) {
        let (clk_slot, rst_slot) = (self.program.clk as usize, self.program.rst_n as usize);
        let clk = self.values[clk_slot] & 1 == 1;
        let rising = clk && !self.clk_before;
        self.clk_before = clk;
        let rst_n = self.values[rst_slot] & 1 == 1;
        let reset_falls = !rst_n && self.rst_n_before;
        self.rst_n_before = rst_n;
        if rising {
            // Registers sample their inputs as settled before the edge.
            if self.dirty {
                run(&self.program.settle, &mut self.values);
            }
            self.clock_edge();
        }
        if !rst_n {
            // `always @(posedge clk_i or negedge rst_ni)`: the reset branch runs
            // at a falling edge of rst_ni and at every rising clock while it is
            // low. Verilator starts rst_ni at 0, so rst_ni low from time 0 is no
            // edge: the reset lands at the first rising clock.
            if reset_falls || rising || self.in_reset {
                self.in_reset = true;
                for r in &self.program.registers {
                    self.values[r.q as usize] = r.reset;
                }
            }
        } else if rising {
            self.in_reset = false;
        }
        run(&self.program.settle, &mut self.values);
        self.dirty = false;
    }

    fn value(&self, index: usize) -> u64 {
        self.values[self.program.signal_slots[index] as usize]
    }
}
