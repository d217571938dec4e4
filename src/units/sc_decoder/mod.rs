//! The window decoder (docs/spec.md section 2.5): counts ones over windows of
//! L enabled cycles; estimate = count / L. Parameters, the hand-written step
//! model (`step`) and the net-level description (`describe`).

pub mod describe;
pub mod step;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::design::Design;
use crate::error::{ParamError, Result};
use crate::hdl::Module;
use crate::units::{ParamKey, Unit};

pub use step::{DecoderOutputs, DecoderStep};

/// The unit's name: the prefix of its module names and its `--unit` key.
pub const UNIT: &str = "sc_decoder";

/// Supported window lengths.
pub const WINDOW: (u64, u64) = (1, 1 << 24);

pub use crate::design::bits_for;

/// Validated decoder parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DecoderParams {
    window: u64,
}

/// The unvalidated parameters, as they arrive from TOML or `--set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDecoderParams {
    /// L: enabled cycles per window.
    pub window: u64,
}

impl Default for RawDecoderParams {
    fn default() -> Self {
        RawDecoderParams { window: 256 }
    }
}

impl TryFrom<RawDecoderParams> for DecoderParams {
    type Error = ParamError;
    fn try_from(raw: RawDecoderParams) -> Result<Self, ParamError> {
        DecoderParams::new(raw.window)
    }
}

impl From<DecoderParams> for RawDecoderParams {
    fn from(p: DecoderParams) -> Self {
        RawDecoderParams { window: p.window }
    }
}

impl Default for DecoderParams {
    fn default() -> Self {
        RawDecoderParams::default()
            .try_into()
            .expect("the defaults are in range")
    }
}

impl DecoderParams {
    pub fn new(window: u64) -> Result<Self, ParamError> {
        ParamError::check_range("window", window.into(), WINDOW.0.into(), WINDOW.1.into())?;
        Ok(DecoderParams { window })
    }
    pub fn window(&self) -> u64 {
        self.window
    }
    /// Width of the counts: holds L.
    pub fn count_bits(&self) -> u32 {
        bits_for(self.window)
    }
    /// Width of the position counter: holds L - 1.
    pub fn position_bits(&self) -> u32 {
        bits_for(self.window - 1)
    }
}

/// The decoder as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Decoder {
    pub params: DecoderParams,
}

impl Decoder {
    pub fn new(params: DecoderParams) -> Self {
        Decoder { params }
    }
}

impl Design for Decoder {
    fn describe(&self) -> String {
        format!("{UNIT} L={}", self.params.window)
    }

    /// `sc_decoder_l256`: the window is the only parameter.
    fn top_module(&self) -> String {
        format!("{UNIT}_l{}", self.params.window)
    }

    fn module(&self) -> Result<Arc<Module>> {
        Ok(Arc::new(describe::describe(
            &self.params,
            &self.top_module(),
        )?))
    }
}

/// The decoder in the unit registry.
pub static KIND: Unit<RawDecoderParams> = Unit {
    name: UNIT,
    summary: "window decoder: ones per window of L enabled cycles (docs/spec.md section 2.5)",
    keys: &[ParamKey {
        key: "window",
        allowed: "1..=16777216",
        meaning: "L: enabled cycles per window (estimate = count / L)",
    }],
    build: |raw| Ok(Box::new(Decoder::new(DecoderParams::try_from(raw)?))),
    raw: std::marker::PhantomData,
};
