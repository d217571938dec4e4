//! The AND synapse's step model (docs/spec.md section 2.4), written from the
//! spec without widths: the independent golden model of the description.

use crate::design::mask;
use crate::stochastic::Generator;

use super::SynapseParams;

/// One cycle's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SynapseInputs {
    pub en: bool,
    pub pre: bool,
    pub update_weight: bool,
    pub weight_value: u64,
}

/// What the synapse shows during a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynapseOutputs {
    pub post: bool,
    pub weight_bit: bool,
    pub weight: u64,
}

/// The step model: one call per cycle.
#[derive(Debug, Clone)]
pub struct SynapseStep {
    generator: Generator,
    weight: u64,
    width: u32,
}

impl SynapseStep {
    pub fn new(params: &SynapseParams) -> Self {
        SynapseStep {
            generator: Generator::new(params.width, params.weight_source).expect("validated"),
            weight: params.reset_weight,
            width: params.width,
        }
    }
    pub fn outputs(&self, inputs: &SynapseInputs) -> SynapseOutputs {
        let weight_bit = self.generator.bit(self.weight);
        SynapseOutputs {
            post: inputs.pre && weight_bit,
            weight_bit,
            weight: self.weight,
        }
    }
    /// The clock edge: a weight update lands now, the generator advances when enabled.
    pub fn step(&mut self, inputs: &SynapseInputs) {
        if inputs.update_weight {
            self.weight = inputs.weight_value & mask(self.width);
        }
        if inputs.en {
            self.generator.advance();
        }
    }
}
