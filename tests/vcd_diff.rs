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
fn traces_without_signals_do_not_agree_and_undeclared_codes_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty =
        "$timescale 1ps $end\n$scope module TOP $end\n$upscope $end\n$enddefinitions $end\n#0\n";
    let report = diff_files(
        &write(dir.path(), "g.vcd", empty),
        &write(dir.path(), "d.vcd", empty),
    )
    .unwrap();
    assert!(
        !report.agrees(),
        "nothing compared is not agreement: {report}"
    );
    let stray = GOLDEN.replace("#15000\n", "#15000\n1?\n");
    let err = diff_files(
        &write(dir.path(), "g.vcd", GOLDEN),
        &write(dir.path(), "s.vcd", &stray),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("undeclared identifier code ?"),
        "{err}"
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
