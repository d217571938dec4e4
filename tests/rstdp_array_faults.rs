//! Fault injection into the array's description. RTL and cycle model come
//! from one description, so a wrong schedule goes into both and lockstep
//! passes; every fault planted here must be caught by the hand-written
//! factored step model through the driver (every synapse, trace and current
//! after every timestep) or by the driver's check of the documented clock
//! counts. The unaltered description passes, so the detector is not failing
//! for some unrelated reason.

use std::sync::Arc;

use hebb::design::Design;
use hebb::error::Result;
use hebb::hdl::{Expr, Item, Module, lit};
use hebb::units::rstdp_array::driver::{ArrayDriver, random_session};
use hebb::units::rstdp_array::{ArrayConfig, RawArrayParams, RstdpArray};

type Fault = fn(&mut Module);

/// The array with `top` applied to its top module and `lane` to its lane module.
struct FaultyArray {
    array: RstdpArray,
    top: Fault,
    lane: Fault,
}

impl Design for FaultyArray {
    fn describe(&self) -> String {
        self.array.describe()
    }
    fn top_module(&self) -> String {
        self.array.top_module()
    }
    fn module(&self) -> Result<Arc<Module>> {
        let mut module = self.array.module()?.as_ref().clone();
        (self.top)(&mut module);
        for item in &mut module.items {
            if let Item::Instance(instance) = item {
                let mut lane = instance.module.as_ref().clone();
                (self.lane)(&mut lane);
                instance.module = Arc::new(lane);
            }
        }
        Ok(Arc::new(module))
    }
}

fn net(m: &Module, name: &str) -> hebb::hdl::Net {
    m.handle(name)
        .unwrap_or_else(|| panic!("no net `{name}` in `{}`", m.name))
}

fn reassign(m: &mut Module, target: &str, value: Expr) {
    *m.assignment_mut(target)
        .unwrap_or_else(|| panic!("no assign drives `{target}`")) = value;
}

fn none(_: &mut Module) {}

/// (what is wrong, edit of the top, edit of the lane)
const FAULTS: &[(&str, Fault, Fault)] = &[
    (
        "post traces rewritten after every group, not the column's last",
        |m| {
            let (valid, clearing) = (net(m, "valid_s1_q"), net(m, "clearing_q"));
            reassign(m, "post_trace_write", valid | clearing);
        },
        none,
    ),
    (
        "pre traces rewritten in every column, not the last",
        |m| {
            let (valid, clearing) = (net(m, "valid_s1_q"), net(m, "clearing_q"));
            reassign(m, "pre_trace_write", valid | clearing);
        },
        none,
    ),
    (
        "eligibility written back to the word of the stage behind",
        |m| {
            let (clearing, word_q, word_s4) =
                (net(m, "clearing_q"), net(m, "word_q"), net(m, "word_s4_q"));
            reassign(
                m,
                "eligibility_address",
                hebb::hdl::mux(clearing, word_q, word_s4),
            );
        },
        none,
    ),
    (
        "the timestep drains one stage short",
        |m| {
            // busy_q holds the next values of the flags; the last stage's
            // predecessor left out ends the timestep a clock early.
            assert!(m.substitute("valid_s4_q", &lit(1, 0), Some("busy_q")));
        },
        none,
    ),
    (
        "the column current keeps the previous column's sum",
        |m| {
            let (acc, group) = (net(m, "column_current_q"), net(m, "group_current_s3_q"));
            reassign(m, "column_current", acc + group);
        },
        none,
    ),
    (
        "potentiation reads the pre trace after this timestep's spike",
        none,
        |m| {
            let post = net(m, "post_spike_i");
            let next = net(m, "pre_trace_next");
            let t = next.width();
            reassign(m, "potentiation", hebb::hdl::mux(post, next, lit(t, 0)));
        },
    ),
    (
        "depression pairs the post trace of the neighbouring column",
        none,
        |m| {
            let (pre, post_trace) = (net(m, "pre_spike_s1_q"), net(m, "post_trace_i"));
            let t = post_trace.width();
            reassign(
                m,
                "depression",
                hebb::hdl::mux(pre, post_trace >> 1, lit(t, 0)),
            );
        },
    ),
    ("the contribution ignores the pre spike", none, |m| {
        let weight = net(m, "weight_read_q");
        reassign(m, "contribution_o", weight.into());
    }),
];

fn config() -> ArrayConfig {
    // Three groups per column, three columns, two lanes (one idle in the
    // last group): every schedule decision shows.
    ArrayConfig::try_from(RawArrayParams {
        n_pre: 5,
        n_post: 3,
        lanes: 2,
        ..RawArrayParams::default()
    })
    .unwrap()
}

#[test]
fn the_unaltered_description_passes() {
    let design = FaultyArray {
        array: RstdpArray::new(config()),
        top: none,
        lane: none,
    };
    let mut driver = ArrayDriver::for_design(&design, config(), false).unwrap();
    random_session(&mut driver, 60, 1).unwrap();
}

#[test]
fn every_planted_fault_is_caught_by_the_step_model_or_the_clock_counts() {
    for &(what, top, lane) in FAULTS {
        let design = FaultyArray {
            array: RstdpArray::new(config()),
            top,
            lane,
        };
        let mut driver = ArrayDriver::for_design(&design, config(), false)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let caught = random_session(&mut driver, 60, 1);
        assert!(caught.is_err(), "not caught: {what}");
    }
}
