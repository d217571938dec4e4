//! What `check-vectors` and `vcd-diff` answer, as exit codes, for files that
//! are not what they claim: an error (exit 2) naming file and line, never
//! "OK" (exit 0) or a difference (exit 1).

use std::path::Path;
use std::process::{Command, Output};

fn hebb(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hebb"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("hebb runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn check_vectors_on_a_file_cut_at_a_segment_boundary_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/vectors/rstdp/default_16_12_8_4_4.jsonl"),
    )
    .unwrap();
    // head -n 3002: the header, segment 0 and its 3000 steps.
    let cut: String = full.lines().take(3002).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.path().join("cut.jsonl"), cut).unwrap();
    let out = hebb(&["check-vectors", "cut.jsonl"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "error: cut.jsonl:3002: the file ends after 1 of the header's 11 segments (3000 of 20000 steps): segment 1 \"random_p25\" (3000 steps) is missing"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn vcd_diff_of_two_signal_free_traces_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty =
        "$timescale 1ps $end\n$scope module TOP $end\n$upscope $end\n$enddefinitions $end\n#0\n";
    std::fs::write(dir.path().join("a.vcd"), empty).unwrap();
    std::fs::write(dir.path().join("b.vcd"), empty).unwrap();
    let out = hebb(&["vcd-diff", "a.vcd", "b.vcd"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: a.vcd:4: no signals declared: nothing to compare"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn vcd_diff_of_an_invalid_trace_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = "$timescale 1ps $end\n$scope module TOP $end\n$var wire 1 ! clk_i $end\n$upscope $end\n$enddefinitions $end\n#0\n0!\n#10\n1!\n";
    std::fs::write(dir.path().join("g.vcd"), good).unwrap();
    std::fs::write(dir.path().join("d.vcd"), good.replace("#10", "#0\n#1\n#0")).unwrap();
    let out = hebb(&["vcd-diff", "g.vcd", "d.vcd"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: d.vcd:10: time goes backwards: #0 after #1"),
        "{}",
        stderr(&out)
    );
}
