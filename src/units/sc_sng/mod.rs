//! The stochastic number generator (docs/spec.md section 2.1): one generator
//! and the comparator `rand < value`. Parameters, the hand-written step model
//! (`step`) and the net-level description (`describe`), the one source of
//! its RTL, cycle model, net table and estimate.

pub mod describe;
pub mod step;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::design::Design;
use crate::error::{ParamError, Result};
use crate::hdl::Module;
use crate::stochastic::Source;
use crate::units::{ParamKey, Unit, source_key};

pub use step::{SngOutputs, SngStep};

/// The unit's name: the prefix of its module names and its `--unit` key.
pub const UNIT: &str = "sc_sng";

/// Validated parameters of one SNG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SngParams {
    width: u32,
    source: Source,
}

/// The unvalidated parameters, as they arrive from TOML or `--set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSngParams {
    /// N: value and generator bits.
    pub width: u32,
    pub source: Source,
}

impl Default for RawSngParams {
    fn default() -> Self {
        RawSngParams {
            width: 10,
            source: Source::sobol(1),
        }
    }
}

impl TryFrom<RawSngParams> for SngParams {
    type Error = ParamError;
    fn try_from(raw: RawSngParams) -> Result<Self, ParamError> {
        SngParams::new(raw.width, raw.source)
    }
}

impl From<SngParams> for RawSngParams {
    fn from(p: SngParams) -> Self {
        RawSngParams {
            width: p.width,
            source: p.source,
        }
    }
}

impl Default for SngParams {
    fn default() -> Self {
        RawSngParams::default()
            .try_into()
            .expect("the defaults are in range")
    }
}

impl SngParams {
    pub fn new(width: u32, source: Source) -> Result<Self, ParamError> {
        source.validate("source", "width", width)?;
        Ok(SngParams { width, source })
    }
    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn source(&self) -> Source {
        self.source
    }
}

/// The SNG as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sng {
    pub params: SngParams,
}

impl Sng {
    pub fn new(params: SngParams) -> Self {
        Sng { params }
    }
}

impl Design for Sng {
    fn describe(&self) -> String {
        format!(
            "{UNIT} N={} source={}",
            self.params.width,
            self.params.source.describe()
        )
    }

    /// `sc_sng_n10_sobol1`: width and source pin every parameter.
    fn top_module(&self) -> String {
        format!(
            "{UNIT}_n{}_{}",
            self.params.width,
            source_key(self.params.source)
        )
    }

    fn module(&self) -> Result<Arc<Module>> {
        Ok(Arc::new(describe::describe(
            &self.params,
            &self.top_module(),
        )?))
    }
}

/// The SNG in the unit registry.
pub static KIND: Unit<RawSngParams> = Unit {
    name: UNIT,
    summary: "stochastic number generator: bit = rand < value (docs/spec.md section 2.1)",
    keys: &[
        ParamKey {
            key: "width",
            allowed: "3..=32",
            meaning: "N: value and generator bits (the stream encodes value / 2^N)",
        },
        ParamKey {
            key: "source",
            allowed: "sobol:1..=8 | lfsr[:primary|reciprocal[:seed 1..=2^N-1]]",
            meaning: "the generator (or a table { kind = \"sobol\", dimension = D })",
        },
    ],
    build: |raw| Ok(Box::new(Sng::new(SngParams::try_from(raw)?))),
    raw: std::marker::PhantomData,
};
