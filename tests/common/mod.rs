//! Strategies shared by the lane's property tests.
#![allow(dead_code)]

use hebb::units::rstdp_lane::LaneParams;
use hebb::units::rstdp_lane::driver::LaneCycle;
use hebb::units::rstdp_lane::params::{
    LEARNING_SHIFT, PIPELINE, REWARD_BITS, TRACE_BITS, TRACE_DECAY_SHIFT, WEIGHT_BITS,
};
use proptest::prelude::*;

/// A value in `lo..=hi`, with the two ends drawn often.
fn bound((lo, hi): (u32, u32)) -> impl Strategy<Value = u32> {
    prop_oneof![1 => Just(lo), 1 => Just(hi), 3 => lo..=hi]
}

/// Parameter sets across the whole supported range, corners included.
pub fn lane_params() -> impl Strategy<Value = LaneParams> {
    (
        bound(WEIGHT_BITS),
        bound(TRACE_BITS),
        bound(REWARD_BITS),
        bound(LEARNING_SHIFT),
        bound(TRACE_DECAY_SHIFT),
        any::<u64>(),
        0..3u8,
    )
        .prop_map(|(w, t, r, l, d, seed, which)| {
            let p = LaneParams::new(w, t, r, l, d).expect("strategy stays in range");
            let reset_weight = match which {
                0 => 0,
                1 => p.max_weight(),
                _ => seed & p.max_weight(),
            };
            p.with_reset_weight(reset_weight).expect("in range")
        })
}

/// A reward: extremes, zero, -1 and anything in between.
fn reward(p: LaneParams) -> impl Strategy<Value = i64> {
    let (lo, hi) = (p.min_reward(), p.max_reward());
    prop_oneof![Just(lo), Just(hi), Just(0), Just(-1.max(lo)), lo..=hi]
}

/// A weight to load: 0, MAXW or anything.
fn weight(p: LaneParams) -> impl Strategy<Value = u64> {
    let max = p.max_weight();
    prop_oneof![Just(0), Just(max), (0..=max)]
}

/// One clock at a spike density of `percent`.
fn cycle(p: LaneParams, percent: u32) -> impl Strategy<Value = LaneCycle> {
    let spike = move || proptest::bool::weighted(f64::from(percent) / 100.0);
    (
        spike(),
        spike(),
        reward(p),
        proptest::bool::weighted(0.9),
        proptest::bool::weighted(0.9),
        proptest::bool::weighted(0.03),
        weight(p),
        proptest::bool::weighted(0.01),
    )
        .prop_map(
            |(pre, post, reward, learn_en, step, load, load_weight, reset)| LaneCycle {
                rst_n: !reset,
                step,
                pre,
                post,
                reward,
                learn_en,
                load,
                load_weight,
            },
        )
}

/// A burst: the same spike pattern held for several clocks.
fn burst(p: LaneParams) -> impl Strategy<Value = Vec<LaneCycle>> {
    (cycle(p, 50), 1..24usize).prop_map(|(c, n)| {
        vec![
            LaneCycle {
                step: true,
                load: false,
                rst_n: true,
                ..c
            };
            n
        ]
    })
}

/// A run of clocks: reset first, then dense, sparse, silent or saturated
/// spiking, or bursts; rewards at the extremes; loads, idles, learning off
/// and resets mid-run.
pub fn lane_cycles(p: LaneParams, max_len: usize) -> impl Strategy<Value = Vec<LaneCycle>> {
    let dense_or_sparse = prop_oneof![Just(0u32), Just(5), Just(30), Just(70), Just(100)]
        .prop_flat_map(move |percent| proptest::collection::vec(cycle(p, percent), 1..max_len));
    let bursts =
        proptest::collection::vec(burst(p), 1..(max_len / 8).max(2)).prop_map(|b| b.concat());
    prop_oneof![dense_or_sparse, bursts].prop_map(|mut cycles| {
        cycles.insert(
            0,
            LaneCycle {
                rst_n: false,
                ..LaneCycle::IDLE
            },
        );
        cycles
    })
}

/// Parameters with a stimulus for them; the weight path single-cycle or
/// pipelined (`pipeline` 1..=6: every cut position of the product's tree).
pub fn lane_case(max_len: usize) -> impl Strategy<Value = (LaneParams, Vec<LaneCycle>)> {
    let pipeline =
        prop_oneof![2 => Just(PIPELINE.0), 1 => Just(PIPELINE.1), 3 => PIPELINE.0..=PIPELINE.1];
    (lane_params(), pipeline)
        .prop_map(|(p, n)| p.with_pipeline(n).expect("in range"))
        .prop_flat_map(move |p| (Just(p), lane_cycles(p, max_len)))
}
pub mod cut;
