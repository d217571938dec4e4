//! `sc-accuracy`: the study's numbers, its outputs, and the guards on them.

use hebb::stochastic::{Generator, Source};
use hebb::studies::sc_accuracy::{
    self as accuracy, KindStreams, Operands, SourceKind, WIDTH, multiply_errors_from, run_accuracy,
};
use hebb::units::sc_dot_product::{Combine, DotInputs, DotParams, DotStep};

#[test]
fn run_accuracy_prints_and_writes_json_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let report = run_accuracy(dir.path()).unwrap();
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sc_accuracy.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["rows"].as_array().unwrap().len(), 3 * 7);
    for field in [
        "multiply_grid",
        "multiply_random",
        "dot_popcount",
        "dot_mux",
    ] {
        for stat in ["mean_abs", "max_abs", "rmse"] {
            assert!(json["rows"][0][field][stat].is_f64(), "{field}.{stat}");
        }
    }
    assert_eq!(json["rows"][0]["multiply_grid"]["samples"], 65 * 65);
    assert_eq!(json["rows"][0]["multiply_random"]["samples"], 4096);
    assert_eq!(json["operand_sets"].as_array().unwrap().len(), 2);
    // Budget answers for both operand sets, each saying which set it is for.
    let budgets = json["budgets"].as_array().unwrap();
    assert_eq!(budgets.len(), 2 * 7);
    for operands in ["grid", "random"] {
        assert_eq!(
            budgets.iter().filter(|b| b["operands"] == operands).count(),
            7
        );
    }
    // The plot: mean and worst of multiply (both operand sets) and of both
    // dot products, per source, with a legend and axis labels.
    let svg = std::fs::read_to_string(dir.path().join("sc_accuracy.svg")).unwrap();
    assert!(svg.contains("<svg"));
    for (text, count) in [
        ("multiply x·w, 65x65 grid", 1),
        ("multiply x·w, 4096 random 12-bit pairs", 1),
        ("dot product, popcount", 1),
        ("dot product, multiplexer", 1),
        ("stream length L (cycles, log scale)", 4),
        ("absolute error (log scale)", 4),
    ] {
        assert_eq!(svg.matches(text).count(), count, "{text}");
    }
    for kind in ["lfsr_pair", "sobol", "correlated"] {
        for stat in ["mean", "worst"] {
            assert_eq!(
                svg.matches(&format!("{kind} {stat}")).count(),
                4,
                "{kind} {stat}"
            );
        }
    }
    let text = report.to_string();
    assert!(text.contains("lfsr_pair") && text.contains("budget"));
    assert!(text.contains("operands `grid`") && text.contains("operands `random`"));

    let at = |kind, len, operands| *report.row(kind, len).unwrap().multiply(operands);
    let (sobol, lfsr, corr) = (
        at(SourceKind::Sobol, 1024, Operands::Grid),
        at(SourceKind::LfsrPair, 1024, Operands::Grid),
        at(SourceKind::Correlated, 1024, Operands::Grid),
    );
    let sobol_random = at(SourceKind::Sobol, 1024, Operands::Random);
    println!(
        "1024 bits, grid: sobol {sobol:?}\nlfsr {lfsr:?}\ncorrelated {corr:?}\nrandom operands: sobol {sobol_random:?}"
    );
    // The goal of the issue, stated on the 65x65 grid: met there.
    assert!(sobol.rmse <= 0.0005, "{sobol:?}");
    // Random operands (not multiples of 1/64). With L = 1024 Sobol points
    // the estimate is a multiple of 1/1024 ~ 0.00098, and the (0, m, 2)-net
    // property makes counts exact only in dyadic boxes; a grid rectangle
    // [0, k/64) x [0, l/64) is a union of such boxes along both edges' dyadic
    // structure, a random rectangle cuts through boxes on both edges and is
    // off by up to a few points. So the RMSE sits near one count, 1/1024,
    // not below the 0.0005 goal; it must stay within 0.001 (measured 0.0008).
    assert!(sobol_random.rmse <= 0.001, "{sobol_random:?}");
    assert!(sobol_random.rmse > sobol.rmse, "{sobol_random:?}");
    assert!(sobol_random.max_abs < 0.005, "{sobol_random:?}");
    // The orientation figures hold on both operand sets.
    for operands in Operands::ALL {
        let (s, l, c) = (
            at(SourceKind::Sobol, 1024, operands),
            at(SourceKind::LfsrPair, 1024, operands),
            at(SourceKind::Correlated, 1024, operands),
        );
        assert!(l.rmse < 0.02 && c.rmse > 0.05, "{operands:?}: {l:?} {c:?}");
        assert!(s.rmse < l.rmse && l.rmse < c.rmse, "{operands:?}");
        // Longer low-discrepancy streams are better; correlation does not average away.
        assert!(
            at(SourceKind::Sobol, 4096, operands).rmse
                < at(SourceKind::Sobol, 64, operands).rmse / 10.0
        );
        assert!(at(SourceKind::Correlated, 4096, operands).rmse > 0.05);
    }
    // Budget answers: the cheapest choice for 0.0005 is a Sobol stream of at
    // most 1024 bits on the grid; for random operands it needs longer
    // streams, and the answer for both sets is the longer one.
    let (kind, grid_len) = report
        .cheapest_for_operands(0.0005, Operands::Grid)
        .unwrap();
    assert_eq!(kind, SourceKind::Sobol);
    assert!(grid_len <= 1024);
    let (kind, random_len) = report
        .cheapest_for_operands(0.0005, Operands::Random)
        .unwrap();
    assert_eq!(kind, SourceKind::Sobol);
    assert!(random_len > 1024 && random_len <= 4096);
    assert_eq!(report.cheapest_for_all(0.0005), Some((kind, random_len)));
    assert_eq!(
        report.cheapest_for_operands(0.0005, Operands::Grid),
        Some((SourceKind::Sobol, grid_len))
    );
}

/// The random-pair errors counted in one pass per pair equal the grid
/// routine's errors of the same pairs, length by length.
#[test]
fn random_pair_errors_match_a_direct_count() {
    let x = Generator::new(WIDTH, Source::sobol(1)).unwrap().take(512);
    let w = Generator::new(WIDTH, Source::LFSR).unwrap().take(512);
    let pairs = accuracy::random_pairs(WIDTH, 50);
    assert!(pairs.iter().all(|&(a, b)| a < 4096 && b < 4096));
    assert!(pairs.iter().any(|&(a, _)| a % 64 != 0), "not on the grid");
    let lengths = [1, 64, 100, 512];
    let stats = accuracy::multiply_pair_errors(&x, &w, WIDTH, &pairs, &lengths);
    for (&len, got) in lengths.iter().zip(&stats) {
        let errors = pairs.iter().map(|&(a, b)| {
            let count = (0..len).filter(|&i| x[i] < a && w[i] < b).count();
            count as f64 / len as f64 - (a * b) as f64 / (1u64 << 24) as f64
        });
        let want = accuracy::ErrorStats::from_errors(errors);
        assert_eq!(got.samples, 50);
        assert!(
            (got.rmse - want.rmse).abs() < 1e-12,
            "{len}: {got:?} {want:?}"
        );
        assert!((got.max_abs - want.max_abs).abs() < 1e-12, "{len}");
        assert!((got.mean_abs - want.mean_abs).abs() < 1e-12, "{len}");
    }
}

/// Sobol dimensions must be indexed in the same order: dimension 2 in
/// Gray-code order against dimension 1 in natural order ruins the product.
#[test]
fn mixing_sobol_index_orders_ruins_the_product() {
    let len = 1024;
    let aligned_x = Generator::new(WIDTH, Source::sobol(1)).unwrap().take(len);
    let aligned_w = Generator::new(WIDTH, Source::sobol(2)).unwrap().take(len);
    let gray_w: Vec<u64> = (0..len).map(|i| aligned_w[i ^ (i >> 1)]).collect();
    let aligned = multiply_errors_from(&aligned_x, &aligned_w, WIDTH);
    let mixed = multiply_errors_from(&aligned_x, &gray_w, WIDTH);
    println!("aligned {aligned:?}\nmixed {mixed:?}");
    assert!(aligned.rmse <= 0.0005);
    assert!(mixed.rmse > 0.02, "{mixed:?}");
}

/// The study's fast dot-product counts equal the per-cycle step model's window count.
#[test]
fn study_dot_counts_match_the_step_model() {
    let len = 300;
    for kind in SourceKind::ALL {
        let streams = KindStreams::new(kind, 8, len);
        let (xs, ws, ss) = kind.sources(8);
        for (x, w) in accuracy::dot_vectors(8, 3, 4) {
            let (pop, mux) = streams.dot_counts(&x, &w);
            for (combine, expected) in [(Combine::Popcount, pop), (Combine::Mux, mux)] {
                let params = DotParams::new(3, 8, combine, len as u64, xs, ws, ss, &w).unwrap();
                let mut step = DotStep::new(&params);
                let packed = x.iter().enumerate().fold(0, |p, (j, v)| p | (v << (8 * j)));
                let inputs = DotInputs {
                    en: true,
                    x: packed,
                    ..Default::default()
                };
                for _ in 0..len {
                    step.step(&inputs);
                }
                let out = step.outputs(&inputs);
                assert!(out.valid);
                assert_eq!(out.sum, expected, "{kind:?} {combine:?} {x:?} {w:?}");
            }
        }
    }
}
