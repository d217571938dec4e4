//! The plastic core: an R-STDP synapse array feeding a LIF population with
//! homeostatic thresholds, whose learning-rate control drives the array's
//! learning shift (docs/spec.md §4). `step.rs` joins the two units' step
//! models; `describe.rs` instantiates their descriptions under a top with
//! the timestep control; `driver.rs` runs it per timestep.

pub mod describe;
pub mod driver;
pub mod params;
pub mod session;
pub mod step;

use std::sync::Arc;

use crate::design::Design;
use crate::error::Result;
use crate::hdl::Module;
use crate::units::lif_population::LifPopulation;
use crate::units::rstdp_array::RstdpArray;

pub use params::{CoreConfig, RawCoreParams};
pub use step::CoreModel;

pub const UNIT: &str = "plastic_core";

/// A core as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlasticCore {
    pub config: CoreConfig,
}

impl PlasticCore {
    pub fn new(config: CoreConfig) -> Self {
        PlasticCore { config }
    }
}

impl Design for PlasticCore {
    fn describe(&self) -> String {
        format!(
            "{UNIT} array=({}) population=({})",
            RstdpArray::new(self.config.array).describe(),
            LifPopulation {
                params: self.config.population
            }
            .describe()
        )
    }

    /// `plastic_core_64x16_k4_<digest>`: the shape and a digest of the rest.
    fn top_module(&self) -> String {
        let c = &self.config;
        let digest = crate::units::params_digest(&(
            RstdpArray::new(c.array).top_module(),
            c.population,
            c.small_memories_in_block_ram,
        ));
        format!(
            "{UNIT}_{}x{}_k{}_{digest}",
            c.array.n_pre(),
            c.array.n_post(),
            c.array.lanes()
        )
    }

    fn module(&self) -> Result<Arc<Module>> {
        Ok(Arc::new(describe::describe(
            &self.config,
            &self.top_module(),
        )?))
    }

    /// The weight load and a window and a few timesteps more, so that the
    /// main job's VCDs show a window end (thresholds and learning shift move).
    fn default_stimulus_clocks(&self) -> usize {
        let c = &self.config;
        let load = c.array.n_pre() * c.array.n_post() + c.array.clear_clocks() as usize;
        let timestep = c.array.timestep_clocks() as usize + 4;
        load + (c.population.window as usize + 8) * timestep
    }

    /// Reset, clear, random weights, then timesteps of random input with
    /// rewards, learning pauses, clears, host reads and neuron probes.
    fn stimulus(&self, cycles: usize, seed: u64) -> Result<Vec<Vec<u64>>> {
        driver::builtin_stimulus(self, cycles, seed)
    }
}

/// The core in the unit registry.
pub static KIND: crate::units::Unit<RawCoreParams> = crate::units::Unit {
    name: UNIT,
    summary: "an R-STDP array feeding a LIF population with homeostatic thresholds (docs/spec.md section 4)",
    keys: &[
        crate::units::ParamKey {
            key: "array",
            allowed: "rstdp_array keys",
            meaning: "the synapses, e.g. array = { n_pre = 64, n_post = 16, lanes = 4, ... }",
        },
        crate::units::ParamKey {
            key: "population",
            allowed: "lif_population keys",
            meaning: "the neurons; neurons = array.n_post, current_bits = the array's current width, learning_shift_base = array.learning_shift",
        },
        crate::units::ParamKey {
            key: "small_memories_in_block_ram",
            allowed: "true or false",
            meaning: "true: traces and neuron state in block RAM too (saves logic cells on a UP5K); false: memories under 512 bits in flip-flops",
        },
        crate::units::ParamKey {
            key: "scaling_shift",
            allowed: "0..=array.weight_bits",
            meaning: "synaptic scaling at window ends: w -= w >> s above the band, w += w >> s below (0: none)",
        },
    ],
    build: |raw| Ok(Box::new(PlasticCore::new(CoreConfig::try_from(raw)?))),
    raw: std::marker::PhantomData,
};
