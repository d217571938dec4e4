//! What every generated design offers the rest of hebb: a named signal table,
//! rendered RTL and a cycle model. The co-simulation harness, the VCD writer,
//! the lint/synthesis gates and the CLI work on this interface, never on one unit.

use crate::error::Result;
use crate::resources::{Resources, Target};

/// Where a signal sits in the RTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalKind {
    /// A module input port.
    Input,
    /// A module output port.
    Output,
    /// A sized `localparam` (Verilator traces them, so the cycle model does too).
    Constant,
    /// A flip-flop output (`_q`).
    Register,
    /// A combinational net (`wire`, or `reg` assigned in `always @(*)`).
    Comb,
}

/// One named net of a design: the same name in the RTL, in the cycle model and in both VCDs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub name: &'static str,
    pub width: u32,
    pub kind: SignalKind,
}

impl Signal {
    pub fn is_port(&self) -> bool {
        matches!(self.kind, SignalKind::Input | SignalKind::Output)
    }
}

/// A model of a design's RTL that is evaluated like the Verilated model:
/// set inputs, then `eval` settles combinational logic; when `clk_i` rose
/// since the previous `eval` it first clocks the registers, and a low
/// `rst_ni` resets them asynchronously.
pub trait CycleModel {
    /// Every signal the RTL declares, ports first in port order.
    fn signals(&self) -> &[Signal];
    /// Sets the input at `index` of `signals()`; bits above its width are ignored.
    fn set_input(&mut self, index: usize, value: u64);
    fn eval(&mut self);
    /// The value of signal `index` after the last `eval`, zero-extended.
    fn value(&self, index: usize) -> u64;
}

/// A unit or composition of units that hebb can render and simulate.
pub trait Design {
    /// Name of the top Verilog module (also the VCD scope under `TOP`).
    fn top_module(&self) -> &'static str;
    /// One line naming the design and its parameters, for headers and reports.
    fn describe(&self) -> String;
    /// The synthesizable Verilog-2005 of the design, byte-identical for identical parameters.
    fn render_rtl(&self) -> Result<String>;
    fn cycle_model(&self) -> Box<dyn CycleModel>;
    /// The signal table, as `cycle_model().signals()` returns it.
    fn signals(&self) -> Vec<Signal>;
    /// A structural estimate of the resources on `target`, from parameters
    /// alone; by default read off the net table (units with a datapath model
    /// of their own override it).
    fn estimate(&self, target: Target) -> Resources {
        crate::resources::estimate_from_nets(&self.signals(), target)
    }
    /// How `estimate` counts, for the resource report.
    fn estimate_method(&self) -> &'static str {
        "net table: flip-flops are the register bits; LUTs and carries scale with the combinational net bits (rough: within about 60 % of Yosys)"
    }
    fn ports(&self) -> Vec<Signal> {
        self.signals().into_iter().filter(Signal::is_port).collect()
    }
}

/// All-ones in the low `width` bits.
pub const fn mask(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// Reads the low `width` bits of `value` as two's complement.
pub const fn sign_extend(value: u64, width: u32) -> i64 {
    let shift = 64 - width;
    ((value << shift) as i64) >> shift
}

/// Bit `index` of `value`.
pub const fn bit(value: u64, index: u32) -> bool {
    (value >> index) & 1 == 1
}

/// A sized Verilog literal, e.g. `12'hfff`.
pub fn verilog_literal(width: u32, value: u64) -> String {
    format!("{width}'h{:x}", value & mask(width))
}
