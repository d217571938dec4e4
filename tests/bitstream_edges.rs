//! Parameter corners (narrowest and widest widths, shortest and longest
//! windows, n = 2 and 8, history of 1 and 32, min_weight 0 and not) render
//! lint-clean Verilog-2005 and synthesize for iCE40 without warnings, and
//! each corner's Verilated RTL equals its cycle model at every half clock
//! (every net) and its step model after every clock, under random stimulus
//! with resets and weight updates.

use hebb::cosim::Lockstep;
use hebb::cosim::PortVector;
use hebb::design::{Design, mask};
use hebb::stochastic::{Polynomial, Source};
use hebb::tools::gates::{SynthTarget, iverilog_2005, verilator_lint, yosys_synth};
use hebb::units::sc_decoder::{Decoder, DecoderParams, DecoderStep};
use hebb::units::sc_dot_product::{Combine, DotInputs, DotParams, DotProduct, DotStep};
use hebb::units::sc_sng::{Sng, SngParams, SngStep};
use hebb::units::sc_stdp::{RawStdpParams, StdpInputs, StdpParams, StdpStep, StochasticStdp};
use hebb::units::sc_synapse::{Synapse, SynapseInputs, SynapseParams, SynapseStep};

/// One corner design, with its typed parameters (for the step model).
#[derive(Debug, Clone, Copy)]
enum Corner {
    Sng(SngParams),
    Synapse(SynapseParams),
    Decoder(DecoderParams),
    Dot(DotParams),
    Stdp(StdpParams),
}

impl Corner {
    fn design(&self) -> Box<dyn Design> {
        match *self {
            Corner::Sng(p) => Box::new(Sng::new(p)),
            Corner::Synapse(p) => Box::new(Synapse::new(p)),
            Corner::Decoder(p) => Box::new(Decoder::new(p)),
            Corner::Dot(p) => Box::new(DotProduct::new(p)),
            Corner::Stdp(p) => Box::new(StochasticStdp::new(p)),
        }
    }
}

fn corners() -> Vec<Corner> {
    let lfsr = |seed| Source::Lfsr {
        polynomial: Polynomial::Reciprocal,
        seed,
    };
    let mut designs = Vec::new();
    for (width, source) in [
        (3, Source::LFSR),
        (3, Source::sobol(8)),
        (32, lfsr(0xdead_beef)),
        (32, Source::sobol(5)),
    ] {
        designs.push(Corner::Sng(SngParams::new(width, source).unwrap()));
        designs.push(Corner::Synapse(
            SynapseParams::new(width, source, (1 << width) - 1).unwrap(),
        ));
    }
    for window in [2, 1 << 24] {
        designs.push(Corner::Decoder(DecoderParams::new(window).unwrap()));
    }
    for (n, width, window) in [(2, 32, 1), (8, 8, 1 << 24), (2, 3, 2), (5, 12, 77)] {
        for combine in [Combine::Popcount, Combine::Mux] {
            designs.push(Corner::Dot(
                DotParams::new(
                    n,
                    width,
                    combine,
                    window,
                    Source::sobol(6),
                    lfsr(1),
                    Source::LFSR,
                    &[1, 2],
                )
                .unwrap(),
            ));
        }
    }
    for (w, b, window, lo, hi) in [(3, 3, 2, 0, 7), (32, 32, 33, 5, u32::MAX as u64 - 3)] {
        designs.push(Corner::Stdp(
            RawStdpParams {
                weight_bits: w,
                window,
                rand_bits: b,
                learning_rate: (1 << b) - 1,
                ltd_ratio: 0xffff,
                weight_step: (1 << w) - 1,
                min_weight: lo,
                max_weight: hi,
                reset_weight: hi,
                event_source: Source::sobol(7),
                stream_source: Source::LFSR,
            }
            .try_into()
            .unwrap(),
        ));
    }
    designs
}

#[test]
fn corners_lint_clean_and_synthesize() {
    let corners = corners();
    assert_eq!(corners.len(), 20);
    for c in corners {
        let d = c.design();
        verilator_lint(d.as_ref()).unwrap();
        iverilog_2005(d.as_ref()).unwrap();
        yosys_synth(d.as_ref(), SynthTarget::Ice40).unwrap();
    }
}

/// Clocks per corner.
const CLOCKS: usize = 600;

/// xorshift64*: the test's own stimulus source (fixed seed per corner).
struct Stimulus(u64);

impl Stimulus {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// True with probability num / 64.
    fn chance(&mut self, num: u64) -> bool {
        self.next() % 64 < num
    }
    /// A `width`-bit value, a quarter of the time an extreme (0, 1, max - 1, max).
    fn value(&mut self, width: u32) -> u64 {
        let r = self.next();
        if self.chance(16) {
            [0, 1, mask(width) - 1, mask(width)][(r % 4) as usize]
        } else {
            r & mask(width)
        }
    }
    /// Reset low at the first clock (the registers start unknown), then about one clock in 64.
    fn rst_n(&mut self, cycle: usize) -> bool {
        cycle != 0 && !self.chance(1)
    }
}

/// Co-simulates one corner: RTL = cycle model at every half clock (every
/// net, inside `Lockstep::clock`), and the ports = the step model after
/// every clock.
fn cosim(corner: Corner, seed: u64) -> Result<(), String> {
    let design = corner.design();
    let mut sim = Lockstep::with_rtl(design.as_ref()).map_err(|e| e.to_string())?;
    let mut ports = PortVector::new(&design.ports().unwrap());
    let mut rng = Stimulus(seed | 1);
    // (port, model) pairs of one cycle, compared after the clock.
    let check = |sim: &Lockstep, ports: &PortVector, cycle: usize, want: &[(&str, u64)]| {
        for (name, expected) in want {
            let got = sim.value(ports.index(name));
            if got != *expected {
                return Err(format!(
                    "cycle {cycle}: {name} = {got:#x}, step model {expected:#x}"
                ));
            }
        }
        Ok(())
    };
    let clock = |sim: &mut Lockstep, ports: &PortVector| {
        sim.clock(ports.values()).map_err(|m| m.to_string())
    };
    match corner {
        Corner::Sng(p) => {
            let mut step = SngStep::new(&p);
            for cycle in 0..CLOCKS {
                let (rst_n, en, value) = (rng.rst_n(cycle), rng.chance(58), rng.value(p.width()));
                ports
                    .set("rst_ni", rst_n.into())
                    .set("en_i", en.into())
                    .set("value_i", value);
                clock(&mut sim, &ports)?;
                if rst_n {
                    step.step(en);
                } else {
                    step = SngStep::new(&p);
                }
                let e = step.outputs(value);
                check(
                    &sim,
                    &ports,
                    cycle,
                    &[("bit_o", e.bit.into()), ("rand_o", e.rand)],
                )?;
            }
        }
        Corner::Synapse(p) => {
            let mut step = SynapseStep::new(&p);
            for cycle in 0..CLOCKS {
                let rst_n = rng.rst_n(cycle);
                let inputs = SynapseInputs {
                    en: rng.chance(58),
                    pre: rng.chance(32),
                    update_weight: rng.chance(4),
                    weight_value: rng.value(p.width()),
                };
                ports
                    .set("rst_ni", rst_n.into())
                    .set("en_i", inputs.en.into())
                    .set("pre_i", inputs.pre.into())
                    .set("update_weight_i", inputs.update_weight.into())
                    .set("weight_value_i", inputs.weight_value);
                clock(&mut sim, &ports)?;
                if rst_n {
                    step.step(&inputs);
                } else {
                    step = SynapseStep::new(&p);
                }
                let e = step.outputs(&inputs);
                check(
                    &sim,
                    &ports,
                    cycle,
                    &[
                        ("post_o", e.post.into()),
                        ("weight_bit_o", e.weight_bit.into()),
                        ("weight_o", e.weight),
                    ],
                )?;
            }
        }
        Corner::Decoder(p) => {
            let mut step = DecoderStep::new(&p);
            for cycle in 0..CLOCKS {
                let (rst_n, en, bit) = (rng.rst_n(cycle), rng.chance(58), rng.chance(32));
                ports
                    .set("rst_ni", rst_n.into())
                    .set("en_i", en.into())
                    .set("bit_i", bit.into());
                clock(&mut sim, &ports)?;
                if rst_n {
                    step.step(en, bit);
                } else {
                    step = DecoderStep::new(&p);
                }
                let e = step.outputs();
                check(
                    &sim,
                    &ports,
                    cycle,
                    &[("count_o", e.count), ("valid_o", e.valid.into())],
                )?;
            }
        }
        Corner::Dot(p) => {
            let mut step = DotStep::new(&p);
            let (n, w) = (p.inputs(), p.width());
            let mut x = 0;
            for cycle in 0..CLOCKS {
                // x holds over stretches so that windows decode real values.
                if cycle % 50 == 0 {
                    x = (0..n).fold(0, |x, j| x | (rng.value(w) << (w * j)));
                }
                let rst_n = rng.rst_n(cycle);
                let inputs = DotInputs {
                    en: rng.chance(58),
                    x,
                    update_weight: rng.chance(4),
                    // Indices >= n (ignored by the unit) included.
                    update_index: rng.next() & mask(p.index_bits()),
                    weight_value: rng.value(w),
                };
                ports
                    .set("rst_ni", rst_n.into())
                    .set("en_i", inputs.en.into())
                    .set("x_i", inputs.x)
                    .set("update_weight_i", inputs.update_weight.into())
                    .set("update_index_i", inputs.update_index)
                    .set("weight_value_i", inputs.weight_value);
                clock(&mut sim, &ports)?;
                if rst_n {
                    step.step(&inputs);
                } else {
                    step = DotStep::new(&p);
                }
                let e = step.outputs(&inputs);
                check(
                    &sim,
                    &ports,
                    cycle,
                    &[
                        ("sum_o", e.sum),
                        ("valid_o", e.valid.into()),
                        ("stream_o", e.stream),
                    ],
                )?;
            }
        }
        Corner::Stdp(p) => {
            let mut step = StdpStep::new(&p);
            for cycle in 0..CLOCKS {
                let rst_n = rng.rst_n(cycle);
                let inputs = StdpInputs {
                    step: rng.chance(51),
                    pre: rng.chance(32),
                    post: rng.chance(32),
                };
                ports
                    .set("rst_ni", rst_n.into())
                    .set("step_i", inputs.step.into())
                    .set("pre_i", inputs.pre.into())
                    .set("post_i", inputs.post.into());
                clock(&mut sim, &ports)?;
                if rst_n {
                    step.step(&inputs);
                } else {
                    step = StdpStep::new(&p);
                }
                let e = step.outputs(&inputs);
                check(
                    &sim,
                    &ports,
                    cycle,
                    &[
                        ("weight_o", e.weight),
                        ("weight_bit_o", e.weight_bit.into()),
                        ("out_o", e.out.into()),
                        ("ltp_o", e.ltp.into()),
                        ("ltd_o", e.ltd.into()),
                    ],
                )?;
            }
        }
    }
    Ok(())
}

#[test]
fn corners_rtl_equals_cycle_model_equals_step_model() {
    let mut failures = Vec::new();
    for (i, corner) in corners().into_iter().enumerate() {
        if let Err(e) = cosim(corner, 0x6564_6765_0000 + i as u64) {
            failures.push(format!("corner {i} {corner:?}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
