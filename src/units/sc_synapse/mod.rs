//! The AND synapse (docs/spec.md section 2.4): `post = pre AND (rand <
//! weight)`, the weight held in a fixed-point register and encoded by the
//! synapse's own generator. Parameters, the hand-written step model (`step`)
//! and the net-level description (`describe`).

pub mod describe;
pub mod step;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::design::{Design, mask};
use crate::error::{ParamError, Result};
use crate::hdl::Module;
use crate::stochastic::Source;
use crate::units::{ParamKey, Unit, source_key};

pub use step::{SynapseInputs, SynapseOutputs, SynapseStep};

/// The unit's name: the prefix of its module names and its `--unit` key.
pub const UNIT: &str = "sc_synapse";

/// Validated parameters of one synapse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SynapseParams {
    width: u32,
    weight_source: Source,
    reset_weight: u64,
}

/// The unvalidated parameters, as they arrive from TOML or `--set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSynapseParams {
    /// N: weight and generator bits.
    pub width: u32,
    pub weight_source: Source,
    pub reset_weight: u64,
}

impl Default for RawSynapseParams {
    fn default() -> Self {
        RawSynapseParams {
            width: 10,
            weight_source: Source::sobol(2),
            reset_weight: 512,
        }
    }
}

impl TryFrom<RawSynapseParams> for SynapseParams {
    type Error = ParamError;
    fn try_from(raw: RawSynapseParams) -> Result<Self, ParamError> {
        SynapseParams::new(raw.width, raw.weight_source, raw.reset_weight)
    }
}

impl From<SynapseParams> for RawSynapseParams {
    fn from(p: SynapseParams) -> Self {
        RawSynapseParams {
            width: p.width,
            weight_source: p.weight_source,
            reset_weight: p.reset_weight,
        }
    }
}

impl Default for SynapseParams {
    fn default() -> Self {
        RawSynapseParams::default()
            .try_into()
            .expect("the defaults are in range")
    }
}

impl SynapseParams {
    pub fn new(width: u32, weight_source: Source, reset_weight: u64) -> Result<Self, ParamError> {
        weight_source.validate("weight_source", "width", width)?;
        ParamError::check_range("reset_weight", reset_weight.into(), 0, mask(width).into())?;
        Ok(SynapseParams {
            width,
            weight_source,
            reset_weight,
        })
    }
    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn weight_source(&self) -> Source {
        self.weight_source
    }
    pub fn reset_weight(&self) -> u64 {
        self.reset_weight
    }
}

/// The synapse as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Synapse {
    pub params: SynapseParams,
}

impl Synapse {
    pub fn new(params: SynapseParams) -> Self {
        Synapse { params }
    }
}

impl Design for Synapse {
    fn describe(&self) -> String {
        let p = &self.params;
        format!(
            "{UNIT} N={} weight_source={} reset_weight={}",
            p.width,
            p.weight_source.describe(),
            p.reset_weight
        )
    }

    /// `sc_synapse_n10_sobol2_rw512`: every parameter in readable form.
    fn top_module(&self) -> String {
        let p = &self.params;
        format!(
            "{UNIT}_n{}_{}_rw{}",
            p.width,
            source_key(p.weight_source),
            p.reset_weight
        )
    }

    fn module(&self) -> Result<Arc<Module>> {
        Ok(Arc::new(describe::describe(
            &self.params,
            &self.top_module(),
        )?))
    }
}

/// The synapse in the unit registry.
pub static KIND: Unit<RawSynapseParams> = Unit {
    name: UNIT,
    summary: "AND synapse: post = pre AND (rand < weight) (docs/spec.md section 2.4)",
    keys: &[
        ParamKey {
            key: "width",
            allowed: "3..=32",
            meaning: "N: weight and generator bits",
        },
        ParamKey {
            key: "weight_source",
            allowed: "sobol:1..=8 | lfsr[:primary|reciprocal[:seed 1..=2^N-1]]",
            meaning: "the generator that encodes the weight",
        },
        ParamKey {
            key: "reset_weight",
            allowed: "0..=2^N-1",
            meaning: "weight loaded at reset",
        },
    ],
    build: |raw| Ok(Box::new(Synapse::new(SynapseParams::try_from(raw)?))),
    raw: std::marker::PhantomData,
};
