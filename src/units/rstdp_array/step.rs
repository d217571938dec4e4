//! The factored array's step model: W + T bits per synapse plus T per neuron.

use crate::error::ParamError;
use crate::units::rstdp_lane::LaneParams;
use crate::units::rstdp_lane::step::{next_eligibility, next_trace, next_weight_at_shift};

/// Array sizes hebb's models accept (the RTL will set its own, by memory size).
pub const NEURONS: (usize, usize) = (1, 65_536);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrayParams {
    lane: LaneParams,
    n_pre: usize,
    n_post: usize,
}

impl ArrayParams {
    pub fn new(lane: LaneParams, n_pre: usize, n_post: usize) -> Result<Self, ParamError> {
        let (lo, hi) = (NEURONS.0 as i128, NEURONS.1 as i128);
        ParamError::check_range("n_pre", n_pre as i128, lo, hi)?;
        ParamError::check_range("n_post", n_post as i128, lo, hi)?;
        Ok(ArrayParams {
            lane,
            n_pre,
            n_post,
        })
    }
    pub fn lane(&self) -> &LaneParams {
        &self.lane
    }
    pub fn n_pre(&self) -> usize {
        self.n_pre
    }
    pub fn n_post(&self) -> usize {
        self.n_post
    }
    /// State bits: (W + T) per synapse plus T per neuron.
    pub fn state_bits(&self) -> u64 {
        let (w, t) = (
            self.lane.weight_bits() as u64,
            self.lane.trace_bits() as u64,
        );
        (self.n_pre * self.n_post) as u64 * (w + t) + (self.n_pre + self.n_post) as u64 * t
    }
}

/// All synapses of an array, stepping together from reset.
#[derive(Debug, Clone)]
pub struct FactoredArray {
    params: ArrayParams,
    pre_traces: Vec<u64>,
    post_traces: Vec<u64>,
    /// Row-major: synapse (i, j) from pre neuron i to post neuron j at i * n_post + j.
    weights: Vec<u64>,
    eligibility: Vec<i64>,
}

impl FactoredArray {
    /// Traces and eligibility 0; weight (i, j) = sat(initial_weight(i, j), 0, MAXW).
    pub fn new(params: ArrayParams, initial_weight: impl Fn(usize, usize) -> u64) -> Self {
        let (n_pre, n_post) = (params.n_pre, params.n_post);
        let weights = (0..n_pre * n_post)
            .map(|k| {
                params
                    .lane
                    .saturate_weight(initial_weight(k / n_post, k % n_post))
            })
            .collect();
        FactoredArray {
            params,
            pre_traces: vec![0; n_pre],
            post_traces: vec![0; n_post],
            weights,
            eligibility: vec![0; n_pre * n_post],
        }
    }

    pub fn params(&self) -> &ArrayParams {
        &self.params
    }
    pub fn weight(&self, pre: usize, post: usize) -> u64 {
        self.weights[pre * self.params.n_post + post]
    }
    pub fn eligibility(&self, pre: usize, post: usize) -> i64 {
        self.eligibility[pre * self.params.n_post + post]
    }
    pub fn pre_trace(&self, pre: usize) -> u64 {
        self.pre_traces[pre]
    }
    pub fn post_trace(&self, post: usize) -> u64 {
        self.post_traces[post]
    }

    /// Writes synapse (`pre`, `post`)'s weight, saturated into [0, MAXW].
    pub fn set_weight(&mut self, pre: usize, post: usize, weight: u64) {
        self.weights[pre * self.params.n_post + post] = self.params.lane.saturate_weight(weight);
    }

    /// Starts fresh: every trace and eligibility 0, the weights kept.
    pub fn clear(&mut self) {
        self.pre_traces.fill(0);
        self.post_traces.fill(0);
        self.eligibility.fill(0);
    }

    /// Input current of each post neuron, `sum_i pre_i * w_ij`, through the current weights.
    pub fn input_current(&self, pre: &[bool]) -> Vec<u64> {
        let n_post = self.params.n_post;
        let mut current = vec![0u64; n_post];
        for (row, _) in self
            .weights
            .chunks_exact(n_post)
            .zip(pre)
            .filter(|(_, spike)| **spike)
        {
            for (c, w) in current.iter_mut().zip(row) {
                *c += w;
            }
        }
        current
    }

    /// One timestep: `pre` and `post` spikes per neuron, one reward for the array.
    pub fn step(&mut self, pre: &[bool], post: &[bool], reward: i64, learn_en: bool) {
        let shift = self.params.lane.learning_shift();
        self.step_at_shift(pre, post, reward, learn_en, shift);
    }

    /// One timestep with the learning shift `shift` in place of the rule's L.
    pub fn step_at_shift(
        &mut self,
        pre: &[bool],
        post: &[bool],
        reward: i64,
        learn_en: bool,
        shift: u32,
    ) {
        let p = self.params.lane;
        let n_post = self.params.n_post;
        assert_eq!(
            (pre.len(), post.len()),
            (self.params.n_pre, n_post),
            "one spike per neuron"
        );
        for (i, (&pre_i, &pre_trace)) in pre.iter().zip(&self.pre_traces).enumerate() {
            for (j, (&post_j, &post_trace)) in post.iter().zip(&self.post_traces).enumerate() {
                let k = i * n_post + j;
                // Pairing terms read the traces from before this step: they are updated below.
                let e = next_eligibility(
                    &p,
                    self.eligibility[k],
                    pre_trace,
                    post_trace,
                    pre_i,
                    post_j,
                );
                self.eligibility[k] = e;
                self.weights[k] =
                    next_weight_at_shift(&p, self.weights[k], e, reward, learn_en, shift);
            }
        }
        for (trace, &spike) in self.pre_traces.iter_mut().zip(pre) {
            *trace = next_trace(&p, *trace, spike);
        }
        for (trace, &spike) in self.post_traces.iter_mut().zip(post) {
            *trace = next_trace(&p, *trace, spike);
        }
    }
}
