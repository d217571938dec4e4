//! The block-RAM array: its RTL equals its cycle model at every clock
//! (Verilator lockstep), and both equal the hand-written factored step model
//! at every timestep (every synapse's weight and eligibility, every trace,
//! every input current), for the shapes and lane corners the issue names.

mod common;

use hebb::design::Design;
use hebb::tools::gates::{iverilog_2005, verilator_lint};
use hebb::units::rstdp_array::driver::{ArrayDriver, random_session};
use hebb::units::rstdp_array::{ArrayConfig, FactoredArray, RawArrayParams, RstdpArray};
use hebb::units::rstdp_lane::LaneParams;
use proptest::prelude::*;
use proptest::test_runner::{RngSeed, TestCaseError};

fn config(
    n_pre: usize,
    n_post: usize,
    lanes: usize,
    lane: LaneParams,
    current_bits: u32,
) -> ArrayConfig {
    ArrayConfig::try_from(RawArrayParams {
        n_pre,
        n_post,
        lanes,
        current_bits,
        weight_bits: lane.weight_bits(),
        trace_bits: lane.trace_bits(),
        reward_bits: lane.reward_bits(),
        learning_shift: lane.learning_shift(),
        trace_decay_shift: lane.trace_decay_shift(),
    })
    .expect("test parameters are in range")
}

fn lane(w: u32, t: u32, r: u32, l: u32, d: u32) -> LaneParams {
    LaneParams::new(w, t, r, l, d).expect("in range")
}

/// A random session against the step model (`driver::random_session`),
/// naming the design and seed on failure.
fn run_against_step_model(
    c: ArrayConfig,
    with_rtl: bool,
    timesteps: u64,
    seed: u64,
) -> Result<(), String> {
    let describe = RstdpArray::new(c).describe();
    let fail = |e: hebb::error::Error| format!("{e}\nunder {describe}, seed {seed}");
    let mut driver = ArrayDriver::new(c, with_rtl).map_err(fail)?;
    random_session(&mut driver, timesteps, seed).map_err(fail)?;
    driver.finish().map_err(fail)
}

/// The shapes the issue names, each with lane corners: 1x1, 1xN, Nx1, K = 1,
/// K = n_pre, n_pre not divisible by K, K beyond the work (lanes not built),
/// the widest and narrowest lanes, no decay, a shift past the product,
/// a saturating current.
fn named_shapes() -> Vec<(&'static str, ArrayConfig)> {
    let default = LaneParams::default();
    vec![
        ("1x1, K = 1", config(1, 1, 1, default, 0)),
        (
            "1x1, K = 4 (beyond the work)",
            config(1, 1, 4, lane(8, 10, 8, 2, 3), 0),
        ),
        (
            "1x6, K = 1, no decay",
            config(1, 6, 1, lane(16, 12, 8, 4, 0), 0),
        ),
        (
            "6x1, K = 6 = n_pre",
            config(6, 1, 6, lane(12, 8, 6, 0, 1), 0),
        ),
        (
            "5x3, K = 2 (not a divisor), widest lane",
            config(5, 3, 2, lane(32, 30, 30, 60, 30), 0),
        ),
        (
            "7x4, K = 3 (restoring division), L >= R + T",
            config(7, 4, 3, lane(10, 6, 4, 12, 2), 0),
        ),
        (
            "4x5, K = 2, narrowest lane, saturating current",
            config(4, 5, 2, lane(1, 2, 1, 0, 1), 1),
        ),
        (
            "9x7, K = 4, current saturates at 12 bits",
            config(9, 7, 4, lane(12, 12, 8, 3, 2), 12),
        ),
    ]
}

#[test]
fn named_shapes_equal_the_step_model_in_lockstep_with_the_rtl() {
    for (name, c) in named_shapes() {
        let design = RstdpArray::new(c);
        verilator_lint(&design).unwrap_or_else(|e| panic!("{name}: {e}"));
        iverilog_2005(&design).unwrap_or_else(|e| panic!("{name}: {e}"));
        run_against_step_model(c, true, 40, 0x5eed ^ c.n_pre() as u64)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn a_64x64_array_with_four_lanes_equals_the_step_model() {
    let c = config(64, 64, 4, LaneParams::default(), 0);
    assert_eq!(c.timestep_clocks(), 64 * 16 + 6);
    run_against_step_model(c, true, 6, 64).unwrap();
}

proptest! {
    // Each case is a parameter set: one Verilator build (cached across runs;
    // the fixed seed keeps the same sets, so the cache does not grow).
    #![proptest_config(ProptestConfig {
        cases: 10,
        max_shrink_iters: 64,
        rng_seed: if std::env::var_os("PROPTEST_RNG_SEED").is_some() { ProptestConfig::default().rng_seed } else { RngSeed::Fixed(0x6865_6262_0009) },
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_parameters_equal_the_step_model_in_lockstep_with_the_rtl(
        lane in common::lane_params(),
        (n_pre, n_post, lanes) in (1..=9usize, 1..=9usize, 1..=5usize),
        narrow_current in proptest::bool::weighted(0.3),
        seed in any::<u64>(),
    ) {
        let exact = config(n_pre, n_post, lanes, lane, 0).current_bits();
        let c = config(n_pre, n_post, lanes, lane, if narrow_current { exact.div_ceil(2) } else { 0 });
        run_against_step_model(c, true, 12, seed).map_err(TestCaseError::fail)?;
    }
}

/// The comparison can fail: a model that never learns disagrees with the array.
#[test]
fn a_wrong_step_model_is_caught() {
    let c = config(3, 2, 2, LaneParams::default(), 0);
    let mut driver = ArrayDriver::new(c, false).unwrap();
    driver.clear().unwrap();
    driver.load_weights(|_, _| 1000).unwrap();
    let mut model = FactoredArray::new(*c.shape(), |_, _| 1000);
    let spikes = [true; 3];
    driver.step(&spikes, &[true, true], 100, true).unwrap();
    model.step(&spikes, &[true, true], 100, false);
    let err = driver.compare(&model, 1).unwrap_err().to_string();
    assert!(err.contains("synapse (pre 0, post 0)"), "{err}");
}

#[test]
fn requests_while_busy_are_ignored_and_the_host_sees_written_weights() {
    let c = config(5, 3, 2, LaneParams::default(), 0);
    let design = RstdpArray::new(c);
    let mut driver = ArrayDriver::new(c, false).unwrap();
    driver.clear().unwrap();
    driver.load_weights(|i, j| (i * 10 + j) as u64).unwrap();
    for (i, j) in [(0, 0), (4, 2), (3, 1)] {
        assert_eq!(driver.read(i, j).unwrap().weight, (i * 10 + j) as u64);
    }
    // A step, with step_i, clear_i and a host write held high all through it.
    let mut clocks = driver.clocks().step(&[true; 5], &[true; 3], 50, true);
    let ports = design.ports().unwrap();
    let index = |name: &str| ports.iter().position(|p| p.name == name).unwrap();
    for clock in clocks.iter_mut().skip(1) {
        clock[index("step_i")] = 1;
        clock[index("clear_i")] = 1;
        clock[index("host_we_i")] = 1;
        clock[index("host_weight_i")] = 7;
    }
    for clock in &clocks {
        driver.sim_mut().clock(clock).unwrap();
    }
    let mut model = FactoredArray::new(*c.shape(), |i, j| (i * 10 + j) as u64);
    model.step(&[true; 5], &[true; 3], 50, true);
    driver.compare(&model, 1).unwrap();
}
