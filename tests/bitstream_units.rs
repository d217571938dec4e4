//! Documented behaviour of the synapse, decoder and dot product, checked on
//! the Verilated RTL against hand-derived expectations; parameter errors.

use hebb::cosim::Lockstep;
use hebb::cosim::PortVector;
use hebb::design::Design;
use hebb::stochastic::{Polynomial, Source};
use hebb::units::sc_decoder::{Decoder, DecoderParams};
use hebb::units::sc_dot_product::{Combine, DotParams, DotProduct};
use hebb::units::sc_sng::SngParams;
use hebb::units::sc_synapse::{Synapse, SynapseParams};

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
    assert_eq!((e.parameter, e.value), ("width", 33.into()));
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
    assert_eq!((e.parameter, e.value), ("reset_weights", 256.into()));
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
    assert_eq!((e.parameter, e.value), ("width", 2.into()));
    assert_eq!(
        e.to_string(),
        "parameter `width` = 2 is out of range: allowed 3..=32"
    );
    let e = Source::LFSR
        .validate("event_source", "rand_bits", 40)
        .unwrap_err();
    assert_eq!((e.parameter, e.value), ("rand_bits", 40.into()));
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
    assert_eq!((e.parameter, e.value), ("event_source", 8.into()));
    assert!(e.to_string().contains("allowed 1..=7"), "{e}");
}

// ---------------------------------------------------------------- parameters

use hebb::params::ParamValues;
use hebb::units::{UnitKind, unit};

fn design_of(name: &str, sets: &[&str]) -> hebb::error::Result<Box<dyn Design>> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    unit(name)?.design(&ParamValues::gather(None, &sets)?)
}

/// The error of a parameter set that must be rejected.
fn error_of(result: hebb::error::Result<Box<dyn Design>>) -> String {
    match result {
        Ok(d) => panic!("accepted: {}", d.describe()),
        Err(e) => e.to_string(),
    }
}

/// A source parses from its string shorthand and from its table form; both
/// give the same design.
#[test]
fn sources_parse_from_the_shorthand_and_the_table() {
    let cases = [
        ("sobol", Source::sobol(1)),
        ("sobol:2", Source::sobol(2)),
        ("lfsr", Source::LFSR),
        ("lfsr:reciprocal", Source::LFSR_RECIPROCAL),
        (
            "lfsr:reciprocal:5",
            Source::Lfsr {
                polynomial: Polynomial::Reciprocal,
                seed: 5,
            },
        ),
        (
            "lfsr:primary:0x5a5",
            Source::Lfsr {
                polynomial: Polynomial::Primary,
                seed: 0x5a5,
            },
        ),
    ];
    for (text, source) in cases {
        assert_eq!(text.parse::<Source>().unwrap(), source, "{text}");
        // Display round-trips.
        assert_eq!(source.to_string().parse::<Source>().unwrap(), source);
    }
    for bad in ["", "sobol:x", "lfsr:odd", "lfsr:primary:1:2", "mersenne"] {
        assert!(bad.parse::<Source>().is_err(), "{bad}");
    }
    let shorthand = design_of(
        "sc_synapse",
        &["weight_source=lfsr:reciprocal:5", "width=12"],
    )
    .unwrap();
    let table = design_of(
        "sc_synapse",
        &[
            "weight_source={ kind = \"lfsr\", polynomial = \"reciprocal\", seed = 5 }",
            "width=12",
        ],
    )
    .unwrap();
    assert_eq!(shorthand.top_module(), table.top_module());
    assert_eq!(shorthand.top_module(), "sc_synapse_n12_lfsrr5_rw512");
    assert_eq!(
        design_of("sc_sng", &["source=sobol:3", "width=7"])
            .unwrap()
            .top_module(),
        "sc_sng_n7_sobol3"
    );
}

/// TOML files take either form too, and a typo in a table is an error.
#[test]
fn parameter_files_take_both_source_forms() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dot.toml");
    std::fs::write(
        &file,
        "inputs = 3\ncombine = \"mux\"\ninput_source = \"lfsr\"\nweight_source = { kind = \"sobol\", dimension = 4 }\nselect_source = \"lfsr:primary:9\"\nreset_weights = [1, 2, 3]\n",
    )
    .unwrap();
    let values = ParamValues::gather(Some(&file), &[]).unwrap();
    let d = unit("sc_dot_product").unwrap().design(&values).unwrap();
    assert!(
        d.top_module().starts_with("sc_dot_product_n3_w8_mux_l256_"),
        "{}",
        d.top_module()
    );
    std::fs::write(
        &file,
        "weight_source = { kind = \"sobol\", dimension = 4, seed = 1 }\n",
    )
    .unwrap();
    let values = ParamValues::gather(Some(&file), &[]).unwrap();
    let e = error_of(unit("sc_dot_product").unwrap().design(&values));
    assert!(
        e.contains("weight_source") && e.contains("dot.toml:1"),
        "{e}"
    );
}

/// Unknown keys, wrong types and values out of range name the key.
#[test]
fn parameter_errors_name_the_key() {
    let e = error_of(design_of("sc_decoder", &["windw=3"]));
    assert!(
        e.contains("unknown key `windw`") && e.contains("window"),
        "{e}"
    );
    let e = error_of(design_of("sc_decoder", &["window=0"]));
    assert!(e.contains("window") && e.contains("1..=16777216"), "{e}");
    let e = error_of(design_of("sc_sng", &["source=sobol:9"]));
    assert!(e.contains("source") && e.contains("1..=8"), "{e}");
    let e = error_of(design_of("sc_sng", &["source=bogus"]));
    assert!(e.contains("source") && e.contains("bogus"), "{e}");
    let e = error_of(design_of("sc_stdp", &["learning_rate=true"]));
    assert!(e.contains("learning_rate"), "{e}");
    let e = error_of(design_of(
        "sc_dot_product",
        &["reset_weights=[1, 2, 3, 4, 5]"],
    ));
    assert!(e.contains("reset_weights"), "{e}");
}

/// Every bitstream unit is registered with documented keys equal to its
/// raw struct's fields; defaults are the old catalog's designs.
#[test]
fn units_are_registered_with_their_keys_and_defaults() {
    for name in [
        "sc_sng",
        "sc_synapse",
        "sc_decoder",
        "sc_dot_product",
        "sc_stdp",
    ] {
        let kind: &dyn UnitKind = unit(name).unwrap();
        let defaults = kind.defaults().unwrap();
        let mut documented: Vec<&str> = kind.keys().iter().map(|k| k.key).collect();
        let mut fields: Vec<&str> = defaults.keys().map(String::as_str).collect();
        documented.sort_unstable();
        fields.sort_unstable();
        assert_eq!(documented, fields, "{name}");
        let d = hebb::units::default_design(name).unwrap();
        assert!(d.top_module().starts_with(name), "{}", d.top_module());
    }
    let names: Vec<String> = ["sc_sng", "sc_synapse", "sc_decoder"]
        .iter()
        .map(|u| hebb::units::default_design(u).unwrap().top_module())
        .collect();
    assert_eq!(
        names,
        [
            "sc_sng_n10_sobol1",
            "sc_synapse_n10_sobol2_rw512",
            "sc_decoder_l256"
        ]
    );
}

/// Module names are unique per parameter set: any parameter change renames
/// the module (a digest covers what the readable parts leave out), while a
/// parameter the design ignores does not.
#[test]
fn module_names_are_unique_per_parameter_set() {
    let name = |u: &str, sets: &[&str]| design_of(u, sets).unwrap().top_module();
    let dot = name("sc_dot_product", &[]);
    assert!(
        dot.starts_with("sc_dot_product_n4_w8_popcount_l256_"),
        "{dot}"
    );
    assert_eq!(dot.len(), "sc_dot_product_n4_w8_popcount_l256_".len() + 6);
    for change in [
        "reset_weights=[64, 128, 192, 254]",
        "input_source=sobol:4",
        "weight_source=lfsr",
        "combine=\"mux\"",
        "window=255",
    ] {
        assert_ne!(name("sc_dot_product", &[change]), dot, "{change}");
    }
    // The select source drives nothing in a popcount; missing reset weights are 0.
    assert_eq!(name("sc_dot_product", &["select_source=lfsr"]), dot);
    assert_eq!(
        name("sc_dot_product", &["reset_weights=[1, 2]"]),
        name("sc_dot_product", &["reset_weights=[1, 2, 0, 0]"])
    );
    let stdp = name("sc_stdp", &[]);
    assert!(stdp.starts_with("sc_stdp_w8_win4_b8_"), "{stdp}");
    for change in [
        "learning_rate=65",
        "ltd_ratio=300",
        "weight_step=3",
        "min_weight=1",
        "max_weight=254",
        "reset_weight=127",
        "event_source=sobol:2",
        "stream_source=lfsr",
    ] {
        assert_ne!(name("sc_stdp", &[change]), stdp, "{change}");
    }
}
