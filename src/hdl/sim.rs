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

use std::cell::{Cell, RefCell};
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
    /// A multiplexer selected by bit `bit` of slot `s`.
    MuxBit {
        dst: u32,
        s: u32,
        bit: u32,
        a: u32,
        b: u32,
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

/// Runs `program` over the slots `v`.
///
/// Slot and jump indices are checked once, when the program is compiled
/// (`Compiled::check`), so the loop reads and writes without bounds checks:
/// the interpreter's inner loop is what the cycle model's speed is made of.
fn run(program: &[Instr], v: &mut [u64]) {
    macro_rules! r {
        ($slot:expr) => {
            // SAFETY: `Compiled::check` verified every slot index is below `v.len()`.
            unsafe { *v.get_unchecked($slot as usize) }
        };
    }
    macro_rules! w {
        ($slot:expr) => {
            // SAFETY: as above.
            unsafe { v.get_unchecked_mut($slot as usize) }
        };
    }
    let mut pc = 0;
    while let Some(instr) = program.get(pc) {
        pc += 1;
        match *instr {
            Instr::Copy { dst, a } => *w!(dst) = r!(a),
            Instr::Add { dst, a, b, mask } => *w!(dst) = r!(a).wrapping_add(r!(b)) & mask,
            Instr::Sub { dst, a, b, mask } => *w!(dst) = r!(a).wrapping_sub(r!(b)) & mask,
            Instr::Mul { dst, a, b, mask } => *w!(dst) = r!(a).wrapping_mul(r!(b)) & mask,
            Instr::And { dst, a, b } => *w!(dst) = r!(a) & r!(b),
            Instr::Or { dst, a, b } => *w!(dst) = r!(a) | r!(b),
            Instr::Xor { dst, a, b } => *w!(dst) = r!(a) ^ r!(b),
            Instr::Not { dst, a, mask } => *w!(dst) = !r!(a) & mask,
            Instr::Shl { dst, a, k, mask } => *w!(dst) = r!(a).checked_shl(k).unwrap_or(0) & mask,
            Instr::Shr { dst, a, k } => *w!(dst) = r!(a).checked_shr(k).unwrap_or(0),
            Instr::Sra {
                dst,
                a,
                k,
                width,
                mask,
            } => {
                let signed = crate::design::sign_extend(r!(a), width);
                *w!(dst) = (signed >> k.min(63)) as u64 & mask
            }
            Instr::Eq { dst, a, b } => *w!(dst) = u64::from(r!(a) == r!(b)),
            Instr::Ne { dst, a, b } => *w!(dst) = u64::from(r!(a) != r!(b)),
            Instr::Lt { dst, a, b } => *w!(dst) = u64::from(r!(a) < r!(b)),
            Instr::Le { dst, a, b } => *w!(dst) = u64::from(r!(a) <= r!(b)),
            Instr::ReduceOr { dst, a } => *w!(dst) = u64::from(r!(a) != 0),
            Instr::ReduceAnd { dst, a, mask } => *w!(dst) = u64::from(r!(a) == mask),
            Instr::ReduceXor { dst, a } => *w!(dst) = u64::from(r!(a).count_ones() & 1),
            Instr::Mux { dst, s, a, b } => *w!(dst) = if r!(s) != 0 { r!(a) } else { r!(b) },
            Instr::MuxBit { dst, s, bit, a, b } => {
                *w!(dst) = if (r!(s) >> bit) & 1 != 0 {
                    r!(a)
                } else {
                    r!(b)
                }
            }
            Instr::Slice { dst, a, lo, mask } => *w!(dst) = (r!(a) >> lo) & mask,
            Instr::Sext {
                dst,
                a,
                width,
                mask,
            } => *w!(dst) = crate::design::sign_extend(r!(a), width) as u64 & mask,
            Instr::Join { dst, hi, lo, shift } => *w!(dst) = (r!(hi) << shift) | r!(lo),
            Instr::Repeat { dst, a, factor } => *w!(dst) = r!(a).wrapping_mul(factor),
            Instr::Insert { dst, a, lo, mask } => {
                let field = r!(a) << lo;
                *w!(dst) = (r!(dst) & !(mask << lo)) | field
            }
            Instr::JumpIfZero { s, to } => {
                if r!(s) == 0 {
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
    /// A process: its statements run in their written order, never reordered.
    process: bool,
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
    /// Every combinational net, in dependence order.
    settle: Vec<Instr>,
    /// The nets the inputs (not `clk_i`) reach: all that changes between edges.
    settle_inputs: Vec<Instr>,
    next_state: Vec<Instr>,
    registers: Vec<RegisterUpdate>,
    memories: Vec<MemoryModel>,
    clk: u32,
    rst_n: u32,
    /// Whether combinational logic reads `clk_i` (then a clock edge must resettle first).
    clk_is_data: bool,
    /// Per signal: whether combinational logic computes it (else it is an
    /// input, a constant, a register or an alias of one, current without a settle).
    settled_by_logic: Vec<bool>,
    /// Per signal: its width's mask.
    signal_masks: Vec<u64>,
    /// No register's next value or enable reads another register's slot, so
    /// registers can take their next values one after the other.
    registers_update_in_place: bool,
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
        match &e.node {
            Node::Const(v) => {
                let s = self.constant(*v);
                self.place(s, dst, code)
            }
            Node::Net(n) => self.place(slots[*n as usize], dst, code),
            // Zero extension leaves the bit pattern as it is.
            Node::Zext(a) => self.expr(a, slots, code, dst),
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
            Node::Mux(s, a, b) if matches!(s.node, Node::Slice { hi, lo, .. } if hi == lo) => {
                let Node::Slice { net, lo: bit, .. } = s.node else {
                    unreachable!("matched above")
                };
                let a = self.expr(a, slots, code, None);
                let b = self.expr(b, slots, code, None);
                let d = target(self);
                code.push(Instr::MuxBit {
                    dst: d,
                    s: slots[net as usize],
                    bit,
                    a,
                    b,
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
        }
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
        // A net assigned a bare net (`assign weight_o = weight_q;`) shares
        // that net's slot: no copy runs at all. Groups of such nets take the
        // slot the parent gave one of them, if any.
        let aliases = copy_aliases(module, forced);
        let mut group_slot: HashMap<u32, u32> = HashMap::new();
        for (id, root) in aliases.iter().enumerate() {
            if let Some(&s) = forced.get(&(id as u32)) {
                group_slot.insert(*root, s);
            }
        }
        let mut slots = Vec::with_capacity(module.nets.len());
        for (id, net) in module.nets.iter().enumerate() {
            let root = aliases[id];
            let s = match forced.get(&(id as u32)) {
                Some(&s) => s,
                None => match group_slot.get(&root) {
                    Some(&s) => s,
                    None => {
                        let s = self.slot();
                        group_slot.insert(root, s);
                        s
                    }
                },
            };
            if net.kind == NetKind::Constant {
                self.initial[s as usize] = net.value;
            }
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
                        if let Node::Net(source) = e.node
                            && slots[source as usize] == slots[*net as usize]
                        {
                            continue;
                        }
                        let mut code = Vec::new();
                        self.expr(e, &slots, &mut code, Some(slots[*net as usize]));
                        let mut reads = Vec::new();
                        e.reads(&mut reads);
                        self.nodes.push(CombNode {
                            reads: reads.iter().map(|r| slots[*r as usize]).collect(),
                            writes: vec![slots[*net as usize]],
                            code,
                            name: format!("{prefix}{}", module.net(*net).name),
                            process: false,
                        });
                    }
                    if let Some(lowered) = as_multiplexers(process) {
                        // The process as one multiplexer tree per target: plain
                        // assigns, which the scheduler may interleave.
                        for (target, e) in lowered {
                            let mut code = Vec::new();
                            self.expr(&e, &slots, &mut code, Some(slots[target as usize]));
                            let mut reads = Vec::new();
                            e.reads(&mut reads);
                            self.nodes.push(CombNode {
                                reads: reads.iter().map(|r| slots[*r as usize]).collect(),
                                writes: vec![slots[target as usize]],
                                code,
                                name: format!("{prefix}{}", module.net(target).name),
                                process: false,
                            });
                        }
                    } else if !process.is_empty() {
                        let mut code = Vec::new();
                        self.statements(process, &slots, &mut code);
                        let (mut reads, mut writes) = (Vec::new(), Vec::new());
                        statement_nets(process, &mut reads, &mut writes);
                        self.nodes.push(CombNode {
                            reads: reads.iter().map(|r| slots[*r as usize]).collect(),
                            writes: writes.iter().map(|w| slots[*w as usize]).collect(),
                            code,
                            name: format!("{prefix}{}", module.net(writes[0]).name),
                            process: true,
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
                                process: false,
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

/// For each net of `module`, the representative of its copy group: nets
/// joined by `assign a = b;` (wires and outputs assigned a bare net), unless
/// both already have distinct slots from the parent.
fn copy_aliases(module: &Module, forced: &HashMap<u32, u32>) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..module.nets.len() as u32).collect();
    fn root(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    for item in &module.items {
        let Item::Section { assigns, .. } = item else {
            continue;
        };
        for (target, e) in assigns {
            let Node::Net(source) = e.node else {
                continue;
            };
            if !matches!(module.net(*target).kind, NetKind::Wire | NetKind::Output) {
                continue;
            }
            let (a, b) = (root(&mut parent, *target), root(&mut parent, source));
            if a == b {
                continue;
            }
            // Two groups that each own a parent's slot stay apart (a copy joins them).
            let owns = |r: u32, parent: &mut [u32]| {
                (0..module.nets.len() as u32)
                    .any(|n| forced.contains_key(&n) && root(parent, n) == r)
            };
            if owns(a, &mut parent) && owns(b, &mut parent) {
                continue;
            }
            parent[a as usize] = b;
        }
    }
    (0..module.nets.len() as u32)
        .map(|n| root(&mut parent, n))
        .collect()
}

/// A process of full-width assigns and ifs, whose values and conditions read
/// none of its own targets, is a multiplexer tree per target: `if (c) t = a;
/// else t = b;` is `t = c ? a : b`. Returns the trees in target order, or
/// `None` when the process does not have that form (slice assigns, a target
/// read inside it), in which case it runs as statements with jumps.
fn as_multiplexers(process: &[Statement]) -> Option<Vec<(u32, Expr)>> {
    let (mut reads, mut targets) = (Vec::new(), Vec::new());
    statement_nets(process, &mut reads, &mut targets);
    if targets.is_empty() || reads.iter().any(|r| targets.contains(r)) {
        return None;
    }
    fn apply(list: &[Statement], values: &mut Vec<(u32, Expr)>) -> Option<()> {
        for s in list {
            match s {
                Statement::Assign {
                    target,
                    bits: None,
                    value,
                } => match values.iter_mut().find(|(t, _)| t == target) {
                    Some((_, v)) => *v = value.clone(),
                    None => values.push((*target, value.clone())),
                },
                Statement::Assign { bits: Some(_), .. } => return None,
                Statement::If {
                    condition,
                    then,
                    otherwise,
                } => {
                    let (mut a, mut b) = (values.clone(), values.clone());
                    apply(then, &mut a)?;
                    apply(otherwise, &mut b)?;
                    for (target, current) in values.iter_mut() {
                        let find = |list: &[(u32, Expr)]| {
                            list.iter()
                                .find(|(t, _)| t == target)
                                .map(|(_, e)| e.clone())
                        };
                        let (x, y) = (find(&a)?, find(&b)?);
                        if x != y {
                            *current = super::expr::mux(condition.clone(), x, y);
                        }
                    }
                }
            }
        }
        Some(())
    }
    let mut values = Vec::new();
    apply(process, &mut values)?;
    Some(values)
}

/// Nets a process reads (conditions, values) and writes (targets).
pub(crate) fn statement_nets(list: &[Statement], reads: &mut Vec<u32>, writes: &mut Vec<u32>) {
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
fn schedule(nodes: &[CombNode], slot_count: usize) -> Result<Vec<usize>> {
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
    Ok(order)
}

/// The program of `nodes` taken in `order`, jumps relocated. Runs of
/// straight-line nodes (assigns) are interleaved by dependence level and,
/// within a level, grouped by operation: an interpreter's dispatch branch
/// predicts far better when the same operation comes several times in a row
/// (measured: about 1.5x faster on the lane).
fn program(nodes: &[CombNode], order: impl IntoIterator<Item = usize>) -> Vec<Instr> {
    let mut program = Vec::new();
    let mut run_of_assigns: Vec<Instr> = Vec::new();
    for i in order {
        let code = &nodes[i].code;
        if !nodes[i].process {
            run_of_assigns.extend_from_slice(code);
            continue;
        }
        program.extend(by_level(std::mem::take(&mut run_of_assigns)));
        let base = program.len() as u32;
        program.extend(code.iter().map(|instr| match *instr {
            Instr::Jump { to } => Instr::Jump { to: to + base },
            Instr::JumpIfZero { s, to } => Instr::JumpIfZero { s, to: to + base },
            other => other,
        }));
    }
    program.extend(by_level(run_of_assigns));
    program
}

/// Straight-line code reordered so that the same operation comes in runs as
/// long as the dependences allow: a list scheduler that, among the
/// instructions whose operands are ready, keeps to the operation it just
/// emitted, else takes the operation with the most ready instructions. Every
/// slot is written once in such code, so any order that keeps each
/// instruction after the writers of what it reads computes the same values.
fn by_level(code: Vec<Instr>) -> Vec<Instr> {
    let n = code.len();
    let mut writer: HashMap<u32, usize> = HashMap::new();
    for (i, instr) in code.iter().enumerate() {
        if let Some(d) = operands(instr).0 {
            writer.insert(d, i);
        }
    }
    // Dependences within this code: predecessors counted, successors listed.
    let mut waiting = vec![0usize; n];
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, instr) in code.iter().enumerate() {
        let mut preds: Vec<usize> = operands(instr)
            .1
            .iter()
            .filter_map(|r| writer.get(r).copied())
            .filter(|&p| p < i)
            .collect();
        preds.sort_unstable();
        preds.dedup();
        waiting[i] = preds.len();
        for p in preds {
            successors[p].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    let mut last: Option<u8> = None;
    while !ready.is_empty() {
        let pick = last
            .and_then(|op| ready.iter().position(|&i| opcode(&code[i]) == op))
            .unwrap_or_else(|| {
                // The operation with the most ready instructions; ties by position.
                let mut counts: HashMap<u8, usize> = HashMap::new();
                for &i in &ready {
                    *counts.entry(opcode(&code[i])).or_default() += 1;
                }
                let best = ready
                    .iter()
                    .map(|&i| (counts[&opcode(&code[i])], std::cmp::Reverse(i)))
                    .max()
                    .map(|(_, std::cmp::Reverse(i))| i)
                    .expect("ready is not empty");
                ready.iter().position(|&i| i == best).expect("in ready")
            });
        let i = ready.swap_remove(pick);
        // Keep the ready list in program order for stable, deterministic picks.
        ready.sort_unstable();
        last = Some(opcode(&code[i]));
        order.push(i);
        for &s in &successors[i] {
            waiting[s] -= 1;
            if waiting[s] == 0 {
                ready.push(s);
            }
        }
    }
    order.into_iter().map(|i| code[i]).collect()
}

fn opcode(instr: &Instr) -> u8 {
    // SAFETY-free discriminant: the position of the variant in the enum.
    match instr {
        Instr::Copy { .. } => 0,
        Instr::Add { .. } => 1,
        Instr::Sub { .. } => 2,
        Instr::Mul { .. } => 3,
        Instr::And { .. } => 4,
        Instr::Or { .. } => 5,
        Instr::Xor { .. } => 6,
        Instr::Not { .. } => 7,
        Instr::Shl { .. } => 8,
        Instr::Shr { .. } => 9,
        Instr::Sra { .. } => 10,
        Instr::Eq { .. } => 11,
        Instr::Ne { .. } => 12,
        Instr::Lt { .. } => 13,
        Instr::Le { .. } => 14,
        Instr::ReduceOr { .. } => 15,
        Instr::ReduceAnd { .. } => 16,
        Instr::ReduceXor { .. } => 17,
        Instr::Mux { .. } => 18,
        Instr::MuxBit { .. } => 26,
        Instr::Slice { .. } => 19,
        Instr::Sext { .. } => 20,
        Instr::Join { .. } => 21,
        Instr::Repeat { .. } => 22,
        Instr::Insert { .. } => 23,
        Instr::JumpIfZero { .. } => 24,
        Instr::Jump { .. } => 25,
    }
}

/// The slot an instruction writes and the slots it reads.
fn operands(instr: &Instr) -> (Option<u32>, Vec<u32>) {
    match *instr {
        Instr::Copy { dst, a }
        | Instr::Not { dst, a, .. }
        | Instr::Shl { dst, a, .. }
        | Instr::Shr { dst, a, .. }
        | Instr::Sra { dst, a, .. }
        | Instr::ReduceOr { dst, a }
        | Instr::ReduceAnd { dst, a, .. }
        | Instr::ReduceXor { dst, a }
        | Instr::Slice { dst, a, .. }
        | Instr::Sext { dst, a, .. }
        | Instr::Repeat { dst, a, .. } => (Some(dst), vec![a]),
        Instr::Insert { dst, a, .. } => (Some(dst), vec![a, dst]),
        Instr::Add { dst, a, b, .. }
        | Instr::Sub { dst, a, b, .. }
        | Instr::Mul { dst, a, b, .. }
        | Instr::And { dst, a, b }
        | Instr::Or { dst, a, b }
        | Instr::Xor { dst, a, b }
        | Instr::Eq { dst, a, b }
        | Instr::Ne { dst, a, b }
        | Instr::Lt { dst, a, b }
        | Instr::Le { dst, a, b } => (Some(dst), vec![a, b]),
        Instr::Mux { dst, s, a, b } | Instr::MuxBit { dst, s, a, b, .. } => {
            (Some(dst), vec![s, a, b])
        }
        Instr::Join { dst, hi, lo, .. } => (Some(dst), vec![hi, lo]),
        Instr::JumpIfZero { s, .. } => (None, vec![s]),
        Instr::Jump { .. } => (None, Vec::new()),
    }
}

/// Which of `nodes` (in `order`) depend, directly or through other nodes, on
/// a slot of `sources`.
fn cone(nodes: &[CombNode], order: &[usize], slot_count: usize, sources: &[u32]) -> Vec<usize> {
    let mut tainted = vec![false; slot_count];
    for &s in sources {
        tainted[s as usize] = true;
    }
    let mut out = Vec::new();
    for &i in order {
        if nodes[i].reads.iter().any(|&r| tainted[r as usize]) {
            for &w in &nodes[i].writes {
                tainted[w as usize] = true;
            }
            out.push(i);
        }
    }
    out
}

/// Every slot an instruction names, and whether its jump targets stay within
/// the program: what `run` relies on to index without bounds checks.
fn check(program: &[Instr], slots: usize) {
    for instr in program {
        let (dst, reads) = operands(instr);
        let jump = match *instr {
            Instr::Jump { to } | Instr::JumpIfZero { to, .. } => Some(to),
            _ => None,
        };
        assert!(
            dst.iter().chain(&reads).all(|&n| (n as usize) < slots)
                && jump.is_none_or(|t| t as usize <= program.len()),
            "compiled program names a slot or jump outside its bounds: {instr:?}"
        );
    }
}

fn reads_slot(program: &[Instr], slot: u32) -> bool {
    program.iter().any(|i| operands(i).1.contains(&slot))
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
        let nodes = std::mem::take(&mut c.nodes);
        let order = schedule(&nodes, slot_count)?;
        let settle = program(&nodes, order.iter().copied());
        // Between clock edges only the inputs change: what they do not reach
        // keeps its value, so an input change re-runs only their cone.
        let inputs: Vec<u32> = top
            .ports
            .iter()
            .filter(|&&p| top.net(p).kind == NetKind::Input)
            .map(|&p| slot_of(p as usize))
            .filter(|&s| s != clk)
            .collect();
        let settle_inputs = program(&nodes, cone(&nodes, &order, slot_count, &inputs));
        let clk_is_data = reads_slot(&settle, clk);
        check(&settle, slot_count);
        check(&settle_inputs, slot_count);
        check(&c.next_state, slot_count);
        let (signals, signal_slots): (Vec<Signal>, Vec<u32>) = c.signals.into_iter().unzip();
        let written: std::collections::HashSet<u32> =
            settle.iter().filter_map(|i| operands(i).0).collect();
        let settled_by_logic = signal_slots.iter().map(|s| written.contains(s)).collect();
        let signal_masks = signals.iter().map(|s| mask(s.width)).collect();
        let register_slots: std::collections::HashSet<u32> =
            c.registers.iter().map(|r| r.q).collect();
        let registers_update_in_place = c.registers.iter().all(|r| {
            !register_slots.contains(&r.next)
                && r.enable.is_none_or(|e| !register_slots.contains(&e))
        });
        Ok(Arc::new(Compiled {
            signals,
            signal_slots,
            initial: c.initial,
            settle,
            settle_inputs,
            next_state: c.next_state,
            registers: c.registers,
            memories: c.memories,
            clk,
            rst_n,
            clk_is_data,
            settled_by_logic,
            signal_masks,
            registers_update_in_place,
        }))
    }

    /// The net table: every net of every level, hierarchical names.
    pub fn signals(&self) -> &[Signal] {
        &self.signals
    }
}

/// A running instance of a compiled description.
///
/// Settling is lazy: an input change or a clock edge only marks what is out
/// of date, and the combinational program runs when something needs its
/// result: the next clock edge (registers sample settled values) or a read
/// of a net that logic drives. A run that reads only registered outputs (a
/// driver stepping a unit) settles once per clock instead of twice; a run
/// that reads every net (lockstep, a VCD) settles after every evaluation, as
/// Verilator does.
pub struct CompiledModel {
    program: Arc<Compiled>,
    values: RefCell<Vec<u64>>,
    memories: Vec<Vec<u64>>,
    /// Values of register next states and read data, gathered before any lands.
    staged: Vec<u64>,
    /// Memory read data sampled at an edge, stored after the registers load
    /// (a register's next value may share the read-data slot).
    staged_reads: Vec<u64>,
    clk_before: bool,
    rst_n_before: bool,
    in_reset: bool,
    /// What is out of date: the inputs' cone, or everything.
    stale: Cell<Staleness>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Staleness {
    Settled,
    /// An input changed since the last settle.
    Inputs,
    /// Registers changed: every combinational net may be out of date.
    All,
}

impl CompiledModel {
    pub fn new(program: Arc<Compiled>) -> Self {
        let memories = program.memories.iter().map(|m| vec![0; m.words]).collect();
        // Registers power up at zero, as Verilator's do; only an active
        // reset (a falling edge of rst_ni) loads the reset constants.
        CompiledModel {
            values: RefCell::new(program.initial.clone()),
            memories,
            staged: Vec::new(),
            staged_reads: Vec::new(),
            program,
            clk_before: false,
            rst_n_before: false,
            in_reset: false,
            stale: Cell::new(Staleness::All),
        }
    }

    /// Brings every net up to date.
    fn settle(&self) {
        let program = match self.stale.get() {
            Staleness::Settled => return,
            Staleness::Inputs => &self.program.settle_inputs,
            Staleness::All => &self.program.settle,
        };
        run(program, &mut self.values.borrow_mut());
        self.stale.set(Staleness::Settled);
    }

    fn clock_edge(&mut self) {
        let p = &*self.program;
        let v = self.values.get_mut();
        run(&p.next_state, v);
        self.staged_reads.clear();
        for (m, words) in p.memories.iter().zip(&mut self.memories) {
            for &(_, address) in &m.reads {
                self.staged_reads
                    .push(words[v[address as usize] as usize % m.words]);
            }
        }
        for (m, words) in p.memories.iter().zip(&mut self.memories) {
            if v[m.write_enable as usize] & 1 == 1 {
                words[v[m.write_address as usize] as usize % m.words] = v[m.write_data as usize];
            }
        }
        let rst_n = v[p.rst_n as usize] & 1 == 1;
        if rst_n && p.registers_update_in_place {
            for r in &p.registers {
                if r.enable.is_none_or(|e| v[e as usize] & 1 == 1) {
                    v[r.q as usize] = v[r.next as usize];
                }
            }
        } else if rst_n {
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
        let mut reads = self.staged_reads.iter();
        for m in &p.memories {
            for &(q, _) in &m.reads {
                v[q as usize] = *reads.next().expect("staged above");
            }
        }
    }
}

impl CycleModel for CompiledModel {
    fn signals(&self) -> &[Signal] {
        &self.program.signals
    }

    fn set_input(&mut self, index: usize, value: u64) {
        let p = &*self.program;
        let slot = p.signal_slots[index];
        let value = value & p.signal_masks[index];
        let values = self.values.get_mut();
        if values[slot as usize] != value {
            values[slot as usize] = value;
            let staleness = if slot != p.clk {
                Staleness::Inputs
            } else if p.clk_is_data {
                Staleness::All
            } else {
                return;
            };
            self.stale.set(self.stale.get().max(staleness));
        }
    }

    fn set_inputs(&mut self, indices: &[usize], values: &[u64]) {
        let p = &*self.program;
        let slots = self.values.get_mut();
        let mut staleness = Staleness::Settled;
        for &i in indices {
            let slot = p.signal_slots[i];
            let value = values[i] & p.signal_masks[i];
            if slots[slot as usize] != value {
                slots[slot as usize] = value;
                staleness = staleness.max(if slot != p.clk {
                    Staleness::Inputs
                } else if p.clk_is_data {
                    Staleness::All
                } else {
                    Staleness::Settled
                });
            }
        }
        self.stale.set(self.stale.get().max(staleness));
    }

    fn eval(&mut self) {
        let p = &*self.program;
        let values = self.values.get_mut();
        let clk = values[p.clk as usize] & 1 == 1;
        let rising = clk && !self.clk_before;
        self.clk_before = clk;
        let rst_n = values[p.rst_n as usize] & 1 == 1;
        let reset_falls = !rst_n && self.rst_n_before;
        self.rst_n_before = rst_n;
        if rising {
            // Registers sample their inputs as settled before the edge.
            self.settle();
            self.clock_edge();
            self.stale.set(Staleness::All);
        }
        if !rst_n {
            // `always @(posedge clk_i or negedge rst_ni)`: the reset branch runs
            // at a falling edge of rst_ni and at every rising clock while it is
            // low. Verilator starts rst_ni at 0, so rst_ni low from time 0 is no
            // edge: the reset lands at the first rising clock.
            if reset_falls || rising || self.in_reset {
                self.in_reset = true;
                let values = self.values.get_mut();
                for r in &self.program.registers {
                    values[r.q as usize] = r.reset;
                }
                self.stale.set(Staleness::All);
            }
        } else if rising {
            self.in_reset = false;
        }
    }

    fn values(&self, out: &mut [u64]) {
        self.settle();
        let values = self.values.borrow();
        for (v, &slot) in out.iter_mut().zip(&self.program.signal_slots) {
            *v = values[slot as usize];
        }
    }

    fn value(&self, index: usize) -> u64 {
        let slot = self.program.signal_slots[index];
        if self.program.settled_by_logic[index] {
            self.settle();
        }
        self.values.borrow()[slot as usize]
    }
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "settle ({} instructions):", self.settle.len())?;
        for (i, instr) in self.settle.iter().enumerate() {
            writeln!(f, "  {i:3} {instr:?}")?;
        }
        writeln!(f, "next state ({} instructions):", self.next_state.len())?;
        for (i, instr) in self.next_state.iter().enumerate() {
            writeln!(f, "  {i:3} {instr:?}")?;
        }
        Ok(())
    }
}
