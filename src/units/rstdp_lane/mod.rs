//! The online O(1) reward-modulated STDP lane (SPEC §1): parameters, step
//! model, cycle model, named nets and RTL, all from one `LaneParams`.

pub mod cycle;
pub mod driver;
pub mod nets;
pub mod params;
pub mod resources;
pub mod rtl;
pub mod step;
pub mod stimulus;
pub mod testbench;
pub mod vectors;

use crate::design::{CycleModel, Design, Signal};
use crate::error::Result;
use crate::resources::{Resources, Target};

pub use cycle::LaneCycleModel;
pub use params::{LaneParams, RawLaneParams};
pub use step::{LaneState, StepInputs, StepModel};

/// The Verilog module name of a lane.
pub const MODULE: &str = "rstdp_lane";

/// A lane as a design: what the harness, the gates and the CLI see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RstdpLane {
    pub params: LaneParams,
}

impl RstdpLane {
    pub fn new(params: LaneParams) -> Self {
        RstdpLane { params }
    }
}

impl Design for RstdpLane {
    fn top_module(&self) -> &'static str {
        MODULE
    }

    fn describe(&self) -> String {
        let p = &self.params;
        format!(
            "rstdp_lane W={} T={} R={} L={} D={} reset_weight={}",
            p.weight_bits(),
            p.trace_bits(),
            p.reward_bits(),
            p.learning_shift(),
            p.trace_decay_shift(),
            p.reset_weight()
        )
    }

    fn render_rtl(&self) -> Result<String> {
        rtl::render(&self.params, MODULE)
    }

    fn cycle_model(&self) -> Box<dyn CycleModel> {
        Box::new(LaneCycleModel::for_params(self.params))
    }

    fn signals(&self) -> Vec<Signal> {
        crate::netlist::signal_table(&cycle::LaneLogic(self.params))
    }

    fn estimate(&self, target: Target) -> Resources {
        resources::estimate(&self.params, target)
    }

    fn estimate_method(&self) -> &'static str {
        "structural count of the lane datapath, costs fitted to Yosys 0.23 (examples/calibrate_lane.rs; within 10 % for mid-size lanes)"
    }
}
