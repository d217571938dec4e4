//! The stochastic STDP synapse's step model (docs/spec.md section 2.7),
//! written from the spec without widths: the independent golden model of the
//! description.

use std::collections::VecDeque;

use crate::stochastic::Generator;

use super::StdpParams;

/// One cycle's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StdpInputs {
    pub step: bool,
    pub pre: bool,
    pub post: bool,
}

/// What the synapse shows during a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StdpOutputs {
    pub weight: u64,
    pub weight_bit: bool,
    pub out: bool,
    pub ltp: bool,
    pub ltd: bool,
}

/// The step model, written from docs/spec.md section 2 without widths.
#[derive(Debug, Clone)]
pub struct StdpStep {
    params: StdpParams,
    weight: u64,
    /// Pre spikes of the previous window - 1 timesteps, newest first.
    history: VecDeque<bool>,
    events: Generator,
    stream: Generator,
}

impl StdpStep {
    pub fn new(params: &StdpParams) -> Self {
        let r = params.raw;
        StdpStep {
            params: *params,
            weight: r.reset_weight,
            history: std::iter::repeat_n(false, params.history_len() as usize).collect(),
            events: Generator::new(r.rand_bits, r.event_source).expect("validated"),
            stream: Generator::new(r.weight_bits, r.stream_source).expect("validated"),
        }
    }

    pub fn weight(&self) -> u64 {
        self.weight
    }

    /// (LTP, LTD) at this clock.
    fn events(&self, inputs: &StdpInputs) -> (bool, bool) {
        if !inputs.step {
            return (false, false);
        }
        let draw = self.events.rand();
        let recent = self.history.iter().any(|&b| b);
        if inputs.post && recent {
            (draw < self.params.ltp_threshold(), false)
        } else if inputs.pre && !inputs.post {
            (false, draw < self.params.ltd_threshold())
        } else {
            (false, false)
        }
    }

    pub fn outputs(&self, inputs: &StdpInputs) -> StdpOutputs {
        let (ltp, ltd) = self.events(inputs);
        let weight_bit = self.stream.bit(self.weight);
        StdpOutputs {
            weight: self.weight,
            weight_bit,
            out: inputs.pre && weight_bit,
            ltp,
            ltd,
        }
    }

    /// The clock edge.
    pub fn step(&mut self, inputs: &StdpInputs) {
        let r = self.params.raw;
        let (ltp, ltd) = self.events(inputs);
        if ltp {
            self.weight = (self.weight + r.weight_step).min(r.max_weight);
        } else if ltd {
            self.weight =
                (self.weight as i64 - r.weight_step as i64).max(r.min_weight as i64) as u64;
        }
        if inputs.step {
            self.history.pop_back();
            self.history.push_front(inputs.pre);
            self.events.advance();
        }
        self.stream.advance();
    }
}
