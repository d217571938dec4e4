//! The dot product's step model (docs/spec.md section 2.6), written from the
//! spec without widths: the independent golden model of the description.

use crate::design::mask;
use crate::stochastic::Generator;

use super::DotParams;

/// One cycle's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DotInputs {
    pub en: bool,
    /// Input j in bits [N*j +: N].
    pub x: u64,
    pub update_weight: bool,
    pub update_index: u64,
    pub weight_value: u64,
}

/// What the dot product shows during a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DotOutputs {
    pub sum: u64,
    pub valid: bool,
    pub stream: u64,
}

/// The step model: one call per cycle, written from docs/spec.md section 2 without widths.
#[derive(Debug, Clone)]
pub struct DotStep {
    params: DotParams,
    x_gen: Generator,
    w_gen: Generator,
    s_gen: Option<Generator>,
    weights: Vec<u64>,
    position: u64,
    running: u64,
    result: u64,
    valid: bool,
}

impl DotStep {
    pub fn new(params: &DotParams) -> Self {
        let n = params.width;
        DotStep {
            params: *params,
            x_gen: Generator::new(n, params.input_source).expect("validated"),
            w_gen: Generator::new(n, params.weight_source).expect("validated"),
            s_gen: params
                .mux()
                .then(|| Generator::new(n, params.select_source).expect("validated")),
            weights: (0..params.inputs).map(|j| params.reset_weight(j)).collect(),
            position: 0,
            running: 0,
            result: 0,
            valid: false,
        }
    }

    pub fn weights(&self) -> &[u64] {
        &self.weights
    }

    /// Product j's bit this cycle.
    fn product(&self, x: u64, j: usize) -> bool {
        let xj = (x >> (j as u32 * self.params.width)) & mask(self.params.width);
        self.x_gen.bit(xj) && self.w_gen.bit(self.weights[j])
    }

    /// This cycle's increment: the popcount, or the selected product.
    pub fn increment(&self, x: u64) -> u64 {
        let n = self.params.inputs as usize;
        match &self.s_gen {
            None => (0..n).filter(|&j| self.product(x, j)).count() as u64,
            Some(s) => {
                let select = (s.rand() * n as u64) >> self.params.width;
                u64::from(self.product(x, select as usize))
            }
        }
    }

    pub fn outputs(&self, inputs: &DotInputs) -> DotOutputs {
        DotOutputs {
            sum: self.result,
            valid: self.valid,
            stream: self.increment(inputs.x),
        }
    }

    /// The clock edge.
    pub fn step(&mut self, inputs: &DotInputs) {
        let increment = self.increment(inputs.x);
        self.valid = false;
        if inputs.update_weight && inputs.update_index < u64::from(self.params.inputs) {
            self.weights[inputs.update_index as usize] =
                inputs.weight_value & mask(self.params.width);
        }
        if inputs.en {
            self.x_gen.advance();
            self.w_gen.advance();
            if let Some(s) = self.s_gen.as_mut() {
                s.advance();
            }
            self.running += increment;
            self.position += 1;
            if self.position == self.params.window {
                self.result = self.running;
                self.valid = true;
                self.running = 0;
                self.position = 0;
            }
        }
    }
}
