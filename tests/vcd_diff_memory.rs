//! `vcd-diff` streams: its memory is bounded by the number of signals, not by
//! the length of the files. (One test in its own binary, so that no other
//! test's allocations count against the peak it measures.)

use std::io::Write;
use std::path::Path;

/// Peak resident memory of this process so far, in KiB (Linux only).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A VCD with two signals changing at each of `steps` timestamps (~31 bytes per step).
fn write_long_vcd(path: &Path, steps: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        out,
        "$timescale 1ps $end\n$scope module TOP $end\n$var wire 1 ! clk_i $end\n$var wire 16 \" count_q [15:0] $end\n$upscope $end\n$enddefinitions $end"
    )
    .unwrap();
    for t in 0..steps {
        writeln!(out, "#{}\n{}!\nb{:016b} \"", t * 5000, t % 2, t % 65_536).unwrap();
    }
    out.flush().unwrap();
}

#[test]
fn memory_stays_bounded_by_the_signal_count_not_the_file_size() {
    let Some(before) = peak_rss_kib() else {
        println!("skipped: no /proc/self/status to read the peak memory from");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (g, d) = (dir.path().join("g.vcd"), dir.path().join("d.vcd"));
    // 2 x ~25 MB, 1.6 million value changes each.
    write_long_vcd(&g, 800_000);
    write_long_vcd(&d, 800_000);
    let size = std::fs::metadata(&g).unwrap().len();
    assert!(size > 20_000_000, "{size}");
    let report = hebb::trace::diff_files(&g, &d).unwrap();
    assert!(report.agrees(), "{report}");
    let grown = peak_rss_kib().unwrap().saturating_sub(before);
    // Holding whole histories took about 5 bytes of memory per byte of VCD (275 MB here).
    assert!(
        grown < 16 * 1024,
        "peak memory grew by {grown} KiB diffing two {size}-byte files"
    );
}
