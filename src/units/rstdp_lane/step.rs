//! The step model: SPEC §1 written as directly as it reads, one call per timestep.
//!
//! Plain `i64` arithmetic is wide enough for every intermediate under the
//! parameter bounds (the largest, r x e', is below 2^58), so this model has
//! no widths to get wrong; the cycle model is checked against it.

use serde::{Deserialize, Serialize};

use super::params::LaneParams;

/// The bounded state of one synapse: W + 3T bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LaneState {
    pub weight: u64,
    pub pre_trace: u64,
    pub post_trace: u64,
    pub eligibility: i64,
}

/// The inputs of one timestep. `reward` is raw: the model saturates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepInputs {
    pub pre: bool,
    pub post: bool,
    pub reward: i64,
    pub learn_en: bool,
}

/// One synapse stepped by the rule.
#[derive(Debug, Clone)]
pub struct StepModel {
    params: LaneParams,
    state: LaneState,
}

impl StepModel {
    /// A fresh synapse: traces and eligibility 0, weight = sat(initial_weight, 0, MAXW).
    pub fn new(params: LaneParams, initial_weight: u64) -> Self {
        let mut model = StepModel {
            params,
            state: LaneState::default(),
        };
        model.load(initial_weight);
        model
    }

    /// The synapse as it comes out of reset.
    pub fn from_reset(params: LaneParams) -> Self {
        Self::new(params, params.reset_weight())
    }

    /// Starts a fresh synapse (a segment start in the reference vectors).
    pub fn load(&mut self, initial_weight: u64) {
        self.state = LaneState {
            weight: self.params.saturate_weight(initial_weight),
            ..LaneState::default()
        };
    }

    pub fn params(&self) -> &LaneParams {
        &self.params
    }

    pub fn state(&self) -> LaneState {
        self.state
    }

    /// Advances one timestep and returns the state after it.
    pub fn step(&mut self, inputs: StepInputs) -> LaneState {
        self.state = next_state(&self.params, self.state, inputs);
        self.state
    }
}

/// SPEC §1 steps 1-5.
pub fn next_state(params: &LaneParams, s: LaneState, inputs: StepInputs) -> LaneState {
    let d = params.trace_decay_shift();
    let max_trace = params.max_trace();
    let decay_unsigned = |v: u64| if d == 0 { v } else { v - (v >> d) };
    let decay_signed = |e: i64| {
        if d == 0 {
            e
        } else if e >= 0 {
            e - (e >> d)
        } else {
            let m = -e;
            -(m - (m >> d))
        }
    };

    let pre_trace = if inputs.pre {
        max_trace
    } else {
        decay_unsigned(s.pre_trace)
    };
    let post_trace = if inputs.post {
        max_trace
    } else {
        decay_unsigned(s.post_trace)
    };

    // Pairing terms use the traces from before this step.
    let potentiation = match (inputs.post, inputs.pre) {
        (false, _) => 0,
        (true, true) => max_trace,
        (true, false) => s.pre_trace,
    } as i64;
    let depression = if inputs.pre { s.post_trace as i64 } else { 0 };
    let eligibility = (decay_signed(s.eligibility) + potentiation - depression)
        .clamp(params.min_eligibility(), params.max_eligibility());

    let weight = if inputs.learn_en {
        let reward = params.saturate_reward(inputs.reward);
        let delta = (reward * eligibility) >> params.learning_shift();
        (s.weight as i64 + delta).clamp(0, params.max_weight() as i64) as u64
    } else {
        s.weight
    };

    LaneState {
        weight,
        pre_trace,
        post_trace,
        eligibility,
    }
}
