//! The lane's parameter set: the one description every output derives from.

use serde::{Deserialize, Serialize};

use crate::error::ParamError;

/// Supported ranges. The upper bounds keep every intermediate of the rule
/// (the reward x eligibility product is R + T bits, the weight sum one bit
/// more) inside 64-bit model arithmetic and 64-bit simulator ports.
pub const WEIGHT_BITS: (u32, u32) = (1, 32);
pub const TRACE_BITS: (u32, u32) = (2, 30);
pub const REWARD_BITS: (u32, u32) = (1, 30);
pub const LEARNING_SHIFT: (u32, u32) = (0, 60);
pub const TRACE_DECAY_SHIFT: (u32, u32) = (0, 30);
/// Register stages added to the weight path (0 = the single-cycle lane). The
/// reward x eligibility product is an adder tree of at most 5 levels (R <= 30
/// rows); a stage beyond one per level only delays the weight further.
pub const PIPELINE: (u32, u32) = (0, 6);

/// Parameters of one online O(1) R-STDP lane (docs/spec.md §1), validated on construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawLaneParams", into = "RawLaneParams")]
pub struct LaneParams {
    weight_bits: u32,
    trace_bits: u32,
    reward_bits: u32,
    learning_shift: u32,
    trace_decay_shift: u32,
    reset_weight: u64,
    pipeline: u32,
}

/// The unvalidated form, as it arrives from JSON or the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawLaneParams {
    pub weight_bits: u32,
    pub trace_bits: u32,
    pub reward_bits: u32,
    pub learning_shift: u32,
    pub trace_decay_shift: u32,
    #[serde(default)]
    pub reset_weight: u64,
    /// Register stages in the weight path (docs/rstdp_lane.md, pipelining).
    #[serde(default)]
    pub pipeline: u32,
}

impl Default for RawLaneParams {
    fn default() -> Self {
        RawLaneParams {
            weight_bits: 16,
            trace_bits: 12,
            reward_bits: 8,
            learning_shift: 4,
            trace_decay_shift: 4,
            reset_weight: 0,
            pipeline: 0,
        }
    }
}

impl TryFrom<RawLaneParams> for LaneParams {
    type Error = ParamError;
    fn try_from(raw: RawLaneParams) -> Result<Self, ParamError> {
        let check = |name, value: u32, (lo, hi): (u32, u32)| {
            ParamError::check_range(name, value.into(), lo.into(), hi.into())
        };
        check("weight_bits", raw.weight_bits, WEIGHT_BITS)?;
        check("trace_bits", raw.trace_bits, TRACE_BITS)?;
        check("reward_bits", raw.reward_bits, REWARD_BITS)?;
        check("learning_shift", raw.learning_shift, LEARNING_SHIFT)?;
        check(
            "trace_decay_shift",
            raw.trace_decay_shift,
            TRACE_DECAY_SHIFT,
        )?;
        let max_weight = (1u64 << raw.weight_bits) - 1;
        ParamError::check_range(
            "reset_weight",
            raw.reset_weight.into(),
            0,
            max_weight.into(),
        )?;
        check("pipeline", raw.pipeline, PIPELINE)?;
        Ok(LaneParams {
            weight_bits: raw.weight_bits,
            trace_bits: raw.trace_bits,
            reward_bits: raw.reward_bits,
            learning_shift: raw.learning_shift,
            trace_decay_shift: raw.trace_decay_shift,
            reset_weight: raw.reset_weight,
            pipeline: raw.pipeline,
        })
    }
}

impl From<LaneParams> for RawLaneParams {
    fn from(p: LaneParams) -> Self {
        RawLaneParams {
            weight_bits: p.weight_bits,
            trace_bits: p.trace_bits,
            reward_bits: p.reward_bits,
            learning_shift: p.learning_shift,
            trace_decay_shift: p.trace_decay_shift,
            reset_weight: p.reset_weight,
            pipeline: p.pipeline,
        }
    }
}

impl Default for LaneParams {
    fn default() -> Self {
        RawLaneParams::default()
            .try_into()
            .expect("the defaults are in range")
    }
}

impl LaneParams {
    /// Validates W, T, R, L, D (reset weight 0).
    pub fn new(
        weight_bits: u32,
        trace_bits: u32,
        reward_bits: u32,
        learning_shift: u32,
        trace_decay_shift: u32,
    ) -> Result<Self, ParamError> {
        RawLaneParams {
            weight_bits,
            trace_bits,
            reward_bits,
            learning_shift,
            trace_decay_shift,
            reset_weight: 0,
            pipeline: 0,
        }
        .try_into()
    }

    /// The same parameters with another weight loaded at reset.
    pub fn with_reset_weight(self, reset_weight: u64) -> Result<Self, ParamError> {
        RawLaneParams {
            reset_weight,
            ..self.into()
        }
        .try_into()
    }

    pub fn weight_bits(&self) -> u32 {
        self.weight_bits
    }
    pub fn trace_bits(&self) -> u32 {
        self.trace_bits
    }
    pub fn reward_bits(&self) -> u32 {
        self.reward_bits
    }
    pub fn learning_shift(&self) -> u32 {
        self.learning_shift
    }
    pub fn trace_decay_shift(&self) -> u32 {
        self.trace_decay_shift
    }
    pub fn reset_weight(&self) -> u64 {
        self.reset_weight
    }
    /// Register stages in the weight path: weight_o lags the other outputs by this many clocks.
    pub fn pipeline(&self) -> u32 {
        self.pipeline
    }

    /// The same parameters with `pipeline` register stages in the weight path.
    pub fn with_pipeline(self, pipeline: u32) -> Result<Self, ParamError> {
        RawLaneParams {
            pipeline,
            ..self.into()
        }
        .try_into()
    }

    /// MAXW = 2^W - 1.
    pub fn max_weight(&self) -> u64 {
        (1u64 << self.weight_bits) - 1
    }
    /// MAXT = 2^T - 1.
    pub fn max_trace(&self) -> u64 {
        (1u64 << self.trace_bits) - 1
    }
    /// EMIN = -2^(T-1).
    pub fn min_eligibility(&self) -> i64 {
        -(1i64 << (self.trace_bits - 1))
    }
    /// EMAX = 2^(T-1) - 1.
    pub fn max_eligibility(&self) -> i64 {
        (1i64 << (self.trace_bits - 1)) - 1
    }
    /// RMIN = -2^(R-1).
    pub fn min_reward(&self) -> i64 {
        -(1i64 << (self.reward_bits - 1))
    }
    /// RMAX = 2^(R-1) - 1.
    pub fn max_reward(&self) -> i64 {
        (1i64 << (self.reward_bits - 1)) - 1
    }
    /// Per-synapse state bits, W + 3T, whatever the sequence length.
    pub fn state_bits_per_synapse(&self) -> u32 {
        self.weight_bits + 3 * self.trace_bits
    }
    /// Width of the signed reward x eligibility product: R + T bits hold it exactly.
    pub fn product_bits(&self) -> u32 {
        self.reward_bits + self.trace_bits
    }
    /// Width of the signed eligibility sum before saturation: T + 2 bits.
    pub fn eligibility_sum_bits(&self) -> u32 {
        self.trace_bits + 2
    }
    /// Width of the signed weight sum before saturation.
    pub fn weight_sum_bits(&self) -> u32 {
        (self.weight_bits + 1).max(self.product_bits()) + 1
    }
    /// Whether decay changes anything: D = 0 is the identity by docs/spec.md §1, and
    /// for D >= T every value v < 2^T has v >> D = 0.
    pub fn decays(&self) -> bool {
        self.trace_decay_shift > 0 && self.trace_decay_shift < self.trace_bits
    }
    /// Saturates a raw reward into [RMIN, RMAX], as the software API does.
    pub fn saturate_reward(&self, raw: i64) -> i64 {
        raw.clamp(self.min_reward(), self.max_reward())
    }
    /// Saturates an initial weight into [0, MAXW].
    pub fn saturate_weight(&self, raw: u64) -> u64 {
        raw.min(self.max_weight())
    }
    /// A short tag naming the parameter set, as in the vector file names: `W_T_R_L_D`.
    pub fn tag(&self) -> String {
        format!(
            "{}_{}_{}_{}_{}",
            self.weight_bits,
            self.trace_bits,
            self.reward_bits,
            self.learning_shift,
            self.trace_decay_shift
        )
    }
}
