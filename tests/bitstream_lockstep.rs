//! Every bitstream unit: the Verilated RTL equals the cycle model at every
//! half clock (all ports, via `Lockstep`), and the cycle model's ports equal
//! the step model's outputs after every clock. proptest picks parameters and
//! stimuli (with occasional asynchronous resets) and shrinks failures.
//!
//! Each RTL case verilates one design (cached by content in ~/.cache/hebb),
//! so the RTL properties run few cases; the model-only properties run many.

// Failures are cut after their first divergent cycle before shrinking.
#[path = "common/cut.rs"]
mod cut;

use hebb::cosim::Lockstep;
use hebb::cosim::PortVector;
use hebb::design::{Design, mask};
use hebb::stochastic::{Polynomial, Source};
use hebb::units::sc_decoder::{Decoder, DecoderParams, DecoderStep};
use hebb::units::sc_dot_product::{Combine, DotInputs, DotParams, DotProduct, DotStep};
use hebb::units::sc_sng::{Sng, SngParams, SngStep};
use hebb::units::sc_stdp::{RawStdpParams, StdpInputs, StdpParams, StdpStep, StochasticStdp};
use hebb::units::sc_synapse::{Synapse, SynapseInputs, SynapseParams, SynapseStep};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

use cut::{CutAtDivergence, run_until_divergence};

const RTL_CASES: u32 = 8;
const MODEL_CASES: u32 = 48;

/// RTL properties use a fixed seed: the same few designs every run, so the
/// Verilator cache stays bounded (model-only properties explore freely).
fn rtl_config() -> Config {
    Config {
        cases: RTL_CASES,
        rng_seed: RngSeed::Fixed(0x6865_6262_0003),
        ..Config::default()
    }
}

fn source(width: u32) -> BoxedStrategy<Source> {
    prop_oneof![
        (
            prop_oneof![Just(Polynomial::Primary), Just(Polynomial::Reciprocal)],
            1..=mask(width)
        )
            .prop_map(|(polynomial, seed)| Source::Lfsr { polynomial, seed }),
        (1u32..=8).prop_map(Source::sobol),
    ]
    .boxed()
}

fn sim(design: &dyn Design, rtl: bool) -> Lockstep {
    if rtl {
        Lockstep::with_rtl(design).unwrap()
    } else {
        Lockstep::model_only(design).unwrap()
    }
}

/// One clock through the lockstep; a mismatch fails the case (and shrinks).
fn clock(sim: &mut Lockstep, ports: &PortVector) -> Result<(), TestCaseError> {
    sim.clock(ports.values())
        .map_err(|m| TestCaseError::fail(m.to_string()))
}

fn port(sim: &Lockstep, ports: &PortVector, name: &str) -> u64 {
    sim.value(ports.index(name))
}

/// A reset at the first clock (the RTL's registers start unknown), then now
/// and then (about one clock in 64), else running.
fn reset_flags(len: usize) -> impl Strategy<Value = Vec<bool>> {
    prop::collection::vec(prop::bool::weighted(0.985), len).prop_map(|mut flags| {
        flags[0] = false;
        flags
    })
}

// ---------------------------------------------------------------- SNG

fn sng_params() -> impl Strategy<Value = SngParams> {
    (3u32..=32)
        .prop_flat_map(|w| (Just(w), source(w)))
        .prop_map(|(w, s)| SngParams::new(w, s).unwrap())
}

fn sng_run(
    params: SngParams,
    stimulus: &[(bool, bool, u64)],
    rtl: bool,
) -> Result<(), TestCaseError> {
    let design = Sng::new(params);
    let mut sim = sim(&design, rtl);
    let mut ports = PortVector::new(&design.ports().unwrap());
    let mut step = SngStep::new(&params);
    run_until_divergence(
        stimulus,
        |cycle, &(rst_n, en, value)| -> Result<(), TestCaseError> {
            if rst_n {
                step.step(en);
            } else {
                step = SngStep::new(&params);
            }
            // A quarter of the values equal this cycle's number (the step
            // model's): the comparator's edge, which uniform values almost never hit.
            let value = if value % 4 == 1 {
                step.outputs(0).rand
            } else {
                value & mask(params.width())
            };
            ports
                .set("rst_ni", rst_n.into())
                .set("en_i", en.into())
                .set("value_i", value);
            clock(&mut sim, &ports)?;
            let expected = step.outputs(value);
            prop_assert_eq!(
                port(&sim, &ports, "bit_o"),
                u64::from(expected.bit),
                "cycle {}",
                cycle
            );
            prop_assert_eq!(
                port(&sim, &ports, "rand_o"),
                expected.rand,
                "cycle {}",
                cycle
            );
            Ok(())
        },
    )
}

fn sng_stimulus() -> impl Strategy<Value = Vec<(bool, bool, u64)>> {
    (
        reset_flags(300),
        prop::collection::vec((prop::bool::weighted(0.9), any::<u64>()), 300),
    )
        .prop_map(|(r, s)| r.into_iter().zip(s).map(|(r, (e, v))| (r, e, v)).collect())
}

proptest! {
    #![proptest_config(rtl_config())]
    #[test]
    fn sng_rtl_equals_cycle_model_equals_step_model((params, stimulus) in CutAtDivergence((sng_params(), sng_stimulus()))) {
        sng_run(params, &stimulus, true)?;
    }
}

proptest! {
    #![proptest_config(Config { cases: MODEL_CASES, ..Config::default() })]
    #[test]
    fn sng_cycle_model_equals_step_model((params, stimulus) in CutAtDivergence((sng_params(), sng_stimulus()))) {
        sng_run(params, &stimulus, false)?;
    }
}

// ---------------------------------------------------------------- synapse

fn synapse_params() -> impl Strategy<Value = SynapseParams> {
    (3u32..=32)
        .prop_flat_map(|w| (Just(w), source(w), 0..=mask(w)))
        .prop_map(|(w, s, r)| SynapseParams::new(w, s, r).unwrap())
}

type SynapseCycle = (bool, SynapseInputs);

fn synapse_stimulus() -> impl Strategy<Value = Vec<SynapseCycle>> {
    (
        reset_flags(300),
        prop::collection::vec(
            (
                any::<bool>(),
                any::<bool>(),
                prop::bool::weighted(0.05),
                any::<u64>(),
            ),
            300,
        ),
    )
        .prop_map(|(r, s)| {
            r.into_iter()
                .zip(s)
                .map(|(r, (en, pre, update_weight, weight_value))| {
                    (
                        r,
                        SynapseInputs {
                            en,
                            pre,
                            update_weight,
                            weight_value,
                        },
                    )
                })
                .collect()
        })
}

fn synapse_run(
    params: SynapseParams,
    stimulus: &[SynapseCycle],
    rtl: bool,
) -> Result<(), TestCaseError> {
    let design = Synapse::new(params);
    let mut sim = sim(&design, rtl);
    let mut ports = PortVector::new(&design.ports().unwrap());
    let mut step = SynapseStep::new(&params);
    run_until_divergence(
        stimulus,
        |cycle, (rst_n, inputs)| -> Result<(), TestCaseError> {
            let mut inputs = *inputs;
            inputs.weight_value &= mask(params.width());
            ports
                .set("rst_ni", (*rst_n).into())
                .set("en_i", inputs.en.into())
                .set("pre_i", inputs.pre.into())
                .set("update_weight_i", inputs.update_weight.into())
                .set("weight_value_i", inputs.weight_value);
            clock(&mut sim, &ports)?;
            if *rst_n {
                step.step(&inputs);
            } else {
                step = SynapseStep::new(&params);
            }
            let e = step.outputs(&inputs);
            prop_assert_eq!(
                port(&sim, &ports, "post_o"),
                u64::from(e.post),
                "cycle {}",
                cycle
            );
            prop_assert_eq!(
                port(&sim, &ports, "weight_bit_o"),
                u64::from(e.weight_bit),
                "cycle {}",
                cycle
            );
            prop_assert_eq!(port(&sim, &ports, "weight_o"), e.weight, "cycle {}", cycle);
            Ok(())
        },
    )
}

proptest! {
    #![proptest_config(rtl_config())]
    #[test]
    fn synapse_rtl_equals_cycle_model_equals_step_model((params, stimulus) in CutAtDivergence((synapse_params(), synapse_stimulus()))) {
        synapse_run(params, &stimulus, true)?;
    }
}

proptest! {
    #![proptest_config(Config { cases: MODEL_CASES, ..Config::default() })]
    #[test]
    fn synapse_cycle_model_equals_step_model((params, stimulus) in CutAtDivergence((synapse_params(), synapse_stimulus()))) {
        synapse_run(params, &stimulus, false)?;
    }
}

// ---------------------------------------------------------------- decoder

fn decoder_params() -> impl Strategy<Value = DecoderParams> {
    prop_oneof![1u64..=8, 9u64..=200, Just(1 << 24)].prop_map(|l| DecoderParams::new(l).unwrap())
}

fn decoder_run(
    params: DecoderParams,
    stimulus: &[(bool, bool, bool)],
    rtl: bool,
) -> Result<(), TestCaseError> {
    let design = Decoder::new(params);
    let mut sim = sim(&design, rtl);
    let mut ports = PortVector::new(&design.ports().unwrap());
    let mut step = DecoderStep::new(&params);
    run_until_divergence(
        stimulus,
        |cycle, &(rst_n, en, bit)| -> Result<(), TestCaseError> {
            ports
                .set("rst_ni", rst_n.into())
                .set("en_i", en.into())
                .set("bit_i", bit.into());
            clock(&mut sim, &ports)?;
            if rst_n {
                step.step(en, bit);
            } else {
                step = DecoderStep::new(&params);
            }
            let e = step.outputs();
            prop_assert_eq!(port(&sim, &ports, "count_o"), e.count, "cycle {}", cycle);
            prop_assert_eq!(
                port(&sim, &ports, "valid_o"),
                u64::from(e.valid),
                "cycle {}",
                cycle
            );
            Ok(())
        },
    )
}

fn decoder_stimulus() -> impl Strategy<Value = Vec<(bool, bool, bool)>> {
    (
        reset_flags(500),
        prop::collection::vec((prop::bool::weighted(0.9), any::<bool>()), 500),
    )
        .prop_map(|(r, s)| r.into_iter().zip(s).map(|(r, (e, b))| (r, e, b)).collect())
}

proptest! {
    #![proptest_config(rtl_config())]
    #[test]
    fn decoder_rtl_equals_cycle_model_equals_step_model((params, stimulus) in CutAtDivergence((decoder_params(), decoder_stimulus()))) {
        decoder_run(params, &stimulus, true)?;
    }
}

proptest! {
    #![proptest_config(Config { cases: MODEL_CASES, ..Config::default() })]
    #[test]
    fn decoder_cycle_model_equals_step_model((params, stimulus) in CutAtDivergence((decoder_params(), decoder_stimulus()))) {
        decoder_run(params, &stimulus, false)?;
    }
}

// ---------------------------------------------------------------- dot product

/// Dot-product parameters; `long_windows` adds windows up to the largest
/// (model-only: the RTL properties keep to short ones).
fn dot_params(long_windows: bool) -> impl Strategy<Value = DotParams> {
    let window = if long_windows {
        prop_oneof![1u64..=4, 5u64..=80, 81u64..=1 << 24, Just(1 << 24)].boxed()
    } else {
        prop_oneof![1u64..=4, 5u64..=80].boxed()
    };
    (2u32..=8)
        .prop_flat_map(|n| (Just(n), 3u32..=(64 / n).min(32)))
        .prop_flat_map(move |(n, w)| {
            (
                Just(n),
                Just(w),
                prop_oneof![Just(Combine::Popcount), Just(Combine::Mux)],
                window.clone(),
                (source(w), source(w), source(w)),
                prop::collection::vec(0..=mask(w), 0..=n as usize),
            )
        })
        .prop_map(|(n, w, c, l, (xs, ws, ss), reset)| {
            DotParams::new(n, w, c, l, xs, ws, ss, &reset).unwrap()
        })
}

type DotCycle = (bool, DotInputs);

fn dot_stimulus() -> impl Strategy<Value = Vec<DotCycle>> {
    (
        reset_flags(400),
        prop::collection::vec(
            (
                prop::bool::weighted(0.9),
                any::<u64>(),
                prop::bool::weighted(0.05),
                0u64..16,
                any::<u64>(),
            ),
            400,
        ),
    )
        .prop_map(|(r, s)| {
            r.into_iter()
                .zip(s)
                .map(|(r, (en, x, update_weight, update_index, weight_value))| {
                    (
                        r,
                        DotInputs {
                            en,
                            x,
                            update_weight,
                            update_index,
                            weight_value,
                        },
                    )
                })
                .collect()
        })
}

fn dot_run(params: DotParams, stimulus: &[DotCycle], rtl: bool) -> Result<(), TestCaseError> {
    let design = DotProduct::new(params);
    let mut sim = sim(&design, rtl);
    let mut ports = PortVector::new(&design.ports().unwrap());
    let mut step = DotStep::new(&params);
    let (n, w) = (params.inputs(), params.width());
    // Keep x constant over stretches so that windows decode real values.
    let mut x = 0;
    run_until_divergence(
        stimulus,
        |cycle, (rst_n, inputs)| -> Result<(), TestCaseError> {
            let mut inputs = *inputs;
            if cycle % 50 == 0 {
                x = inputs.x & mask(n * w);
            }
            inputs.x = x;
            inputs.weight_value &= mask(w);
            inputs.update_index &= mask(params.index_bits());
            ports
                .set("rst_ni", (*rst_n).into())
                .set("en_i", inputs.en.into())
                .set("x_i", inputs.x)
                .set("update_weight_i", inputs.update_weight.into())
                .set("update_index_i", inputs.update_index)
                .set("weight_value_i", inputs.weight_value);
            clock(&mut sim, &ports)?;
            if *rst_n {
                step.step(&inputs);
            } else {
                step = DotStep::new(&params);
            }
            let e = step.outputs(&inputs);
            prop_assert_eq!(port(&sim, &ports, "sum_o"), e.sum, "cycle {}", cycle);
            prop_assert_eq!(
                port(&sim, &ports, "valid_o"),
                u64::from(e.valid),
                "cycle {}",
                cycle
            );
            prop_assert_eq!(port(&sim, &ports, "stream_o"), e.stream, "cycle {}", cycle);
            Ok(())
        },
    )
}

proptest! {
    #![proptest_config(rtl_config())]
    #[test]
    fn dot_product_rtl_equals_cycle_model_equals_step_model((params, stimulus) in CutAtDivergence((dot_params(false), dot_stimulus()))) {
        dot_run(params, &stimulus, true)?;
    }
}

proptest! {
    #![proptest_config(Config { cases: MODEL_CASES, ..Config::default() })]
    #[test]
    fn dot_product_cycle_model_equals_step_model((params, stimulus) in CutAtDivergence((dot_params(true), dot_stimulus()))) {
        dot_run(params, &stimulus, false)?;
    }
}

// ---------------------------------------------------------------- STDP

/// STDP parameters with weight and rand widths up to `max_bits` (16 for the
/// RTL properties, which verilate each design; the whole 3..=32 for the
/// model-only ones).
fn stdp_params_up_to(max_bits: u32) -> impl Strategy<Value = StdpParams> {
    (3u32..=max_bits, 3u32..=max_bits, 2u32..=33)
        .prop_flat_map(|(w, b, window)| {
            (
                Just((w, b, window)),
                1..=mask(b),
                1..=mask(w),
                (0..=mask(w), 0..=mask(w), 0u64..=1 << 20),
                source(b),
                source(w),
            )
        })
        .prop_flat_map(|((w, b, window), lr, step, (a, c, r), es, ss)| {
            let min_ratio = 256u64.div_ceil(lr) as u32;
            (
                Just((w, b, window, lr, step, a.min(c), a.max(c), r, es, ss)),
                min_ratio..=min_ratio.max(1024),
            )
        })
        .prop_map(|((w, b, window, lr, step, lo, hi, r, es, ss), ratio)| {
            RawStdpParams {
                weight_bits: w,
                window,
                rand_bits: b,
                learning_rate: lr,
                ltd_ratio: ratio,
                weight_step: step,
                min_weight: lo,
                max_weight: hi,
                reset_weight: lo + r % (hi - lo + 1),
                event_source: es,
                stream_source: ss,
            }
            .try_into()
            .unwrap()
        })
}

type StdpCycle = (bool, StdpInputs);

fn stdp_stimulus() -> impl Strategy<Value = Vec<StdpCycle>> {
    (
        reset_flags(400),
        prop::collection::vec(
            (prop::bool::weighted(0.8), any::<bool>(), any::<bool>()),
            400,
        ),
    )
        .prop_map(|(r, s)| {
            r.into_iter()
                .zip(s)
                .map(|(r, (step, pre, post))| (r, StdpInputs { step, pre, post }))
                .collect()
        })
}

fn stdp_run(params: StdpParams, stimulus: &[StdpCycle], rtl: bool) -> Result<(), TestCaseError> {
    let design = StochasticStdp::new(params);
    let mut sim = sim(&design, rtl);
    let mut ports = PortVector::new(&design.ports().unwrap());
    let mut step = StdpStep::new(&params);
    run_until_divergence(
        stimulus,
        |cycle, (rst_n, inputs)| -> Result<(), TestCaseError> {
            ports
                .set("rst_ni", (*rst_n).into())
                .set("step_i", inputs.step.into())
                .set("pre_i", inputs.pre.into())
                .set("post_i", inputs.post.into());
            clock(&mut sim, &ports)?;
            if *rst_n {
                step.step(inputs);
            } else {
                step = StdpStep::new(&params);
            }
            let e = step.outputs(inputs);
            prop_assert_eq!(port(&sim, &ports, "weight_o"), e.weight, "cycle {}", cycle);
            prop_assert_eq!(
                port(&sim, &ports, "weight_bit_o"),
                u64::from(e.weight_bit),
                "cycle {}",
                cycle
            );
            prop_assert_eq!(
                port(&sim, &ports, "out_o"),
                u64::from(e.out),
                "cycle {}",
                cycle
            );
            prop_assert_eq!(
                port(&sim, &ports, "ltp_o"),
                u64::from(e.ltp),
                "cycle {}",
                cycle
            );
            prop_assert_eq!(
                port(&sim, &ports, "ltd_o"),
                u64::from(e.ltd),
                "cycle {}",
                cycle
            );
            Ok(())
        },
    )
}

proptest! {
    #![proptest_config(rtl_config())]
    #[test]
    fn stdp_rtl_equals_cycle_model_equals_step_model((params, stimulus) in CutAtDivergence((stdp_params_up_to(16), stdp_stimulus()))) {
        stdp_run(params, &stimulus, true)?;
    }
}

proptest! {
    #![proptest_config(Config { cases: MODEL_CASES, ..Config::default() })]
    #[test]
    fn stdp_cycle_model_equals_step_model((params, stimulus) in CutAtDivergence((stdp_params_up_to(32), stdp_stimulus()))) {
        stdp_run(params, &stimulus, false)?;
    }
}
