//! Lockstep co-simulation: the Verilated RTL and the cycle model of one
//! design, clocked together, every net of the signal table compared after
//! every evaluation.
//! Works on any `Design`; a unit's driver (e.g. the lane's) turns its
//! operations into per-clock input vectors.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::design::{CycleModel, Design, Signal, SignalKind};
use crate::error::{Error, Result};
use crate::tools::verilator::{self, VerilatedSim};
use crate::trace::{CLOCK_PERIOD_PS, VcdRecorder};

pub use crate::mismatch::Mismatch;

/// A clocked simulation of a design: always its cycle model, and the
/// Verilated RTL beside it when co-simulating. Signals are addressed by their
/// index in the design's signal table (ports first), the same on both sides.
pub struct Lockstep {
    signals: Vec<Signal>,
    model: Box<dyn CycleModel>,
    rtl: Option<VerilatedSim>,
    /// Signal indices in the order they are compared: combinational nets
    /// first (the table lists them in dataflow order), then registers,
    /// outputs, constants, inputs; so a mismatch names the most upstream net.
    compare_order: Vec<usize>,
    /// The top module's inputs other than `clk_i`, driven from `clock`'s vector.
    inputs: Vec<usize>,
    /// Every net's value on each side after the last evaluation (scratch).
    expected: Vec<u64>,
    actual: Vec<u64>,
    clk: usize,
    cycle: u64,
    golden_vcd: Option<(PathBuf, VcdRecorder<BufWriter<File>>)>,
    /// The first error writing either VCD (naming the file), reported by
    /// `trace_result` and `finish`.
    trace_error: Option<Error>,
}

impl Lockstep {
    /// The cycle model alone.
    pub fn model_only(design: &dyn Design) -> Result<Self> {
        Self::build(design, None)
    }

    /// The cycle model and the Verilated RTL (built on first use, then cached).
    pub fn with_rtl(design: &dyn Design) -> Result<Self> {
        let lib = verilator::load(design)?;
        Self::build(design, Some(VerilatedSim::new(lib)?))
    }

    fn build(design: &dyn Design, mut rtl: Option<VerilatedSim>) -> Result<Self> {
        let model = design.cycle_model()?;
        let signals = model.signals().to_vec();
        if let Some(rtl) = rtl.as_ref()
            && rtl.signals() != signals.as_slice()
        {
            return Err(Error::Other(format!(
                "the Verilated model of {} does not list the design's net table",
                design.top_module()
            )));
        }
        let position = |name: &str| signals.iter().position(|s| s.is_port() && s.name == name);
        let clk = position("clk_i")
            .ok_or_else(|| Error::Other(format!("{} has no clk_i", design.top_module())))?;
        let rst = position("rst_ni")
            .ok_or_else(|| Error::Other(format!("{} has no rst_ni", design.top_module())))?;
        // Verilator starts every signal at 0, so a reset asserted in the first
        // cycle would see no falling edge: power both sides up with rst_ni
        // high (not compared, not traced).
        let mut model = model;
        model.set_input(rst, 1);
        model.eval();
        if let Some(rtl) = rtl.as_mut() {
            rtl.set(rst, 1);
            rtl.eval();
        }
        let rank = |kind: SignalKind| {
            [
                SignalKind::Comb,
                SignalKind::Register,
                SignalKind::Output,
                SignalKind::Constant,
                SignalKind::Input,
            ]
            .iter()
            .position(|k| *k == kind)
        };
        let mut compare_order: Vec<usize> = (0..signals.len()).collect();
        compare_order.sort_by_key(|&i| rank(signals[i].kind));
        let inputs = (0..signals.len())
            .filter(|&i| signals[i].is_input() && i != clk)
            .collect();
        Ok(Lockstep {
            expected: vec![0; signals.len()],
            actual: vec![0; signals.len()],
            inputs,
            signals,
            model,
            rtl,
            compare_order,
            clk,
            cycle: 0,
            golden_vcd: None,
            trace_error: None,
        })
    }

    /// Records the cycle model into `golden` and (when present) the RTL into `dut`, from now on.
    pub fn record_vcds(&mut self, module: &str, golden: &Path, dut: Option<&Path>) -> Result<()> {
        // Verilator names the top scope after the top module.
        let file = File::create(golden).map_err(|e| Error::io(golden, e))?;
        self.golden_vcd = Some((
            golden.to_path_buf(),
            VcdRecorder::new(BufWriter::new(file), module, self.model.signals())
                .map_err(|e| Error::io(golden, e))?,
        ));
        if let (Some(rtl), Some(dut)) = (self.rtl.as_mut(), dut) {
            rtl.open_vcd(dut)?;
        }
        Ok(())
    }

    /// The design's signal table.
    pub fn signals(&self) -> &[Signal] {
        &self.signals
    }

    /// Cycles clocked so far.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Signal `index`'s value in the cycle model (equal to the RTL's after every successful `clock`).
    pub fn value(&self, index: usize) -> u64 {
        self.model.value(index)
    }

    /// One clock: applies `inputs` (indexed like the signal table; only
    /// inputs other than `clk_i` are read) with the clock low, evaluates,
    /// raises the clock, evaluates; compares every signal of the table after
    /// each evaluation. The clock always completes (traces stay whole); the
    /// first disagreement is returned.
    pub fn clock(&mut self, inputs: &[u64]) -> std::result::Result<(), Mismatch> {
        let start = self.cycle * CLOCK_PERIOD_PS;
        self.model.set_inputs(&self.inputs, inputs);
        if let Some(rtl) = self.rtl.as_mut() {
            for &i in &self.inputs {
                rtl.set(i, inputs[i]);
            }
        }
        self.model.set_input(self.clk, 0);
        if let Some(rtl) = self.rtl.as_mut() {
            rtl.set(self.clk, 0);
        }
        let before = self.evaluate(start, "before the edge");
        self.model.set_input(self.clk, 1);
        if let Some(rtl) = self.rtl.as_mut() {
            rtl.set(self.clk, 1);
        }
        let after = self.evaluate(start + CLOCK_PERIOD_PS / 2, "after the edge");
        self.cycle += 1;
        match before.or(after) {
            Some(mismatch) => Err(mismatch),
            None => Ok(()),
        }
    }

    /// Evaluates both sides; returns the first signal, in `compare_order`, that differs.
    fn evaluate(&mut self, time: u64, phase: &'static str) -> Option<Mismatch> {
        self.model.eval();
        // The model is read whole once, for the trace and the comparison; a
        // run that neither traces nor compares reads nothing (settling stays lazy).
        if self.golden_vcd.is_some() || self.rtl.is_some() {
            self.model.values(&mut self.expected);
        }
        if let Some((path, vcd)) = self.golden_vcd.as_mut() {
            let expected = &self.expected;
            if let Err(e) = vcd.sample(time, |i| expected[i]) {
                self.trace_error.get_or_insert(Error::io(&*path, e));
            }
        }
        let rtl = self.rtl.as_mut()?;
        rtl.eval();
        if let Err(e) = rtl.dump(time) {
            self.trace_error.get_or_insert(e);
        }
        rtl.get_all(&mut self.actual);
        let (expected, actual) = (&self.expected, &self.actual);
        self.compare_order.iter().find_map(|&i| {
            let (expected, actual) = (expected[i], actual[i]);
            (expected != actual).then(|| Mismatch {
                cycle: self.cycle,
                phase,
                signal: self.signals[i].name.clone(),
                expected,
                actual,
            })
        })
    }

    /// The first error writing a VCD so far (a full disk), naming the file.
    /// `clock` goes on when a trace fails (so the comparison stays whole);
    /// callers recording VCDs check this after each clock to stop at once.
    pub fn trace_result(&mut self) -> Result<()> {
        match self.trace_error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Ends the traces: both VCD files are complete once this returns Ok;
    /// otherwise the error names the file that could not be written.
    pub fn finish(mut self) -> Result<()> {
        self.trace_result()?;
        if let Some((path, vcd)) = self.golden_vcd.take() {
            vcd.finish().map_err(|e| Error::io(&path, e))?;
        }
        if let Some(mut rtl) = self.rtl.take() {
            rtl.close_vcd()?;
        }
        Ok(())
    }
}

/// One bit per neuron as a port value, bit i = flag i (spike vectors, band flags).
pub fn pack_bits(flags: &[bool]) -> u64 {
    flags
        .iter()
        .enumerate()
        .fold(0, |v, (i, &f)| v | (u64::from(f) << i))
}

/// Port vectors for `Lockstep::clock`, built by port name.
#[derive(Debug, Clone)]
pub struct PortVector {
    names: Vec<String>,
    values: Vec<u64>,
}

impl PortVector {
    /// All inputs zero except `rst_ni` = 1. `ports` are the design's ports,
    /// which lead its net table.
    pub fn new(ports: &[Signal]) -> Self {
        let names: Vec<String> = ports.iter().map(|p| p.name.clone()).collect();
        let values = names.iter().map(|n| u64::from(n == "rst_ni")).collect();
        PortVector { names, values }
    }

    pub fn index(&self, name: &str) -> usize {
        self.names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no port `{name}`"))
    }

    pub fn set(&mut self, name: &str, value: u64) -> &mut Self {
        let i = self.index(name);
        self.values[i] = value;
        self
    }

    pub fn values(&self) -> &[u64] {
        &self.values
    }
}
