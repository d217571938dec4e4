//! The plastic core: its RTL equals its cycle model at every clock
//! (Verilator lockstep); both equal the core's step model (the array's and
//! the population's hand-written step models, joined as docs/spec.md §4
//! states) at every timestep: the currents, the spikes, and every synapse,
//! neuron and the learning shift at the compared timesteps. Faults planted
//! in the wiring are caught; parameters that disagree are errors naming
//! both keys.

use std::sync::Arc;

use hebb::design::Design;
use hebb::error::Result;
use hebb::hdl::{Expr, Item, Module, lit};
use hebb::tools::gates::{iverilog_2005, verilator_lint};
use hebb::units::lif_population::RawPopulationParams;
use hebb::units::plastic_core::driver::{CoreDriver, SessionPlan, random_session};
use hebb::units::plastic_core::{CoreConfig, PlasticCore, RawCoreParams};
use hebb::units::rstdp_array::RawArrayParams;
use proptest::prelude::*;
use proptest::test_runner::{RngSeed, TestCaseError};

/// A core of this array whose population agrees with it (one neuron per
/// post neuron, the array's current width, the learning shift starting at
/// the array's L), thresholds scaled to the array's largest current.
fn core(array: RawArrayParams, edit: impl FnOnce(&mut RawPopulationParams)) -> CoreConfig {
    let array_config = hebb::units::rstdp_array::ArrayConfig::try_from(array).expect("valid array");
    let current_bits = array_config.current_bits();
    let max_current = array_config.max_current() as f64;
    let mut population = RawPopulationParams {
        neurons: array.n_post as u32,
        current_bits,
        membrane_bits: current_bits + 4 + 3,
        fraction_bits: 4,
        threshold_init: (max_current / 4.0).floor().max(1.0),
        threshold_min: 1.0,
        threshold_max: max_current * 3.0,
        threshold_step: (max_current / 32.0).floor().max(1.0),
        window: 16,
        learning_shift_base: array.learning_shift,
        learning_shift_max: array.learning_shift + 3,
        ..RawPopulationParams::default()
    };
    edit(&mut population);
    CoreConfig::try_from(RawCoreParams {
        array,
        population,
        ..RawCoreParams::default()
    })
    .expect("test parameters are valid")
}

fn array(n_pre: usize, n_post: usize, lanes: usize) -> RawArrayParams {
    RawArrayParams {
        n_pre,
        n_post,
        lanes,
        current_bits: 0,
        weight_bits: 8,
        trace_bits: 10,
        reward_bits: 8,
        learning_shift: 4,
        trace_decay_shift: 3,
    }
}

fn session(
    design: &dyn Design,
    c: CoreConfig,
    with_rtl: bool,
    plan: SessionPlan,
    seed: u64,
) -> std::result::Result<(), String> {
    let describe = design.describe();
    let fail = |e: hebb::error::Error| format!("{e}\nunder {describe}, seed {seed}");
    let mut driver = CoreDriver::for_design(design, c, with_rtl).map_err(fail)?;
    random_session(&mut driver, plan, seed).map_err(fail)?;
    driver.finish().map_err(fail)
}

/// Shapes that reach the corners of the wiring: one neuron (the
/// population's single-neuron busy rule), a current every clock (K =
/// n_pre), groups that do not divide, a saturating current, a learning
/// shift that climbs past R + T (only the product's sign survives), no
/// leak and no refractory period.
fn corners() -> Vec<(&'static str, CoreConfig)> {
    vec![
        (
            "1x1, window 1, scaling by w >> 1 after every timestep",
            CoreConfig {
                scaling_shift: 1,
                ..core(array(1, 1, 1), |p| {
                    p.window = 1;
                    p.target_rate = 0.5;
                })
            },
        ),
        (
            "4x3, a current every clock (K = n_pre), scaling by w >> 2 every 4 timesteps",
            CoreConfig {
                scaling_shift: 2,
                ..core(array(4, 3, 4), |p| p.window = 4)
            },
        ),
        (
            "7x5, K = 3, no leak, no refractory, small memories in flip-flops",
            CoreConfig {
                small_memories_in_block_ram: false,
                ..core(array(7, 5, 3), |p| {
                    p.leak_time_constant = 0.0;
                    p.refractory = 0;
                })
            },
        ),
        (
            "6x4, narrow rule, saturating current, L climbing past R + T",
            core(
                RawArrayParams {
                    current_bits: 3,
                    weight_bits: 2,
                    trace_bits: 3,
                    reward_bits: 2,
                    learning_shift: 1,
                    trace_decay_shift: 1,
                    ..array(6, 4, 2)
                },
                |p| {
                    p.variance_bound = 0.0;
                    p.learning_shift_max = 9;
                    p.window = 4;
                },
            ),
        ),
    ]
}

#[test]
fn corners_equal_the_step_model_in_lockstep_with_the_rtl() {
    let plan = SessionPlan {
        timesteps: 120,
        compare_every: 1,
    };
    for (name, c) in corners() {
        session(&PlasticCore::new(c), c, true, plan, 7).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn the_default_core_equals_the_step_model_in_lockstep_with_the_rtl() {
    let c = CoreConfig::try_from(RawCoreParams::default()).unwrap();
    // Every synapse is read through the host port at a comparison (1,024
    // clocks), so the whole state is compared every 50th timestep; spikes
    // and currents every timestep.
    let plan = SessionPlan {
        timesteps: 400,
        compare_every: 50,
    };
    session(&PlasticCore::new(c), c, true, plan, 3).unwrap();
}

proptest! {
    // Each case is a parameter set: one Verilator build (cached across runs;
    // the fixed seed keeps the same sets, so the cache does not grow).
    #![proptest_config(ProptestConfig {
        cases: 4,
        max_shrink_iters: 32,
        rng_seed: if std::env::var_os("PROPTEST_RNG_SEED").is_some() { ProptestConfig::default().rng_seed } else { RngSeed::Fixed(0x6865_6262_0010) },
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_core_equals_the_step_model_in_lockstep_with_the_rtl(c in any_core(), seed in any::<u64>()) {
        let plan = SessionPlan { timesteps: 60, compare_every: 1 };
        session(&PlasticCore::new(c), c, true, plan, seed).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    })]

    /// The cycle model alone, over many more parameter sets than Verilator can build.
    #[test]
    fn any_core_cycle_model_equals_the_step_model(c in any_core(), seed in any::<u64>()) {
        let plan = SessionPlan { timesteps: 80, compare_every: 1 };
        session(&PlasticCore::new(c), c, false, plan, seed).map_err(TestCaseError::fail)?;
    }
}

fn any_core() -> impl Strategy<Value = CoreConfig> {
    (
        (1..=9usize, 1..=6usize, 1..=4usize),
        (1..=10u32, 2..=12u32, 1..=10u32, 0..=6u32, 0..=5u32),
        (0..=3u32, 1..=8u32, 0..=3u32, proptest::bool::ANY, 0..=3u32),
    )
        .prop_map(
            |(
                (n_pre, n_post, lanes),
                (w, t, r, l, d),
                (extra_shift, window, refractory, narrow, scaling),
            )| {
                let raw = RawArrayParams {
                    weight_bits: w,
                    trace_bits: t,
                    reward_bits: r,
                    learning_shift: l,
                    trace_decay_shift: d,
                    ..array(n_pre, n_post, lanes)
                };
                let exact = hebb::units::rstdp_array::ArrayConfig::try_from(raw)
                    .unwrap()
                    .current_bits();
                let raw = RawArrayParams {
                    current_bits: if narrow { exact.div_ceil(2) } else { 0 },
                    ..raw
                };
                let config = core(raw, |p| {
                    p.learning_shift_max = l + extra_shift;
                    p.window = window;
                    p.refractory = refractory;
                    p.variance_bound = if narrow { 0.0 } else { 4.0 };
                });
                CoreConfig {
                    scaling_shift: scaling.min(w),
                    ..config
                }
            },
        )
}

#[test]
fn the_rtl_is_lint_clean_and_verilog_2005() {
    for c in [
        corners()[3].1,
        CoreConfig::try_from(RawCoreParams::default()).unwrap(),
    ] {
        let design = PlasticCore::new(c);
        verilator_lint(&design).unwrap();
        iverilog_2005(&design).unwrap();
    }
}

/// Parameters that disagree name the key to change and the value it must take.
#[test]
fn members_that_disagree_are_errors_naming_both_keys() {
    type Edit = fn(&mut RawCoreParams);
    let cases: [(&str, Edit); 4] = [
        ("population.neurons", |r| r.population.neurons = 15),
        ("population.current_bits", |r| {
            r.population.current_bits = 12
        }),
        ("population.learning_shift_base", |r| {
            r.population.learning_shift_base = 5
        }),
        ("array.n_pre", |r| r.array.n_pre = 65),
    ];
    for (key, edit) in cases {
        let mut raw = RawCoreParams::default();
        edit(&mut raw);
        let e = CoreConfig::try_from(raw).expect_err(key);
        assert_eq!(e.parameter, key);
    }
    let mut raw = RawCoreParams::default();
    raw.population.neurons = 15;
    let e = CoreConfig::try_from(raw).unwrap_err();
    assert!(
        e.allowed.contains("16") && e.allowed.contains("array.n_post"),
        "{e}"
    );
}

// ---- Faults planted in the core's wiring -------------------------------

type Fault = fn(&mut Module);

/// The core with `fault` applied to its top module.
struct FaultyCore {
    core: PlasticCore,
    fault: Fault,
}

impl Design for FaultyCore {
    fn describe(&self) -> String {
        self.core.describe()
    }
    fn top_module(&self) -> String {
        self.core.top_module()
    }
    fn module(&self) -> Result<Arc<Module>> {
        let mut module = self.core.module()?.as_ref().clone();
        (self.fault)(&mut module);
        Ok(Arc::new(module))
    }
}

/// Drives input `port` of instance `instance` with `value`.
fn rewire(m: &mut Module, instance: &str, port: &str, value: Expr) {
    for item in &mut m.items {
        if let Item::Instance(i) = item
            && i.name == instance
        {
            let input = i
                .inputs
                .iter_mut()
                .find(|(name, _)| name == port)
                .unwrap_or_else(|| panic!("{instance} has no input `{port}`"));
            input.1 = value;
            return;
        }
    }
    panic!("no instance `{instance}`");
}

fn net(m: &Module, name: &str) -> hebb::hdl::Net {
    m.handle(name)
        .unwrap_or_else(|| panic!("no net `{name}` in `{}`", m.name))
}

const FAULTS: &[(&str, Fault)] = &[
    ("the array pairs no output spikes", |m| {
        let w = net(m, "last_spikes_q").width();
        rewire(m, "array", "post_i", lit(w, 0));
    }),
    ("the array learns at a constant shift", |m| {
        let w = net(m, "learning_shift").width();
        *m.assignment_mut("learning_shift").unwrap() = lit(w, 4);
    }),
    ("a clear keeps the last output spikes", |m| {
        assert!(m.substitute("clear_start", &lit(1, 0), Some("last_spikes_q")));
    }),
    ("learn_en_i does not reach the array", |m| {
        rewire(m, "array", "learn_en_i", lit(1, 1));
    }),
    ("synaptic scaling writes nothing", |m| {
        let user = net(m, "host_write");
        *m.assignment_mut("host_port_write").unwrap() = user.into();
    }),
    ("synaptic scaling scales every neuron down", |m| {
        let n = net(m, "scale_above_q").width();
        assert!(m.substitute(
            "population_above_band",
            &lit(n, (1 << n) - 1),
            Some("scale_above_q")
        ));
    }),
];

#[test]
fn faults_in_the_wiring_are_caught_by_the_step_model() {
    // A variance bound of 0 and short windows make the learning shift move,
    // the output spikes matter and synaptic scaling run within a few windows.
    let c = CoreConfig {
        scaling_shift: 2,
        ..core(
            RawArrayParams {
                learning_shift: 2,
                ..array(5, 4, 2)
            },
            |p| {
                p.variance_bound = 0.0;
                p.window = 4;
                p.learning_shift_max = 6;
            },
        )
    };
    let plan = SessionPlan {
        timesteps: 200,
        compare_every: 1,
    };
    let healthy = FaultyCore {
        core: PlasticCore::new(c),
        fault: |_| {},
    };
    session(&healthy, c, false, plan, 11).expect("the unaltered core passes");
    for (what, fault) in FAULTS {
        let faulty = FaultyCore {
            core: PlasticCore::new(c),
            fault: *fault,
        };
        assert!(
            session(&faulty, c, false, plan, 11).is_err(),
            "fault not caught: {what}"
        );
    }
}
