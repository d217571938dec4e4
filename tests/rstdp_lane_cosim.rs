//! The Verilated RTL equals the cycle model at every clock, across the whole
//! parameter range; every parameter set tried is lint-clean, and the corner
//! sets synthesize without latch or width warnings.

mod common;

use hebb::design::Design;
use hebb::resources::Target;
use hebb::tools::gates::{iverilog_2005, verilator_lint, yosys_synth};
use hebb::units::rstdp_lane::driver::{LaneCycle, LaneDriver};
use hebb::units::rstdp_lane::{LaneParams, RstdpLane, stimulus};
use proptest::prelude::*;
use proptest::test_runner::{RngSeed, TestCaseError, TestError, TestRunner};

use common::cut::{CutAtDivergence, run_until_divergence};

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

proptest! {
    // Each case is a new parameter set: one Verilator build (~2-3 s, cached across runs).
    // A fixed seed keeps the same parameter sets every run, so the Verilator
    // cache does not grow by 20 designs per run; set PROPTEST_RNG_SEED to explore others.
    #![proptest_config(ProptestConfig {
        cases: 20,
        max_shrink_iters: 256,
        rng_seed: if std::env::var_os("PROPTEST_RNG_SEED").is_some() { ProptestConfig::default().rng_seed } else { RngSeed::Fixed(0x6865_6262_0002) },
        ..ProptestConfig::default()
    })]

    // A failure is cut after its first divergent cycle before shrinking, so
    // the minimal failing input printed ends where model and RTL part.
    #[test]
    fn rtl_equals_cycle_model_at_every_clock((params, cycles) in CutAtDivergence(common::lane_case(500))) {
        let lane = RstdpLane::new(params);
        verilator_lint(&lane).map_err(fail)?;
        iverilog_2005(&lane).map_err(fail)?;
        let mut driver = LaneDriver::new(params, true).map_err(fail)?;
        run_until_divergence(&cycles, |_, cycle| {
            driver.apply(cycle).map(drop).map_err(|m| format!("{m}\nunder {}", lane.describe()))
        })?;
    }
}

/// The shrinking above, shown on a planted divergence (the model's
/// presynaptic trace "should" stay 0, so the first pre spike that counts
/// diverges): the minimal failing input ends at the divergent cycle, within
/// a shrink budget far too small to get there one element at a time.
#[test]
fn a_divergence_is_reported_with_the_stimulus_cut_after_it() {
    let config = ProptestConfig {
        cases: 64,
        max_shrink_iters: 16,
        rng_seed: RngSeed::Fixed(0x6865_6262_0012),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    // The index of the first cycle whose state has a non-zero presynaptic trace.
    let first_divergence = |params: LaneParams, cycles: &[LaneCycle]| -> Option<usize> {
        let mut driver = LaneDriver::new(params, false).unwrap();
        cycles
            .iter()
            .position(|cycle| driver.apply(cycle).unwrap().pre_trace != 0)
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(
        &CutAtDivergence(common::lane_case(500)),
        |(params, cycles)| {
            let mut driver = LaneDriver::new(params, false).map_err(fail)?;
            run_until_divergence(&cycles, |_, cycle| {
                let state = driver.apply(cycle).map_err(|m| m.to_string())?;
                if state.pre_trace != 0 {
                    return Err(format!("pre_trace = {}, expected 0", state.pre_trace));
                }
                Ok(())
            })
        },
    );
    let Err(TestError::Fail(reason, (params, cycles))) = result else {
        panic!("the planted divergence is found: {result:?}");
    };
    let at = first_divergence(params, &cycles).expect("the minimal input still diverges");
    assert_eq!(
        at + 1,
        cycles.len(),
        "the minimal input ends at its divergent cycle ({reason}): {cycles:?}"
    );
}

/// Corners of the parameter space: smallest, largest, L beyond the product, no decay, D >= T.
fn corner_params() -> Vec<LaneParams> {
    [
        (1, 2, 1, 0, 0, 0),
        (32, 30, 30, 60, 30, u32::MAX as u64),
        (32, 30, 30, 0, 1, 1),
        (16, 12, 8, 4, 4, 0),
        (7, 9, 3, 12, 9, 100),
    ]
    .into_iter()
    .map(|(w, t, r, l, d, reset)| {
        LaneParams::new(w, t, r, l, d)
            .unwrap()
            .with_reset_weight(reset)
            .unwrap()
    })
    .collect()
}

/// Pipelined corners: the sign-only delta (L >= R + T), a one-bit reward
/// (its only row is the sign row), the widest product, the default lane.
fn pipelined_corner_params() -> Vec<LaneParams> {
    [
        (1, 2, 1, 0, 0, 0, 1),
        (1, 2, 1, 0, 1, 0, 2),
        (32, 30, 30, 60, 30, u32::MAX as u64, 3),
        (32, 30, 30, 0, 1, 1, 6),
        (16, 12, 8, 4, 4, 0, 3),
        (7, 9, 3, 12, 9, 100, 2),
    ]
    .into_iter()
    .map(|(w, t, r, l, d, reset, pipeline)| {
        LaneParams::new(w, t, r, l, d)
            .unwrap()
            .with_reset_weight(reset)
            .unwrap()
            .with_pipeline(pipeline)
            .unwrap()
    })
    .collect()
}

/// Every flip-flop of a pipelined lane that decays survives synthesis: the
/// structural estimate (the description's registers) equals Yosys's count.
/// Without decay (D = 0 or D >= T) a trace only ever holds 0 or MAXT and
/// Yosys merges its bits, as it does in the single-cycle lane (the README's
/// calibration): there the estimate is an upper bound.
#[test]
fn pipelined_corners_lint_synthesize_with_exact_flip_flops_and_cosimulate() {
    for params in pipelined_corner_params() {
        let lane = RstdpLane::new(params);
        verilator_lint(&lane).unwrap();
        iverilog_2005(&lane).unwrap();
        for target in Target::ALL {
            let yosys = yosys_synth(&lane, target).unwrap().resources().ffs;
            let estimate = lane.estimate(target).unwrap().ffs;
            if params.decays() {
                assert_eq!(yosys, estimate, "{} on {target}", lane.describe());
            } else {
                assert!(yosys <= estimate, "{} on {target}", lane.describe());
            }
        }
        let mut driver = LaneDriver::new(params, true).unwrap();
        for cycle in stimulus::builtin(&params, 2000, 7) {
            driver
                .apply(&cycle)
                .unwrap_or_else(|m| panic!("{m}\nunder {}", lane.describe()));
        }
    }
}

#[test]
fn corner_parameter_sets_lint_synthesize_and_cosimulate() {
    for params in corner_params() {
        let lane = RstdpLane::new(params);
        verilator_lint(&lane).unwrap();
        iverilog_2005(&lane).unwrap();
        for target in Target::ALL {
            let synth = yosys_synth(&lane, target).unwrap();
            // The state registers survive synthesis (none optimised into constants unless the rule makes them so).
            assert!(
                synth.resources().ffs > 0,
                "{} on {target}: {:?}",
                lane.describe(),
                synth.cells
            );
        }
        let mut driver = LaneDriver::new(params, true).unwrap();
        for cycle in stimulus::builtin(&params, 2000, 7) {
            driver
                .apply(&cycle)
                .unwrap_or_else(|m| panic!("{m}\nunder {}", lane.describe()));
        }
    }
}
