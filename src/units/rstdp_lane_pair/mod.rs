//! Two R-STDP lanes of different parameters under one top module, sharing
//! the reward, step, learn_en and load inputs: the smallest composed design,
//! and the proof that hierarchy works end to end (unique module names per
//! parameter set, instance nets in lockstep and in the VCDs, lint and
//! synthesis of the whole). Its golden model is two lane step models.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::design::Design;
use crate::error::{ParamError, Result};
use crate::hdl::{Module, ModuleBuilder};
use crate::units::rstdp_lane::{LaneParams, RawLaneParams, RstdpLane};

pub const UNIT: &str = "rstdp_lane_pair";

/// The pair's parameters: one lane parameter set each; both lanes take the
/// same reward, so their `reward_bits` must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPairParams {
    pub lane_a: RawLaneParams,
    pub lane_b: RawLaneParams,
}

impl Default for RawPairParams {
    fn default() -> Self {
        RawPairParams {
            lane_a: RawLaneParams::default(),
            lane_b: RawLaneParams {
                weight_bits: 8,
                trace_bits: 10,
                reward_bits: 8,
                learning_shift: 2,
                trace_decay_shift: 3,
                reset_weight: 128,
                pipeline: 0,
            },
        }
    }
}

/// Two validated lanes with one reward width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LanePair {
    pub a: LaneParams,
    pub b: LaneParams,
}

impl LanePair {
    pub fn new(raw: RawPairParams) -> Result<Self, ParamError> {
        let a = LaneParams::try_from(raw.lane_a).map_err(|e| prefixed("lane_a", e))?;
        let b = LaneParams::try_from(raw.lane_b).map_err(|e| prefixed("lane_b", e))?;
        // The pair's golden model steps two lanes at once: a pipelined lane's
        // weight would lag behind it (and the module names do not carry `_p`).
        for (parameter, lane) in [("lane_a.pipeline", a), ("lane_b.pipeline", b)] {
            if lane.pipeline() != 0 {
                return Err(ParamError {
                    parameter,
                    value: lane.pipeline().into(),
                    allowed: "0 (the pair's lanes are single-cycle)".into(),
                });
            }
        }
        if a.reward_bits() != b.reward_bits() {
            return Err(ParamError {
                parameter: "lane_b.reward_bits",
                value: b.reward_bits().into(),
                allowed: format!(
                    "{} (lane_a.reward_bits: the lanes share reward_i)",
                    a.reward_bits()
                ),
            });
        }
        Ok(LanePair { a, b })
    }
}

/// Names a lane's parameter inside the pair (`lane_a.weight_bits`).
fn prefixed(lane: &'static str, e: ParamError) -> ParamError {
    let parameter: &'static str = match (lane, e.parameter) {
        ("lane_a", "weight_bits") => "lane_a.weight_bits",
        ("lane_a", "trace_bits") => "lane_a.trace_bits",
        ("lane_a", "reward_bits") => "lane_a.reward_bits",
        ("lane_a", "learning_shift") => "lane_a.learning_shift",
        ("lane_a", "trace_decay_shift") => "lane_a.trace_decay_shift",
        ("lane_a", "reset_weight") => "lane_a.reset_weight",
        ("lane_b", "weight_bits") => "lane_b.weight_bits",
        ("lane_b", "trace_bits") => "lane_b.trace_bits",
        ("lane_b", "reward_bits") => "lane_b.reward_bits",
        ("lane_b", "learning_shift") => "lane_b.learning_shift",
        ("lane_b", "trace_decay_shift") => "lane_b.trace_decay_shift",
        ("lane_b", "reset_weight") => "lane_b.reset_weight",
        (_, other) => other,
    };
    ParamError { parameter, ..e }
}

/// `w16t12r8l4d4` (+ `rw<n>`): a lane's parameters in a module name.
fn tag(p: &LaneParams) -> String {
    let mut tag = format!(
        "w{}t{}r{}l{}d{}",
        p.weight_bits(),
        p.trace_bits(),
        p.reward_bits(),
        p.learning_shift(),
        p.trace_decay_shift()
    );
    if p.reset_weight() != 0 {
        tag += &format!("rw{}", p.reset_weight());
    }
    tag
}

impl Design for LanePair {
    fn describe(&self) -> String {
        format!(
            "{UNIT} lane_a=({}) lane_b=({})",
            RstdpLane::new(self.a).describe(),
            RstdpLane::new(self.b).describe()
        )
    }

    fn top_module(&self) -> String {
        format!("{UNIT}_{}_{}", tag(&self.a), tag(&self.b))
    }

    fn module(&self) -> Result<Arc<Module>> {
        let (lane_a, lane_b) = (RstdpLane::new(self.a), RstdpLane::new(self.b));
        let (child_a, child_b) = (lane_a.module()?, lane_b.module()?);
        let (wa, wb, r) = (
            self.a.weight_bits(),
            self.b.weight_bits(),
            self.a.reward_bits(),
        );
        let sum_bits = wa.max(wb) + 1;
        let mut m = ModuleBuilder::new(
            self.top_module(),
            vec![
                "the R-STDP lane pair description (docs/architecture.md, composed designs)".into(),
                format!("  lane_a: {}", lane_a.describe()),
                format!("  lane_b: {}", lane_b.describe()),
                String::new(),
                "Two lanes stepping together on one reward; each has its own spikes and".into(),
                "weight load. Each lane's state is an output; weight_sum_o adds the two".into(),
                "weights.".into(),
            ],
        );
        let clk = m.input("clk_i", 1, "");
        let rst = m.input("rst_ni", 1, "asynchronous, active low");
        let step = m.input("step_i", 1, "advance both lanes one timestep");
        let reward = m.input("reward_i", r, "two's complement, shared");
        let learn = m.input("learn_en_i", 1, "0 freezes both weights");
        let load = m.input("load_i", 1, "start fresh synapses in both lanes");
        let pre_a = m.input("pre_a_i", 1, "");
        let post_a = m.input("post_a_i", 1, "");
        let load_weight_a = m.input("load_weight_a_i", wa, "");
        let pre_b = m.input("pre_b_i", 1, "");
        let post_b = m.input("post_b_i", 1, "");
        let load_weight_b = m.input("load_weight_b_i", wb, "");
        let mut state_outputs = Vec::new();
        for (lane, p) in [("a", &self.a), ("b", &self.b)] {
            let (w, t) = (p.weight_bits(), p.trace_bits());
            state_outputs.push([
                m.output(&format!("weight_{lane}_o"), w, ""),
                m.output(&format!("pre_trace_{lane}_o"), t, ""),
                m.output(&format!("post_trace_{lane}_o"), t, ""),
                m.output(&format!("eligibility_{lane}_o"), t, "two's complement"),
            ]);
        }
        let weight_sum_o = m.output("weight_sum_o", sum_bits, "weight_a_o + weight_b_o");

        let mut lanes = Vec::new();
        for (name, child, pre, post, load_weight) in [
            ("lane_a", child_a, pre_a, post_a, load_weight_a),
            ("lane_b", child_b, pre_b, post_b, load_weight_b),
        ] {
            m.section(&[]);
            let outputs = m.instance(
                name,
                child,
                vec![
                    ("clk_i", clk.into()),
                    ("rst_ni", rst.into()),
                    ("step_i", step.into()),
                    ("pre_i", pre.into()),
                    ("post_i", post.into()),
                    ("reward_i", reward.into()),
                    ("learn_en_i", learn.into()),
                    ("load_i", load.into()),
                    ("load_weight_i", load_weight.into()),
                ],
                vec![
                    ("weight_o", &format!("{name}_weight")),
                    ("pre_trace_o", &format!("{name}_pre_trace")),
                    ("post_trace_o", &format!("{name}_post_trace")),
                    ("eligibility_o", &format!("{name}_eligibility")),
                ],
            );
            lanes.push(outputs);
        }
        m.section(&["Outputs: both lanes' state, and the sum of their weights."]);
        for (outputs, nets) in state_outputs.iter().zip(&lanes) {
            for (output, net) in outputs.iter().zip(nets) {
                m.assign(*output, *net);
            }
        }
        m.assign(
            weight_sum_o,
            lanes[0][0].zext(sum_bits) + lanes[1][0].zext(sum_bits),
        );
        Ok(Arc::new(m.finish()?))
    }
}

/// The pair in the unit registry.
pub static KIND: crate::units::Unit<RawPairParams> = crate::units::Unit {
    name: UNIT,
    summary: "two R-STDP lanes of different parameters on one reward (a composed design)",
    keys: &[
        crate::units::ParamKey {
            key: "lane_a",
            allowed: "rstdp_lane keys",
            meaning: "the first lane, e.g. lane_a = { weight_bits = 16, ... }",
        },
        crate::units::ParamKey {
            key: "lane_b",
            allowed: "rstdp_lane keys",
            meaning: "the second lane; reward_bits as lane_a's",
        },
    ],
    build: |raw| Ok(Box::new(LanePair::new(raw)?)),
    raw: std::marker::PhantomData,
};
