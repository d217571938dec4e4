//! The structural resource estimate of a description: every operator is
//! counted with its width and priced per target, so any unit written in the
//! description layer gets an estimate without a cost model of its own.
//!
//! Flip-flops are exact (the register bits). LUT and carry prices are per
//! operator bit, chosen to match what Yosys 0.23 builds for the operators in
//! isolation (an n-bit adder is n LUTs and n carries on iCE40, n LUTs and
//! n/4 CARRY4 on xc7); logic that synthesis merges across operators makes
//! the LUT figure an estimate, whose error against Yosys the report states.
//! Memories of fewer than `LOGIC_MEMORY_BITS` are flip-flops (the RTL says
//! `ram_style = "logic"`), larger ones block RAMs; multipliers on xc7 go to
//! DSP48E1 slices.

use super::expr::{BinaryOp, Expr, Node, UnaryOp};
use super::module::{Item, Module, NetKind, Statement};
use crate::resources::{Resources, Target};

/// What the description builds, by operator class, in bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OperatorCount {
    pub register_bits: u64,
    /// Adders, subtractors and magnitude comparators (carry chains).
    pub adder_bits: u64,
    /// Equality comparisons.
    pub equality_bits: u64,
    /// Two-input multiplexer bits (expressions and process branches).
    pub mux_bits: u64,
    /// Bitwise and reduction operator input bits.
    pub logic_bits: u64,
    /// Partial-product bits of multipliers on LUTs (iCE40 without DSP).
    pub product_bits: u64,
    /// DSP48E1 slices for the multipliers (xc7).
    pub dsp_slices: u64,
    /// Memory bits (block RAM and flip-flop memories alike), and block RAMs
    /// per target: (iCE40 SB_RAM40_4K, xc7 RAMB18E1).
    pub memory_bits: u64,
    pub ice40_brams: u64,
    pub xc7_brams: u64,
}

impl OperatorCount {
    fn add(&mut self, other: &OperatorCount) {
        self.register_bits += other.register_bits;
        self.adder_bits += other.adder_bits;
        self.equality_bits += other.equality_bits;
        self.mux_bits += other.mux_bits;
        self.logic_bits += other.logic_bits;
        self.product_bits += other.product_bits;
        self.dsp_slices += other.dsp_slices;
        self.memory_bits += other.memory_bits;
        self.ice40_brams += other.ice40_brams;
        self.xc7_brams += other.xc7_brams;
    }

    /// Counts `module` and every instance under it.
    pub fn of(module: &Module) -> OperatorCount {
        let mut c = OperatorCount::default();
        for net in &module.nets {
            if net.kind == NetKind::Register {
                c.register_bits += u64::from(net.width);
            }
        }
        for item in &module.items {
            match item {
                Item::Section {
                    assigns, process, ..
                } => {
                    for (_, e) in assigns {
                        c.expr(e);
                    }
                    c.process(process);
                }
                Item::Registers(g) => {
                    for (_, e) in &g.registers {
                        c.expr(e);
                    }
                }
                Item::Memory(m) if m.in_logic() => {
                    // Flip-flops per word with the write decode as their
                    // enables, a read multiplexer per port, its register.
                    let (width, depth) = (u64::from(m.width), m.depth());
                    let reads = m.reads.len() as u64;
                    c.memory_bits += m.bits();
                    c.register_bits += width * depth + width * reads;
                    c.mux_bits += width * (depth - 1) * reads;
                    c.equality_bits += u64::from(m.address_bits) * depth;
                    c.expr(&m.write_enable);
                    c.expr(&m.write_address);
                    c.expr(&m.write_data);
                }
                Item::Memory(m) => {
                    c.memory_bits += m.bits();
                    c.ice40_brams += ice40_brams(m.width, m.depth());
                    c.xc7_brams += if m.block_ram {
                        // ram_style = "block": a block RAM however small.
                        xc7_block_shapes(m.width, m.depth())
                    } else {
                        xc7_brams(m.width, m.depth())
                    };
                    c.register_bits += u64::from(m.width) * m.reads.len() as u64;
                    c.expr(&m.write_enable);
                    c.expr(&m.write_address);
                    c.expr(&m.write_data);
                }
                Item::Instance(i) => {
                    for (_, e) in &i.inputs {
                        c.expr(e);
                    }
                    c.add(&OperatorCount::of(&i.module));
                }
            }
        }
        c
    }

    /// Counts a process: a target assigned conditionally k times (beyond its
    /// default) is a k-input choice, k multiplexer bits per bit; when the
    /// default is a hold (the register itself) one of those choices is the
    /// flip-flop's enable, free. A constant assigned under a condition is a
    /// gate (or a flip-flop's synchronous set/reset).
    fn process(&mut self, list: &[Statement]) {
        let mut defaults: Vec<(u32, bool)> = Vec::new();
        let mut choices: Vec<(u32, u64, u64)> = Vec::new(); // (target, count, width)
        self.statements(list, 0, &mut defaults, &mut choices);
        for (target, count, width) in choices {
            let hold = defaults.iter().any(|&(t, is_net)| t == target && is_net);
            self.mux_bits += count.saturating_sub(u64::from(hold)) * width;
        }
    }

    fn statements(
        &mut self,
        list: &[Statement],
        depth: u64,
        defaults: &mut Vec<(u32, bool)>,
        choices: &mut Vec<(u32, u64, u64)>,
    ) {
        for s in list {
            match s {
                Statement::Assign { target, value, .. } => {
                    if depth == 0 {
                        defaults.push((*target, matches!(value.node, Node::Net(_))));
                    } else if is_const(value) {
                        self.logic_bits += u64::from(value.width);
                    } else {
                        match choices.iter_mut().find(|(t, _, _)| t == target) {
                            Some((_, count, _)) => *count += 1,
                            None => choices.push((*target, 1, u64::from(value.width))),
                        }
                    }
                    self.expr(value);
                }
                Statement::If {
                    condition,
                    then,
                    otherwise,
                } => {
                    self.expr(condition);
                    self.statements(then, depth + 1, defaults, choices);
                    self.statements(otherwise, depth + 1, defaults, choices);
                }
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        let w = u64::from(e.width);
        match &e.node {
            Node::Const(_)
            | Node::Net(_)
            | Node::Slice { .. }
            | Node::Sext(..)
            | Node::Invalid(_) => {}
            Node::Zext(a) | Node::Repeat(_, a) | Node::Shift(_, a, _) => self.expr(a),
            Node::Concat(parts) => parts.iter().for_each(|p| self.expr(p)),
            Node::Unary(op, a) => {
                if *op != UnaryOp::Not {
                    self.logic_bits += u64::from(a.width);
                }
                self.expr(a);
            }
            Node::Mux(s, a, b) => {
                // Between two constants a multiplexer is wiring (each bit is the
                // select, its inverse or a constant); with one constant arm it is
                // a gate per bit; otherwise a two-input multiplexer per bit.
                match (is_const(a), is_const(b)) {
                    (true, true) => {}
                    (true, false) | (false, true) => self.logic_bits += w,
                    (false, false) => self.mux_bits += w,
                }
                self.expr(s);
                self.expr(a);
                self.expr(b);
            }
            Node::Binary(op, a, b) => {
                let operand = u64::from(a.width);
                match op {
                    BinaryOp::Add | BinaryOp::Sub => self.adder_bits += w,
                    BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                        if is_const(a) || is_const(b) {
                            self.equality_bits += operand;
                        } else {
                            self.adder_bits += operand;
                        }
                    }
                    BinaryOp::Eq | BinaryOp::Ne => self.equality_bits += operand,
                    // With a constant operand a bitwise operator is wiring or an inverter.
                    BinaryOp::And | BinaryOp::Or | BinaryOp::Xor => {
                        if !is_const(a) && !is_const(b) {
                            self.logic_bits += w;
                        }
                    }
                    BinaryOp::Mul | BinaryOp::MulSigned => {
                        let (x, y) = (effective_width(a), effective_width(b));
                        self.product_bits += x.min(w) * y.min(w);
                        if x.min(y) >= 2 {
                            self.dsp_slices += (x.div_ceil(25) * y.div_ceil(18))
                                .min(y.div_ceil(25) * x.div_ceil(18));
                        }
                    }
                }
                self.expr(a);
                self.expr(b);
            }
        }
    }

    /// The estimate on `target`.
    pub fn resources(&self, target: Target) -> Resources {
        match target {
            Target::Ice40 => {
                // LUT4: one per adder bit (carry logic beside it), one per
                // multiplexer bit, a comparison packs two bit pairs per LUT,
                // logic three inputs per LUT, a product bit costs a full adder.
                let luts = self.adder_bits
                    + self.mux_bits
                    + self.equality_bits.div_ceil(2)
                    + self.logic_bits.div_ceil(3)
                    + self.product_bits * 2;
                Resources {
                    luts,
                    ffs: self.register_bits,
                    carries: self.adder_bits + self.product_bits / 2,
                    brams: self.ice40_brams,
                    dsps: 0,
                }
            }
            Target::Xilinx7 => {
                // LUT6: adders one LUT per bit beside CARRY4s; two multiplexer
                // or comparison bits share a LUT6 more often than not.
                let luts = self.adder_bits
                    + self.mux_bits.div_ceil(2) * 3 / 2
                    + self.equality_bits.div_ceil(3)
                    + self.logic_bits.div_ceil(5);
                Resources {
                    luts,
                    ffs: self.register_bits,
                    carries: self.adder_bits.div_ceil(4),
                    brams: self.xc7_brams,
                    dsps: self.dsp_slices,
                }
            }
        }
    }
}

/// A literal, or a multiplexer between literals (a constant per select value).
fn is_const(e: &Expr) -> bool {
    match &e.node {
        Node::Const(_) => true,
        Node::Mux(_, a, b) => is_const(a) && is_const(b),
        _ => false,
    }
}

/// Bits of an operand that carry information: a sign or zero extension adds none.
fn effective_width(e: &Expr) -> u64 {
    match &e.node {
        Node::Sext(_, w) => u64::from(*w),
        Node::Zext(a) => u64::from(a.width),
        _ => u64::from(e.width),
    }
}

/// SB_RAM40_4K: 4 kbit, 256x16 .. 2048x2 (memories in logic never get here).
fn ice40_brams(width: u32, depth: u64) -> u64 {
    [(256u64, 16u64), (512, 8), (1024, 4), (2048, 2)]
        .iter()
        .map(|&(d, w)| depth.div_ceil(d) * u64::from(width).div_ceil(w))
        .min()
        .unwrap_or(0)
}

/// RAMB18E1: 18 kbit, 512x36 .. 16Kx1 (simple dual port); small memories become LUT RAM.
fn xc7_brams(width: u32, depth: u64) -> u64 {
    if u64::from(width) * depth < 4096 {
        return 0;
    }
    xc7_block_shapes(width, depth)
}

/// RAMB18 blocks for `width` x `depth` in the cheapest aspect ratio.
fn xc7_block_shapes(width: u32, depth: u64) -> u64 {
    [
        (512u64, 36u64),
        (1024, 18),
        (2048, 9),
        (4096, 4),
        (8192, 2),
        (16384, 1),
    ]
    .iter()
    .map(|&(d, w)| depth.div_ceil(d) * u64::from(width).div_ceil(w))
    .min()
    .unwrap_or(0)
}
