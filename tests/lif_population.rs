//! The LIF population with homeostatic thresholds: its RTL equals its cycle
//! model at every clock (Verilator lockstep), both equal the hand-written
//! step model at every timestep (spikes, every neuron's membrane, threshold,
//! count and refractory counter, the learning shift), and the real-valued
//! parameters convert exactly or fail naming the value.

use hebb::design::Design;
use hebb::error::ParamValue;
use hebb::tools::gates::{iverilog_2005, verilator_lint};
use hebb::units::lif_population::describe::{WRITE_BACK_STAGE, busy_clocks_after_window};
use hebb::units::lif_population::driver::{PopulationDriver, random_session};
use hebb::units::lif_population::{
    LifPopulation, PopulationModel, PopulationParams, RawPopulationParams,
};
use proptest::prelude::*;
use proptest::test_runner::{RngSeed, TestCaseError};

fn params(edit: impl FnOnce(&mut RawPopulationParams)) -> PopulationParams {
    let mut raw = RawPopulationParams::default();
    edit(&mut raw);
    PopulationParams::try_from(raw).expect("test parameters are valid")
}

fn session(p: PopulationParams, with_rtl: bool, timesteps: u64, seed: u64) -> Result<(), String> {
    let describe = LifPopulation { params: p }.describe();
    let fail = |e: hebb::error::Error| format!("{e}\nunder {describe}, seed {seed}");
    let mut driver = PopulationDriver::new(p, with_rtl).map_err(fail)?;
    random_session(&mut driver, timesteps, seed).map_err(fail)?;
    driver.finish().map_err(fail)
}

/// Corners: one neuron, no leak, no refractory period, whole-number
/// membranes, a window of one timestep, narrow widths, a learning shift
/// that saturates, thresholds pinned at their bounds.
fn corners() -> Vec<(&'static str, PopulationParams)> {
    vec![
        ("defaults", params(|_| {})),
        (
            "one neuron, window 1",
            params(|r| {
                r.neurons = 1;
                r.window = 1;
                r.target_rate = 0.5;
            }),
        ),
        (
            "no leak, no refractory, F = 0",
            params(|r| {
                r.leak_time_constant = 0.0;
                r.refractory = 0;
                r.fraction_bits = 0;
                r.threshold_init = 300.0;
                r.threshold_step = 7.0;
            }),
        ),
        (
            "narrow: C = 3, V = 6",
            params(|r| {
                r.neurons = 5;
                r.current_bits = 3;
                r.membrane_bits = 6;
                r.fraction_bits = 1;
                r.leak_time_constant = 2.0;
                r.threshold_init = 4.0;
                r.threshold_min = 0.5;
                r.threshold_max = 15.5;
                r.threshold_step = 0.5;
                r.window = 8;
                r.target_rate = 0.25;
                r.tolerance = 0.0;
                r.variance_bound = 0.0;
                r.learning_shift_base = 0;
                r.learning_shift_max = 2;
            }),
        ),
        (
            "two neurons, long refractory, tight band",
            params(|r| {
                r.neurons = 2;
                r.refractory = 15;
                r.window = 16;
                r.tolerance = 0.0;
                r.threshold_step = 2048.0;
            }),
        ),
    ]
}

#[test]
fn corners_equal_the_step_model_in_lockstep_with_the_rtl() {
    for (name, p) in corners() {
        let design = LifPopulation { params: p };
        verilator_lint(&design).unwrap_or_else(|e| panic!("{name}: {e}"));
        iverilog_2005(&design).unwrap_or_else(|e| panic!("{name}: {e}"));
        session(p, true, 3 * u64::from(p.window) + 5, 7).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

fn real_in(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (0u32..=1000).prop_map(move |k| lo + (hi - lo) * f64::from(k) / 1000.0)
}

prop_compose! {
    fn any_params()(
        neurons in 1u32..=12,
        current_bits in 1u32..=12,
        extra in 2u32..=6,
        fraction_bits in 0u32..=3,
        leak in prop_oneof![Just(0u32), 1u32..=4],
        refractory in 0u32..=4,
        window in 1u32..=12,
        target_rate in real_in(0.01, 1.0),
        tolerance in real_in(0.0, 0.9),
        variance_bound in real_in(0.0, 20.0),
        base in 0u32..=3,
        span in 0u32..=3,
        init_frac in real_in(0.0, 1.0),
        step_frac in real_in(0.0, 0.3),
    ) -> PopulationParams {
        let membrane_bits = current_bits + fraction_bits + extra;
        let unit = 1.0 / f64::from(1u32 << fraction_bits);
        let max = ((1u64 << (membrane_bits - 1)) - 1) as f64 * unit;
        let snap = |x: f64| ((x / unit).floor() * unit).clamp(unit, max);
        let init = snap(unit + (max - unit) * init_frac);
        let raw = RawPopulationParams {
            neurons,
            current_bits,
            membrane_bits,
            fraction_bits,
            leak_time_constant: if leak == 0 { 0.0 } else { f64::from(1u32 << leak.min(membrane_bits - 2)) },
            refractory,
            threshold_init: init,
            threshold_min: unit,
            threshold_max: max,
            threshold_step: snap(max * step_frac),
            window,
            target_rate,
            tolerance,
            variance_bound,
            learning_shift_base: base,
            learning_shift_max: base + span,
        };
        PopulationParams::try_from(raw).expect("the strategy stays valid")
    }
}

proptest! {
    // Each case is a Verilator build (cached); the fixed seed keeps the set.
    #![proptest_config(ProptestConfig {
        cases: 8,
        max_shrink_iters: 32,
        rng_seed: if std::env::var_os("PROPTEST_RNG_SEED").is_some() { ProptestConfig::default().rng_seed } else { RngSeed::Fixed(0x6865_6262_0010) },
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_parameters_equal_the_step_model_in_lockstep_with_the_rtl(p in any_params(), seed in any::<u64>()) {
        session(p, true, 4 * u64::from(p.window) + 3, seed).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_parameters_equal_the_step_model_in_the_cycle_model(p in any_params(), seed in any::<u64>()) {
        session(p, false, 6 * u64::from(p.window) + 3, seed).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn bounds_are_derived_exactly_from_the_real_parameters() {
    // r = 1/8, tolerance 1/4, M = 64: lo = floor(6.0) = 6, hi = ceil(10.0) = 10.
    let p = params(|_| {});
    assert_eq!((p.lo, p.hi), (6, 10));
    assert_eq!((p.population_lo(), p.population_hi()), (96, 160));
    // N = 16, V = 16: floor(256 * 16) = 4096.
    assert_eq!(p.variance_limit, 4096);
    // r = 0.1, tolerance 0.3, M = 50: 0.1 * 0.7 * 50 = 3.5 -> 3; 0.1 * 1.3 * 50 = 6.5 -> 7.
    let p = params(|r| {
        r.target_rate = 0.1;
        r.tolerance = 0.3;
        r.window = 50;
        r.variance_bound = 0.5;
        r.neurons = 3;
    });
    assert_eq!((p.lo, p.hi), (3, 7));
    assert_eq!(p.variance_limit, 4); // floor(9 * 0.5)
    // Thresholds in membrane units: 256 current units x 2^4.
    assert_eq!(params(|_| {}).threshold_init, 4096);
}

#[test]
fn a_real_value_the_format_cannot_hold_is_an_error_naming_it() {
    let err = |edit: fn(&mut RawPopulationParams)| {
        let mut raw = RawPopulationParams::default();
        edit(&mut raw);
        PopulationParams::try_from(raw).unwrap_err()
    };
    let e = err(|r| r.threshold_init = 10.3);
    assert_eq!(
        (e.parameter, e.value),
        ("threshold_init", ParamValue::Real(10.3))
    );
    assert!(e.to_string().contains("nearest 10.25 or 10.3125"), "{e}");
    let e = err(|r| r.leak_time_constant = 20.0);
    assert_eq!(e.parameter, "leak_time_constant");
    assert!(
        e.to_string()
            .contains("= 20 is out of range: allowed 0 (no leak) or a power of two"),
        "{e}"
    );
    let e = err(|r| r.target_rate = 0.0);
    assert_eq!(e.parameter, "target_rate");
    let e = err(|r| r.tolerance = 1.0);
    assert_eq!(e.parameter, "tolerance");
    let e = err(|r| r.membrane_bits = 20);
    assert_eq!(e.parameter, "membrane_bits");
    assert!(
        e.to_string().contains("current_bits + fraction_bits = 20"),
        "{e}"
    );
    let e = err(|r| r.threshold_init = 0.5);
    assert_eq!(e.parameter, "threshold_init");
    let e = err(|r| r.learning_shift_max = 2);
    assert_eq!(e.parameter, "learning_shift_max");
}

/// The protocol of docs/spec.md §3.5: spikes_valid_o the clock after the
/// last neuron's write-back; busy_o after a window end for the last update
/// and the pass; otherwise only while, with few neurons, the next
/// timestep's first neuron is still in the pipeline.
#[test]
fn spikes_and_busy_come_when_the_spec_says() {
    for neurons in [1, 2, 6, 7, 16] {
        let p = params(|r| {
            r.neurons = neurons;
            r.window = 3;
        });
        let mut driver = PopulationDriver::new(p, false).unwrap();
        let mut model = PopulationModel::new(p);
        for t in 1..=7u32 {
            let currents: Vec<u64> = (0..u64::from(neurons)).map(|j| 300 * j).collect();
            assert_eq!(driver.step(&currents).unwrap(), model.step(&currents));
            let clocks = driver.last_step_clocks();
            let expected_busy = if t % p.window == 0 {
                busy_clocks_after_window(&p)
            } else {
                (WRITE_BACK_STAGE + 1).saturating_sub(neurons)
            };
            assert_eq!(
                (clocks.spikes_valid, clocks.busy_until),
                (WRITE_BACK_STAGE as usize + 1, expected_busy as usize),
                "N = {neurons}, timestep {t}"
            );
        }
        driver.compare(&model, 7).unwrap();
    }
}

/// The step model can fail the comparison: a model that never adapts.
#[test]
fn a_model_that_does_not_adapt_is_caught() {
    let p = params(|r| {
        r.neurons = 2;
        r.window = 2;
    });
    let mut driver = PopulationDriver::new(p, false).unwrap();
    let frozen = params(|r| {
        r.neurons = 2;
        r.window = 1000;
    });
    let mut model = PopulationModel::new(frozen);
    for t in 1..=4 {
        let currents = [1000, 0];
        model.step(&currents);
        driver.step(&currents).unwrap();
        if let Err(e) = driver.compare(&model, t) {
            assert!(e.to_string().contains("neuron"), "{e}");
            return;
        }
    }
    panic!("a model without window ends agreed with the population");
}
