//! Fault injection: realistic bugs planted in the rendered RTL must each be
//! caught by the lockstep co-simulation, the reference-vector replay or the
//! VCD diff. The unmutated RTL passes all three, so the detectors are not
//! failing for some unrelated reason.

use std::path::PathBuf;

use hebb::design::{CycleModel, Design, Signal};
use hebb::error::{Error, Result};
use hebb::resources::{Resources, Target};
use hebb::trace::diff_files;
use hebb::units::rstdp_lane::driver::LaneDriver;
use hebb::units::rstdp_lane::vectors::{VectorFile, replay};
use hebb::units::rstdp_lane::{LaneParams, RstdpLane, stimulus};

/// The default lane with text substitutions applied to its rendered RTL.
struct FaultyLane {
    lane: RstdpLane,
    edits: &'static [(&'static str, &'static str)],
}

impl Design for FaultyLane {
    fn top_module(&self) -> &'static str {
        self.lane.top_module()
    }
    fn describe(&self) -> String {
        self.lane.describe()
    }
    fn render_rtl(&self) -> Result<String> {
        let mut rtl = self.lane.render_rtl()?;
        for (find, replace) in self.edits {
            // A fault that no longer applies would make this test pass vacuously.
            if rtl.matches(find).count() != 1 {
                return Err(Error::Other(format!(
                    "fault site `{find}` is not in the rendered RTL exactly once"
                )));
            }
            rtl = rtl.replace(find, replace);
        }
        Ok(rtl)
    }
    fn cycle_model(&self) -> Box<dyn CycleModel> {
        self.lane.cycle_model()
    }
    fn signals(&self) -> Vec<Signal> {
        self.lane.signals()
    }
    fn estimate(&self, target: Target) -> Resources {
        self.lane.estimate(target)
    }
}

const _: () = assert!(
    FAULTS.len() >= 5,
    "the issue asks for at least five distinct faults"
);

const FAULTS: &[(&str, &[(&str, &str)])] = &[
    (
        "eligibility sum one bit too narrow (T + 1 bits)",
        &[
            (
                "eligibility_sum[13:11] == 3'b000 || eligibility_sum[13:11] == 3'b111",
                "eligibility_sum[12:11] == 2'b00 || eligibility_sum[12:11] == 2'b11",
            ),
            (
                "(eligibility_sum[13] ? MIN_ELIGIBILITY",
                "(eligibility_sum[12] ? MIN_ELIGIBILITY",
            ),
        ],
    ),
    (
        "EMIN negated in T signed bits",
        &[(
            "eligibility_q + (eligibility_magnitude >> 4)",
            "eligibility_q - ($signed(eligibility_magnitude) >>> 4)",
        )],
    ),
    (
        "negative eligibility decays by a floor shift",
        &[(
            "eligibility_q + (eligibility_magnitude >> 4)",
            "eligibility_q - ($signed(eligibility_q) >>> 4)",
        )],
    ),
    (
        "missing weight saturation",
        &[("(|weight_sum[19:16]) ? MAX_WEIGHT", "1'b0 ? MAX_WEIGHT")],
    ),
    (
        "pre and post swapped in the traces",
        &[
            ("pre_trace_next   = pre_i ?", "pre_trace_next   = post_i ?"),
            ("post_trace_next  = post_i ?", "post_trace_next  = pre_i ?"),
        ],
    ),
    (
        "learn_en ignored",
        &[(
            "weight_next    = learn_en_i ? weight_updated : weight_q",
            "weight_next    = 1'b1 ? weight_updated : weight_q",
        )],
    ),
    (
        "logical instead of arithmetic shift of the product",
        &[("eligibility_next })) >>> 4", "eligibility_next })) >> 4")],
    ),
    (
        "load keeps the eligibility",
        &[(
            "      eligibility_d = 12'h0;\n    end else if (step_i)",
            "      eligibility_d = eligibility_q;\n    end else if (step_i)",
        )],
    ),
];

/// Which detectors flag `design`: (co-simulation, vector replay, VCD diff).
fn detect(
    design: &dyn Design,
    scratch: &std::path::Path,
) -> (Option<String>, Option<String>, Option<String>) {
    let params = LaneParams::default();
    let stimulus = stimulus::builtin(&params, 4000, 11);

    // 1. Lockstep co-simulation on the built-in stimulus.
    let mut lane = LaneDriver::for_design(design, params, true).expect("builds");
    let cosim = stimulus
        .iter()
        .find_map(|c| lane.apply(c).err())
        .map(|m| m.to_string());

    // 2. The reference vectors through the RTL.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/vectors/rstdp");
    let file = VectorFile::read(&dir.join("default_16_12_8_4_4.jsonl")).unwrap();
    let mut lane = LaneDriver::for_design(design, params, true).expect("builds");
    let vectors = replay(&file, &mut lane).err().map(|f| f.to_string());

    // 3. Both VCDs of a full run (not stopping at the first mismatch), diffed.
    let mut lane = LaneDriver::for_design(design, params, true).expect("builds");
    let (golden, dut) = (scratch.join("golden.vcd"), scratch.join("rtl.vcd"));
    lane.sim_mut()
        .record_vcds(design.top_module(), &golden, Some(&dut))
        .unwrap();
    for c in &stimulus {
        let _ = lane.apply(c);
    }
    lane.into_sim().finish().unwrap();
    let diff = diff_files(&golden, &dut).unwrap();
    let vcd = (!diff.agrees()).then(|| {
        diff.divergences
            .first()
            .map(|d| format!("{} at {}: {} vs {}", d.signal, d.time, d.expected, d.actual))
            .unwrap_or_default()
    });
    (cosim, vectors, vcd)
}

#[test]
fn every_injected_fault_is_caught() {
    let scratch = tempfile::tempdir().unwrap();
    let clean = RstdpLane::default();
    assert_eq!(
        detect(&clean, scratch.path()),
        (None, None, None),
        "the unmutated lane must pass every detector"
    );

    let mut missed = Vec::new();
    for (name, edits) in FAULTS {
        let faulty = FaultyLane { lane: clean, edits };
        let (cosim, vectors, vcd) = detect(&faulty, scratch.path());
        println!(
            "{name}:\n  co-simulation: {cosim:?}\n  vectors:       {vectors:?}\n  vcd-diff:      {vcd:?}"
        );
        if cosim.is_none() && vectors.is_none() && vcd.is_none() {
            missed.push(*name);
        }
    }
    assert!(missed.is_empty(), "faults no detector caught: {missed:?}");
}
