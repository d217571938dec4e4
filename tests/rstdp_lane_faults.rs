//! Fault injection into the lane's description. Once RTL and cycle model come
//! from one description, a wrong rule goes into both and lockstep passes; so
//! every fault planted here must be caught by a check that does not share the
//! description: the hand-written step model through the cycle-level adapter
//! (reset values, idle clocks, loads, learn_en), and the reference vectors of
//! an independent implementation. The unaltered description passes both, so
//! the detectors are not failing for some unrelated reason.

use std::path::PathBuf;
use std::sync::Arc;

use hebb::design::Design;
use hebb::error::Result;
use hebb::hdl::{Expr, Module, concat, lit, mux};
use hebb::units::rstdp_lane::driver::{LaneCycle, LaneDriver};
use hebb::units::rstdp_lane::vectors::{VectorFile, replay};
use hebb::units::rstdp_lane::{LaneParams, RstdpLane, StepInputs, StepModel, stimulus};

/// A lane whose description is altered by `edit` after it is built.
struct FaultyLane {
    lane: RstdpLane,
    edit: Fault,
}

type Fault = fn(&mut Module, &LaneParams);

impl Design for FaultyLane {
    fn describe(&self) -> String {
        self.lane.describe()
    }
    fn top_module(&self) -> String {
        self.lane.top_module()
    }
    fn module(&self) -> Result<Arc<Module>> {
        let mut module = self.lane.module()?.as_ref().clone();
        (self.edit)(&mut module, &self.lane.params);
        Ok(Arc::new(module))
    }
}

/// A handle on a net of `m` by name, as an expression.
fn net(m: &Module, name: &str) -> hebb::hdl::Net {
    m.handle(name)
        .unwrap_or_else(|| panic!("no net `{name}` in the lane"))
}

fn reassign(m: &mut Module, target: &str, value: Expr) {
    *m.assignment_mut(target)
        .unwrap_or_else(|| panic!("no assign drives `{target}`")) = value;
}

const FAULTS: &[(&str, Fault)] = &[
    ("eligibility sum one bit too narrow (T + 1 bits)", |m, p| {
        let t = p.trace_bits();
        let sum = net(m, "eligibility_sum");
        let (min, max) = (net(m, "MIN_ELIGIBILITY"), net(m, "MAX_ELIGIBILITY"));
        let top = sum.slice(t, t - 1);
        reassign(
            m,
            "eligibility_next",
            mux(
                top.clone().eq(lit(2, 0)) | top.eq(lit(2, 3)),
                sum.slice(t - 1, 0),
                mux(sum.bit(t), min, max),
            ),
        );
    }),
    ("negative eligibility decays by a floor shift", |m, _| {
        // e - (e >>> D) for every e: the carry that turns the floor into the
        // magnitude's decay for e < 0 is always 1.
        reassign(m, "decay_carry", lit(1, 1));
    }),
    ("decay shifts zeros into a negative eligibility", |m, p| {
        let (t, d) = (p.trace_bits(), p.trace_decay_shift());
        let (e, term) = (net(m, "eligibility_q"), net(m, "decay_term"));
        let zeros = lit(term.width() - (t - d), 0);
        reassign(m, "decay_term", !concat([zeros, e.slice(t - 1, d)]));
    }),
    ("missing weight saturation", |m, p| {
        let (w, s) = (p.weight_bits(), p.weight_sum_bits());
        let (sum, max) = (net(m, "weight_sum"), net(m, "MAX_WEIGHT"));
        reassign(
            m,
            "weight_updated",
            mux(
                sum.bit(s - 1),
                lit(w, 0),
                mux(lit(1, 0), max, sum.slice(w - 1, 0)),
            ),
        );
    }),
    ("pre and post swapped in the traces", |m, _| {
        let (pre, post) = (net(m, "pre_i"), net(m, "post_i"));
        m.substitute("pre_i", &post.into(), Some("pre_trace_next"));
        m.substitute("post_i", &pre.into(), Some("post_trace_next"));
    }),
    ("learn_en ignored", |m, _| {
        m.substitute("learn_en_i", &lit(1, 1), Some("weight_next"));
    }),
    (
        "logical instead of arithmetic shift of the product",
        |m, p| {
            let pb = p.product_bits();
            let (r, e) = (net(m, "reward_i"), net(m, "eligibility_next"));
            reassign(
                m,
                "weight_delta",
                r.sext(pb).mul_signed(e.sext(pb)) >> p.learning_shift(),
            );
        },
    ),
    ("load keeps the eligibility", |m, _| {
        let e = net(m, "eligibility_q");
        // The eligibility_d assignments: default, load, step. The load's is the zero.
        let mut seen = 0;
        m.rewrite(|site, value| {
            if site == "eligibility_d" {
                seen += 1;
                if seen == 2 {
                    *value = e.into();
                }
            }
        });
    }),
    ("reset weight ignored", |m, _| {
        let id = m.find("weight_q").unwrap();
        m.nets[id as usize].value = 0;
    }),
    ("step_i ignored", |m, _| {
        m.substitute("step_i", &lit(1, 1), Some("if"));
    }),
    ("learn_en also freezes the eligibility", |m, _| {
        let (learn, next, e) = (
            net(m, "learn_en_i"),
            net(m, "eligibility_next"),
            net(m, "eligibility_q"),
        );
        m.substitute(
            "eligibility_next",
            &mux(learn, next, e),
            Some("eligibility_d"),
        );
    }),
    ("coincident spikes use the old pre trace", |m, p| {
        // potentiation p instead of MAX_TRACE: p - q = p + ~q + 1.
        let w = p.trace_bits() + 2;
        let (pre, post) = (net(m, "pre_i"), net(m, "post_i"));
        let (pre_q, post_q) = (net(m, "pre_trace_q"), net(m, "post_trace_q"));
        reassign(
            m,
            "pairing_term",
            mux(
                post,
                mux(pre, pre_q.zext(w) + !post_q.zext(w), pre_q.zext(w)),
                mux(pre, !post_q.zext(w), lit(w, 0)),
            ),
        );
        reassign(m, "pairing_carry", pre.into());
    }),
    ("positive eligibility overflow by one bit wraps", |m, p| {
        let t = p.trace_bits();
        let sum = net(m, "eligibility_sum");
        let (min, max) = (net(m, "MIN_ELIGIBILITY"), net(m, "MAX_ELIGIBILITY"));
        let top = sum.slice(t + 1, t - 1);
        reassign(
            m,
            "eligibility_next",
            mux(
                top.clone().eq(lit(3, 0)) | top.clone().eq(lit(3, 7)) | top.eq(lit(3, 1)),
                sum.slice(t - 1, 0),
                mux(sum.bit(t + 1), min, max),
            ),
        );
    }),
    ("weight saturation tests only bit W", |m, p| {
        let (w, s) = (p.weight_bits(), p.weight_sum_bits());
        let (sum, max) = (net(m, "weight_sum"), net(m, "MAX_WEIGHT"));
        reassign(
            m,
            "weight_updated",
            mux(
                sum.bit(s - 1),
                lit(w, 0),
                mux(sum.bit(w), max, sum.slice(w - 1, 0)),
            ),
        );
    }),
];

/// The parameter sets the faults are planted in: the defaults with a
/// nonzero reset weight (so that a lost reset value shows), and a 4-bit
/// weight with L = 0, where a weight change can overflow by more than one
/// bit.
fn parameter_sets() -> [LaneParams; 2] {
    [
        LaneParams::default().with_reset_weight(0x1234).unwrap(),
        LaneParams::new(4, 12, 8, 0, 4)
            .unwrap()
            .with_reset_weight(5)
            .unwrap(),
    ]
}

/// Detector 1: the description-derived cycle model against the hand-written
/// step model through the cycle-level adapter, on the built-in stimulus
/// (reset, idle clocks, loads, learning off, reward extremes).
fn step_model_disagrees(design: &dyn Design, p: LaneParams) -> Option<String> {
    let mut lane = LaneDriver::for_design(design, p, false).expect("builds");
    let mut model = StepModel::from_reset(p);
    if lane.state() != model.state() {
        return Some(format!(
            "after reset: {:?} vs step model {:?}",
            lane.state(),
            model.state()
        ));
    }
    for (i, cycle) in stimulus::builtin(&p, 4000, 11).iter().enumerate().skip(1) {
        let actual = lane.apply(cycle).expect("model only");
        expected_after(&mut model, p, cycle);
        if actual != model.state() {
            return Some(format!(
                "clock {i}: {actual:?} vs step model {:?}",
                model.state()
            ));
        }
    }
    None
}

fn expected_after(model: &mut StepModel, params: LaneParams, cycle: &LaneCycle) {
    if !cycle.rst_n {
        *model = StepModel::from_reset(params);
    } else if cycle.load {
        model.load(cycle.load_weight);
    } else if cycle.step {
        model.step(StepInputs {
            pre: cycle.pre,
            post: cycle.post,
            reward: cycle.reward,
            learn_en: cycle.learn_en,
        });
    }
}

/// Detector 2: the reference vectors (an independent implementation's states).
fn vectors_disagree(design: &dyn Design) -> Option<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/vectors/rstdp");
    let file = VectorFile::read(&dir.join("default_16_12_8_4_4.jsonl")).unwrap();
    let mut lane = LaneDriver::for_design(design, file.params, false).expect("builds");
    replay(&file, &mut lane).err().map(|f| f.to_string())
}

#[test]
fn every_fault_in_the_description_is_caught_by_an_independent_check() {
    for p in parameter_sets() {
        let clean = RstdpLane::new(p);
        assert_eq!(step_model_disagrees(&clean, p), None, "the unaltered lane");
    }
    let default_lane = RstdpLane::default();
    assert_eq!(vectors_disagree(&default_lane), None, "the unaltered lane");

    assert!(
        FAULTS.len() >= 14,
        "the 8 original faults and the 6 of issue 6"
    );
    let mut missed = Vec::new();
    for (name, edit) in FAULTS {
        let changes = |lane: &FaultyLane| lane.module().unwrap() != lane.lane.module().unwrap();
        let mut model = None;
        for p in parameter_sets() {
            let faulty = FaultyLane {
                lane: RstdpLane::new(p),
                edit: *edit,
            };
            // A fault that no longer applies would make this test pass vacuously.
            assert!(changes(&faulty), "{name}: the edit changed nothing");
            model = model.or_else(|| step_model_disagrees(&faulty, p));
        }
        let at_defaults = FaultyLane {
            lane: default_lane,
            edit: *edit,
        };
        // (A reset-weight fault is no fault at the defaults' reset weight 0.)
        let vectors = changes(&at_defaults)
            .then(|| vectors_disagree(&at_defaults))
            .flatten();
        println!("{name}:\n  step model: {model:?}\n  vectors:    {vectors:?}");
        if model.is_none() && vectors.is_none() {
            missed.push(*name);
        }
    }
    assert!(
        missed.is_empty(),
        "faults no independent check caught: {missed:?}"
    );
}

/// Faults planted in the pipelined lane's description, at the default
/// parameters (reset weight 0x1234) with `pipeline` = 2 and 4.
const PIPELINE_FAULTS: &[(&str, Fault)] = &[
    (
        "a load reaches the weight without waiting for the stages",
        |m, _| {
            let load_weight = net(m, "load_weight_i");
            // weight_d's assignments: default, load, update. The load's is the second.
            let mut seen = 0;
            m.rewrite(|site, value| {
                if site == "weight_d" {
                    seen += 1;
                    if seen == 2 {
                        *value = load_weight.into();
                    }
                }
            });
        },
    ),
    (
        "the weight update skips the last stage's learn flag",
        |m, p| {
            let early = net(m, &format!("s{}_learn_q", p.pipeline() - 1));
            let last = format!("s{}_learn_q", p.pipeline());
            assert!(m.substitute(&last, &early.into(), Some("if")));
        },
    ),
    ("the sign row is negated as ~e", |m, p| {
        let r = p.reward_bits();
        let (reward, e) = (net(m, "s1_reward_q"), net(m, "eligibility_q"));
        reassign(
            m,
            &format!("row_{}", r - 1),
            mux(reward.bit(r - 1), !e, lit(p.trace_bits(), 0)),
        );
    }),
    ("the carry from the product bits below L is lost", |m, _| {
        reassign(m, "sum_0_3_carry", lit(1, 0));
    }),
    (
        "the product reads the next timestep's eligibility",
        |m, _| {
            let next = net(m, "eligibility_next");
            assert!(m.substitute("eligibility_q", &next.into(), Some("row_3")));
        },
    ),
    ("reset leaves a load in flight", |m, p| {
        let id = m.find(&format!("s{}_load_q", p.pipeline())).unwrap();
        m.nets[id as usize].value = 1;
    }),
];

/// The pipelined lane against the step model at the documented latency:
/// weight_o after clock i is the step model's weight after clock i - N
/// (the reset weight within N clocks after a reset), the rest at once.
fn pipelined_step_model_disagrees(design: &dyn Design, p: LaneParams) -> Option<String> {
    let latency = p.pipeline() as usize;
    let mut lane = LaneDriver::for_design(design, p, false).expect("builds");
    let mut model = StepModel::from_reset(p);
    let (mut history, mut last_reset) = (Vec::new(), 0);
    for (i, cycle) in stimulus::builtin(&p, 4000, 11).iter().enumerate() {
        let actual = lane.apply(cycle).expect("model only");
        expected_after(&mut model, p, cycle);
        history.push(model.state());
        if !cycle.rst_n {
            last_reset = i;
        }
        let mut expected = model.state();
        expected.weight = if i - last_reset < latency {
            p.reset_weight()
        } else {
            history[i - latency].weight
        };
        if actual != expected {
            return Some(format!("clock {i}: {actual:?} vs step model {expected:?}"));
        }
    }
    None
}

#[test]
fn every_fault_in_the_pipeline_is_caught_by_the_step_model() {
    let sets: Vec<LaneParams> = [2, 4]
        .into_iter()
        .map(|n| {
            LaneParams::default()
                .with_reset_weight(0x1234)
                .unwrap()
                .with_pipeline(n)
                .unwrap()
        })
        .collect();
    for &p in &sets {
        let clean = RstdpLane::new(p);
        assert_eq!(
            pipelined_step_model_disagrees(&clean, p),
            None,
            "the unaltered lane"
        );
    }
    let mut missed = Vec::new();
    for (name, edit) in PIPELINE_FAULTS {
        for &p in &sets {
            let faulty = FaultyLane {
                lane: RstdpLane::new(p),
                edit: *edit,
            };
            assert!(
                faulty.module().unwrap() != faulty.lane.module().unwrap(),
                "{name}: the edit changed nothing"
            );
            let found = pipelined_step_model_disagrees(&faulty, p);
            println!("{name} (pipeline {}): {found:?}", p.pipeline());
            if found.is_none() {
                missed.push((*name, p.pipeline()));
            }
        }
    }
    assert!(
        missed.is_empty(),
        "faults the step model missed: {missed:?}"
    );
}
