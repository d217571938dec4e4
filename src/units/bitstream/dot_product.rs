//! The n-input bitstream dot product: n AND synapses combined per cycle by an
//! exact popcount or by a multiplexer (scaled addition), decoded over L cycles.

use askama::Template;
use serde::{Deserialize, Serialize};

use super::decoder::{extend, zero_extend};
use super::source::{Generator, GeneratorView, Source, SourceTables, generator_nets};
use crate::design::{CycleModel, Design, Signal, mask, verilog_literal};
use crate::error::{ParamError, Result};
use crate::netlist::{Logic, NetModel, Values, bits_for, signal_table, unit_nets};

pub const MODULE: &str = "sc_dot_product";

/// Supported input counts.
pub const INPUTS: (u32, u32) = (2, 8);
/// Supported window lengths.
pub const WINDOW: (u64, u64) = (1, 1 << 24);

/// How the n products of a cycle are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Exact popcount (adder tree): estimate = count / L.
    Popcount,
    /// Multiplexer (scaled addition): estimate = count * n / L.
    Mux,
}

/// Validated parameters of a dot product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DotParams {
    inputs: u32,
    width: u32,
    combine: Combine,
    window: u64,
    input_source: Source,
    weight_source: Source,
    select_source: Source,
    /// Weight j in bits [N*j +: N].
    reset_weights: u64,
}

impl DotParams {
    /// `reset_weights` holds one value per input (missing ones are 0).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        inputs: u32,
        width: u32,
        combine: Combine,
        window: u64,
        input_source: Source,
        weight_source: Source,
        select_source: Source,
        reset_weights: &[u64],
    ) -> Result<Self, ParamError> {
        ParamError::check_range("inputs", inputs.into(), INPUTS.0.into(), INPUTS.1.into())?;
        input_source.validate("input_source", "width", width)?;
        weight_source.validate("weight_source", "width", width)?;
        if combine == Combine::Mux {
            select_source.validate("select_source", "width", width)?;
        }
        // Packed inputs and weights travel on one port of at most 64 bits.
        ParamError::check_range("inputs * width", (inputs * width).into(), 1, 64)?;
        ParamError::check_range("window", window.into(), WINDOW.0.into(), WINDOW.1.into())?;
        ParamError::check_range(
            "reset_weights.len()",
            reset_weights.len() as i128,
            0,
            inputs.into(),
        )?;
        let mut packed = 0u64;
        for (j, w) in reset_weights.iter().enumerate() {
            // The parameter name is static: the index goes into the message.
            ParamError::check_range("reset_weights", (*w).into(), 0, mask(width).into()).map_err(
                |e| ParamError {
                    allowed: format!("{} (entry {j} of reset_weights)", e.allowed),
                    ..e
                },
            )?;
            packed |= w << (j as u32 * width);
        }
        Ok(DotParams {
            inputs,
            width,
            combine,
            window,
            input_source,
            weight_source,
            select_source,
            reset_weights: packed,
        })
    }

    pub fn inputs(&self) -> u32 {
        self.inputs
    }
    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn combine(&self) -> Combine {
        self.combine
    }
    pub fn window(&self) -> u64 {
        self.window
    }
    pub fn input_source(&self) -> Source {
        self.input_source
    }
    pub fn weight_source(&self) -> Source {
        self.weight_source
    }
    pub fn select_source(&self) -> Source {
        self.select_source
    }
    pub fn reset_weight(&self, j: u32) -> u64 {
        (self.reset_weights >> (j * self.width)) & mask(self.width)
    }
    fn mux(&self) -> bool {
        self.combine == Combine::Mux
    }
    /// Width of the per-cycle increment.
    pub fn increment_bits(&self) -> u32 {
        match self.combine {
            Combine::Popcount => bits_for(self.inputs.into()),
            Combine::Mux => 1,
        }
    }
    /// Width of counts: the largest window count.
    pub fn count_bits(&self) -> u32 {
        match self.combine {
            Combine::Popcount => bits_for(self.window * u64::from(self.inputs)),
            Combine::Mux => bits_for(self.window),
        }
    }
    pub fn index_bits(&self) -> u32 {
        bits_for(u64::from(self.inputs) - 1)
    }
    pub fn position_bits(&self) -> u32 {
        bits_for(self.window - 1)
    }
    /// The decoded dot product of a window count, in units of 1.0 per product.
    pub fn estimate(&self, count: u64) -> f64 {
        let scale = match self.combine {
            Combine::Popcount => 1.0,
            Combine::Mux => f64::from(self.inputs),
        };
        count as f64 * scale / self.window as f64
    }
    /// mux select thresholds ceil(k 2^N / n), k = 1..n-1.
    fn thresholds(&self) -> Vec<u64> {
        let n = u64::from(self.inputs);
        (1..n).map(|k| (k << self.width).div_ceil(n)).collect()
    }
}

/// One cycle's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DotInputs {
    pub en: bool,
    /// Input j in bits [N*j +: N].
    pub x: u64,
    pub update_weight: bool,
    pub update_index: u64,
    pub weight_value: u64,
}

/// What the dot product shows during a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DotOutputs {
    pub sum: u64,
    pub valid: bool,
    pub stream: u64,
}

/// The step model: one call per cycle, written from SPEC §2 without widths.
#[derive(Debug, Clone)]
pub struct DotStep {
    params: DotParams,
    x_gen: Generator,
    w_gen: Generator,
    s_gen: Option<Generator>,
    weights: Vec<u64>,
    position: u64,
    running: u64,
    result: u64,
    valid: bool,
}

impl DotStep {
    pub fn new(params: &DotParams) -> Self {
        let n = params.width;
        DotStep {
            params: *params,
            x_gen: Generator::new(n, params.input_source).expect("validated"),
            w_gen: Generator::new(n, params.weight_source).expect("validated"),
            s_gen: params
                .mux()
                .then(|| Generator::new(n, params.select_source).expect("validated")),
            weights: (0..params.inputs).map(|j| params.reset_weight(j)).collect(),
            position: 0,
            running: 0,
            result: 0,
            valid: false,
        }
    }

    pub fn weights(&self) -> &[u64] {
        &self.weights
    }

    /// Product j's bit this cycle.
    fn product(&self, x: u64, j: usize) -> bool {
        let xj = (x >> (j as u32 * self.params.width)) & mask(self.params.width);
        self.x_gen.bit(xj) && self.w_gen.bit(self.weights[j])
    }

    /// This cycle's increment: the popcount, or the selected product.
    pub fn increment(&self, x: u64) -> u64 {
        let n = self.params.inputs as usize;
        match &self.s_gen {
            None => (0..n).filter(|&j| self.product(x, j)).count() as u64,
            Some(s) => {
                let select = (s.rand() * n as u64) >> self.params.width;
                u64::from(self.product(x, select as usize))
            }
        }
    }

    pub fn outputs(&self, inputs: &DotInputs) -> DotOutputs {
        DotOutputs {
            sum: self.result,
            valid: self.valid,
            stream: self.increment(inputs.x),
        }
    }

    /// The clock edge.
    pub fn step(&mut self, inputs: &DotInputs) {
        let increment = self.increment(inputs.x);
        self.valid = false;
        if inputs.update_weight && inputs.update_index < u64::from(self.params.inputs) {
            self.weights[inputs.update_index as usize] =
                inputs.weight_value & mask(self.params.width);
        }
        if inputs.en {
            self.x_gen.advance();
            self.w_gen.advance();
            if let Some(s) = self.s_gen.as_mut() {
                s.advance();
            }
            self.running += increment;
            self.position += 1;
            if self.position == self.params.window {
                self.result = self.running;
                self.valid = true;
                self.running = 0;
                self.position = 0;
            }
        }
    }
}

unit_nets! {
    /// The dot product's nets, in declaration order.
    DotNet {
        ClkI => "clk_i", Input;
        RstNi => "rst_ni", Input;
        EnI => "en_i", Input;
        XI => "x_i", Input;
        UpdateWeightI => "update_weight_i", Input;
        UpdateIndexI => "update_index_i", Input;
        WeightValueI => "weight_value_i", Input;
        SumO => "sum_o", Output;
        ValidO => "valid_o", Output;
        StreamO => "stream_o", Output;
        ResetWeights => "RESET_WEIGHTS", Constant;
        XResetState => "X_RESET_STATE", Constant;
        WResetState => "W_RESET_STATE", Constant;
        SResetState => "S_RESET_STATE", Constant;
        LastPosition => "LAST_POSITION", Constant;
        WeightsQ => "weights_q", Register;
        XStateQ => "x_state_q", Register;
        WStateQ => "w_state_q", Register;
        SStateQ => "s_state_q", Register;
        PositionQ => "position_q", Register;
        CountQ => "count_q", Register;
        ResultQ => "result_q", Register;
        ValidQ => "valid_q", Register;
        XStateNext => "x_state_next", Comb;
        XRand => "x_rand", Comb;
        WStateNext => "w_state_next", Comb;
        WRand => "w_rand", Comb;
        SStateNext => "s_state_next", Comb;
        SRand => "s_rand", Comb;
        XBits => "x_bits", Comb;
        WBits => "w_bits", Comb;
        Products => "products", Comb;
        MuxSelect => "mux_select", Comb;
        Increment => "increment", Comb;
        CountSum => "count_sum", Comb;
        WindowEnd => "window_end", Comb;
        WeightsD => "weights_d", Comb;
        XStateD => "x_state_d", Comb;
        WStateD => "w_state_d", Comb;
        SStateD => "s_state_d", Comb;
        PositionD => "position_d", Comb;
        CountD => "count_d", Comb;
        ResultD => "result_d", Comb;
        ValidD => "valid_d", Comb;
    }
}

#[derive(Debug, Clone)]
pub struct DotLogic {
    params: DotParams,
    x: SourceTables,
    w: SourceTables,
    s: SourceTables,
}

impl Logic for DotLogic {
    type Net = DotNet;

    fn width(&self, net: DotNet) -> u32 {
        use DotNet::*;
        let p = &self.params;
        match net {
            ClkI | RstNi | EnI | UpdateWeightI | ValidO | ValidQ | WindowEnd | ValidD => 1,
            XI | ResetWeights | WeightsQ | WeightsD => p.inputs * p.width,
            UpdateIndexI | MuxSelect => p.index_bits(),
            WeightValueI | XResetState | WResetState | SResetState | XStateQ | WStateQ
            | SStateQ | XStateNext | XRand | WStateNext | WRand | SStateNext | SRand | XStateD
            | WStateD | SStateD => p.width,
            SumO | CountQ | ResultQ | CountSum | CountD | ResultD => p.count_bits(),
            StreamO | Increment => p.increment_bits(),
            LastPosition | PositionQ | PositionD => p.position_bits(),
            XBits | WBits | Products => p.inputs,
        }
    }

    fn present(&self, net: DotNet) -> bool {
        use DotNet::*;
        match net {
            SResetState | SStateQ | SStateNext | SRand | MuxSelect | SStateD => self.params.mux(),
            _ => true,
        }
    }

    fn constants(&self, v: &mut Values<DotNet>) {
        use DotNet::*;
        let p = &self.params;
        v.set(ResetWeights, p.reset_weights);
        v.set(XResetState, p.input_source.reset_state());
        v.set(WResetState, p.weight_source.reset_state());
        if p.mux() {
            v.set(SResetState, p.select_source.reset_state());
        }
        v.set(LastPosition, p.window - 1);
    }

    fn reset(&self, v: &mut Values<DotNet>) {
        use DotNet::*;
        v.set(WeightsQ, v.get(ResetWeights));
        v.set(XStateQ, v.get(XResetState));
        v.set(WStateQ, v.get(WResetState));
        if self.params.mux() {
            v.set(SStateQ, v.get(SResetState));
        }
        for net in [PositionQ, CountQ, ResultQ, ValidQ] {
            v.set(net, 0);
        }
    }

    fn settle(&self, v: &mut Values<DotNet>) {
        use DotNet::*;
        let p = &self.params;
        let n = p.width;
        let (x_next, x_rand) = generator_nets(&self.x, v.get(XStateQ));
        let (w_next, w_rand) = generator_nets(&self.w, v.get(WStateQ));
        v.set(XStateNext, x_next);
        v.set(XRand, x_rand);
        v.set(WStateNext, w_next);
        v.set(WRand, w_rand);
        let (x_i, weights_q) = (v.get(XI), v.get(WeightsQ));
        let (mut x_bits, mut w_bits) = (0u64, 0u64);
        for j in 0..p.inputs {
            let lane = |packed: u64| (packed >> (j * n)) & mask(n);
            x_bits |= u64::from(x_rand < lane(x_i)) << j;
            w_bits |= u64::from(w_rand < lane(weights_q)) << j;
        }
        v.set(XBits, x_bits);
        v.set(WBits, w_bits);
        let products = x_bits & w_bits;
        v.set(Products, products);
        let increment = if p.mux() {
            let (s_next, s_rand) = generator_nets(&self.s, v.get(SStateQ));
            v.set(SStateNext, s_next);
            v.set(SRand, s_rand);
            let select = p.thresholds().iter().filter(|&&t| s_rand >= t).count() as u64;
            v.set(MuxSelect, select);
            let select = v.get(MuxSelect);
            // The ternary chain: the last product when no earlier index matches.
            let chosen = (0..u64::from(p.inputs) - 1)
                .find(|&j| select == j)
                .unwrap_or(u64::from(p.inputs) - 1);
            (products >> chosen) & 1
        } else {
            u64::from(products.count_ones())
        };
        v.set(Increment, increment);
        v.set(CountSum, v.get(CountQ) + v.get(Increment));
        let window_end = v.get(PositionQ) == v.get(LastPosition);
        v.set(WindowEnd, window_end.into());

        let mut weights_d = weights_q;
        if v.flag(UpdateWeightI) {
            let index = v.get(UpdateIndexI);
            if index < u64::from(p.inputs) {
                let shift = index as u32 * n;
                weights_d = (weights_d & !(mask(n) << shift)) | (v.get(WeightValueI) << shift);
            }
        }
        v.set(WeightsD, weights_d);
        let (mut x_d, mut w_d) = (v.get(XStateQ), v.get(WStateQ));
        let mut s_d = v.get(SStateQ);
        let (mut position_d, mut count_d, mut result_d, mut valid_d) =
            (v.get(PositionQ), v.get(CountQ), v.get(ResultQ), 0);
        if v.flag(EnI) {
            (x_d, w_d) = (x_next, w_next);
            s_d = v.get(SStateNext);
            if window_end {
                (position_d, count_d, result_d, valid_d) = (0, 0, v.get(CountSum), 1);
            } else {
                position_d = v.get(PositionQ) + 1;
                count_d = v.get(CountSum);
            }
        }
        v.set(XStateD, x_d);
        v.set(WStateD, w_d);
        if p.mux() {
            v.set(SStateD, s_d);
        }
        v.set(PositionD, position_d);
        v.set(CountD, count_d);
        v.set(ResultD, result_d);
        v.set(ValidD, valid_d);
        v.set(SumO, v.get(ResultQ));
        v.set(ValidO, v.get(ValidQ));
        v.set(StreamO, increment);
    }

    fn registers(&self) -> &'static [(DotNet, DotNet)] {
        use DotNet::*;
        &[
            (WeightsQ, WeightsD),
            (XStateQ, XStateD),
            (WStateQ, WStateD),
            (SStateQ, SStateD),
            (PositionQ, PositionD),
            (CountQ, CountD),
            (ResultQ, ResultD),
            (ValidQ, ValidD),
        ]
    }
}

/// The dot product as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DotProduct {
    pub params: DotParams,
}

impl DotProduct {
    pub fn new(params: DotParams) -> Self {
        DotProduct { params }
    }
    fn logic(&self) -> DotLogic {
        let p = &self.params;
        DotLogic {
            params: *p,
            x: SourceTables::new(p.width, p.input_source),
            w: SourceTables::new(p.width, p.weight_source),
            s: if p.mux() {
                SourceTables::new(p.width, p.select_source)
            } else {
                SourceTables::new(p.width, Source::LFSR)
            },
        }
    }
}

/// A balanced sum of `terms`, parenthesized so that synthesis builds a tree
/// of depth ceil(log2 n) rather than a chain.
fn adder_tree(terms: &[String]) -> String {
    match terms {
        [] => String::new(),
        [one] => one.clone(),
        _ => {
            let (left, right) = terms.split_at(terms.len().div_ceil(2));
            let wrap = |side: &[String]| {
                if side.len() > 1 {
                    format!("({})", adder_tree(side))
                } else {
                    adder_tree(side)
                }
            };
            format!("{} + {}", wrap(left), wrap(right))
        }
    }
}

struct LaneView {
    index: u32,
    index_literal: String,
    hi: u32,
    lo: u32,
}

#[derive(Template)]
#[template(path = "bitstream/dot_product.v")]
struct DotVerilog {
    version: &'static str,
    module: &'static str,
    n: u32,
    w: u32,
    s: u32,
    c: u32,
    p: u32,
    k: u32,
    mux: bool,
    mode: &'static str,
    window: u64,
    x_source: String,
    w_source: String,
    s_source: String,
    reset_weights: String,
    reset_weights_text: String,
    x_reset: String,
    w_reset: String,
    s_reset: String,
    last_position: String,
    generators: Vec<GeneratorView>,
    lanes: Vec<LaneView>,
    thresholds: Vec<String>,
    mux_terms: Vec<String>,
    popcount_tree: String,
    increment_extended: String,
    k_zero: String,
    k_one: String,
    c_zero: String,
}

impl Design for DotProduct {
    fn top_module(&self) -> &'static str {
        MODULE
    }

    fn describe(&self) -> String {
        let p = &self.params;
        format!(
            "{MODULE} n={} N={} combine={:?} L={} input_source={} weight_source={}{} reset_weights={:#x}",
            p.inputs,
            p.width,
            p.combine,
            p.window,
            p.input_source.describe(),
            p.weight_source.describe(),
            if p.mux() {
                format!(" select_source={}", p.select_source.describe())
            } else {
                String::new()
            },
            p.reset_weights
        )
    }

    fn render_rtl(&self) -> Result<String> {
        let p = &self.params;
        let (n, w, s) = (p.inputs, p.width, p.index_bits());
        let (c, k, inc) = (p.count_bits(), p.position_bits(), p.increment_bits());
        let mut generators = vec![
            GeneratorView::new("x", w, p.input_source),
            GeneratorView::new("w", w, p.weight_source),
        ];
        if p.mux() {
            generators.push(GeneratorView::new("s", w, p.select_source));
        }
        let lanes = (0..n)
            .map(|j| LaneView {
                index: j,
                index_literal: verilog_literal(s, j.into()),
                hi: (j + 1) * w - 1,
                lo: j * w,
            })
            .collect();
        let thresholds = p
            .thresholds()
            .iter()
            .map(|t| zero_extend(&format!("(s_rand >= {})", verilog_literal(w, *t)), s))
            .collect();
        let mut mux_terms: Vec<String> = (0..n - 1)
            .map(|j| {
                format!(
                    "(mux_select == {}) ? products[{j}] :",
                    verilog_literal(s, j.into())
                )
            })
            .collect();
        mux_terms.push(format!("products[{}];", n - 1));
        let leaves: Vec<String> = (0..n)
            .map(|j| zero_extend(&format!("products[{j}]"), inc))
            .collect();
        let text = DotVerilog {
            version: env!("CARGO_PKG_VERSION"),
            module: MODULE,
            n,
            w,
            s,
            c,
            p: inc,
            k,
            mux: p.mux(),
            mode: match p.combine {
                Combine::Popcount => "popcount",
                Combine::Mux => "mux",
            },
            window: p.window,
            x_source: p.input_source.describe(),
            w_source: p.weight_source.describe(),
            s_source: p.select_source.describe(),
            reset_weights: verilog_literal(n * w, p.reset_weights),
            reset_weights_text: (0..n)
                .map(|j| p.reset_weight(j).to_string())
                .collect::<Vec<_>>()
                .join(", "),
            x_reset: verilog_literal(w, p.input_source.reset_state()),
            w_reset: verilog_literal(w, p.weight_source.reset_state()),
            s_reset: verilog_literal(w, p.select_source.reset_state()),
            last_position: verilog_literal(k, p.window - 1),
            generators,
            lanes,
            thresholds,
            mux_terms,
            popcount_tree: adder_tree(&leaves),
            increment_extended: extend("increment", inc, c),
            k_zero: verilog_literal(k, 0),
            k_one: verilog_literal(k, 1),
            c_zero: verilog_literal(c, 0),
        }
        .render()?;
        Ok(crate::verilog::finish(&text))
    }

    fn cycle_model(&self) -> Box<dyn CycleModel> {
        Box::new(NetModel::new(self.logic()))
    }

    fn signals(&self) -> Vec<Signal> {
        signal_table(&self.logic())
    }
}
