//! A population of fixed-point leaky integrate-and-fire neurons whose
//! thresholds move to hold a target firing rate, per neuron and per
//! population, and which raises the learning shift of attached R-STDP arrays
//! when the neurons' rates spread (docs/spec.md §3). `step.rs` is the
//! hand-written step model; `describe.rs` the neuron-serial hardware fed by
//! the array's current stream; `driver.rs` drives it per timestep.

pub mod describe;
pub mod driver;
pub mod params;
pub mod step;

use std::sync::Arc;

use crate::design::Design;
use crate::error::Result;
use crate::hdl::Module;

pub use params::{PopulationParams, RawPopulationParams};
pub use step::{NeuronState, PopulationModel};

pub const UNIT: &str = "lif_population";

/// A population as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifPopulation {
    pub params: PopulationParams,
}

impl Design for LifPopulation {
    fn describe(&self) -> String {
        let p = &self.params;
        format!(
            "{UNIT} N={} C={} V={} F={} leak_shift={} refractory={} thresholds {}..={} init {} step {} window={} ({})",
            p.neurons,
            p.current_bits,
            p.membrane_bits,
            p.fraction_bits,
            p.leak_shift.map_or("none".into(), |k| k.to_string()),
            p.refractory,
            p.threshold_min,
            p.threshold_max,
            p.threshold_init,
            p.threshold_step,
            p.window,
            p.bounds_summary()
        )
    }

    /// `lif_population_n16_c16_v24_<digest>`: the readable sizes and a digest
    /// of everything else.
    fn top_module(&self) -> String {
        let p = &self.params;
        let digest = crate::units::params_digest(p);
        format!(
            "{UNIT}_n{}_c{}_v{}_{digest}",
            p.neurons, p.current_bits, p.membrane_bits
        )
    }

    fn module(&self) -> Result<Arc<Module>> {
        Ok(Arc::new(describe::describe(
            &self.params,
            &self.top_module(),
        )?))
    }

    fn stimulus(&self, cycles: usize, seed: u64) -> Result<Vec<Vec<u64>>> {
        Ok(driver::builtin_stimulus(
            &self.params,
            &self.ports()?,
            cycles,
            seed,
        ))
    }
}

/// The population in the unit registry.
pub static KIND: crate::units::Unit<RawPopulationParams> = crate::units::Unit {
    name: UNIT,
    summary: "LIF neurons with homeostatic thresholds and learning-rate control (docs/spec.md section 3)",
    keys: &[
        crate::units::ParamKey {
            key: "neurons",
            allowed: "1..=64",
            meaning: "N",
        },
        crate::units::ParamKey {
            key: "current_bits",
            allowed: "1..=38",
            meaning: "width of the input current (unsigned)",
        },
        crate::units::ParamKey {
            key: "membrane_bits",
            allowed: "3..=48, > current_bits + fraction_bits",
            meaning: "signed membrane",
        },
        crate::units::ParamKey {
            key: "fraction_bits",
            allowed: "0..=16",
            meaning: "F: membrane unit = 2^-F current units",
        },
        crate::units::ParamKey {
            key: "leak_time_constant",
            allowed: "0 (no leak) or a power of two 2..=2^(membrane_bits-2)",
            meaning: "timesteps: v -= v >> log2(tau)",
        },
        crate::units::ParamKey {
            key: "refractory",
            allowed: "0..=15",
            meaning: "timesteps after a spike that ignore input",
        },
        crate::units::ParamKey {
            key: "threshold_init",
            allowed: "threshold_min..=threshold_max, a multiple of 2^-F",
            meaning: "current units",
        },
        crate::units::ParamKey {
            key: "threshold_min",
            allowed: "2^-F..=max membrane",
            meaning: "current units",
        },
        crate::units::ParamKey {
            key: "threshold_max",
            allowed: "threshold_min..=max membrane",
            meaning: "current units",
        },
        crate::units::ParamKey {
            key: "threshold_step",
            allowed: "2^-F..=max membrane",
            meaning: "current units moved per window",
        },
        crate::units::ParamKey {
            key: "window",
            allowed: "1..=1024",
            meaning: "M: timesteps per window",
        },
        crate::units::ParamKey {
            key: "target_rate",
            allowed: "(0, 1]",
            meaning: "spikes per timestep per neuron",
        },
        crate::units::ParamKey {
            key: "tolerance",
            allowed: "[0, 1)",
            meaning: "band: floor(r(1-tol)M)..=ceil(r(1+tol)M)",
        },
        crate::units::ParamKey {
            key: "variance_bound",
            allowed: "0..=1e9",
            meaning: "spikes^2 per window",
        },
        crate::units::ParamKey {
            key: "learning_shift_base",
            allowed: "0..=60",
            meaning: "L while the rates agree",
        },
        crate::units::ParamKey {
            key: "learning_shift_max",
            allowed: "learning_shift_base..=60",
            meaning: "L at most",
        },
    ],
    build: |raw| {
        Ok(Box::new(LifPopulation {
            params: PopulationParams::try_from(raw)?,
        }))
    },
    raw: std::marker::PhantomData,
};
