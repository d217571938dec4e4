//! The generated Verilog testbench replays the reference vectors through the
//! RTL under Icarus Verilog, an independent simulator, with the file's own
//! expectations; and it reports a planted fault.

use std::path::PathBuf;

use hebb::design::Design;
use hebb::tools::icarus::simulate;
use hebb::units::rstdp_lane::RstdpLane;
use hebb::units::rstdp_lane::testbench::render;
use hebb::units::rstdp_lane::vectors::VectorFile;

fn run_testbench(vector_file: &str, mutate: impl Fn(String) -> String) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vectors/rstdp")
        .join(vector_file);
    let file = VectorFile::read(&path).unwrap();
    let (tb_name, tb, hex_name, hex) = render(&file).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lane = RstdpLane::new(file.params);
    let rtl = mutate(lane.render_top().unwrap());
    let module = lane.top_module();
    let rtl_name = format!("{module}.v");
    std::fs::write(dir.path().join(&rtl_name), rtl).unwrap();
    std::fs::write(dir.path().join(&tb_name), tb).unwrap();
    std::fs::write(dir.path().join(&hex_name), hex).unwrap();
    simulate(
        dir.path(),
        &format!("{module}_tb"),
        &[&rtl_name, &tb_name],
        &[&format!("+vectors={hex_name}")],
    )
    .unwrap()
}

#[test]
fn icarus_replays_both_vector_files_without_a_mismatch() {
    for file in ["default_16_12_8_4_4.jsonl", "tmin_16_2_8_4_4.jsonl"] {
        let out = run_testbench(file, |rtl| rtl);
        assert!(
            out.contains(&format!("PASS: 20000 steps of {file}")),
            "{out}"
        );
    }
}

#[test]
fn icarus_testbench_reports_a_planted_fault_with_its_vector_line() {
    let site = "(|weight_sum[19:16]) ? MAX_WEIGHT";
    let out = run_testbench("default_16_12_8_4_4.jsonl", |rtl| {
        assert_eq!(rtl.matches(site).count(), 1);
        rtl.replace(site, "1'b0 ? MAX_WEIGHT")
    });
    assert!(
        out.contains("MISMATCH vector line ") && out.contains("FAIL"),
        "{out}"
    );
}
