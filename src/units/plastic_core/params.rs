//! The core's parameters: an array's and a population's, and the three
//! places where they must agree (the population has one neuron per post
//! neuron, takes the array's current at its width, and starts the learning
//! shift at the array's L). A disagreement is an error naming both keys.

use serde::{Deserialize, Serialize};

use crate::error::{ParamError, ParamValue};
use crate::units::lif_population::{PopulationParams, RawPopulationParams};
use crate::units::rstdp_array::{ArrayConfig, RawArrayParams};

/// The core's keys: `array = { ... }` and `population = { ... }`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCoreParams {
    pub array: RawArrayParams,
    pub population: RawPopulationParams,
    /// Every memory in block RAM, the small ones too (traces, neuron state):
    /// on parts like the UP5K logic cells run out long before block RAMs.
    pub small_memories_in_block_ram: bool,
    /// s of synaptic scaling at window ends (docs/spec.md §3.4, §4); 0: none.
    pub scaling_shift: u32,
}

impl Default for RawCoreParams {
    /// Sized for an iCE40 UP5K: 64 inputs onto 16 neurons (1,024 synapses
    /// in 8 block RAMs), 4 lanes, 8-bit weights.
    fn default() -> Self {
        RawCoreParams {
            array: RawArrayParams {
                n_pre: 64,
                n_post: 16,
                lanes: 4,
                current_bits: 0,
                weight_bits: 8,
                trace_bits: 10,
                reward_bits: 8,
                learning_shift: 4,
                trace_decay_shift: 3,
            },
            population: RawPopulationParams {
                neurons: 16,
                current_bits: 14,
                membrane_bits: 24,
                fraction_bits: 4,
                leak_time_constant: 16.0,
                refractory: 2,
                threshold_init: 1024.0,
                threshold_min: 16.0,
                threshold_max: 65535.0,
                threshold_step: 32.0,
                window: 64,
                target_rate: 0.125,
                tolerance: 0.25,
                variance_bound: 16.0,
                learning_shift_base: 4,
                learning_shift_max: 8,
            },
            small_memories_in_block_ram: true,
            scaling_shift: 0,
        }
    }
}

/// A validated core: the array (with its learning shift as a port) and the population.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoreConfig {
    pub array: ArrayConfig,
    pub population: PopulationParams,
    pub small_memories_in_block_ram: bool,
    pub scaling_shift: u32,
}

impl TryFrom<RawCoreParams> for CoreConfig {
    type Error = ParamError;
    fn try_from(raw: RawCoreParams) -> Result<Self, ParamError> {
        let array = ArrayConfig::try_from(raw.array).map_err(|e| prefixed("array", e))?;
        let population =
            PopulationParams::try_from(raw.population).map_err(|e| prefixed("population", e))?;
        let agree = |parameter: &'static str, value: u64, other: &str, wanted: u64| {
            if value == wanted {
                Ok(())
            } else {
                Err(ParamError {
                    parameter,
                    value: ParamValue::Int(value as i128),
                    allowed: format!("{wanted} ({other})"),
                })
            }
        };
        agree(
            "population.neurons",
            population.neurons.into(),
            "array.n_post: one neuron per post neuron",
            array.n_post() as u64,
        )?;
        agree(
            "population.current_bits",
            population.current_bits.into(),
            "the array's current width: array.current_bits, or the exact width when it is 0",
            array.current_bits().into(),
        )?;
        agree(
            "population.learning_shift_base",
            population.learning_shift_base.into(),
            "array.learning_shift: the learning shift starts at the array's L",
            array.lane().learning_shift().into(),
        )?;
        let w = array.lane().weight_bits();
        ParamError::check_range("scaling_shift", raw.scaling_shift.into(), 0, w.into()).map_err(
            |e| ParamError {
                allowed: format!("{} (0: no scaling; at most weight_bits)", e.allowed),
                ..e
            },
        )?;
        Ok(CoreConfig {
            array: array.with_learning_shift_port(population.learning_shift_max),
            population,
            small_memories_in_block_ram: raw.small_memories_in_block_ram,
            scaling_shift: raw.scaling_shift,
        })
    }
}

/// Names a member's parameter inside the core (`array.n_pre`).
fn prefixed(member: &'static str, e: ParamError) -> ParamError {
    // Parameter names are static strings; the few dozen prefixed names are
    // leaked once per distinct error, which only happens on bad input.
    let parameter: &'static str = Box::leak(format!("{member}.{}", e.parameter).into_boxed_str());
    ParamError { parameter, ..e }
}

/// The core of these parameter values over the defaults (`--params`,
/// `--set`), as `Unit::design` resolves a unit's: an unknown key, a wrong
/// type, a value out of range or members that disagree is an error naming
/// the key and where its value came from.
pub fn config_from_values(values: &crate::params::ParamValues) -> crate::error::Result<CoreConfig> {
    let raw: RawCoreParams = values.resolve(super::UNIT)?;
    CoreConfig::try_from(raw).map_err(|e| values.locate(e))
}
