//! The independence checks hold: a fault planted in a unit's description
//! goes into its RTL and its cycle model alike, so lockstep cannot see it;
//! the hand-written step model must. Each planted fault below makes the
//! description-derived cycle model diverge from the step model through the
//! same port-level adapters as `bitstream_lockstep.rs`, and the unplanted
//! descriptions agree over the same stimulus.

use std::sync::Arc;

use hebb::cosim::{Lockstep, PortVector};
use hebb::design::{Design, mask};
use hebb::hdl::{Expr, Module, concat, lit};
use hebb::stochastic::Source;
use hebb::units::sc_decoder::{Decoder, DecoderParams, DecoderStep};
use hebb::units::sc_dot_product::{Combine, DotInputs, DotParams, DotProduct, DotStep};
use hebb::units::sc_sng::{Sng, SngParams, SngStep};
use hebb::units::sc_stdp::{StdpInputs, StdpParams, StdpStep, StochasticStdp};
use hebb::units::sc_synapse::{Synapse, SynapseInputs, SynapseParams, SynapseStep};

/// A description with one assign replaced.
struct Faulty(Arc<Module>);

impl Design for Faulty {
    fn describe(&self) -> String {
        format!("faulty {}", self.0.name)
    }
    fn top_module(&self) -> String {
        self.0.name.clone()
    }
    fn module(&self) -> hebb::error::Result<Arc<Module>> {
        Ok(self.0.clone())
    }
}

fn plant(design: &dyn Design, net: &str, fault: impl FnOnce(&Module) -> Expr) -> Faulty {
    let mut m = (*design.module().unwrap()).clone();
    let e = fault(&m);
    *m.assignment_mut(net)
        .unwrap_or_else(|| panic!("no assign drives {net}")) = e;
    Faulty(Arc::new(m))
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Resets, then clocks `cycles` times: `cycle` sets the inputs from a random
/// word, steps its step model and returns the ports it expects after the
/// clock. Returns the first disagreement.
fn first_divergence(
    design: &dyn Design,
    cycles: usize,
    mut cycle: impl FnMut(u64, &mut PortVector) -> Vec<(&'static str, u64)>,
) -> Option<String> {
    let mut sim = Lockstep::model_only(design).unwrap();
    let mut ports = PortVector::new(&design.ports().unwrap());
    ports.set("rst_ni", 0);
    sim.clock(ports.values()).unwrap();
    ports.set("rst_ni", 1);
    let mut seed = 0x6661_756c_7473;
    for n in 0..cycles {
        let expected = cycle(splitmix(&mut seed), &mut ports);
        sim.clock(ports.values()).unwrap();
        for (name, value) in expected {
            let got = sim.value(ports.index(name));
            if got != value {
                return Some(format!(
                    "cycle {n}: {name} = {got:#x}, step model {value:#x}"
                ));
            }
        }
    }
    None
}

fn bit(r: u64, k: u32) -> bool {
    (r >> k) & 1 == 1
}

fn sng_check(p: SngParams, design: &dyn Design) -> Option<String> {
    let mut step = SngStep::new(&p);
    first_divergence(design, 400, |r, ports| {
        let en = r % 8 != 0;
        step.step(en);
        // A quarter of the values equal this cycle's number: the comparator's edge.
        let value = if r % 4 == 1 {
            step.outputs(0).rand
        } else {
            (r >> 8) & mask(p.width())
        };
        ports.set("en_i", en.into()).set("value_i", value);
        let e = step.outputs(value);
        vec![("bit_o", e.bit.into()), ("rand_o", e.rand)]
    })
}

fn synapse_check(p: SynapseParams, design: &dyn Design) -> Option<String> {
    let mut step = SynapseStep::new(&p);
    first_divergence(design, 400, |r, ports| {
        let inputs = SynapseInputs {
            en: bit(r, 0) || bit(r, 1),
            pre: bit(r, 2),
            update_weight: r % 32 == 3,
            weight_value: (r >> 16) & mask(p.width()),
        };
        ports
            .set("en_i", inputs.en.into())
            .set("pre_i", inputs.pre.into())
            .set("update_weight_i", inputs.update_weight.into())
            .set("weight_value_i", inputs.weight_value);
        step.step(&inputs);
        let e = step.outputs(&inputs);
        vec![
            ("post_o", e.post.into()),
            ("weight_bit_o", e.weight_bit.into()),
            ("weight_o", e.weight),
        ]
    })
}

fn decoder_check(p: DecoderParams, design: &dyn Design) -> Option<String> {
    let mut step = DecoderStep::new(&p);
    first_divergence(design, 400, |r, ports| {
        let (en, b) = (r % 8 != 0, bit(r, 5));
        ports.set("en_i", en.into()).set("bit_i", b.into());
        step.step(en, b);
        let e = step.outputs();
        vec![("count_o", e.count), ("valid_o", e.valid.into())]
    })
}

fn dot_check(p: DotParams, design: &dyn Design) -> Option<String> {
    let mut step = DotStep::new(&p);
    let (n, w) = (p.inputs(), p.width());
    let mut x = 0;
    let mut clock = 0;
    first_divergence(design, 600, |r, ports| {
        if clock % 50 == 0 {
            x = r & mask(n * w);
        }
        clock += 1;
        let inputs = DotInputs {
            en: r % 8 != 0,
            x,
            update_weight: r % 32 == 5,
            update_index: (r >> 8) & mask(p.index_bits()),
            weight_value: (r >> 16) & mask(w),
        };
        ports
            .set("en_i", inputs.en.into())
            .set("x_i", inputs.x)
            .set("update_weight_i", inputs.update_weight.into())
            .set("update_index_i", inputs.update_index)
            .set("weight_value_i", inputs.weight_value);
        step.step(&inputs);
        let e = step.outputs(&inputs);
        vec![
            ("sum_o", e.sum),
            ("valid_o", e.valid.into()),
            ("stream_o", e.stream),
        ]
    })
}

fn stdp_check(p: StdpParams, design: &dyn Design) -> Option<String> {
    let mut step = StdpStep::new(&p);
    first_divergence(design, 2000, |r, ports| {
        let inputs = StdpInputs {
            step: r % 4 != 0,
            pre: bit(r, 4),
            post: bit(r, 5),
        };
        ports
            .set("step_i", inputs.step.into())
            .set("pre_i", inputs.pre.into())
            .set("post_i", inputs.post.into());
        step.step(&inputs);
        let e = step.outputs(&inputs);
        vec![
            ("weight_o", e.weight),
            ("weight_bit_o", e.weight_bit.into()),
            ("out_o", e.out.into()),
            ("ltp_o", e.ltp.into()),
            ("ltd_o", e.ltd.into()),
        ]
    })
}

/// A planted fault: what it is, the net whose assign it replaces, the replacement.
type Fault<'a> = (&'a str, &'a str, Box<dyn FnOnce(&Module) -> Expr>);

/// `check` passes on the design and fails on each planted fault.
fn caught<D: Design>(
    design: &D,
    check: impl Fn(&dyn Design) -> Option<String>,
    faults: Vec<Fault>,
) {
    assert_eq!(check(design), None, "{}", design.describe());
    for (what, net, fault) in faults {
        let faulty = plant(design, net, fault);
        let divergence = check(&faulty);
        println!("{}: {what}: {divergence:?}", design.top_module());
        assert!(divergence.is_some(), "{what} not caught");
    }
}

fn net(m: &Module, name: &str) -> hebb::hdl::Net {
    m.handle(name).unwrap_or_else(|| panic!("no net {name}"))
}

#[test]
fn planted_generator_and_comparator_faults_are_caught() {
    let p = SngParams::new(10, Source::sobol(3)).unwrap();
    caught(
        &Sng::new(p),
        |d| sng_check(p, d),
        vec![
            (
                "comparator rand <= value",
                "stream_bit",
                Box::new(|m| net(m, "gen_rand").le(net(m, "value_i"))),
            ),
            (
                "Sobol rand without its direction numbers",
                "gen_rand",
                Box::new(|m| net(m, "gen_state_q").into()),
            ),
        ],
    );
    let p = SngParams::new(9, Source::LFSR_RECIPROCAL).unwrap();
    caught(
        &Sng::new(p),
        |d| sng_check(p, d),
        vec![(
            "LFSR feedback from the primary taps",
            "gen_state_next",
            Box::new(|m| {
                let q = net(m, "gen_state_q");
                let taps =
                    hebb::stochastic::lfsr::tap_mask(9, hebb::stochastic::Polynomial::Primary);
                concat([q.slice(7, 0), (q & lit(9, taps.unwrap())).parity()])
            }),
        )],
    );
}

#[test]
fn planted_synapse_and_decoder_faults_are_caught() {
    let p = SynapseParams::new(8, Source::sobol(2), 100).unwrap();
    caught(
        &Synapse::new(p),
        |d| synapse_check(p, d),
        vec![
            (
                "OR instead of AND",
                "post_bit",
                Box::new(|m| net(m, "pre_i") | net(m, "weight_bit")),
            ),
            (
                "weight stream from the weight input",
                "weight_bit",
                Box::new(|m| net(m, "gen_rand").lt(net(m, "weight_value_i"))),
            ),
        ],
    );
    let p = DecoderParams::new(10).unwrap();
    caught(
        &Decoder::new(p),
        |d| decoder_check(p, d),
        vec![
            (
                "window one cycle short",
                "window_end",
                Box::new(|m| net(m, "position_q").eq(lit(4, 8))),
            ),
            (
                "the last bit of a window not counted",
                "count_sum",
                Box::new(|m| net(m, "count_q") + (net(m, "bit_i") & !net(m, "window_end")).zext(4)),
            ),
        ],
    );
}

#[test]
fn planted_dot_product_faults_are_caught() {
    for combine in [Combine::Popcount, Combine::Mux] {
        let p = DotParams::new(
            4,
            8,
            combine,
            20,
            Source::sobol(1),
            Source::sobol(2),
            Source::sobol(3),
            &[64, 128, 192, 255],
        )
        .unwrap();
        caught(
            &DotProduct::new(p),
            |d| dot_check(p, d),
            vec![
                (
                    "OR products",
                    "products",
                    Box::new(|m| net(m, "x_bits") | net(m, "w_bits")),
                ),
                (
                    "weights encoded by the input generator",
                    "w_bits",
                    Box::new(|m| net(m, "x_bits").into()),
                ),
            ],
        );
    }
}

#[test]
fn planted_stdp_faults_are_caught() {
    let p: StdpParams = hebb::units::sc_stdp::RawStdpParams {
        weight_bits: 6,
        window: 3,
        rand_bits: 5,
        learning_rate: 20,
        ltd_ratio: 256,
        weight_step: 9,
        min_weight: 5,
        max_weight: 60,
        reset_weight: 30,
        event_source: Source::LFSR,
        stream_source: Source::sobol(1),
    }
    .try_into()
    .unwrap();
    caught(
        &StochasticStdp::new(p),
        |d| stdp_check(p, d),
        vec![
            (
                "LTD also when post fires",
                "ltd_candidate",
                Box::new(|m| net(m, "pre_i").into()),
            ),
            (
                "potentiation without saturation",
                "weight_potentiated",
                Box::new(|m| net(m, "weight_raised").slice(5, 0)),
            ),
            (
                "depression without the lower bound",
                "weight_depressed",
                Box::new(|m| net(m, "weight_lowered").slice(5, 0)),
            ),
            (
                "LTP ignoring the draw",
                "ltp_fire",
                Box::new(|m| net(m, "step_i") & net(m, "ltp_candidate")),
            ),
            (
                "event generator stuck",
                "event_state_next",
                Box::new(|m| net(m, "event_state_q").into()),
            ),
        ],
    );
}
