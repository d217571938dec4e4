//! Arrays of R-STDP synapses in the factored form of docs/spec.md §1: one pre
//! trace per pre neuron, one post trace per post neuron, (weight,
//! eligibility) per synapse. `step.rs` is the hand-written step model;
//! `describe.rs` the block-RAM array with K pipelined lanes (the one source
//! of its RTL, cycle model, net table and estimate); `driver.rs` drives it
//! at the timestep level (clear, host reads and writes, steps).

pub mod bulk;
pub mod describe;
pub mod driver;
pub mod params;
pub mod step;
pub mod vectors;

use std::sync::Arc;

use crate::design::Design;
use crate::error::Result;
use crate::hdl::Module;

pub use bulk::BulkArray;
pub use params::{ArrayConfig, RawArrayParams};
pub use step::{ArrayParams, FactoredArray};

/// The unit's name: the prefix of its module names and its `--unit` key.
pub const UNIT: &str = "rstdp_array";

/// An array as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RstdpArray {
    pub config: ArrayConfig,
}

impl RstdpArray {
    pub fn new(config: ArrayConfig) -> Self {
        RstdpArray { config }
    }
}

impl Design for RstdpArray {
    fn describe(&self) -> String {
        let c = &self.config;
        let p = c.lane();
        format!(
            "{UNIT} n_pre={} n_post={} lanes={} ({} built) current_bits={} W={} T={} R={} L={} D={}",
            c.n_pre(),
            c.n_post(),
            c.lanes_requested(),
            c.lanes(),
            c.current_bits(),
            p.weight_bits(),
            p.trace_bits(),
            p.reward_bits(),
            p.learning_shift(),
            p.trace_decay_shift()
        )
    }

    /// `rstdp_array_8x8_k2_w16_t12_r8_l4_d4`, with `_c<n>` for a saturating
    /// current and `_ls<bits>` for a run-time learning shift.
    fn top_module(&self) -> String {
        let c = &self.config;
        let p = c.lane();
        let mut name = format!(
            "{UNIT}_{}x{}_k{}_w{}_t{}_r{}_l{}_d{}",
            c.n_pre(),
            c.n_post(),
            c.lanes(),
            p.weight_bits(),
            p.trace_bits(),
            p.reward_bits(),
            p.learning_shift(),
            p.trace_decay_shift()
        );
        if c.current_bits() != c.exact_current_bits() {
            name += &format!("_c{}", c.current_bits());
        }
        if let Some(lb) = c.learning_shift_port_bits() {
            // The rule's L is then only the shift's first value: the port decides.
            name += &format!("_ls{lb}");
        }
        name
    }

    fn module(&self) -> Result<Arc<Module>> {
        Ok(Arc::new(describe::describe(
            &self.config,
            &self.top_module(),
        )?))
    }

    /// Reset, clear, random weights through the host port, then timesteps
    /// of random spikes and rewards with host reads, ignored requests while
    /// busy and an occasional clear between them.
    fn stimulus(&self, cycles: usize, seed: u64) -> Result<Vec<Vec<u64>>> {
        Ok(driver::builtin_stimulus(
            &self.config,
            &self.ports()?,
            cycles,
            seed,
        ))
    }
}

/// The array in the unit registry.
pub static KIND: crate::units::Unit<RawArrayParams> = crate::units::Unit {
    name: UNIT,
    summary: "R-STDP synapse array in block RAM, K pipelined lanes (docs/architecture.md)",
    keys: &[
        crate::units::ParamKey {
            key: "n_pre",
            allowed: "1..=64",
            meaning: "pre neurons (rows)",
        },
        crate::units::ParamKey {
            key: "n_post",
            allowed: "1..=64",
            meaning: "post neurons (columns)",
        },
        crate::units::ParamKey {
            key: "lanes",
            allowed: "1..=16",
            meaning: "K: synapses updated per clock (at most n_pre are built)",
        },
        crate::units::ParamKey {
            key: "current_bits",
            allowed: "0 or 1..=W+bits(n_pre)",
            meaning: "width of current_o, saturating (0 = exact, never saturates)",
        },
        crate::units::ParamKey {
            key: "weight_bits",
            allowed: "1..=32",
            meaning: "W: weight bits",
        },
        crate::units::ParamKey {
            key: "trace_bits",
            allowed: "2..=30",
            meaning: "T: trace and eligibility bits",
        },
        crate::units::ParamKey {
            key: "reward_bits",
            allowed: "1..=30",
            meaning: "R: reward bits (two's complement)",
        },
        crate::units::ParamKey {
            key: "learning_shift",
            allowed: "0..=60",
            meaning: "L: dw = (r * e) >> L",
        },
        crate::units::ParamKey {
            key: "trace_decay_shift",
            allowed: "0..=30",
            meaning: "D: v -= v >> D per timestep (0 = no decay)",
        },
    ],
    build: |raw| Ok(Box::new(RstdpArray::new(ArrayConfig::try_from(raw)?))),
    raw: std::marker::PhantomData,
};
