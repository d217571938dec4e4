//! SPEC §1 Arrays: a factored array (traces per neuron) gives results
//! identical to independent per-synapse lanes.

mod common;

use hebb::units::rstdp_array::{ArrayParams, FactoredArray};
use hebb::units::rstdp_lane::{StepInputs, StepModel};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn factored_array_equals_per_synapse_lanes(
        lane in common::lane_params(),
        (n_pre, n_post) in (1..5usize, 1..5usize),
        seed in any::<u64>(),
        steps in proptest::collection::vec((any::<u16>(), any::<u16>(), any::<i64>(), proptest::bool::weighted(0.9)), 1..200),
    ) {
        let params = ArrayParams::new(lane, n_pre, n_post).unwrap();
        let initial = |i: usize, j: usize| seed.rotate_left((i * 7 + j) as u32) >> 30;
        let mut array = FactoredArray::new(params, initial);
        let mut lanes: Vec<Vec<StepModel>> = (0..n_pre).map(|i| (0..n_post).map(|j| StepModel::new(lane, initial(i, j))).collect()).collect();
        for (t, (pre_bits, post_bits, reward, learn_en)) in steps.into_iter().enumerate() {
            let pre: Vec<bool> = (0..n_pre).map(|i| pre_bits >> i & 1 == 1).collect();
            let post: Vec<bool> = (0..n_post).map(|j| post_bits >> j & 1 == 1).collect();
            // The rewards range over all of i64: the saturation path is exercised too.
            let reward = reward >> (seed % 40);
            array.step(&pre, &post, reward, learn_en);
            for i in 0..n_pre {
                for j in 0..n_post {
                    let s = lanes[i][j].step(StepInputs { pre: pre[i], post: post[j], reward, learn_en });
                    prop_assert_eq!((array.weight(i, j), array.eligibility(i, j)), (s.weight, s.eligibility), "synapse ({}, {}) at t={}", i, j, t);
                    prop_assert_eq!((array.pre_trace(i), array.post_trace(j)), (s.pre_trace, s.post_trace), "traces at t={}", t);
                }
            }
        }
    }
}

#[test]
fn input_current_sums_the_weights_of_spiking_pre_neurons() {
    let lane = hebb::units::rstdp_lane::LaneParams::default();
    let array = FactoredArray::new(ArrayParams::new(lane, 3, 2).unwrap(), |i, j| {
        (10 * i + j) as u64 + 1
    });
    // Weights: row 0 = [1, 2], row 1 = [11, 12], row 2 = [21, 22].
    assert_eq!(
        array.input_current(&[true, false, true]),
        vec![1 + 21, 2 + 22]
    );
    assert_eq!(array.input_current(&[false, false, false]), vec![0, 0]);
}

#[test]
fn array_sizes_are_range_checked_and_state_is_factored() {
    let lane = hebb::units::rstdp_lane::LaneParams::default();
    let err = ArrayParams::new(lane, 0, 4).unwrap_err();
    assert_eq!((err.parameter, err.value), ("n_pre", 0.into()));
    let p = ArrayParams::new(lane, 100, 10).unwrap();
    // (W + T) per synapse plus T per neuron, against W + 3T per unfactored synapse.
    assert_eq!(p.state_bits(), 1000 * (16 + 12) + 110 * 12);
    assert!(p.state_bits() < 1000 * lane.state_bits_per_synapse() as u64);
}
