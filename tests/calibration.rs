//! The resource estimate against Yosys 0.23 on every parameter set of
//! `hebb::calibration::SETS` (every unit, defaults and corners), in every
//! flow the reports use (`synth_ice40`, `synth_ice40 -dsp`, `synth_xilinx`).
//! Flip-flops, block RAMs and DSPs must agree exactly in every row. LUTs
//! are held to the accuracy measured (README, "Resource estimate"); issue
//! 8's goal, every row within 10 % on LUTs, is not reached yet, and this
//! test is the ratchet that keeps what is.

use std::sync::Mutex;

use hebb::hdl::estimate::{Flow, estimate, estimate_lut_span};
use hebb::resources::Resources;
use hebb::tools::gates::{Reading, yosys_synth_flow, yosys_synth_flow_read};

struct Row {
    label: String,
    flow: Flow,
    estimate: Resources,
    yosys: Resources,
}

fn lut_error(r: &Row) -> f64 {
    (r.estimate.luts as f64 - r.yosys.luts as f64).abs() / r.yosys.luts.max(1) as f64
}

#[test]
fn estimate_tracks_yosys_on_every_unit() {
    let count = hebb::calibration::SETS.len();
    assert!(count >= 20, "at least 20 parameter sets");
    for unit in hebb::units::UNITS {
        assert!(
            hebb::calibration::SETS
                .iter()
                .any(|(u, _)| *u == unit.name()),
            "unit {} has no calibration set",
            unit.name()
        );
    }
    let jobs: Vec<(usize, Flow)> = (0..count).flat_map(|i| Flow::ALL.map(|f| (i, f))).collect();
    let next = Mutex::new(0usize);
    let rows = Mutex::new(Vec::new());
    // Two Yosys runs at a time: the machine CI runs on has two cores.
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                // A design is not shared between threads: each builds its own.
                let designs = hebb::calibration::designs().unwrap();
                loop {
                    let job = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        jobs.get(*n - 1).copied()
                    };
                    let Some((i, flow)) = job else { break };
                    let (label, design) = &designs[i];
                    let yosys = yosys_synth_flow(design.as_ref(), flow)
                        .unwrap_or_else(|e| panic!("{label} in {}: {e}", flow.yosys_command()))
                        .resources();
                    let estimate = estimate(&design.module().unwrap(), flow);
                    rows.lock().unwrap().push(Row {
                        label: label.clone(),
                        flow,
                        estimate,
                        yosys,
                    });
                }
            });
        }
    });
    let mut rows = rows.into_inner().unwrap();
    rows.sort_by(|a, b| {
        (&a.label, a.flow.yosys_command()).cmp(&(&b.label, b.flow.yosys_command()))
    });
    let mut failures = Vec::new();
    for r in &rows {
        println!(
            "{:<60} {:<16} LUT {:>5}/{:<5} {:+4.0}%  FF {:>5}/{:<5} BRAM {}/{} DSP {}/{}",
            r.label,
            r.flow.yosys_command(),
            r.estimate.luts,
            r.yosys.luts,
            100.0 * (r.estimate.luts as f64 - r.yosys.luts as f64) / r.yosys.luts.max(1) as f64,
            r.estimate.ffs,
            r.yosys.ffs,
            r.estimate.brams,
            r.yosys.brams,
            r.estimate.dsps,
            r.yosys.dsps
        );
        if r.estimate.brams != r.yosys.brams || r.estimate.dsps != r.yosys.dsps {
            failures.push(format!(
                "{} in {}: block RAM or DSP differ",
                r.label,
                r.flow.yosys_command()
            ));
        }
        if r.estimate.ffs != r.yosys.ffs {
            failures.push(format!(
                "{} in {}: flip-flops {} against Yosys' {}",
                r.label,
                r.flow.yosys_command(),
                r.estimate.ffs,
                r.yosys.ffs
            ));
        }
        if lut_error(r) > 0.4 {
            failures.push(format!(
                "{} in {}: LUTs off by more than 40 %",
                r.label,
                r.flow.yosys_command()
            ));
        }
    }
    let exact_ffs = rows
        .iter()
        .filter(|r| r.estimate.ffs == r.yosys.ffs)
        .count();
    let exact_carries = rows
        .iter()
        .filter(|r| r.estimate.carries == r.yosys.carries)
        .count();
    let within_10 = rows.iter().filter(|r| lut_error(r) <= 0.10).count();
    let mut errors: Vec<f64> = rows.iter().map(lut_error).collect();
    errors.sort_by(f64::total_cmp);
    let median = errors[errors.len() / 2];
    println!(
        "LUT error median {:.1} %, {within_10} of {} rows within 10 %; flip-flops exact in {exact_ffs}, carry cells in {exact_carries}",
        median * 100.0,
        rows.len()
    );
    if median > 0.05 {
        failures.push(format!(
            "median LUT error {:.1} % (was at most 5 %)",
            median * 100.0
        ));
    }
    if exact_carries < 56 {
        failures.push(format!(
            "carry cells exact in only {exact_carries} rows (were 59)"
        ));
    }
    if within_10 < 68 {
        failures.push(format!(
            "only {within_10} of {} rows within 10 % on LUTs (were 69)",
            rows.len()
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The 6-bit synapse's one comparison, `gen_rand < weight_q`, is a carry
/// chain alone when Yosys takes `gen_rand` as the `$alu`'s A, and a chain
/// plus an equality tree when it takes `weight_q`; `alumacc` orders the two
/// by a hash of Yosys' internal name numbers, which hebb cannot know. The
/// same Verilog, read after a module of unused wires (its names numbered
/// higher), moves between the two: the estimate (the chain alone) must be
/// one of Yosys' outcomes, and everything but the LUTs must not move.
#[test]
fn a_comparison_costs_what_yosys_name_numbering_decides() {
    let values = hebb::params::ParamValues::gather(
        None,
        &[
            "width=6".to_string(),
            "weight_source=\"lfsr\"".to_string(),
            "reset_weight=5".to_string(),
        ],
    )
    .unwrap();
    let design = hebb::units::unit("sc_synapse")
        .unwrap()
        .design(&values)
        .unwrap();
    let readings: Vec<Reading> = (0..4).map(Reading::renumbered).collect();
    let (estimate, luts) = luts_over_readings(design.as_ref(), Flow::Ice40, &readings);
    assert!(
        luts.iter().min() != luts.iter().max(),
        "Yosys gave {luts:?} under every numbering: the comparison's cost no longer depends on it"
    );
    assert!(
        luts.contains(&estimate.luts),
        "estimate {} LUT is none of Yosys' outcomes {luts:?}",
        estimate.luts
    );
    // The report's span over both orders starts at Yosys' cheap outcome.
    let (low, high) =
        estimate_lut_span(&design.module().unwrap(), Flow::Ice40).expect("a span of LUTs");
    assert_eq!(low, *luts.iter().min().unwrap(), "span {low}..{high}");
    assert!(high > low, "span {low}..{high}");
}

/// The 4x4 array's two files (lane, then array) read the other way round
/// give Yosys' xc7 flow the same logic with its names made in another
/// order, and ABC maps the lane's read multiplexers, whose address is the
/// multiplexer of the sweep's and the host's word, differently: Yosys 0.23
/// gives 338 and 387 LUTs (the 8x8 array: 1438 and 1311). Everything but
/// the LUTs must not move; the estimate must be within 10 % of one
/// outcome, the part of a row's error outside Yosys' own range.
#[test]
fn a_design_of_several_files_costs_what_yosys_file_order_decides() {
    let values = hebb::params::ParamValues::gather(
        None,
        &[
            "n_pre=4",
            "n_post=4",
            "lanes=1",
            "weight_bits=8",
            "trace_bits=8",
        ]
        .map(String::from),
    )
    .unwrap();
    let design = hebb::units::unit("rstdp_array")
        .unwrap()
        .design(&values)
        .unwrap();
    assert!(
        design.render_rtl().unwrap().len() > 1,
        "a design of several files"
    );
    let readings = [Reading::default(), Reading::files_reversed()];
    let (estimate, luts) = luts_over_readings(design.as_ref(), Flow::Xilinx7, &readings);
    assert_ne!(
        luts[0], luts[1],
        "Yosys gave {luts:?} in both file orders: the count no longer depends on it"
    );
    assert!(
        luts.iter().any(|&y| estimate.luts.abs_diff(y) * 10 <= y),
        "estimate {} LUT is not within 10 % of any of Yosys' outcomes {luts:?}",
        estimate.luts
    );
}

/// The estimate of `design` in `flow` and Yosys' LUT count under each of
/// `readings`, asserting that nothing but the LUTs moves (flip-flops,
/// carries, block RAM and DSPs equal the estimate's in every reading).
fn luts_over_readings(
    design: &dyn hebb::design::Design,
    flow: Flow,
    readings: &[Reading],
) -> (Resources, Vec<u64>) {
    let estimate = estimate(&design.module().unwrap(), flow);
    let mut luts = Vec::new();
    for &reading in readings {
        let yosys = yosys_synth_flow_read(design, flow, reading)
            .unwrap()
            .resources();
        assert_eq!(
            (yosys.ffs, yosys.carries, yosys.brams, yosys.dsps),
            (
                estimate.ffs,
                estimate.carries,
                estimate.brams,
                estimate.dsps
            ),
            "{reading:?} moved more than the LUTs"
        );
        luts.push(yosys.luts);
    }
    println!(
        "estimate {} LUT; Yosys under {readings:?}: {luts:?}",
        estimate.luts
    );
    (estimate, luts)
}
