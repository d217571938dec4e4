//! The cycle model's VCD and Verilator's VCD of each bitstream unit hold the
//! same signals (names and widths, localparams included) with the same values
//! at every half clock: every internal net agrees, not only the ports.

use hebb::cosim::Lockstep;
use hebb::cosim::PortVector;
use hebb::design::Design;
use hebb::stochastic::{Polynomial, Source};
use hebb::trace::diff_files;
use hebb::units::sc_decoder::{Decoder, DecoderParams};
use hebb::units::sc_dot_product::{Combine, DotParams, DotProduct};
use hebb::units::sc_sng::{Sng, SngParams};
use hebb::units::sc_stdp::{RawStdpParams, StochasticStdp};
use hebb::units::sc_synapse::{Synapse, SynapseParams};

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Drives random inputs (a reset first and once midway) and diffs the two VCDs.
fn vcds_agree(design: &dyn Design) {
    let dir = tempfile::tempdir().unwrap();
    let (golden, dut) = (dir.path().join("model.vcd"), dir.path().join("rtl.vcd"));
    let mut sim = Lockstep::with_rtl(design).unwrap();
    sim.record_vcds(&design.top_module(), &golden, Some(&dut))
        .unwrap();
    let ports = design.ports().unwrap();
    let mut vector = PortVector::new(&ports);
    let mut seed = 0x7663_6400;
    for cycle in 0..400 {
        for p in &ports {
            if p.kind == hebb::design::SignalKind::Input && p.name != "clk_i" {
                let r = splitmix(&mut seed);
                let value = match p.name.as_str() {
                    "rst_ni" => u64::from(cycle != 0 && cycle != 200),
                    // Rare weight updates, frequent enables.
                    "update_weight_i" => u64::from(r.is_multiple_of(16)),
                    "en_i" | "step_i" => u64::from(!r.is_multiple_of(8)),
                    _ => r,
                };
                vector.set(&p.name, value);
            }
        }
        sim.clock(vector.values()).unwrap_or_else(|m| panic!("{m}"));
    }
    sim.finish().unwrap();
    let report = diff_files(&golden, &dut).unwrap();
    println!("{}: {report}", design.describe());
    assert!(report.agrees(), "{}:\n{report}", design.describe());
    assert!(report.compared >= design.signals().unwrap().len());
}

#[test]
fn cycle_model_and_verilator_vcds_agree_for_every_unit() {
    let designs: Vec<Box<dyn Design>> = vec![
        Box::new(Sng::new(SngParams::new(10, Source::LFSR).unwrap())),
        Box::new(Synapse::new(
            SynapseParams::new(8, Source::sobol(1), 0).unwrap(),
        )),
        Box::new(Decoder::new(DecoderParams::new(10).unwrap())),
        Box::new(DotProduct::new(
            DotParams::new(
                4,
                8,
                Combine::Popcount,
                256,
                Source::sobol(1),
                Source::sobol(2),
                Source::sobol(3),
                &[128, 250, 3, 77],
            )
            .unwrap(),
        )),
        Box::new(DotProduct::new(
            DotParams::new(
                4,
                8,
                Combine::Mux,
                256,
                Source::sobol(1),
                Source::sobol(2),
                Source::sobol(3),
                &[128, 250, 3, 77],
            )
            .unwrap(),
        )),
        Box::new(StochasticStdp::new(
            RawStdpParams {
                weight_bits: 10,
                window: 3,
                rand_bits: 8,
                learning_rate: 64,
                ltd_ratio: 256,
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
            .unwrap(),
        )),
    ];
    for design in &designs {
        vcds_agree(design.as_ref());
    }
}
