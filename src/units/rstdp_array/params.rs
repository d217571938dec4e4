//! The array unit's parameters: the shape, the number of lanes, the width of
//! the input current, and the lane's rule parameters (docs/spec.md §1), and
//! every count the description and the docs derive from them.

use serde::{Deserialize, Serialize};

use crate::design::{bits_for, index_bits};
use crate::error::ParamError;
use crate::units::rstdp_lane::{LaneParams, RawLaneParams};

use super::step::ArrayParams;

/// Neurons per side the generator accepts: the spike vectors are ports of at
/// most 64 bits (wider arrays are a banked spike interface away).
pub const RTL_NEURONS: (usize, usize) = (1, 64);
/// Lanes the generator accepts (more than `n_pre` are not built: see `lanes_used`).
pub const LANES: (usize, usize) = (1, 16);
/// Clocks a timestep takes beyond its sweep with a constant learning shift:
/// the clock that accepts `step_i` and the drain of the five stages behind
/// the memory read (s1 decay and pairing, s2 eligibility sum, s3 product,
/// s4 weight sum, s5 weight write). A run-time shift adds its own stage.
pub const PIPELINE_DEPTH: u64 = 6;

/// The array's keys as a parameter file spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArrayParams {
    pub n_pre: usize,
    pub n_post: usize,
    pub lanes: usize,
    /// 0: the exact width, which never saturates.
    pub current_bits: u32,
    pub weight_bits: u32,
    pub trace_bits: u32,
    pub reward_bits: u32,
    pub learning_shift: u32,
    pub trace_decay_shift: u32,
}

impl Default for RawArrayParams {
    fn default() -> Self {
        let lane = RawLaneParams::default();
        RawArrayParams {
            n_pre: 8,
            n_post: 8,
            lanes: 2,
            current_bits: 0,
            weight_bits: lane.weight_bits,
            trace_bits: lane.trace_bits,
            reward_bits: lane.reward_bits,
            learning_shift: lane.learning_shift,
            trace_decay_shift: lane.trace_decay_shift,
        }
    }
}

/// A validated array: its step-model shape, its lanes and its current width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrayConfig {
    shape: ArrayParams,
    lanes_requested: usize,
    current_bits: u32,
    /// `Some(max)`: the learning shift is the run-time input `learning_shift_i`
    /// (the plastic core's population drives it), wide enough for `max`;
    /// `None`: the constant `learning_shift` of the rule.
    learning_shift_port: Option<u32>,
}

impl TryFrom<RawArrayParams> for ArrayConfig {
    type Error = ParamError;
    fn try_from(raw: RawArrayParams) -> Result<Self, ParamError> {
        let lane = LaneParams::new(
            raw.weight_bits,
            raw.trace_bits,
            raw.reward_bits,
            raw.learning_shift,
            raw.trace_decay_shift,
        )?;
        let (lo, hi) = (RTL_NEURONS.0 as i128, RTL_NEURONS.1 as i128);
        ParamError::check_range("n_pre", raw.n_pre as i128, lo, hi)?;
        ParamError::check_range("n_post", raw.n_post as i128, lo, hi)?;
        ParamError::check_range("lanes", raw.lanes as i128, LANES.0 as i128, LANES.1 as i128)?;
        let exact = exact_current_bits(&lane, raw.n_pre);
        if raw.current_bits != 0 && !(1..=exact).contains(&raw.current_bits) {
            return Err(ParamError {
                parameter: "current_bits",
                value: raw.current_bits.into(),
                allowed: format!(
                    "0 (exact) or 1..={exact} (W + bits of n_pre: wider never saturates)"
                ),
            });
        }
        Ok(ArrayConfig {
            shape: ArrayParams::new(lane, raw.n_pre, raw.n_post)?,
            lanes_requested: raw.lanes,
            current_bits: if raw.current_bits == 0 {
                exact
            } else {
                raw.current_bits
            },
            learning_shift_port: None,
        })
    }
}

/// Bits of `n_pre * MAXW`, the largest current.
fn exact_current_bits(lane: &LaneParams, n_pre: usize) -> u32 {
    bits_for(n_pre as u64 * lane.max_weight())
}

impl ArrayConfig {
    /// This array with the learning shift as a run-time input able to carry
    /// every shift up to `max` (a composed design's choice, not a key).
    pub fn with_learning_shift_port(self, max: u32) -> Self {
        ArrayConfig {
            learning_shift_port: Some(max),
            ..self
        }
    }
    /// Width of `learning_shift_i`, or `None` for a constant shift.
    pub fn learning_shift_port_bits(&self) -> Option<u32> {
        self.learning_shift_port.map(|max| bits_for(max as u64))
    }
    pub fn shape(&self) -> &ArrayParams {
        &self.shape
    }
    pub fn lane(&self) -> &LaneParams {
        self.shape.lane()
    }
    pub fn n_pre(&self) -> usize {
        self.shape.n_pre()
    }
    pub fn n_post(&self) -> usize {
        self.shape.n_post()
    }
    pub fn lanes_requested(&self) -> usize {
        self.lanes_requested
    }
    /// Lanes built: each lane serves distinct pre neurons of a column, so at
    /// most `n_pre` lanes can ever be busy and no more are generated.
    pub fn lanes(&self) -> usize {
        self.lanes_requested.min(self.n_pre())
    }
    /// G: groups of `lanes` pre neurons per column, ceil(n_pre / K).
    pub fn groups(&self) -> usize {
        self.n_pre().div_ceil(self.lanes())
    }
    /// Words of each lane's synapse memory that hold synapses: n_post x G.
    pub fn words_per_lane(&self) -> usize {
        self.n_post() * self.groups()
    }
    /// Clocks of a timestep's sweep: one group of K synapses per clock.
    pub fn sweep_clocks(&self) -> u64 {
        self.words_per_lane() as u64
    }
    /// Clocks from the clock that accepts `step_i` to the first clock that
    /// can accept the next one: the sweep plus the pipeline drain.
    pub fn timestep_clocks(&self) -> u64 {
        self.sweep_clocks() + self.pipeline_depth()
    }
    /// The accepting clock and the stages behind the memory read: s1..s5,
    /// and with a run-time learning shift s4 shifts and s5 adds (s6 writes).
    pub fn pipeline_depth(&self) -> u64 {
        PIPELINE_DEPTH + u64::from(self.learning_shift_port.is_some())
    }
    /// The stage whose register the weight memory writes from (s5 or s6).
    pub fn weight_write_stage(&self) -> u64 {
        self.pipeline_depth() - 1
    }
    /// Clocks from the clock that accepts `clear_i` to the first that can
    /// accept a step: one memory word per clock.
    pub fn clear_clocks(&self) -> u64 {
        1 + self.sweep_clocks()
    }
    /// Width of `current_o`; currents above its maximum saturate.
    pub fn current_bits(&self) -> u32 {
        self.current_bits
    }
    /// Width of an exact sum of any set of weights of a column.
    pub fn exact_current_bits(&self) -> u32 {
        exact_current_bits(self.lane(), self.n_pre())
    }
    /// The largest current `current_o` shows.
    pub fn max_current(&self) -> u64 {
        crate::design::mask(self.current_bits)
    }
    /// Address bits of a lane's synapse memory (A).
    pub fn synapse_address_bits(&self) -> u32 {
        index_bits(self.words_per_lane() as u64)
    }
    /// Address bits of a lane's pre-trace memory.
    pub fn group_bits(&self) -> u32 {
        index_bits(self.groups() as u64)
    }
    pub fn pre_bits(&self) -> u32 {
        index_bits(self.n_pre() as u64)
    }
    pub fn post_bits(&self) -> u32 {
        index_bits(self.n_post() as u64)
    }
    pub fn lane_bits(&self) -> u32 {
        index_bits(self.lanes() as u64)
    }
    /// State bits the array holds for its synapses and neurons (W + T per
    /// synapse, T per neuron), as docs/spec.md counts them.
    pub fn state_bits(&self) -> u64 {
        self.shape.state_bits()
    }
    /// Bits of every memory the RTL declares (memories have 2^address words).
    pub fn memory_bits(&self) -> u64 {
        let (w, t) = (
            self.lane().weight_bits() as u64,
            self.lane().trace_bits() as u64,
        );
        let synapse_words = 1u64 << self.synapse_address_bits();
        let per_lane = synapse_words * (w + t) + (1u64 << self.group_bits()) * t;
        self.lanes() as u64 * per_lane + (1u64 << self.post_bits()) * t
    }
    /// The lane of pre neuron `pre` and the word of synapse (`pre`, `post`) in its memory.
    pub fn location(&self, pre: usize, post: usize) -> (usize, usize) {
        let k = self.lanes();
        (pre % k, post * self.groups() + pre / k)
    }
}
