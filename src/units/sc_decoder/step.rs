//! The window decoder's step model (docs/spec.md section 2.5), written from
//! the spec without widths: the independent golden model of the description.

use super::DecoderParams;

/// What the decoder shows during a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecoderOutputs {
    pub count: u64,
    pub valid: bool,
}

/// The step model: one call per cycle.
#[derive(Debug, Clone)]
pub struct DecoderStep {
    window: u64,
    position: u64,
    running: u64,
    out: DecoderOutputs,
}

impl DecoderStep {
    pub fn new(params: &DecoderParams) -> Self {
        DecoderStep {
            window: params.window,
            position: 0,
            running: 0,
            out: DecoderOutputs::default(),
        }
    }
    pub fn outputs(&self) -> DecoderOutputs {
        self.out
    }
    /// The clock edge with this cycle's inputs.
    pub fn step(&mut self, en: bool, bit: bool) {
        self.out.valid = false;
        if !en {
            return;
        }
        self.running += u64::from(bit);
        self.position += 1;
        if self.position == self.window {
            self.out = DecoderOutputs {
                count: self.running,
                valid: true,
            };
            self.position = 0;
            self.running = 0;
        }
    }
}
