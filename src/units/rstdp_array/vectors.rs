//! The lane's reference vectors replayed through a 1x1 array: the array's
//! step model, and its RTL through the driver (clear and a host write for a
//! segment start, a timestep and a host read per step).

use crate::error::Result;
use crate::units::rstdp_lane::vectors::LaneUnderTest;
use crate::units::rstdp_lane::{LaneParams, LaneState, StepInputs};

use super::driver::ArrayDriver;
use super::params::{ArrayConfig, RawArrayParams};
use super::step::{ArrayParams, FactoredArray};

/// The 1x1, one-lane array of a lane's parameters.
pub fn single_synapse(lane: &LaneParams) -> Result<ArrayConfig> {
    Ok(ArrayConfig::try_from(RawArrayParams {
        n_pre: 1,
        n_post: 1,
        lanes: 1,
        current_bits: 0,
        weight_bits: lane.weight_bits(),
        trace_bits: lane.trace_bits(),
        reward_bits: lane.reward_bits(),
        learning_shift: lane.learning_shift(),
        trace_decay_shift: lane.trace_decay_shift(),
    })?)
}

/// A 1x1 factored array seen as a lane.
pub struct ArrayModelLane {
    params: ArrayParams,
    array: FactoredArray,
}

impl ArrayModelLane {
    pub fn new(lane: &LaneParams) -> Result<Self> {
        let params = ArrayParams::new(*lane, 1, 1)?;
        Ok(ArrayModelLane {
            params,
            array: FactoredArray::new(params, |_, _| 0),
        })
    }
}

impl LaneUnderTest for ArrayModelLane {
    fn load(&mut self, initial_weight: u64) -> Result<()> {
        self.array = FactoredArray::new(self.params, |_, _| initial_weight);
        Ok(())
    }
    fn step(&mut self, inputs: StepInputs) -> Result<Option<LaneState>> {
        self.array.step(
            &[inputs.pre],
            &[inputs.post],
            inputs.reward,
            inputs.learn_en,
        );
        Ok(Some(LaneState {
            weight: self.array.weight(0, 0),
            pre_trace: self.array.pre_trace(0),
            post_trace: self.array.post_trace(0),
            eligibility: self.array.eligibility(0, 0),
        }))
    }
    fn flush(&mut self) -> Result<Vec<LaneState>> {
        Ok(Vec::new())
    }
}

impl LaneUnderTest for ArrayDriver {
    fn load(&mut self, initial_weight: u64) -> Result<()> {
        self.clear()?;
        self.load_weights(|_, _| initial_weight)
    }
    /// The array reports each timestep's state once the timestep is done.
    fn step(&mut self, inputs: StepInputs) -> Result<Option<LaneState>> {
        ArrayDriver::step(
            self,
            &[inputs.pre],
            &[inputs.post],
            inputs.reward,
            inputs.learn_en,
        )?;
        let seen = self.read(0, 0)?;
        Ok(Some(LaneState {
            weight: seen.weight,
            pre_trace: seen.pre_trace,
            post_trace: seen.post_trace,
            eligibility: seen.eligibility,
        }))
    }
    fn flush(&mut self) -> Result<Vec<LaneState>> {
        Ok(Vec::new())
    }
}
