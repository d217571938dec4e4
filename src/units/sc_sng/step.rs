//! The SNG's step model (docs/spec.md section 2.1), written from the spec
//! without widths: the independent golden model of the description.

use crate::stochastic::Generator;

use super::SngParams;

/// The step model: one call per cycle.
#[derive(Debug, Clone)]
pub struct SngStep {
    generator: Generator,
}

/// What the SNG shows during a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SngOutputs {
    pub bit: bool,
    pub rand: u64,
}

impl SngStep {
    pub fn new(params: &SngParams) -> Self {
        SngStep {
            generator: Generator::new(params.width, params.source).expect("validated"),
        }
    }
    /// The outputs this cycle for `value`.
    pub fn outputs(&self, value: u64) -> SngOutputs {
        SngOutputs {
            bit: self.generator.bit(value),
            rand: self.generator.rand(),
        }
    }
    /// The clock edge: the generator advances when enabled.
    pub fn step(&mut self, en: bool) {
        if en {
            self.generator.advance();
        }
    }
}
