//! The cycle model equals the step model at every timestep boundary, and
//! parameters are validated with errors that name what is wrong.

mod common;

use hebb::units::rstdp_lane::driver::{LaneCycle, LaneDriver};
use hebb::units::rstdp_lane::{LaneParams, LaneState, RawLaneParams, StepInputs, StepModel};
use proptest::prelude::*;

/// What the step model says the lane holds after `cycle`, given it held `model` before.
fn expected_after(model: &mut StepModel, params: LaneParams, cycle: &LaneCycle) -> LaneState {
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
    model.state()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    // With `pipeline` = N, weight_o after clock i shows the step model's
    // weight after clock i - N (reset_weight while a reset is less than N + 1
    // clocks back: a reset drops the timesteps in flight); traces and
    // eligibility show at once.
    #[test]
    fn cycle_model_equals_step_model_at_every_timestep((params, cycles) in common::lane_case(300)) {
        let mut lane = LaneDriver::new(params, false).unwrap();
        let mut model = StepModel::from_reset(params);
        let latency = params.pipeline() as usize;
        let mut history = Vec::new();
        let mut last_reset = 0;
        for (i, cycle) in cycles.iter().enumerate() {
            let mut expected = expected_after(&mut model, params, cycle);
            history.push(expected);
            if !cycle.rst_n {
                last_reset = i;
            }
            expected.weight = if i - last_reset < latency {
                params.reset_weight()
            } else {
                history[i - latency].weight
            };
            let actual = lane.apply(cycle).unwrap();
            prop_assert_eq!(actual, expected, "clock {} ({:?}) under {:?}", i, cycle, params);
        }
    }

    #[test]
    fn software_api_saturates_rewards(raw in any::<i64>()) {
        // A raw reward beyond R bits acts as RMIN or RMAX.
        let p = LaneParams::default();
        let mut a = StepModel::new(p, 30000);
        let mut b = StepModel::new(p, 30000);
        a.step(StepInputs { pre: true, post: false, reward: 0, learn_en: true });
        b.step(StepInputs { pre: true, post: false, reward: 0, learn_en: true });
        let inputs = StepInputs { pre: true, post: true, reward: raw, learn_en: true };
        let clamped = StepInputs { reward: raw.clamp(p.min_reward(), p.max_reward()), ..inputs };
        prop_assert_eq!(a.step(inputs), b.step(clamped));
    }
}

#[test]
fn every_parameter_is_range_checked_by_name() {
    let base = RawLaneParams::default();
    let cases: [(&str, RawLaneParams, &str); 11] = [
        (
            "weight_bits",
            RawLaneParams {
                weight_bits: 0,
                ..base
            },
            "1..=32",
        ),
        (
            "weight_bits",
            RawLaneParams {
                weight_bits: 33,
                ..base
            },
            "1..=32",
        ),
        (
            "trace_bits",
            RawLaneParams {
                trace_bits: 1,
                ..base
            },
            "2..=30",
        ),
        (
            "trace_bits",
            RawLaneParams {
                trace_bits: 31,
                ..base
            },
            "2..=30",
        ),
        (
            "reward_bits",
            RawLaneParams {
                reward_bits: 0,
                ..base
            },
            "1..=30",
        ),
        (
            "reward_bits",
            RawLaneParams {
                reward_bits: 31,
                ..base
            },
            "1..=30",
        ),
        (
            "learning_shift",
            RawLaneParams {
                learning_shift: 61,
                ..base
            },
            "0..=60",
        ),
        (
            "trace_decay_shift",
            RawLaneParams {
                trace_decay_shift: 31,
                ..base
            },
            "0..=30",
        ),
        (
            "reset_weight",
            RawLaneParams {
                reset_weight: 65536,
                ..base
            },
            "0..=65535",
        ),
        (
            "reset_weight",
            RawLaneParams {
                weight_bits: 1,
                reset_weight: 2,
                ..base
            },
            "0..=1",
        ),
        (
            "weight_bits",
            RawLaneParams {
                weight_bits: u32::MAX,
                ..base
            },
            "1..=32",
        ),
    ];
    for (name, raw, allowed) in cases {
        let err = LaneParams::try_from(raw).expect_err(name);
        assert_eq!(err.parameter, name);
        assert_eq!(err.allowed, allowed);
        let message = err.to_string();
        assert!(
            message.contains(name) && message.contains(allowed),
            "{message}"
        );
    }
    // The edges themselves are accepted.
    for (w, t, r, l, d) in [(1, 2, 1, 0, 0), (32, 30, 30, 60, 30)] {
        LaneParams::new(w, t, r, l, d).unwrap();
    }
}

#[test]
fn spec_properties_of_the_rule_hold() {
    let p = LaneParams::default();
    // With D > 0 a trace below 2^D never decays further: the defaults settle at 15.
    let mut m = StepModel::new(p, 0);
    m.step(StepInputs {
        pre: true,
        post: false,
        reward: 0,
        learn_en: true,
    });
    for _ in 0..200 {
        m.step(StepInputs {
            pre: false,
            post: false,
            reward: 0,
            learn_en: true,
        });
    }
    assert_eq!(m.state().pre_trace, 15);
    // Pre, then post a step later: potentiation by the whole pre trace (4095)
    // saturates eligibility at EMAX; >> floors, so -2047 >> 4 is -128, not -127.
    let mut m = StepModel::new(p, 1000);
    m.step(StepInputs {
        pre: true,
        post: false,
        reward: 0,
        learn_en: true,
    });
    let after = m.step(StepInputs {
        pre: false,
        post: true,
        reward: -1,
        learn_en: true,
    });
    assert_eq!(after.eligibility, 2047);
    assert_eq!(after.weight, 1000 - 128);
    // learn_en = 0 freezes the weight while eligibility keeps running.
    let frozen = m.step(StepInputs {
        pre: false,
        post: true,
        reward: 127,
        learn_en: false,
    });
    assert_eq!(frozen.weight, after.weight);
    assert_ne!(frozen.eligibility, 0);
}
