//! The online O(1) reward-modulated STDP lane (docs/spec.md section 1):
//! parameters, the hand-written step model, the net-level description (the
//! one source of RTL, cycle model, net table and estimate), and the lane's
//! own tooling: a driver, the built-in stimulus, reference vectors and a
//! self-checking Verilog testbench.

pub mod describe;
pub mod driver;
pub mod params;
pub mod pipelined;
pub mod step;
pub mod stimulus;
pub mod testbench;
pub mod vectors;

use std::sync::Arc;

use crate::design::Design;
use crate::error::Result;
use crate::hdl::Module;

pub use params::{LaneParams, RawLaneParams};
pub use step::{LaneState, StepInputs, StepModel};

/// The unit's name: the prefix of its module names and its `--unit` key.
pub const UNIT: &str = "rstdp_lane";

/// A lane as a design: what the harness, the gates and the CLI see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RstdpLane {
    pub params: LaneParams,
}

impl RstdpLane {
    pub fn new(params: LaneParams) -> Self {
        RstdpLane { params }
    }
}

impl Design for RstdpLane {
    fn describe(&self) -> String {
        let p = &self.params;
        let mut line = format!(
            "rstdp_lane W={} T={} R={} L={} D={} reset_weight={}",
            p.weight_bits(),
            p.trace_bits(),
            p.reward_bits(),
            p.learning_shift(),
            p.trace_decay_shift(),
            p.reset_weight()
        );
        if p.pipeline() != 0 {
            line += &format!(" pipeline={}", p.pipeline());
        }
        line
    }

    /// `rstdp_lane_w16_t12_r8_l4_d4`, with `_rw<n>` when the reset weight is
    /// not 0 and `_p<n>` when the weight path has n register stages.
    fn top_module(&self) -> String {
        let p = &self.params;
        let mut name = format!(
            "{UNIT}_w{}_t{}_r{}_l{}_d{}",
            p.weight_bits(),
            p.trace_bits(),
            p.reward_bits(),
            p.learning_shift(),
            p.trace_decay_shift()
        );
        if p.reset_weight() != 0 {
            name += &format!("_rw{}", p.reset_weight());
        }
        if p.pipeline() != 0 {
            name += &format!("_p{}", p.pipeline());
        }
        name
    }

    fn module(&self) -> Result<Arc<Module>> {
        let name = self.top_module();
        Ok(Arc::new(if self.params.pipeline() == 0 {
            describe::describe(&self.params, &name)?
        } else {
            pipelined::describe(&self.params, &name)?
        }))
    }

    /// The built-in stimulus: sparse, dense and bursty spiking, reward
    /// extremes, learning off, idle clocks and loads mid-run.
    fn stimulus(&self, cycles: usize, seed: u64) -> Result<Vec<Vec<u64>>> {
        Ok(stimulus::builtin(&self.params, cycles, seed)
            .iter()
            .map(|c| c.port_values().to_vec())
            .collect())
    }
}

/// The lane in the unit registry.
pub static KIND: crate::units::Unit<RawLaneParams> = crate::units::Unit {
    name: UNIT,
    summary: "online O(1) reward-modulated STDP synapse (docs/spec.md section 1)",
    keys: &[
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
        crate::units::ParamKey {
            key: "reset_weight",
            allowed: "0..=2^W-1",
            meaning: "weight loaded at reset",
        },
        crate::units::ParamKey {
            key: "pipeline",
            allowed: "0..=6",
            meaning: "register stages in the weight path; weight_o lags by this many clocks",
        },
    ],
    build: |raw| Ok(Box::new(RstdpLane::new(LaneParams::try_from(raw)?))),
    raw: std::marker::PhantomData,
};
