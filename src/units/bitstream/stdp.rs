//! The stochastic STDP synapse (SPEC §2): a pre-spike history window, LTP/LTD
//! events drawn from an on-chip generator with a fixed-point learning rate and
//! LTD ratio, a saturating fixed-point weight and its weight stream.

use std::collections::VecDeque;

use askama::Template;
use serde::{Deserialize, Serialize};

use super::source::{Generator, GeneratorView, Source, SourceTables, generator_nets};
use crate::design::{CycleModel, Design, Signal, mask, verilog_literal};
use crate::error::{ParamError, Result};
use crate::netlist::{Logic, NetModel, Values, signal_table, unit_nets};

pub const MODULE: &str = "sc_stdp";

pub const WEIGHT_BITS: (u32, u32) = (3, 32);
/// window = 1 + the number of previous timesteps searched for a pre spike.
pub const WINDOW: (u32, u32) = (2, 33);
pub const RAND_BITS: (u32, u32) = (3, 32);
/// Fractional bits of the LTD ratio (Q8.8: 256 = 1.0).
pub const LTD_RATIO_FRACTION_BITS: u32 = 8;
pub const LTD_RATIO: (u32, u32) = (0, 0xffff);

/// The unvalidated parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RawStdpParams {
    pub weight_bits: u32,
    pub window: u32,
    pub rand_bits: u32,
    /// LTP probability = learning_rate / 2^rand_bits.
    pub learning_rate: u64,
    /// LTD probability = floor(learning_rate * ltd_ratio / 256) / 2^rand_bits
    /// (at least 1 / 2^rand_bits: ltd_ratio >= ceil(256 / learning_rate)).
    pub ltd_ratio: u32,
    pub weight_step: u64,
    pub min_weight: u64,
    pub max_weight: u64,
    pub reset_weight: u64,
    /// Drives the event draws (rand_bits wide).
    pub event_source: Source,
    /// Drives the weight stream (weight_bits wide).
    pub stream_source: Source,
}

impl Default for RawStdpParams {
    fn default() -> Self {
        RawStdpParams {
            weight_bits: 8,
            window: 4,
            rand_bits: 8,
            learning_rate: 64,
            ltd_ratio: 256,
            weight_step: 4,
            min_weight: 0,
            max_weight: 255,
            reset_weight: 128,
            event_source: Source::LFSR,
            stream_source: Source::LFSR_RECIPROCAL,
        }
    }
}

/// Validated STDP parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawStdpParams", into = "RawStdpParams")]
pub struct StdpParams {
    raw: RawStdpParams,
}

impl TryFrom<RawStdpParams> for StdpParams {
    type Error = ParamError;
    fn try_from(raw: RawStdpParams) -> Result<Self, ParamError> {
        let range = |name, value: u64, lo: u64, hi: u64| {
            ParamError::check_range(name, value.into(), lo.into(), hi.into())
        };
        range(
            "weight_bits",
            raw.weight_bits.into(),
            WEIGHT_BITS.0.into(),
            WEIGHT_BITS.1.into(),
        )?;
        range(
            "window",
            raw.window.into(),
            WINDOW.0.into(),
            WINDOW.1.into(),
        )?;
        range(
            "rand_bits",
            raw.rand_bits.into(),
            RAND_BITS.0.into(),
            RAND_BITS.1.into(),
        )?;
        // Both thresholds are at least 1: a zero threshold would make an event
        // impossible and its comparator constant, which lint rejects.
        range("learning_rate", raw.learning_rate, 1, mask(raw.rand_bits))?;
        let min_ratio = (1u64 << LTD_RATIO_FRACTION_BITS).div_ceil(raw.learning_rate);
        range(
            "ltd_ratio",
            raw.ltd_ratio.into(),
            min_ratio.max(LTD_RATIO.0.into()),
            LTD_RATIO.1.into(),
        )?;
        let max_w = mask(raw.weight_bits);
        range("weight_step", raw.weight_step, 1, max_w)?;
        range("max_weight", raw.max_weight, 0, max_w)?;
        range("min_weight", raw.min_weight, 0, raw.max_weight)?;
        range(
            "reset_weight",
            raw.reset_weight,
            raw.min_weight,
            raw.max_weight,
        )?;
        raw.event_source
            .validate("event_source", "rand_bits", raw.rand_bits)?;
        raw.stream_source
            .validate("stream_source", "weight_bits", raw.weight_bits)?;
        Ok(StdpParams { raw })
    }
}

impl From<StdpParams> for RawStdpParams {
    fn from(p: StdpParams) -> Self {
        p.raw
    }
}

impl Default for StdpParams {
    fn default() -> Self {
        RawStdpParams::default()
            .try_into()
            .expect("defaults in range")
    }
}

impl StdpParams {
    pub fn raw(&self) -> &RawStdpParams {
        &self.raw
    }
    /// Previous timesteps searched for a pre spike: window - 1.
    pub fn history_len(&self) -> u32 {
        self.raw.window - 1
    }
    pub fn ltp_threshold(&self) -> u64 {
        self.raw.learning_rate
    }
    /// min(floor(learning_rate * ltd_ratio / 256), 2^B - 1), computed at generation time.
    pub fn ltd_threshold(&self) -> u64 {
        let scaled = (u128::from(self.raw.learning_rate) * u128::from(self.raw.ltd_ratio))
            >> LTD_RATIO_FRACTION_BITS;
        scaled.min(mask(self.raw.rand_bits).into()) as u64
    }
    /// The integer learning rate nearest to `probability · 2^rand_bits`,
    /// clamped to 0..=2^B − 1 (what B bits hold; a probability ≤ 0 or NaN
    /// gives 0, which `StdpParams` then rejects as a learning rate). Errors
    /// when `rand_bits` is outside the supported 3..=32.
    pub fn learning_rate_for(probability: f64, rand_bits: u32) -> Result<u64, ParamError> {
        ParamError::check_range(
            "rand_bits",
            rand_bits.into(),
            RAND_BITS.0.into(),
            RAND_BITS.1.into(),
        )?;
        let scaled = (probability * (1u64 << rand_bits) as f64).round();
        Ok((scaled.max(0.0) as u64).min(mask(rand_bits)))
    }
}

/// One cycle's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StdpInputs {
    pub step: bool,
    pub pre: bool,
    pub post: bool,
}

/// What the synapse shows during a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StdpOutputs {
    pub weight: u64,
    pub weight_bit: bool,
    pub out: bool,
    pub ltp: bool,
    pub ltd: bool,
}

/// The step model, written from SPEC §2 without widths.
#[derive(Debug, Clone)]
pub struct StdpStep {
    params: StdpParams,
    weight: u64,
    /// Pre spikes of the previous window - 1 timesteps, newest first.
    history: VecDeque<bool>,
    events: Generator,
    stream: Generator,
}

impl StdpStep {
    pub fn new(params: &StdpParams) -> Self {
        let r = params.raw;
        StdpStep {
            params: *params,
            weight: r.reset_weight,
            history: std::iter::repeat_n(false, params.history_len() as usize).collect(),
            events: Generator::new(r.rand_bits, r.event_source).expect("validated"),
            stream: Generator::new(r.weight_bits, r.stream_source).expect("validated"),
        }
    }

    pub fn weight(&self) -> u64 {
        self.weight
    }

    /// (LTP, LTD) at this clock.
    fn events(&self, inputs: &StdpInputs) -> (bool, bool) {
        if !inputs.step {
            return (false, false);
        }
        let draw = self.events.rand();
        let recent = self.history.iter().any(|&b| b);
        if inputs.post && recent {
            (draw < self.params.ltp_threshold(), false)
        } else if inputs.pre && !inputs.post {
            (false, draw < self.params.ltd_threshold())
        } else {
            (false, false)
        }
    }

    pub fn outputs(&self, inputs: &StdpInputs) -> StdpOutputs {
        let (ltp, ltd) = self.events(inputs);
        let weight_bit = self.stream.bit(self.weight);
        StdpOutputs {
            weight: self.weight,
            weight_bit,
            out: inputs.pre && weight_bit,
            ltp,
            ltd,
        }
    }

    /// The clock edge.
    pub fn step(&mut self, inputs: &StdpInputs) {
        let r = self.params.raw;
        let (ltp, ltd) = self.events(inputs);
        if ltp {
            self.weight = (self.weight + r.weight_step).min(r.max_weight);
        } else if ltd {
            self.weight =
                (self.weight as i64 - r.weight_step as i64).max(r.min_weight as i64) as u64;
        }
        if inputs.step {
            self.history.pop_back();
            self.history.push_front(inputs.pre);
            self.events.advance();
        }
        self.stream.advance();
    }
}

unit_nets! {
    /// The STDP synapse's nets, in declaration order.
    StdpNet {
        ClkI => "clk_i", Input;
        RstNi => "rst_ni", Input;
        StepI => "step_i", Input;
        PreI => "pre_i", Input;
        PostI => "post_i", Input;
        WeightO => "weight_o", Output;
        WeightBitO => "weight_bit_o", Output;
        OutO => "out_o", Output;
        LtpO => "ltp_o", Output;
        LtdO => "ltd_o", Output;
        LtpThreshold => "LTP_THRESHOLD", Constant;
        LtdThreshold => "LTD_THRESHOLD", Constant;
        WeightStep => "WEIGHT_STEP", Constant;
        MinWeight => "MIN_WEIGHT", Constant;
        MaxWeight => "MAX_WEIGHT", Constant;
        ResetWeight => "RESET_WEIGHT", Constant;
        EventResetState => "EVENT_RESET_STATE", Constant;
        StreamResetState => "STREAM_RESET_STATE", Constant;
        WeightQ => "weight_q", Register;
        HistoryQ => "history_q", Register;
        EventStateQ => "event_state_q", Register;
        StreamStateQ => "stream_state_q", Register;
        EventStateNext => "event_state_next", Comb;
        EventRand => "event_rand", Comb;
        StreamStateNext => "stream_state_next", Comb;
        StreamRand => "stream_rand", Comb;
        WeightBit => "weight_bit", Comb;
        PreRecent => "pre_recent", Comb;
        LtpCandidate => "ltp_candidate", Comb;
        LtdCandidate => "ltd_candidate", Comb;
        LtpFire => "ltp_fire", Comb;
        LtdFire => "ltd_fire", Comb;
        WeightRaised => "weight_raised", Comb;
        WeightLowered => "weight_lowered", Comb;
        WeightPotentiated => "weight_potentiated", Comb;
        WeightDepressed => "weight_depressed", Comb;
        WeightD => "weight_d", Comb;
        HistoryD => "history_d", Comb;
        EventStateD => "event_state_d", Comb;
        StreamStateD => "stream_state_d", Comb;
    }
}

#[derive(Debug, Clone)]
pub struct StdpLogic {
    params: StdpParams,
    events: SourceTables,
    stream: SourceTables,
}

impl Logic for StdpLogic {
    type Net = StdpNet;

    fn width(&self, net: StdpNet) -> u32 {
        use StdpNet::*;
        let r = &self.params.raw;
        let (w, b) = (r.weight_bits, r.rand_bits);
        match net {
            ClkI | RstNi | StepI | PreI | PostI | WeightBitO | OutO | LtpO | LtdO | WeightBit
            | PreRecent | LtpCandidate | LtdCandidate | LtpFire | LtdFire => 1,
            LtpThreshold | LtdThreshold | EventResetState | EventStateQ | EventStateNext
            | EventRand | EventStateD => b,
            WeightRaised | WeightLowered => w + 1,
            HistoryQ | HistoryD => self.params.history_len(),
            _ => w,
        }
    }

    fn constants(&self, v: &mut Values<StdpNet>) {
        use StdpNet::*;
        let p = &self.params;
        let r = &p.raw;
        v.set(LtpThreshold, p.ltp_threshold());
        v.set(LtdThreshold, p.ltd_threshold());
        v.set(WeightStep, r.weight_step);
        v.set(MinWeight, r.min_weight);
        v.set(MaxWeight, r.max_weight);
        v.set(ResetWeight, r.reset_weight);
        v.set(EventResetState, r.event_source.reset_state());
        v.set(StreamResetState, r.stream_source.reset_state());
    }

    fn reset(&self, v: &mut Values<StdpNet>) {
        use StdpNet::*;
        v.set(WeightQ, v.get(ResetWeight));
        v.set(HistoryQ, 0);
        v.set(EventStateQ, v.get(EventResetState));
        v.set(StreamStateQ, v.get(StreamResetState));
    }

    fn settle(&self, v: &mut Values<StdpNet>) {
        use StdpNet::*;
        let w = self.params.raw.weight_bits;
        let (event_next, event_rand) = generator_nets(&self.events, v.get(EventStateQ));
        let (stream_next, stream_rand) = generator_nets(&self.stream, v.get(StreamStateQ));
        v.set(EventStateNext, event_next);
        v.set(EventRand, event_rand);
        v.set(StreamStateNext, stream_next);
        v.set(StreamRand, stream_rand);
        let weight_q = v.get(WeightQ);
        v.set(WeightBit, u64::from(stream_rand < weight_q));
        v.set(PreRecent, u64::from(v.get(HistoryQ) != 0));
        let (step, pre, post) = (v.flag(StepI), v.flag(PreI), v.flag(PostI));
        v.set(LtpCandidate, u64::from(post && v.flag(PreRecent)));
        v.set(LtdCandidate, u64::from(pre && !post));
        let ltp = step && v.flag(LtpCandidate) && event_rand < v.get(LtpThreshold);
        let ltd = step && v.flag(LtdCandidate) && event_rand < v.get(LtdThreshold);
        v.set(LtpFire, ltp.into());
        v.set(LtdFire, ltd.into());
        let step_size = v.get(WeightStep);
        v.set(WeightRaised, weight_q + step_size);
        v.set(WeightLowered, weight_q.wrapping_sub(step_size));
        let raised = v.get(WeightRaised);
        v.set(
            WeightPotentiated,
            if raised > v.get(MaxWeight) {
                v.get(MaxWeight)
            } else {
                raised
            },
        );
        let lowered = v.get(WeightLowered);
        let low = lowered & mask(w);
        v.set(
            WeightDepressed,
            if (lowered >> w) & 1 == 1 || low < v.get(MinWeight) {
                v.get(MinWeight)
            } else {
                low
            },
        );
        let weight_d = if ltp {
            v.get(WeightPotentiated)
        } else if ltd {
            v.get(WeightDepressed)
        } else {
            weight_q
        };
        v.set(WeightD, weight_d);
        let (history_d, event_d) = if step {
            ((v.get(HistoryQ) << 1) | u64::from(pre), event_next)
        } else {
            (v.get(HistoryQ), v.get(EventStateQ))
        };
        v.set(HistoryD, history_d);
        v.set(EventStateD, event_d);
        v.set(StreamStateD, stream_next);
        v.set(WeightO, weight_q);
        v.set(WeightBitO, v.get(WeightBit));
        v.set(OutO, u64::from(pre && v.flag(WeightBit)));
        v.set(LtpO, ltp.into());
        v.set(LtdO, ltd.into());
    }

    fn registers(&self) -> &'static [(StdpNet, StdpNet)] {
        use StdpNet::*;
        &[
            (WeightQ, WeightD),
            (HistoryQ, HistoryD),
            (EventStateQ, EventStateD),
            (StreamStateQ, StreamStateD),
        ]
    }
}

/// The STDP synapse as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StochasticStdp {
    pub params: StdpParams,
}

impl StochasticStdp {
    pub fn new(params: StdpParams) -> Self {
        StochasticStdp { params }
    }
    fn logic(&self) -> StdpLogic {
        let r = &self.params.raw;
        StdpLogic {
            params: self.params,
            events: SourceTables::new(r.rand_bits, r.event_source),
            stream: SourceTables::new(r.weight_bits, r.stream_source),
        }
    }
}

#[derive(Template)]
#[template(path = "bitstream/stdp.v")]
struct StdpVerilog {
    version: &'static str,
    module: &'static str,
    w: u32,
    b: u32,
    h: u32,
    window: u32,
    learning_rate: u64,
    ltd_ratio: u32,
    ltd_threshold: u64,
    weight_step: u64,
    min_weight: u64,
    max_weight: u64,
    reset_weight: u64,
    event_source: String,
    stream_source: String,
    ltp_threshold_literal: String,
    ltd_threshold_literal: String,
    weight_step_literal: String,
    min_weight_literal: String,
    max_weight_literal: String,
    reset_weight_literal: String,
    event_reset: String,
    stream_reset: String,
    generators: Vec<GeneratorView>,
    history_shift: String,
    h_zero: String,
}

impl Design for StochasticStdp {
    fn top_module(&self) -> &'static str {
        MODULE
    }

    fn describe(&self) -> String {
        let r = &self.params.raw;
        format!(
            "{MODULE} W={} window={} B={} learning_rate={} ltd_ratio={} weight_step={} range=[{}, {}] reset_weight={} event_source={} stream_source={}",
            r.weight_bits,
            r.window,
            r.rand_bits,
            r.learning_rate,
            r.ltd_ratio,
            r.weight_step,
            r.min_weight,
            r.max_weight,
            r.reset_weight,
            r.event_source.describe(),
            r.stream_source.describe()
        )
    }

    fn render_rtl(&self) -> Result<String> {
        let p = &self.params;
        let r = &p.raw;
        let (w, b, h) = (r.weight_bits, r.rand_bits, p.history_len());
        let text = StdpVerilog {
            version: env!("CARGO_PKG_VERSION"),
            module: MODULE,
            w,
            b,
            h,
            window: r.window,
            learning_rate: r.learning_rate,
            ltd_ratio: r.ltd_ratio,
            ltd_threshold: p.ltd_threshold(),
            weight_step: r.weight_step,
            min_weight: r.min_weight,
            max_weight: r.max_weight,
            reset_weight: r.reset_weight,
            event_source: r.event_source.describe(),
            stream_source: r.stream_source.describe(),
            ltp_threshold_literal: verilog_literal(b, p.ltp_threshold()),
            ltd_threshold_literal: verilog_literal(b, p.ltd_threshold()),
            weight_step_literal: verilog_literal(w, r.weight_step),
            min_weight_literal: verilog_literal(w, r.min_weight),
            max_weight_literal: verilog_literal(w, r.max_weight),
            reset_weight_literal: verilog_literal(w, r.reset_weight),
            event_reset: verilog_literal(b, r.event_source.reset_state()),
            stream_reset: verilog_literal(w, r.stream_source.reset_state()),
            generators: vec![
                GeneratorView::new("event", b, r.event_source),
                GeneratorView::new("stream", w, r.stream_source),
            ],
            history_shift: if h == 1 {
                "pre_i".into()
            } else {
                format!("{{history_q[{}:0], pre_i}}", h - 2)
            },
            h_zero: verilog_literal(h, 0),
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
