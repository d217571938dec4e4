//! The n-input bitstream dot product (docs/spec.md section 2.6): n AND
//! synapses combined per cycle by an exact popcount or by a multiplexer
//! (scaled addition), decoded over L cycles. Parameters, the hand-written
//! step model (`step`) and the net-level description (`describe`).

pub mod describe;
pub mod step;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::design::bits_for;
use crate::design::{Design, mask};
use crate::error::{ParamError, Result};
use crate::hdl::Module;
use crate::stochastic::Source;
use crate::units::{ParamKey, Unit, params_digest};

pub use step::{DotInputs, DotOutputs, DotStep};

/// The unit's name: the prefix of its module names and its `--unit` key.
pub const UNIT: &str = "sc_dot_product";

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
    pub(crate) fn mux(&self) -> bool {
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
    pub fn thresholds(&self) -> Vec<u64> {
        let n = u64::from(self.inputs);
        (1..n).map(|k| (k << self.width).div_ceil(n)).collect()
    }
}

/// The unvalidated parameters, as they arrive from TOML or `--set`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDotParams {
    /// n: inputs (and weights).
    pub inputs: u32,
    /// N: value and generator bits.
    pub width: u32,
    pub combine: Combine,
    /// L: enabled cycles per window.
    pub window: u64,
    pub input_source: Source,
    pub weight_source: Source,
    /// Drives the multiplexer select (unused, and not checked, by the popcount).
    pub select_source: Source,
    /// One weight per input, loaded at reset (missing ones are 0).
    pub reset_weights: Vec<u64>,
}

impl Default for RawDotParams {
    fn default() -> Self {
        RawDotParams {
            inputs: 4,
            width: 8,
            combine: Combine::Popcount,
            window: 256,
            input_source: Source::sobol(1),
            weight_source: Source::sobol(2),
            select_source: Source::sobol(3),
            reset_weights: vec![64, 128, 192, 255],
        }
    }
}

impl TryFrom<RawDotParams> for DotParams {
    type Error = ParamError;
    fn try_from(raw: RawDotParams) -> Result<Self, ParamError> {
        DotParams::new(
            raw.inputs,
            raw.width,
            raw.combine,
            raw.window,
            raw.input_source,
            raw.weight_source,
            raw.select_source,
            &raw.reset_weights,
        )
    }
}

impl From<DotParams> for RawDotParams {
    fn from(p: DotParams) -> Self {
        RawDotParams {
            inputs: p.inputs,
            width: p.width,
            combine: p.combine,
            window: p.window,
            input_source: p.input_source,
            weight_source: p.weight_source,
            select_source: p.select_source,
            reset_weights: (0..p.inputs).map(|j| p.reset_weight(j)).collect(),
        }
    }
}

impl Default for DotParams {
    fn default() -> Self {
        RawDotParams::default()
            .try_into()
            .expect("the defaults are in range")
    }
}

/// The dot product as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DotProduct {
    pub params: DotParams,
}

impl DotProduct {
    pub fn new(params: DotParams) -> Self {
        DotProduct { params }
    }
}

impl Design for DotProduct {
    fn describe(&self) -> String {
        let p = &self.params;
        format!(
            "{UNIT} n={} N={} combine={:?} L={} input_source={} weight_source={}{} reset_weights={:#x}",
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

    /// `sc_dot_product_n4_w8_popcount_l256_1a2b3c`: inputs, width, combine and
    /// window, then a digest of all the parameters (sources, reset weights).
    /// The select source, unused by a popcount, is left out of its digest.
    fn top_module(&self) -> String {
        let p = &self.params;
        let mut raw = RawDotParams::from(*p);
        if !p.mux() {
            raw.select_source = RawDotParams::default().select_source;
        }
        format!(
            "{UNIT}_n{}_w{}_{}_l{}_{}",
            p.inputs,
            p.width,
            match p.combine {
                Combine::Popcount => "popcount",
                Combine::Mux => "mux",
            },
            p.window,
            params_digest(&raw)
        )
    }

    fn module(&self) -> Result<Arc<Module>> {
        Ok(Arc::new(describe::describe(
            &self.params,
            &self.top_module(),
        )?))
    }
}

const SOURCE: &str = "sobol:1..=8 | lfsr[:primary|reciprocal[:seed 1..=2^N-1]]";

/// The dot product in the unit registry.
pub static KIND: Unit<RawDotParams> = Unit {
    name: UNIT,
    summary: "n-input bitstream dot product, popcount or multiplexer, decoded over L cycles (docs/spec.md section 2.6)",
    keys: &[
        ParamKey {
            key: "inputs",
            allowed: "2..=8",
            meaning: "n: inputs and weights",
        },
        ParamKey {
            key: "width",
            allowed: "3..=32, inputs * width <= 64",
            meaning: "N: value and generator bits",
        },
        ParamKey {
            key: "combine",
            allowed: "popcount | mux",
            meaning: "exact popcount (estimate count / L) or multiplexer (count * n / L)",
        },
        ParamKey {
            key: "window",
            allowed: "1..=16777216",
            meaning: "L: enabled cycles per window",
        },
        ParamKey {
            key: "input_source",
            allowed: SOURCE,
            meaning: "the generator shared by the inputs",
        },
        ParamKey {
            key: "weight_source",
            allowed: SOURCE,
            meaning: "the generator shared by the weights",
        },
        ParamKey {
            key: "select_source",
            allowed: SOURCE,
            meaning: "the multiplexer's select generator (combine = mux only)",
        },
        ParamKey {
            key: "reset_weights",
            allowed: "up to n values in 0..=2^N-1",
            meaning: "weights loaded at reset (missing ones are 0)",
        },
    ],
    build: |raw| Ok(Box::new(DotProduct::new(DotParams::try_from(raw)?))),
    raw: std::marker::PhantomData,
};
