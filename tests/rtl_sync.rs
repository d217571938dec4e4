//! `rtl/`, `constraints/` and `testbenches/` hold the default designs' generated files; this
//! test fails when they are stale. `make rtl` (HEBB_UPDATE_RTL=1) rewrites them.

use std::path::PathBuf;

use hebb::design::Design;
use hebb::flow::rendered_files;
use hebb::units::rstdp_lane::vectors::VectorFile;
use hebb::units::rstdp_lane::{RstdpLane, testbench};

fn default_designs() -> Vec<Box<dyn Design>> {
    hebb::units::UNITS
        .iter()
        .map(|u| hebb::units::default_design(u.name()).unwrap())
        .collect()
}

/// Files under the generated folders (relative paths).
fn generated_folders_content(root: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    for folder in ["rtl", "constraints", "testbenches"] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            files.push(format!("{folder}/{name}"));
        }
    }
    files
}

#[test]
fn committed_rtl_and_constraints_match_the_generator() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("HEBB_UPDATE_RTL").is_some();
    let mut stale = Vec::new();
    let mut expected = Vec::new();
    for design in default_designs() {
        expected.extend(rendered_files(design.as_ref()).unwrap());
    }
    // The Verilog testbench of the default reference vectors.
    let vectors = root.join("tests/data/vectors/rstdp/default_16_12_8_4_4.jsonl");
    let file = VectorFile::read(&vectors).unwrap();
    let (tb_name, tb, _, _) = testbench::render(&file).unwrap();
    expected.push((format!("testbenches/{tb_name}"), tb));
    // A file no default design produces any more (a renamed module) is stale too.
    for name in generated_folders_content(&root) {
        if !expected.iter().any(|(n, _)| *n == name) {
            if update {
                std::fs::remove_file(root.join(&name)).unwrap();
            } else {
                stale.push(name);
            }
        }
    }
    for (name, text) in expected {
        let path = root.join(&name);
        if update {
            hebb::outputs::write_atomic(&path, text.as_bytes()).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run `make rtl` and commit the result"
    );
}

#[test]
fn rendering_is_byte_identical_across_calls_and_parameter_orders() {
    let lane = RstdpLane::default();
    let first = rendered_files(&lane).unwrap();
    // Render other designs in between: no state may leak from one render to the next.
    for w in [1, 32] {
        let other =
            RstdpLane::new(hebb::units::rstdp_lane::LaneParams::new(w, 30, 30, 60, 30).unwrap());
        rendered_files(&other).unwrap();
    }
    assert_eq!(first, rendered_files(&lane).unwrap());
    let rtl = &first[0].1;
    assert!(
        rtl.ends_with("`default_nettype wire\n"),
        "RTL must end with a newline"
    );
    assert!(
        !rtl.contains("_zz") && !rtl.contains("_T_"),
        "no meaningless generated names"
    );
}
