//! Drives a lane, as a cycle model alone or in lockstep with its Verilated
//! RTL, through timestep-level operations (reset, load, step).

use crate::cosim::{Lockstep, Mismatch};
use crate::design::Design;
use crate::error::Result;

use super::RstdpLane;
use super::nets::Net;
use super::params::LaneParams;
use super::step::{LaneState, StepInputs};

/// The lane's input ports during one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneCycle {
    pub rst_n: bool,
    pub step: bool,
    pub pre: bool,
    pub post: bool,
    /// Already in [RMIN, RMAX]; driven as R-bit two's complement.
    pub reward: i64,
    pub learn_en: bool,
    pub load: bool,
    pub load_weight: u64,
}

impl LaneCycle {
    /// Out of reset, doing nothing.
    pub const IDLE: LaneCycle = LaneCycle {
        rst_n: true,
        step: false,
        pre: false,
        post: false,
        reward: 0,
        learn_en: true,
        load: false,
        load_weight: 0,
    };

    /// One timestep's clock.
    pub fn step(inputs: StepInputs, params: &LaneParams) -> Self {
        LaneCycle {
            step: true,
            pre: inputs.pre,
            post: inputs.post,
            reward: params.saturate_reward(inputs.reward),
            learn_en: inputs.learn_en,
            ..Self::IDLE
        }
    }

    /// Values of all ports, indexed like the design's port list (outputs 0).
    pub fn port_values(&self) -> [u64; Net::EligibilityO as usize + 1] {
        let mut v = [0u64; Net::EligibilityO as usize + 1];
        v[Net::RstNi as usize] = self.rst_n.into();
        v[Net::StepI as usize] = self.step.into();
        v[Net::PreI as usize] = self.pre.into();
        v[Net::PostI as usize] = self.post.into();
        v[Net::RewardI as usize] = self.reward as u64;
        v[Net::LearnEnI as usize] = self.learn_en.into();
        v[Net::LoadI as usize] = self.load.into();
        v[Net::LoadWeightI as usize] = self.load_weight;
        v
    }
}

pub struct LaneDriver {
    params: LaneParams,
    sim: Lockstep,
}

impl LaneDriver {
    /// A lane just out of reset (one clock with `rst_ni` low).
    pub fn new(params: LaneParams, with_rtl: bool) -> Result<Self> {
        Self::for_design(&RstdpLane::new(params), params, with_rtl)
    }

    /// Drives `design`, a lane of `params` whose RTL may differ from the
    /// template's (fault-injection tests wrap the lane this way).
    pub fn for_design(design: &dyn Design, params: LaneParams, with_rtl: bool) -> Result<Self> {
        let sim = if with_rtl {
            Lockstep::with_rtl(design)?
        } else {
            Lockstep::model_only(design)?
        };
        let mut driver = LaneDriver { params, sim };
        driver
            .apply(&LaneCycle {
                rst_n: false,
                ..LaneCycle::IDLE
            })
            .map_err(|m| crate::error::Error::Other(m.to_string()))?;
        Ok(driver)
    }

    pub fn params(&self) -> &LaneParams {
        &self.params
    }

    pub fn sim_mut(&mut self) -> &mut Lockstep {
        &mut self.sim
    }

    pub fn into_sim(self) -> Lockstep {
        self.sim
    }

    /// One clock with these inputs.
    pub fn apply(&mut self, cycle: &LaneCycle) -> std::result::Result<LaneState, Mismatch> {
        self.sim.clock(&cycle.port_values())?;
        Ok(self.state())
    }

    /// Starts a fresh synapse with weight sat(initial_weight, 0, MAXW).
    pub fn load(&mut self, initial_weight: u64) -> std::result::Result<LaneState, Mismatch> {
        let weight = self.params.saturate_weight(initial_weight);
        self.apply(&LaneCycle {
            load: true,
            load_weight: weight,
            ..LaneCycle::IDLE
        })
    }

    /// Advances one timestep (the reward is saturated as the software API does).
    pub fn step(&mut self, inputs: StepInputs) -> std::result::Result<LaneState, Mismatch> {
        self.apply(&LaneCycle::step(inputs, &self.params))
    }

    /// The state registers, read from the output ports.
    pub fn state(&self) -> LaneState {
        let t = self.params.trace_bits();
        LaneState {
            weight: self.sim.value(Net::WeightO as usize),
            pre_trace: self.sim.value(Net::PreTraceO as usize),
            post_trace: self.sim.value(Net::PostTraceO as usize),
            eligibility: crate::design::sign_extend(self.sim.value(Net::EligibilityO as usize), t),
        }
    }
}
