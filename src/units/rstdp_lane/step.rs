//! The step model: docs/spec.md §1 written as directly as it reads, one call per timestep.
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

/// docs/spec.md §1 steps 1-5, composed from the per-part rules below (which the
/// factored array shares: its traces live per neuron, not per synapse).
pub fn next_state(params: &LaneParams, s: LaneState, inputs: StepInputs) -> LaneState {
    let eligibility = next_eligibility(
        params,
        s.eligibility,
        s.pre_trace,
        s.post_trace,
        inputs.pre,
        inputs.post,
    );
    LaneState {
        weight: next_weight(
            params,
            s.weight,
            eligibility,
            inputs.reward,
            inputs.learn_en,
        ),
        pre_trace: next_trace(params, s.pre_trace, inputs.pre),
        post_trace: next_trace(params, s.post_trace, inputs.post),
        eligibility,
    }
}

/// Step 2: a trace jumps to MAXT on a spike, else decays by v - (v >> D) (D = 0: no decay).
pub fn next_trace(params: &LaneParams, trace: u64, spike: bool) -> u64 {
    let d = params.trace_decay_shift();
    if spike {
        params.max_trace()
    } else if d == 0 {
        trace
    } else {
        trace - (trace >> d)
    }
}

/// Steps 1, 3 and 4: decay, pairing terms from the traces before the step, saturation.
pub fn next_eligibility(
    params: &LaneParams,
    eligibility: i64,
    pre_trace: u64,
    post_trace: u64,
    pre: bool,
    post: bool,
) -> i64 {
    let d = params.trace_decay_shift();
    let decayed = if d == 0 {
        eligibility
    } else if eligibility >= 0 {
        eligibility - (eligibility >> d)
    } else {
        let m = -eligibility;
        -(m - (m >> d))
    };
    let potentiation = match (post, pre) {
        (false, _) => 0,
        (true, true) => params.max_trace(),
        (true, false) => pre_trace,
    } as i64;
    let depression = if pre { post_trace as i64 } else { 0 };
    (decayed + potentiation - depression).clamp(params.min_eligibility(), params.max_eligibility())
}

/// Step 5: w' = sat(w + ((r * e') >> L), 0, MAXW) with r saturated; frozen when learning is off.
pub fn next_weight(
    params: &LaneParams,
    weight: u64,
    eligibility: i64,
    raw_reward: i64,
    learn_en: bool,
) -> u64 {
    next_weight_at_shift(
        params,
        weight,
        eligibility,
        raw_reward,
        learn_en,
        params.learning_shift(),
    )
}

/// Step 5 with the learning shift `shift` in place of the parameter's L (a
/// plastic core's population moves it at run time).
pub fn next_weight_at_shift(
    params: &LaneParams,
    weight: u64,
    eligibility: i64,
    raw_reward: i64,
    learn_en: bool,
    shift: u32,
) -> u64 {
    if !learn_en {
        return weight;
    }
    let reward = params.saturate_reward(raw_reward);
    // |r * e'| < 2^62: any shift of 63 or more leaves only the sign, as 63 does.
    let delta = (reward * eligibility) >> shift.min(63);
    (weight as i64 + delta).clamp(0, params.max_weight() as i64) as u64
}
