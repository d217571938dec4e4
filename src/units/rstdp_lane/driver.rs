//! Drives a lane, as a cycle model alone or in lockstep with its Verilated
//! RTL, through timestep-level operations (reset, load, step).

use std::collections::VecDeque;

use crate::cosim::{Lockstep, Mismatch};
use crate::design::Design;
use crate::error::Result;

use super::RstdpLane;
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

    /// Values of all ports, indexed like `PORTS` (outputs 0).
    pub fn port_values(&self) -> [u64; PORTS.len()] {
        [
            0,
            self.rst_n.into(),
            self.step.into(),
            self.pre.into(),
            self.post.into(),
            self.reward as u64,
            self.learn_en.into(),
            self.load.into(),
            self.load_weight,
            0,
            0,
            0,
            0,
        ]
    }
}

/// The lane's ports in port order, as the description declares them.
pub const PORTS: [&str; 13] = [
    "clk_i",
    "rst_ni",
    "step_i",
    "pre_i",
    "post_i",
    "reward_i",
    "learn_en_i",
    "load_i",
    "load_weight_i",
    "weight_o",
    "pre_trace_o",
    "post_trace_o",
    "eligibility_o",
];
const WEIGHT_O: usize = 9;
const PRE_TRACE_O: usize = 10;
const POST_TRACE_O: usize = 11;
const ELIGIBILITY_O: usize = 12;

pub struct LaneDriver {
    params: LaneParams,
    sim: Lockstep,
    /// Per clock of the last `pipeline` (+ 1) clocks: the state a timestep
    /// clock left in traces and eligibility, whose weight is still in the
    /// lane's weight pipeline (None for a clock without a timestep).
    in_flight: VecDeque<Option<LaneState>>,
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
        let ports: Vec<&str> = sim
            .signals()
            .iter()
            .filter(|s| s.is_port())
            .map(|s| s.name.as_str())
            .collect();
        if ports != PORTS {
            return Err(crate::error::Error::Other(format!(
                "{} does not have the lane's ports {PORTS:?}",
                design.top_module()
            )));
        }
        let mut driver = LaneDriver {
            params,
            sim,
            in_flight: VecDeque::new(),
        };
        driver
            .clock(&LaneCycle {
                rst_n: false,
                ..LaneCycle::IDLE
            })
            .map_err(crate::error::Error::Mismatch)?;
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

    /// One clock with these inputs; the output ports after it (with
    /// `pipeline` = N, weight_o shows the weight of N clocks ago).
    pub fn apply(&mut self, cycle: &LaneCycle) -> std::result::Result<LaneState, Mismatch> {
        self.sim.clock(&cycle.port_values())?;
        Ok(self.state())
    }

    /// Clocks between a timestep's clock and the clock after which weight_o
    /// shows its weight (the `pipeline` key; traces and eligibility show at once).
    pub fn latency(&self) -> usize {
        self.params.pipeline() as usize
    }

    /// One clock, at the timestep level: the whole state after the timestep
    /// `latency()` clocks ago, when that clock stepped (its traces and
    /// eligibility from then, its weight from now). A reset drops the
    /// timesteps in flight, as it does in the lane.
    pub fn clock(&mut self, cycle: &LaneCycle) -> std::result::Result<Option<LaneState>, Mismatch> {
        let now = self.apply(cycle)?;
        if !cycle.rst_n {
            self.in_flight.clear();
        }
        let stepped = cycle.rst_n && !cycle.load && cycle.step;
        self.in_flight.push_back(stepped.then_some(now));
        if self.in_flight.len() <= self.latency() {
            return Ok(None);
        }
        Ok(self.in_flight.pop_front().flatten().map(|then| LaneState {
            weight: now.weight,
            ..then
        }))
    }

    /// Idle clocks until every timestep issued has its whole state; their
    /// states, oldest first.
    pub fn flush(&mut self) -> std::result::Result<Vec<LaneState>, Mismatch> {
        let mut done = Vec::new();
        while self.in_flight.iter().any(Option::is_some) {
            done.extend(self.clock(&LaneCycle::IDLE)?);
        }
        Ok(done)
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
            weight: self.sim.value(WEIGHT_O),
            pre_trace: self.sim.value(PRE_TRACE_O),
            post_trace: self.sim.value(POST_TRACE_O),
            eligibility: crate::design::sign_extend(self.sim.value(ELIGIBILITY_O), t),
        }
    }
}
