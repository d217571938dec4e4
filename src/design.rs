//! What every generated design offers the rest of hebb. A design is a
//! validated parameter set that yields one description (`crate::hdl`); the
//! Verilog, the cycle model, the net table and the structural estimate all
//! derive from that description, so the co-simulation harness, the VCD
//! writer, the lint/synthesis gates and the CLI work on any design.

use std::sync::Arc;

use crate::error::Result;
use crate::hdl::{Compiled, CompiledModel, Module};
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
    /// A flip-flop output (`_q`), or a memory's registered read data.
    Register,
    /// A combinational net (`wire`, or `reg` assigned in `always @(*)`).
    Comb,
}

/// One named net of a design: the same name in the RTL, in the cycle model
/// and in both VCDs. Nets of instances carry their instance path
/// (`lane_a.weight_q`); the top module's nets have none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub name: String,
    pub width: u32,
    pub kind: SignalKind,
}

impl Signal {
    /// A port of the top module (the ones a testbench drives and reads).
    pub fn is_port(&self) -> bool {
        matches!(self.kind, SignalKind::Input | SignalKind::Output) && !self.name.contains('.')
    }

    /// An input port of the top module.
    pub fn is_input(&self) -> bool {
        self.kind == SignalKind::Input && !self.name.contains('.')
    }

    /// The instance path (`a.b` for `a.b.net`), empty at the top.
    pub fn scope(&self) -> &str {
        self.name.rsplit_once('.').map_or("", |(scope, _)| scope)
    }

    /// The net's own name, without its instance path.
    pub fn local_name(&self) -> &str {
        self.name.rsplit_once('.').map_or(&self.name, |(_, n)| n)
    }
}

/// A model of a design's RTL that is evaluated like the Verilated model:
/// set inputs, then `eval` settles combinational logic; when `clk_i` rose
/// since the previous `eval` it first clocks the registers, and a low
/// `rst_ni` resets them asynchronously.
pub trait CycleModel {
    /// Every signal of the net table, top ports first in port order.
    fn signals(&self) -> &[Signal];
    /// Sets the input at `index` of `signals()`; bits above its width are ignored.
    fn set_input(&mut self, index: usize, value: u64);
    /// Sets the inputs at `indices` to `values[index]` each (`values` is
    /// indexed like `signals()`): one call per clock instead of one per input.
    fn set_inputs(&mut self, indices: &[usize], values: &[u64]) {
        for &i in indices {
            self.set_input(i, values[i]);
        }
    }
    fn eval(&mut self);
    /// The value of signal `index` after the last `eval`, zero-extended.
    fn value(&self, index: usize) -> u64;
    /// Every signal's value, indexed like `signals()`, into `out`.
    fn values(&self, out: &mut [u64]) {
        for (i, v) in out.iter_mut().enumerate() {
            *v = self.value(i);
        }
    }
}

/// One Verilog file of a design: a module, named after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtlFile {
    pub module: String,
    pub text: String,
}

impl RtlFile {
    pub fn file_name(&self) -> String {
        format!("{}.v", self.module)
    }
}

/// A unit or composition of units that hebb can render and simulate.
pub trait Design {
    /// One line naming the design and its parameters, for headers and reports.
    fn describe(&self) -> String;
    /// Name of the top Verilog module (unique per parameter set).
    fn top_module(&self) -> String;
    /// The description of the top module, its instances hanging under it.
    fn module(&self) -> Result<Arc<Module>>;
    /// How `estimate` counts, for the resource report.
    fn estimate_method(&self) -> &'static str {
        "the description flattened to bits as Yosys 0.23 elaborates it (carry chains; comparisons as alumacc or cmp2lcu builds them; soft multipliers and sums of three operands or more as maccmap lowers a $macc; DSPs where mul2dsp puts them; memories in flip-flops, LUT RAM or block RAM; enables from hold paths; constant and twin flip-flops folded, a soft product's bits opaque to that folding), hard cells counted by the flow's techmap rules, the logic between them balanced as ABC balances it and mapped by priority cuts (depth, then area) with the LUT costs the flow gives ABC, an xc7 LUT7/LUT8 as its non-constant LUT6 parts; checked against Yosys on 25 parameter sets of every unit (tests/calibration.rs)"
    }

    /// The Verilog-2005 of every module of the design, children first, byte-identical for identical parameters.
    fn render_rtl(&self) -> Result<Vec<RtlFile>> {
        self.module()?
            .hierarchy()
            .iter()
            .map(|m| {
                Ok(RtlFile {
                    module: m.name.clone(),
                    text: crate::hdl::verilog::render(m)?,
                })
            })
            .collect()
    }
    /// The Verilog of the top module alone.
    fn render_top(&self) -> Result<String> {
        crate::hdl::verilog::render(self.module()?.as_ref())
    }
    /// The description compiled for simulation.
    fn compile(&self) -> Result<Arc<Compiled>> {
        Compiled::new(&self.module()?)
    }
    fn cycle_model(&self) -> Result<Box<dyn CycleModel>> {
        Ok(Box::new(CompiledModel::new(self.compile()?)))
    }
    /// The net table: every net of every level, top ports first.
    fn signals(&self) -> Result<Vec<Signal>> {
        Ok(self.compile()?.signals().to_vec())
    }
    fn ports(&self) -> Result<Vec<Signal>> {
        Ok(self
            .signals()?
            .into_iter()
            .filter(Signal::is_port)
            .collect())
    }
    /// `cycles` clocks of input port values (indexed like the net table's
    /// ports) for the main job: a reset clock, then what exercises the
    /// design. By default random values on every input but `clk_i` and
    /// `rst_ni`; units with a built-in stimulus of their own override it.
    fn stimulus(&self, cycles: usize, seed: u64) -> Result<Vec<Vec<u64>>> {
        let ports = self.ports()?;
        let mut rng = crate::rng::SplitMix64(seed);
        let mut clocks = Vec::with_capacity(cycles + 1);
        for cycle in 0..=cycles {
            clocks.push(
                ports
                    .iter()
                    .map(|p| match p.name.as_str() {
                        "clk_i" => 0,
                        "rst_ni" => u64::from(cycle > 0),
                        _ if p.kind == SignalKind::Input => rng.next_u64() & mask(p.width),
                        _ => 0,
                    })
                    .collect(),
            );
        }
        Ok(clocks)
    }
    /// Clocks of built-in stimulus the main job runs when not told.
    fn default_stimulus_clocks(&self) -> usize {
        4000
    }
    /// The structural estimate on `target`, from the description.
    fn estimate(&self, target: Target) -> Result<Resources> {
        Ok(crate::hdl::estimate::estimate(
            &self.module()?,
            crate::hdl::estimate::Flow::of(target),
        ))
    }
}

/// A design under another top-module name (`--module-name`).
pub struct Renamed<D> {
    pub design: D,
    pub name: String,
}

impl<D: Design> Design for Renamed<D> {
    fn describe(&self) -> String {
        self.design.describe()
    }
    fn stimulus(&self, cycles: usize, seed: u64) -> Result<Vec<Vec<u64>>> {
        self.design.stimulus(cycles, seed)
    }
    fn top_module(&self) -> String {
        self.name.clone()
    }
    fn module(&self) -> Result<Arc<Module>> {
        Ok(Arc::new(self.design.module()?.renamed(&self.name)))
    }
    fn estimate_method(&self) -> &'static str {
        self.design.estimate_method()
    }
    fn default_stimulus_clocks(&self) -> usize {
        self.design.default_stimulus_clocks()
    }
}

impl Design for Box<dyn Design> {
    fn describe(&self) -> String {
        self.as_ref().describe()
    }
    fn stimulus(&self, cycles: usize, seed: u64) -> Result<Vec<Vec<u64>>> {
        self.as_ref().stimulus(cycles, seed)
    }
    fn top_module(&self) -> String {
        self.as_ref().top_module()
    }
    fn module(&self) -> Result<Arc<Module>> {
        self.as_ref().module()
    }
    fn estimate_method(&self) -> &'static str {
        self.as_ref().estimate_method()
    }
    fn default_stimulus_clocks(&self) -> usize {
        self.as_ref().default_stimulus_clocks()
    }
}

/// Bits that hold `value` (at least one).
pub const fn bits_for(value: u64) -> u32 {
    let bits = 64 - value.leading_zeros();
    if bits == 0 { 1 } else { bits }
}

/// Bits that index `count` things (at least one): ceil(log2(count)).
pub const fn index_bits(count: u64) -> u32 {
    bits_for(count.saturating_sub(1))
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
