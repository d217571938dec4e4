//! `vcd-diff` matches signals by hierarchical name, whatever the identifier
//! codes, declaration order, scope layout or timescale, and reports the first
//! divergence per signal and the signals present in only one file.

use std::path::{Path, PathBuf};

use hebb::trace::diff_files;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const GOLDEN: &str = "$timescale 1ps $end
$scope module TOP $end
$var wire 1 ! clk_i $end
$scope module lane $end
$var wire 1 ! clk_i $end
$var wire 4 \" count_q [3:0] $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
0!
b0000 \"
#5000
1!
b0001 \"
#10000
0!
#15000
1!
b0010 \"
";

#[test]
fn same_signals_under_other_codes_order_layout_and_timescale_agree() {
    let dir = tempfile::tempdir().unwrap();
    // Other codes, the module scope declared before the top-level port, the
    // module scope opened twice, 1 ns units, vectors written without leading zeros.
    let dut = "$timescale 1ns $end
$scope module TOP $end
$scope module lane $end
$var wire 4 a count_q [3:0] $end
$upscope $end
$scope module lane $end
$var wire 1 b clk_i $end
$upscope $end
$var wire 1 b clk_i $end
$upscope $end
$enddefinitions $end
#0
0b
b0 a
#5
1b
b1 a
#10
0b
#15
1b
b10 a
";
    let report = diff_files(
        &write(dir.path(), "g.vcd", GOLDEN),
        &write(dir.path(), "d.vcd", dut),
    )
    .unwrap();
    assert!(report.agrees(), "{report}");
    assert_eq!(report.compared, 3);
}

#[test]
fn first_divergence_and_one_sided_signals_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let dut = GOLDEN
        .replace("#15000\n1!\nb0010 \"", "#15000\n1!\nb0011 \"")
        .replace(
            "$var wire 4 \" count_q [3:0] $end",
            "$var wire 4 \" count_q [3:0] $end\n$var wire 1 # extra_o $end",
        );
    let report = diff_files(
        &write(dir.path(), "g.vcd", GOLDEN),
        &write(dir.path(), "d.vcd", &dut),
    )
    .unwrap();
    assert!(!report.agrees());
    assert_eq!(report.divergences.len(), 1, "{report}");
    let d = &report.divergences[0];
    assert_eq!(
        (
            d.signal.as_str(),
            d.time,
            d.expected.as_str(),
            d.actual.as_str()
        ),
        ("TOP.lane.count_q", 15000, "0010", "0011")
    );
    assert_eq!(report.only_in_dut, vec!["TOP.lane.extra_o".to_string()]);
    assert!(report.only_in_golden.is_empty());
    let text = report.to_string();
    assert!(
        text.contains("DIVERGE TOP.lane.count_q at 15000 1ps: expected 0010 actual 0011"),
        "{text}"
    );
    assert!(text.contains("ONLY-IN-DUT    TOP.lane.extra_o"), "{text}");
}

#[test]
fn a_signal_missing_from_the_dut_disagrees() {
    let dir = tempfile::tempdir().unwrap();
    // The DUT lacks count_q: neither its declaration nor its value changes.
    let dut: String = GOLDEN
        .lines()
        .filter(|l| !l.contains("count_q") && !l.ends_with(" \""))
        .map(|l| format!("{l}\n"))
        .collect();
    let report = diff_files(
        &write(dir.path(), "g.vcd", GOLDEN),
        &write(dir.path(), "d.vcd", &dut),
    )
    .unwrap();
    assert!(!report.agrees());
    assert_eq!(report.only_in_golden, vec!["TOP.lane.count_q".to_string()]);
}

#[test]
fn an_unreadable_file_is_a_clear_error() {
    let err = diff_files(
        Path::new("/nonexistent/g.vcd"),
        Path::new("/nonexistent/d.vcd"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/g.vcd"), "{err}");
}

#[test]
fn traces_without_signals_are_an_error_not_a_difference() {
    let dir = tempfile::tempdir().unwrap();
    let empty =
        "$timescale 1ps $end\n$scope module TOP $end\n$upscope $end\n$enddefinitions $end\n#0\n";
    let g = write(dir.path(), "g.vcd", empty);
    let err = diff_files(&g, &write(dir.path(), "d.vcd", empty)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:4: no signals declared: nothing to compare", g.display())
    );
    // Against a trace that has signals, the empty one is still the error.
    let err = diff_files(&write(dir.path(), "full.vcd", GOLDEN), &g).unwrap_err();
    assert!(
        err.to_string().contains("g.vcd:4: no signals declared"),
        "{err}"
    );
}

#[test]
fn undeclared_codes_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let stray = GOLDEN.replace("#15000\n", "#15000\n1?\n");
    let err = diff_files(
        &write(dir.path(), "g.vcd", GOLDEN),
        &write(dir.path(), "s.vcd", &stray),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("s.vcd:19: value change for undeclared identifier code ?"),
        "{err}"
    );
}

/// The error `dut` gives against GOLDEN, and the path it was written to.
fn dut_error(dut: &str) -> (String, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let g = write(dir.path(), "g.vcd", GOLDEN);
    let d = write(dir.path(), "d.vcd", dut);
    let err = diff_files(&g, &d).unwrap_err().to_string();
    (err, d)
}

#[test]
fn a_declared_width_over_the_limit_is_an_error_at_once() {
    // 150 bytes that once took 19 s and 8.4 GB.
    let hostile = "$timescale 1ps $end\n$scope module TOP $end\n$var wire 4294967295 ! v $end\n$upscope $end\n$enddefinitions $end\n#0\nb1 !\n#1\nb0 !\n";
    let start = std::time::Instant::now();
    let (err, d) = dut_error(hostile);
    assert!(start.elapsed().as_secs() < 2, "{:?}", start.elapsed());
    assert_eq!(
        err,
        format!(
            "{}:3: $var width `4294967295`: vcd-diff takes widths from 1 to 65536 bits",
            d.display()
        )
    );
    assert_eq!(hebb::trace::diff::MAX_WIDTH, 65_536);
    let (err, _) = dut_error(&hostile.replace("4294967295", "65537"));
    assert!(err.contains(":3: $var width `65537`"), "{err}");
    let (err, _) = dut_error(&hostile.replace("4294967295", "0"));
    assert!(err.contains(":3: $var width `0`"), "{err}");
    // The limit itself is a valid width, on both sides.
    let dir = tempfile::tempdir().unwrap();
    let widest = hostile.replace("4294967295", "65536");
    let widest = widest.replace("#1\nb0 !", &format!("#1\nb{} !", "1".repeat(65_536)));
    let report = diff_files(
        &write(dir.path(), "a.vcd", &widest),
        &write(dir.path(), "b.vcd", &widest),
    )
    .unwrap();
    assert!(report.agrees(), "{report}");
    // A value longer than any width is refused as it is read.
    let (err, _) = dut_error(&GOLDEN.replace("b0001 \"", &format!("b{} \"", "1".repeat(200_000))));
    assert!(err.contains(":15: a token longer than"), "{err}");
}

#[test]
fn time_going_backwards_is_an_error_naming_file_and_line() {
    let (err, d) = dut_error(&GOLDEN.replace("#15000\n", "#4999\n"));
    assert_eq!(
        err,
        format!(
            "{}:18: time goes backwards: #4999 after #10000",
            d.display()
        )
    );
    // A timestamp repeated is not going backwards.
    let dir = tempfile::tempdir().unwrap();
    let repeated = GOLDEN.replace("#10000\n0!\n", "#10000\n#10000\n0!\n#10000\n");
    let report = diff_files(
        &write(dir.path(), "g.vcd", GOLDEN),
        &write(dir.path(), "r.vcd", &repeated),
    )
    .unwrap();
    assert!(report.agrees(), "{report}");
}

#[test]
fn a_timescale_other_than_1_10_or_100_units_is_an_error() {
    let (err, d) = dut_error(&GOLDEN.replace("$timescale 1ps $end", "$timescale 3ns $end"));
    assert_eq!(
        err,
        format!(
            "{}:1: $timescale 3ns: the number must be 1, 10 or 100",
            d.display()
        )
    );
    let (err, _) = dut_error(&GOLDEN.replace("$timescale 1ps $end", "$timescale 1 qs $end"));
    assert!(
        err.contains(":1: $timescale 1qs: the unit must be"),
        "{err}"
    );
    // 10 and 100 units are fine, written in either spelling.
    let dir = tempfile::tempdir().unwrap();
    let tens = GOLDEN
        .replace("$timescale 1ps $end", "$timescale\n 10 ps\n$end")
        .replace("#5000\n", "#500\n")
        .replace("#10000\n", "#1000\n")
        .replace("#15000\n", "#1500\n");
    let report = diff_files(
        &write(dir.path(), "g.vcd", GOLDEN),
        &write(dir.path(), "t.vcd", &tens),
    )
    .unwrap();
    assert!(report.agrees(), "{report}");
    assert_eq!(report.timescale, "1ps");
}

#[test]
fn two_codes_under_one_hierarchical_name_are_an_error() {
    // A second count_q with its own code: which of the two would be compared?
    let twice = GOLDEN.replace(
        "$upscope $end\n$upscope $end",
        "$var wire 4 # count_q [3:0] $end\n$upscope $end\n$upscope $end",
    );
    let (err, d) = dut_error(&twice);
    assert_eq!(
        err,
        format!(
            "{}:7: TOP.lane.count_q is declared with identifier code \" at line 6 and # here: two signals under one name cannot be compared",
            d.display()
        )
    );
    // One code under one name twice (a scope opened again) is one signal.
    let dir = tempfile::tempdir().unwrap();
    let again = GOLDEN.replace(
        "$upscope $end\n$upscope $end",
        "$var wire 4 \" count_q [3:0] $end\n$upscope $end\n$upscope $end",
    );
    let report = diff_files(
        &write(dir.path(), "g.vcd", GOLDEN),
        &write(dir.path(), "a.vcd", &again),
    )
    .unwrap();
    assert!(report.agrees(), "{report}");
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let report = diff_files(
        &write(dir.path(), "g.vcd", GOLDEN),
        &write(dir.path(), "b.vcd", &format!("\u{feff}{GOLDEN}")),
    )
    .unwrap();
    assert!(report.agrees(), "{report}");
}

#[test]
fn a_vector_agrees_with_its_left_extension_and_x_fills_with_x() {
    let dir = tempfile::tempdir().unwrap();
    // b0001 is b1; bx is bxxxx but not b0xxx.
    let short = GOLDEN
        .replace("b0001 \"", "b1 \"")
        .replace("b0000 \"", "bxx \"");
    let xs = GOLDEN.replace("b0000 \"", "bxxxx \"");
    let report = diff_files(
        &write(dir.path(), "x.vcd", &xs),
        &write(dir.path(), "s.vcd", &short),
    )
    .unwrap();
    assert!(report.agrees(), "{report}");
    let zero_x = GOLDEN.replace("b0000 \"", "b0x \"");
    let report = diff_files(
        &write(dir.path(), "x.vcd", &xs),
        &write(dir.path(), "z.vcd", &zero_x),
    )
    .unwrap();
    assert_eq!(report.divergences.len(), 1, "{report}");
    assert_eq!(
        (
            report.divergences[0].expected.as_str(),
            report.divergences[0].actual.as_str()
        ),
        ("xxxx", "000x")
    );
}
#[test]
fn a_value_wider_than_its_declaration_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let wide = GOLDEN.replace("b0001 \"", "b10001 \"");
    let err = diff_files(
        &write(dir.path(), "g.vcd", GOLDEN),
        &write(dir.path(), "w.vcd", &wide),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("a 5-bit value for TOP.lane.count_q, declared 4 bits wide"),
        "{err}"
    );
}
