//! Stochastic STDP behaviour: correlated pre/post streams potentiate,
//! anti-correlated streams depress, in the step model and bit-exactly in the
//! Verilated RTL; events fire at the fixed-point rates; parameters are checked.

use hebb::cosim::Lockstep;
use hebb::cosim::PortVector;
use hebb::design::Design;
use hebb::stochastic::{Polynomial, Source};
use hebb::units::sc_stdp::{RawStdpParams, StdpInputs, StdpParams, StdpStep, StochasticStdp};

/// splitmix64, the test's own randomness (independent of the unit's generators).
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Pre and post spike trains of rate `rate` drawn from one uniform number per
/// timestep: correlated (post = pre, SCC +1) or anti-correlated (post fires
/// exactly in the top `rate` of the range, never with pre: SCC -1).
fn streams(correlated: bool, rate: f64, steps: usize, seed: u64) -> Vec<(bool, bool)> {
    let mut s = seed;
    (0..steps)
        .map(|_| {
            let u = (splitmix(&mut s) >> 11) as f64 / (1u64 << 53) as f64;
            let pre = u < rate;
            let post = if correlated { pre } else { u >= 1.0 - rate };
            (pre, post)
        })
        .collect()
}

fn params(window: u32) -> StdpParams {
    RawStdpParams {
        weight_bits: 10,
        window,
        rand_bits: 8,
        learning_rate: 64, // 0.25
        ltd_ratio: 256,    // 1.0
        weight_step: 4,
        min_weight: 16,
        max_weight: 1000,
        reset_weight: 512,
        event_source: Source::LFSR,
        stream_source: Source::Lfsr {
            polynomial: Polynomial::Reciprocal,
            seed: 0x3ff,
        },
    }
    .try_into()
    .unwrap()
}

/// Final weight and (LTP, LTD) counts of the step model on a spike train.
fn run_model(p: &StdpParams, train: &[(bool, bool)]) -> (u64, u64, u64) {
    let mut model = StdpStep::new(p);
    let (mut ltp, mut ltd) = (0, 0);
    for &(pre, post) in train {
        let inputs = StdpInputs {
            step: true,
            pre,
            post,
        };
        let out = model.outputs(&inputs);
        ltp += u64::from(out.ltp);
        ltd += u64::from(out.ltd);
        model.step(&inputs);
    }
    (model.weight(), ltp, ltd)
}

#[test]
fn correlated_streams_potentiate_and_anti_correlated_streams_depress() {
    for window in [2, 3, 5] {
        let p = params(window);
        let start = p.raw().reset_weight;
        for seed in 1..=3 {
            let (up, ltp_c, ltd_c) = run_model(&p, &streams(true, 0.3, 4000, seed));
            let (down, ltp_a, ltd_a) = run_model(&p, &streams(false, 0.3, 4000, seed));
            println!(
                "window {window} seed {seed}: correlated {start} -> {up} (LTP {ltp_c}, LTD {ltd_c}); anti {start} -> {down} (LTP {ltp_a}, LTD {ltd_a})"
            );
            assert!(up > start + 100, "window {window}: correlated gave {up}");
            assert!(
                down + 100 < start,
                "window {window}: anti-correlated gave {down}"
            );
            // With post = pre no pre ever goes unanswered: LTD never fires.
            assert_eq!(ltd_c, 0);
            assert!(ltp_a < ltd_a);
        }
    }
}

#[test]
fn the_rtl_follows_the_model_bit_exactly_through_learning() {
    let p = params(3);
    let design = StochasticStdp::new(p);
    let mut sim = Lockstep::with_rtl(&design).unwrap();
    let mut ports = PortVector::new(&design.ports().unwrap());
    // Reset (lands at the first clock), then both trains back to back.
    ports.set("rst_ni", 0);
    sim.clock(ports.values()).unwrap();
    ports.set("rst_ni", 1);
    let mut model = StdpStep::new(&p);
    let mut trajectory = Vec::new();
    for correlated in [true, false] {
        for (pre, post) in streams(correlated, 0.3, 3000, 7) {
            let inputs = StdpInputs {
                step: true,
                pre,
                post,
            };
            ports
                .set("step_i", 1)
                .set("pre_i", pre.into())
                .set("post_i", post.into());
            sim.clock(ports.values()).unwrap_or_else(|m| panic!("{m}"));
            model.step(&inputs);
            let rtl_weight = sim.value(ports.index("weight_o"));
            assert_eq!(rtl_weight, model.weight());
            trajectory.push(rtl_weight);
        }
    }
    let start = p.raw().reset_weight;
    let peak = trajectory[2999];
    let end = *trajectory.last().unwrap();
    println!("RTL weight: {start} -> {peak} (correlated) -> {end} (anti-correlated)");
    assert!(peak > start + 100 && end + 100 < peak);
}

#[test]
fn events_fire_at_the_fixed_point_rates() {
    // Every step is an LTP candidate (post = pre = 1 after the first): the LTP
    // fraction estimates learning_rate / 2^B; with post = 0 every step is an
    // LTD candidate at floor(learning_rate * ltd_ratio / 256) / 2^B.
    let raw = RawStdpParams {
        rand_bits: 10,
        learning_rate: 300,
        ltd_ratio: 128,
        weight_step: 1,
        ..RawStdpParams::default()
    };
    let p: StdpParams = raw.try_into().unwrap();
    assert_eq!(p.ltd_threshold(), 150);
    let steps = 1023 * 4;
    let (_, ltp, _) = run_model(&p, &vec![(true, true); steps]);
    let (_, _, ltd) = run_model(&p, &vec![(true, false); steps]);
    let ltp_rate = ltp as f64 / (steps - 1) as f64;
    let ltd_rate = ltd as f64 / steps as f64;
    println!("LTP rate {ltp_rate}, LTD rate {ltd_rate}");
    assert!((ltp_rate - 300.0 / 1024.0).abs() < 0.01, "{ltp_rate}");
    assert!((ltd_rate - 150.0 / 1024.0).abs() < 0.01, "{ltd_rate}");
}

#[test]
fn weights_saturate_in_the_configured_range() {
    let p = params(2);
    let (top, _, _) = run_model(&p, &vec![(true, true); 20_000]);
    assert_eq!(top, p.raw().max_weight);
    let (bottom, _, _) = run_model(&p, &vec![(true, false); 20_000]);
    assert_eq!(bottom, p.raw().min_weight);
}

#[test]
fn bad_parameters_name_the_parameter_and_the_range() {
    let base = RawStdpParams::default();
    let cases: [(RawStdpParams, &str); 7] = [
        (RawStdpParams { window: 1, ..base }, "window"),
        (
            RawStdpParams {
                weight_bits: 40,
                ..base
            },
            "weight_bits",
        ),
        (
            RawStdpParams {
                learning_rate: 0,
                ..base
            },
            "learning_rate",
        ),
        (
            RawStdpParams {
                learning_rate: 256,
                ..base
            },
            "learning_rate",
        ),
        // 64 * 3 / 256 = 0: the LTD threshold would be zero.
        (
            RawStdpParams {
                ltd_ratio: 3,
                ..base
            },
            "ltd_ratio",
        ),
        (
            RawStdpParams {
                min_weight: 10,
                reset_weight: 5,
                ..base
            },
            "reset_weight",
        ),
        (
            RawStdpParams {
                event_source: Source::Lfsr {
                    polynomial: Polynomial::Primary,
                    seed: 0,
                },
                ..base
            },
            "event_source",
        ),
    ];
    for (raw, parameter) in cases {
        let err = StdpParams::try_from(raw).unwrap_err();
        assert_eq!(err.parameter, parameter, "{err}");
        assert!(err.to_string().contains("allowed"), "{err}");
    }
}

#[test]
fn real_learning_rates_convert_to_the_nearest_integer() {
    assert_eq!(StdpParams::learning_rate_for(0.25, 8), Ok(64));
    assert_eq!(StdpParams::learning_rate_for(0.1, 10), Ok(102)); // 102.4
    assert_eq!(StdpParams::learning_rate_for(1.0, 8), Ok(255)); // 1.0 is not representable
    assert_eq!(StdpParams::learning_rate_for(-0.5, 8), Ok(0));
    assert_eq!(StdpParams::learning_rate_for(0.5, 32), Ok(1 << 31));
    assert_eq!(StdpParams::learning_rate_for(2.0, 32), Ok(u32::MAX.into()));
}

/// rand_bits outside 3..=32 is an error, not a shift overflow.
#[test]
fn learning_rate_conversion_rejects_unsupported_rand_bits() {
    for bits in [0, 2, 33, 64, 200] {
        let e = StdpParams::learning_rate_for(0.25, bits).unwrap_err();
        assert_eq!((e.parameter, e.value), ("rand_bits", bits.into()));
        assert_eq!(
            e.to_string(),
            format!("parameter `rand_bits` = {bits} is out of range: allowed 3..=32")
        );
    }
}
