//! The bulk simulator (src/units/rstdp_array/bulk.rs) is bit-exact with the
//! factored step model: every weight, eligibility and trace after every
//! timestep, and the input current, on random spike trains, for parameter
//! sets across the range (each storage word and both arithmetic widths),
//! odd shapes, and one thread or many.

mod common;

use hebb::rng::SplitMix64;
use hebb::units::rstdp_array::{ArrayParams, BulkArray, FactoredArray};
use hebb::units::rstdp_lane::LaneParams;
use proptest::prelude::*;

/// Steps both models through `steps` random timesteps and compares all state
/// after each one. Spike densities change every few timesteps (silent, sparse,
/// dense, saturating) so eligibilities and weights reach their bounds; rewards
/// include the extremes, zero and raw values beyond the range.
fn compare(lane: LaneParams, n_pre: usize, n_post: usize, threads: usize, steps: usize, seed: u64) {
    let params = ArrayParams::new(lane, n_pre, n_post).unwrap();
    let mut rng = SplitMix64(seed);
    let weight_seed = rng.next_u64();
    let initial = |i: usize, j: usize| {
        SplitMix64(weight_seed ^ (i as u64) << 32 ^ j as u64).next_u64() >> (weight_seed % 64)
    };
    let mut golden = FactoredArray::new(params, initial);
    let mut bulk = BulkArray::new(params, initial).with_threads(threads);
    assert_eq!(bulk.threads(), threads);
    let (mut pre_percent, mut post_percent) = (0, 0);
    for t in 0..steps {
        if t % 16 == 0 {
            let densities = [0, 0, 3, 10, 50, 90, 100];
            pre_percent = densities[rng.next_u64() as usize % densities.len()];
            post_percent = densities[rng.next_u64() as usize % densities.len()];
        }
        let pre: Vec<bool> = (0..n_pre).map(|_| rng.chance(pre_percent)).collect();
        let post: Vec<bool> = (0..n_post).map(|_| rng.chance(post_percent)).collect();
        let reward = match rng.next_u64() % 6 {
            0 => 0,
            1 => lane.min_reward(),
            2 => lane.max_reward(),
            3 => rng.next_u64() as i64, // saturated by both models
            _ => rng.range(lane.min_reward(), lane.max_reward()),
        };
        let learn_en = rng.chance(85);
        golden.step(&pre, &post, reward, learn_en);
        bulk.step(&pre, &post, reward, learn_en);
        assert_same(&golden, &bulk, t);
        let probe: Vec<bool> = (0..n_pre).map(|_| rng.chance(40)).collect();
        assert_eq!(
            bulk.input_current(&probe),
            golden.input_current(&probe),
            "input current after t={t}"
        );
    }
}

fn assert_same(golden: &FactoredArray, bulk: &BulkArray, t: usize) {
    let p = golden.params();
    for i in 0..p.n_pre() {
        assert_eq!(
            bulk.pre_trace(i),
            golden.pre_trace(i),
            "pre trace {i} at t={t}"
        );
        for j in 0..p.n_post() {
            assert_eq!(
                (bulk.weight(i, j), bulk.eligibility(i, j)),
                (golden.weight(i, j), golden.eligibility(i, j)),
                "synapse ({i}, {j}) at t={t}, {:?}",
                p.lane()
            );
        }
    }
    for j in 0..p.n_post() {
        assert_eq!(
            bulk.post_trace(j),
            golden.post_trace(j),
            "post trace {j} at t={t}"
        );
    }
}

fn lane(w: u32, t: u32, r: u32, l: u32, d: u32) -> LaneParams {
    LaneParams::new(w, t, r, l, d).unwrap()
}

/// Named parameter sets: each storage word, both arithmetics, and the corners.
fn parameter_sets() -> Vec<(&'static str, LaneParams, usize)> {
    vec![
        ("default", LaneParams::default(), 4),
        ("widest W T R, L 0", lane(32, 30, 30, 0, 4), 8),
        ("widest W T R, L max", lane(32, 30, 30, 60, 4), 8),
        ("widest, D max", lane(32, 30, 30, 7, 30), 8),
        ("D = 0", lane(16, 12, 8, 4, 0), 4),
        ("D = 0, 64-bit", lane(24, 20, 20, 3, 0), 8),
        ("D >= T", lane(10, 6, 8, 2, 9), 2),
        ("L large", lane(16, 12, 8, 40, 4), 4),
        ("L = 0", lane(16, 12, 8, 0, 1), 4),
        ("W + T = 16", lane(8, 8, 8, 2, 2), 2),
        (
            "W + T = 16, R + T > 32: 16-bit word, 64-bit weight step",
            lane(4, 12, 30, 6, 3),
            2,
        ),
        ("narrowest", lane(1, 2, 1, 0, 1), 2),
        ("W + T = 32", lane(20, 12, 20, 5, 3), 4),
        (
            "W + T = 32, R + T > 32: 32-bit word, 64-bit arithmetic",
            lane(2, 30, 30, 9, 2),
            4,
        ),
        ("R + T = 32 exactly", lane(4, 28, 4, 1, 5), 4),
        // w + dw reaches 2^31 - 1, the top of the i32 arithmetic.
        ("W + T = R + T = 32, L = 0", lane(30, 2, 30, 0, 1), 4),
        ("W + T = 17", lane(9, 8, 3, 0, 1), 4),
    ]
}

#[test]
fn bulk_equals_factored_model_on_every_parameter_set_and_shape() {
    let shapes = [(1, 1), (1, 29), (23, 1), (37, 53)];
    for (k, (name, lane, bytes)) in parameter_sets().into_iter().enumerate() {
        let probe = BulkArray::new(ArrayParams::new(lane, 1, 1).unwrap(), |_, _| 0);
        assert_eq!(probe.bytes_per_synapse(), bytes, "{name}: word size");
        for (s, &(n_pre, n_post)) in shapes.iter().enumerate() {
            for threads in [1, 3] {
                let seed = (k * 100 + s * 10 + threads) as u64;
                compare(lane, n_pre, n_post, threads, 120, seed);
            }
        }
    }
}

/// Arrays large enough that rayon splits the rows (and input-current columns)
/// into several tasks, on many threads.
#[test]
fn bulk_equals_factored_model_when_rows_are_split_across_threads() {
    for (name, lane) in [
        ("default", LaneParams::default()),
        ("widest", lane(32, 30, 30, 0, 4)),
        ("D = 0", lane(8, 8, 8, 3, 0)),
    ] {
        for (n_pre, n_post, threads) in [(300, 301, 8), (40_000, 1, 4), (2, 20_000, 2)] {
            eprintln!("{name} {n_pre}x{n_post} on {threads} threads");
            compare(lane, n_pre, n_post, threads, 24, n_pre as u64);
        }
    }
}

#[test]
fn thread_count_zero_means_one_per_core() {
    let params = ArrayParams::new(LaneParams::default(), 2, 2).unwrap();
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(BulkArray::new(params, |_, _| 0).threads(), 1);
    assert_eq!(
        BulkArray::new(params, |_, _| 0).with_threads(0).threads(),
        cores
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The whole parameter range (corners drawn often), any small shape.
    #[test]
    fn bulk_equals_factored_model_across_the_parameter_range(
        lane in common::lane_params(),
        (n_pre, n_post) in (1..9usize, 1..9usize),
        threads in prop_oneof![Just(1usize), Just(2), Just(5)],
        seed in any::<u64>(),
    ) {
        compare(lane, n_pre, n_post, threads, 80, seed);
    }
}
