//! The stochastic STDP synapse (docs/spec.md section 2.7): a pre-spike
//! history window, LTP/LTD events drawn from an on-chip generator with a
//! fixed-point learning rate and LTD ratio, a saturating fixed-point weight
//! and its weight stream. Parameters, the hand-written step model (`step`)
//! and the net-level description (`describe`).

pub mod describe;
pub mod step;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::design::{Design, mask};
use crate::error::{ParamError, Result};
use crate::hdl::Module;
use crate::stochastic::Source;
use crate::units::{ParamKey, Unit, params_digest};

pub use step::{StdpInputs, StdpOutputs, StdpStep};

/// The unit's name: the prefix of its module names and its `--unit` key.
pub const UNIT: &str = "sc_stdp";

pub const WEIGHT_BITS: (u32, u32) = (3, 32);
/// window = 1 + the number of previous timesteps searched for a pre spike.
pub const WINDOW: (u32, u32) = (2, 33);
pub const RAND_BITS: (u32, u32) = (3, 32);
/// Fractional bits of the LTD ratio (Q8.8: 256 = 1.0).
pub const LTD_RATIO_FRACTION_BITS: u32 = 8;
pub const LTD_RATIO: (u32, u32) = (0, 0xffff);

/// The unvalidated parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

/// The STDP synapse as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StochasticStdp {
    pub params: StdpParams,
}

impl StochasticStdp {
    pub fn new(params: StdpParams) -> Self {
        StochasticStdp { params }
    }
}

impl Design for StochasticStdp {
    fn describe(&self) -> String {
        let r = &self.params.raw;
        format!(
            "{UNIT} W={} window={} B={} learning_rate={} ltd_ratio={} weight_step={} range=[{}, {}] reset_weight={} event_source={} stream_source={}",
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

    /// `sc_stdp_w8_win4_b8_1a2b3c`: widths and window, then a digest of all
    /// the parameters (rates, weight range, sources).
    fn top_module(&self) -> String {
        let r = &self.params.raw;
        format!(
            "{UNIT}_w{}_win{}_b{}_{}",
            r.weight_bits,
            r.window,
            r.rand_bits,
            params_digest(r)
        )
    }

    fn module(&self) -> Result<Arc<Module>> {
        Ok(Arc::new(describe::describe(
            &self.params,
            &self.top_module(),
        )?))
    }
}

const SOURCE: &str = "sobol:1..=8 | lfsr[:primary|reciprocal[:seed]]";

/// The STDP synapse in the unit registry.
pub static KIND: Unit<RawStdpParams> = Unit {
    name: UNIT,
    summary: "stochastic STDP synapse: LTP/LTD events from an on-chip generator (docs/spec.md section 2.7)",
    keys: &[
        ParamKey {
            key: "weight_bits",
            allowed: "3..=32",
            meaning: "W: weight and weight-stream bits",
        },
        ParamKey {
            key: "window",
            allowed: "2..=33",
            meaning: "1 + the previous timesteps searched for a pre spike",
        },
        ParamKey {
            key: "rand_bits",
            allowed: "3..=32",
            meaning: "B: event generator bits",
        },
        ParamKey {
            key: "learning_rate",
            allowed: "1..=2^B-1",
            meaning: "LTP probability = learning_rate / 2^B",
        },
        ParamKey {
            key: "ltd_ratio",
            allowed: "ceil(256 / learning_rate)..=65535",
            meaning: "LTD probability = floor(learning_rate * ltd_ratio / 256) / 2^B (Q8.8)",
        },
        ParamKey {
            key: "weight_step",
            allowed: "1..=2^W-1",
            meaning: "weight change per event",
        },
        ParamKey {
            key: "min_weight",
            allowed: "0..=max_weight",
            meaning: "lower saturation bound",
        },
        ParamKey {
            key: "max_weight",
            allowed: "0..=2^W-1",
            meaning: "upper saturation bound",
        },
        ParamKey {
            key: "reset_weight",
            allowed: "min_weight..=max_weight",
            meaning: "weight loaded at reset",
        },
        ParamKey {
            key: "event_source",
            allowed: SOURCE,
            meaning: "the event generator (rand_bits wide, seed 1..=2^B-1)",
        },
        ParamKey {
            key: "stream_source",
            allowed: SOURCE,
            meaning: "the weight-stream generator (weight_bits wide, seed 1..=2^W-1)",
        },
    ],
    build: |raw| Ok(Box::new(StochasticStdp::new(StdpParams::try_from(raw)?))),
    raw: std::marker::PhantomData,
};
