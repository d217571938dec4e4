//! Hierarchy end to end, on the composed two-lane design: lockstep compares
//! every net at every level, both VCDs carry the same hierarchical scopes, a
//! mismatch names the instance path, the design lints and synthesizes, its
//! model equals two hand-written lane step models, and two parameter sets
//! of one unit generated into two folders lint together.

use std::sync::Arc;

use hebb::cosim::{Lockstep, PortVector};
use hebb::design::{Design, RtlFile, sign_extend};
use hebb::error::Result;
use hebb::hdl::Module;
use hebb::trace::diff_files;
use hebb::units::rstdp_lane::{LaneParams, LaneState, RstdpLane, StepInputs, StepModel};
use hebb::units::rstdp_lane_pair::{LanePair, RawPairParams};
use proptest::prelude::*;

fn pair() -> LanePair {
    LanePair::new(RawPairParams::default()).unwrap()
}

#[test]
fn lockstep_and_vcds_cover_every_level_of_the_hierarchy() {
    let design = pair();
    let dir = tempfile::tempdir().unwrap();
    let (golden, dut) = (dir.path().join("golden.vcd"), dir.path().join("rtl.vcd"));
    let mut sim = Lockstep::with_rtl(&design).unwrap();
    let names: Vec<&str> = sim.signals().iter().map(|s| s.name.as_str()).collect();
    for net in [
        "weight_sum_o",
        "lane_a.weight_q",
        "lane_b.eligibility_sum",
        "lane_b.MAX_WEIGHT",
    ] {
        assert!(names.contains(&net), "{net} is not in the net table");
    }
    sim.record_vcds(&design.top_module(), &golden, Some(&dut))
        .unwrap();
    for inputs in design.stimulus(2000, 7).unwrap() {
        sim.clock(&inputs).unwrap();
    }
    sim.finish().unwrap();
    let diff = diff_files(&golden, &dut).unwrap();
    assert!(diff.agrees(), "{diff}");
    let text = std::fs::read_to_string(&golden).unwrap();
    assert!(
        text.contains("$scope module lane_a $end") && text.contains("$scope module lane_b $end")
    );
}

/// The pair whose lane_b RTL has a fault the description does not.
struct RtlFault(LanePair);

impl Design for RtlFault {
    fn describe(&self) -> String {
        self.0.describe()
    }
    fn top_module(&self) -> String {
        self.0.top_module()
    }
    fn module(&self) -> Result<Arc<Module>> {
        self.0.module()
    }
    fn render_rtl(&self) -> Result<Vec<RtlFile>> {
        let lane_b = RstdpLane::new(self.0.b).top_module();
        Ok(self
            .0
            .render_rtl()?
            .into_iter()
            .map(|mut f| {
                if f.module == lane_b {
                    let site = "assign pairing_carry       = pre_i & ~post_i;";
                    assert_eq!(f.text.matches(site).count(), 1, "{}", f.text);
                    f.text = f.text.replace(site, "assign pairing_carry       = pre_i;");
                }
                f
            })
            .collect())
    }
}

#[test]
fn a_mismatch_names_the_instance_and_the_net() {
    let design = RtlFault(pair());
    let mut sim = Lockstep::with_rtl(&design).unwrap();
    let mismatch = design
        .stimulus(500, 3)
        .unwrap()
        .iter()
        .find_map(|inputs| sim.clock(inputs).err())
        .expect("the planted fault shows");
    assert_eq!(mismatch.signal, "lane_b.pairing_carry", "{mismatch}");
    assert_eq!(mismatch.instance(), "lane_b");
    assert!(
        mismatch.to_string().contains("in instance `lane_b`"),
        "{mismatch}"
    );
}

#[test]
fn the_pair_lints_and_synthesizes() {
    let design = pair();
    hebb::tools::gates::verilator_lint(&design).unwrap();
    hebb::tools::gates::iverilog_2005(&design).unwrap();
    for target in hebb::resources::Target::ALL {
        let r = hebb::tools::gates::yosys_synth(&design, target)
            .unwrap()
            .resources();
        // Flip-flops: both lanes' state, W + 3T each, nothing else.
        let state = design.a.state_bits_per_synapse() + design.b.state_bits_per_synapse();
        assert_eq!(r.ffs, u64::from(state), "{target}: {r:?}");
    }
}

#[test]
fn two_parameter_sets_in_two_folders_lint_together() {
    let dir = tempfile::tempdir().unwrap();
    let narrow = RstdpLane::new(LaneParams::new(8, 10, 8, 2, 3).unwrap());
    let mut files = Vec::new();
    for (folder, design) in [("a", RstdpLane::default()), ("b", narrow)] {
        let (written, _) = hebb::flow::generate(&design, &dir.path().join(folder), false).unwrap();
        files.extend(
            written
                .into_iter()
                .filter(|f| f.extension().is_some_and(|e| e == "v")),
        );
    }
    assert_eq!(files.len(), 2);
    assert_ne!(files[0].file_name(), files[1].file_name());
    let mut args = vec![
        "--lint-only".to_string(),
        "-Wall".into(),
        "-Wno-MULTITOP".into(),
    ];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let out = std::process::Command::new("verilator")
        .args(&args)
        .output()
        .expect("verilator runs");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
}

/// The pair's state per lane, read from its ports.
fn lane_states(sim: &Lockstep, ports: &PortVector, d: &LanePair) -> [LaneState; 2] {
    let read = |lane: &str, t: u32| LaneState {
        weight: sim.value(ports.index(&format!("weight_{lane}_o"))),
        pre_trace: sim.value(ports.index(&format!("pre_trace_{lane}_o"))),
        post_trace: sim.value(ports.index(&format!("post_trace_{lane}_o"))),
        eligibility: sign_extend(sim.value(ports.index(&format!("eligibility_{lane}_o"))), t),
    };
    [read("a", d.a.trace_bits()), read("b", d.b.trace_bits())]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The composed design's description-derived model equals two
    /// independent lane step models, clock by clock, through the pair's ports.
    #[test]
    fn the_pair_equals_two_lane_step_models(
        clocks in prop::collection::vec(
            (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(),
             prop::bool::weighted(0.05), any::<i8>(), any::<u16>(), any::<u8>()),
            1..200)
    ) {
        let d = pair();
        let mut sim = Lockstep::model_only(&d).unwrap();
        let mut ports = PortVector::new(&d.ports().unwrap());
        ports.set("rst_ni", 0);
        sim.clock(ports.values()).unwrap();
        ports.set("rst_ni", 1);
        let mut models = [StepModel::from_reset(d.a), StepModel::from_reset(d.b)];
        for (step, pre_a, post_a, pre_b, post_b, load, reward, wa, wb) in clocks {
            ports
                .set("step_i", step.into())
                .set("learn_en_i", 1)
                .set("load_i", load.into())
                .set("reward_i", reward as u8 as u64)
                .set("pre_a_i", pre_a.into())
                .set("post_a_i", post_a.into())
                .set("load_weight_a_i", wa.into())
                .set("pre_b_i", pre_b.into())
                .set("post_b_i", post_b.into())
                .set("load_weight_b_i", wb.into());
            sim.clock(ports.values()).unwrap();
            for (model, (pre, post, weight)) in models
                .iter_mut()
                .zip([(pre_a, post_a, u64::from(wa)), (pre_b, post_b, u64::from(wb))])
            {
                if load {
                    model.load(weight);
                } else if step {
                    model.step(StepInputs { pre, post, reward: reward.into(), learn_en: true });
                }
            }
            let expected = [models[0].state(), models[1].state()];
            prop_assert_eq!(lane_states(&sim, &ports, &d), expected);
            let sum = sim.value(ports.index("weight_sum_o"));
            prop_assert_eq!(sum, expected[0].weight + expected[1].weight);
        }
    }
}
