//! Documented behaviour of the synapse, decoder and dot product, checked on
//! the Verilated RTL against hand-derived expectations; parameter errors.

use hebb::cosim::Lockstep;
use hebb::design::Design;
use hebb::cosim::PortVector;
use hebb::units::sc_decoder::{Decoder, DecoderParams};
use hebb::units::sc_dot_product::{Combine, DotParams, DotProduct};
use hebb::units::sc_sng::SngParams;
use hebb::units::sc_synapse::{Synapse, SynapseParams};
use hebb::stochastic::{Polynomial, Source};

fn rtl(design: &dyn Design) -> (Lockstep, PortVector) {
    let mut sim = Lockstep::with_rtl(design).unwrap();
    let mut ports = PortVector::new(&design.ports().unwrap());
    ports.set("rst_ni", 0);
    sim.clock(ports.values()).unwrap();
    ports.set("rst_ni", 1);
    (sim, ports)
}

fn bit_reverse(i: u64, width: u32) -> u64 {
    i.reverse_bits() >> (64 - width)
}

/// update_weight_i at clock k: weight_q holds the new value right after edge
/// k, and the weight bit of cycle k + 1 already compares against it.
#[test]
fn synapse_weight_update_lands_at_its_clock() {
    let width = 8;
    let params = SynapseParams::new(width, Source::sobol(1), 0).unwrap();
    let (mut sim, mut ports) = rtl(&Synapse::new(params));
    let read = |sim: &Lockstep, ports: &PortVector, name| sim.value(ports.index(name));
    ports.set("en_i", 1).set("pre_i", 1);
    for _ in 0..5 {
        sim.clock(ports.values()).unwrap();
        // Weight 0 encodes probability 0.
        assert_eq!(read(&sim, &ports, "weight_bit_o"), 0);
        assert_eq!(read(&sim, &ports, "post_o"), 0);
    }
    ports.set("update_weight_i", 1).set("weight_value_i", 200);
    sim.clock(ports.values()).unwrap();
    // Six enabled clocks: the Sobol index is 6 and rand = bitreverse(6).
    let rand = bit_reverse(6, width);
    assert_eq!(read(&sim, &ports, "weight_o"), 200);
    assert_eq!(read(&sim, &ports, "weight_bit_o"), u64::from(rand < 200));
    ports.set("update_weight_i", 0).set("pre_i", 0);
    let mut ones = 0;
    for _ in 0..250 {
        sim.clock(ports.values()).unwrap();
        assert_eq!(
            read(&sim, &ports, "post_o"),
            0,
            "pre = 0 blocks the product"
        );
        ones += read(&sim, &ports, "weight_bit_o");
    }
    // Indices 7..=256 of van der Corput: 200 / 256 of them below 200, within a few.
    assert!((ones as i64 - 195).abs() <= 3, "{ones}");
}

#[test]
fn decoder_counts_each_window_and_pulses_valid() {
    let params = DecoderParams::new(10).unwrap();
    let (mut sim, mut ports) = rtl(&Decoder::new(params));
    ports.set("en_i", 1);
    let mut windows = Vec::new();
    for i in 0..40u64 {
        ports.set("bit_i", u64::from(i % 3 == 0));
        sim.clock(ports.values()).unwrap();
        if sim.value(ports.index("valid_o")) == 1 {
            windows.push((i, sim.value(ports.index("count_o"))));
        }
    }
    // Windows [0, 10), [10, 20), ...: multiples of 3 in each: 4, 3, 3, 4.
    // valid_o is high right after the edge that ends the window (cycle 9, 19, ...).
    assert_eq!(windows, vec![(9, 4), (19, 3), (29, 3), (39, 4)]);
}

#[test]
fn dot_product_decodes_to_the_exact_sum_within_the_stream_error() {
    let (n, width, window) = (4u32, 8u32, 256u64);
    let x = [200u64, 17, 90, 255];
    let w = [128u64, 250, 3, 77];
    let exact: f64 = x.iter().zip(&w).map(|(a, b)| (a * b) as f64).sum::<f64>() / 65536.0;
    for (combine, tolerance) in [(Combine::Popcount, 0.03), (Combine::Mux, 0.15)] {
        let params = DotParams::new(
            n,
            width,
            combine,
            window,
            Source::sobol(1),
            Source::sobol(2),
            Source::sobol(3),
            &w,
        )
        .unwrap();
        let (mut sim, mut ports) = rtl(&DotProduct::new(params));
        let packed = x
            .iter()
            .enumerate()
            .fold(0, |p, (j, v)| p | (v << (width * j as u32)));
        ports.set("en_i", 1).set("x_i", packed);
        for _ in 0..window {
            sim.clock(ports.values()).unwrap();
        }
        assert_eq!(sim.value(ports.index("valid_o")), 1);
        let estimate = params.estimate(sim.value(ports.index("sum_o")));
        println!("{combine:?}: estimate {estimate}, exact {exact}");
        assert!(
            (estimate - exact).abs() < tolerance,
            "{combine:?}: {estimate} vs {exact}"
        );
    }
}

#[test]
fn bad_parameters_name_the_parameter_and_the_range() {
    let e = SngParams::new(33, Source::LFSR).unwrap_err();
    assert_eq!((e.parameter, e.value), ("width", 33));
    assert!(e.to_string().contains("3..=32"), "{e}");
    let e = SynapseParams::new(8, Source::LFSR, 256).unwrap_err();
    assert_eq!(e.parameter, "reset_weight");
    let e = SynapseParams::new(
        8,
        Source::Lfsr {
            polynomial: Polynomial::Reciprocal,
            seed: 0,
        },
        0,
    )
    .unwrap_err();
    assert_eq!(e.parameter, "weight_source");
    assert_eq!(DecoderParams::new(0).unwrap_err().parameter, "window");
    assert_eq!(
        DecoderParams::new((1 << 24) + 1).unwrap_err().parameter,
        "window"
    );
    let dot = |n, w, window, reset: &[u64]| {
        DotParams::new(
            n,
            w,
            Combine::Mux,
            window,
            Source::LFSR,
            Source::LFSR_RECIPROCAL,
            Source::sobol(9),
            reset,
        )
    };
    assert_eq!(dot(1, 8, 10, &[]).unwrap_err().parameter, "inputs");
    assert_eq!(dot(9, 8, 10, &[]).unwrap_err().parameter, "inputs");
    assert_eq!(dot(3, 8, 10, &[]).unwrap_err().parameter, "select_source");
    let ok_select = |n, w, window, reset: &[u64]| {
        DotParams::new(
            n,
            w,
            Combine::Popcount,
            window,
            Source::LFSR,
            Source::LFSR_RECIPROCAL,
            Source::sobol(9), // unused by the popcount: not checked
            reset,
        )
    };
    assert_eq!(
        ok_select(5, 16, 10, &[]).unwrap_err().parameter,
        "inputs * width"
    );
    assert_eq!(ok_select(4, 8, 0, &[]).unwrap_err().parameter, "window");
    assert_eq!(
        ok_select(2, 8, 10, &[1, 2, 3]).unwrap_err().parameter,
        "reset_weights.len()"
    );
    // The out-of-range entry is named by its index in the message.
    let e = ok_select(3, 8, 10, &[1, 2, 256]).unwrap_err();
    assert_eq!((e.parameter, e.value), ("reset_weights", 256));
    assert_eq!(
        e.to_string(),
        "parameter `reset_weights` = 256 is out of range: allowed 0..=255 (entry 2 of reset_weights)"
    );
    assert!(ok_select(8, 8, 10, &[255; 8]).is_ok());
}

/// A source's width error names the width parameter of the unit it belongs to.
#[test]
fn source_width_errors_name_the_callers_width_parameter() {
    let e = SynapseParams::new(2, Source::sobol(1), 0).unwrap_err();
    assert_eq!((e.parameter, e.value), ("width", 2));
    assert_eq!(
        e.to_string(),
        "parameter `width` = 2 is out of range: allowed 3..=32"
    );
    let e = Source::LFSR
        .validate("event_source", "rand_bits", 40)
        .unwrap_err();
    assert_eq!((e.parameter, e.value), ("rand_bits", 40));
    let e = Source::sobol(2)
        .validate("stream_source", "weight_bits", 1)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "parameter `weight_bits` = 1 is out of range: allowed 3..=32"
    );
    // A bad seed names the source parameter, not the width.
    let e = Source::Lfsr {
        polynomial: Polynomial::Primary,
        seed: 8,
    }
    .validate("event_source", "rand_bits", 3)
    .unwrap_err();
    assert_eq!((e.parameter, e.value), ("event_source", 8));
    assert!(e.to_string().contains("allowed 1..=7"), "{e}");
}
