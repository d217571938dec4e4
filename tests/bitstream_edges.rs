//! Parameter corners (narrowest and widest widths, shortest and longest
//! windows, n = 2 and 8, history of 1 and 32, min_weight 0 and not) render
//! lint-clean Verilog-2005 and synthesize for iCE40 without warnings.

use hebb::design::Design;
use hebb::tools::gates::{SynthTarget, iverilog_2005, verilator_lint, yosys_synth};
use hebb::units::bitstream::decoder::{Decoder, DecoderParams};
use hebb::units::bitstream::dot_product::{Combine, DotParams, DotProduct};
use hebb::units::bitstream::sng::{Sng, SngParams};
use hebb::units::bitstream::stdp::{RawStdpParams, StochasticStdp};
use hebb::units::bitstream::synapse::{Synapse, SynapseParams};
use hebb::units::bitstream::{Polynomial, Source};

fn corners() -> Vec<Box<dyn Design>> {
    let lfsr = |seed| Source::Lfsr {
        polynomial: Polynomial::Reciprocal,
        seed,
    };
    let mut designs: Vec<Box<dyn Design>> = Vec::new();
    for (width, source) in [
        (3, Source::LFSR),
        (3, Source::sobol(8)),
        (32, lfsr(0xdead_beef)),
        (32, Source::sobol(5)),
    ] {
        designs.push(Box::new(Sng::new(SngParams::new(width, source).unwrap())));
        designs.push(Box::new(Synapse::new(
            SynapseParams::new(width, source, (1 << width) - 1).unwrap(),
        )));
    }
    for window in [2, 1 << 24] {
        designs.push(Box::new(Decoder::new(DecoderParams::new(window).unwrap())));
    }
    for (n, width, window) in [(2, 32, 1), (8, 8, 1 << 24), (2, 3, 2), (5, 12, 77)] {
        for combine in [Combine::Popcount, Combine::Mux] {
            designs.push(Box::new(DotProduct::new(
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
            )));
        }
    }
    for (w, b, window, lo, hi) in [(3, 3, 2, 0, 7), (32, 32, 33, 5, u32::MAX as u64 - 3)] {
        designs.push(Box::new(StochasticStdp::new(
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
        )));
    }
    designs
}

#[test]
fn corners_lint_clean_and_synthesize() {
    for d in corners() {
        verilator_lint(d.as_ref()).unwrap();
        iverilog_2005(d.as_ref()).unwrap();
        yosys_synth(d.as_ref(), SynthTarget::Ice40).unwrap();
    }
}
