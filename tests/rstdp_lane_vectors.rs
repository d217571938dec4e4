//! The lane reproduces the independent reference vectors (sc-neurocore 3.16.0,
//! copied from shared/vectors/rstdp into tests/data/vectors/rstdp).

use std::path::PathBuf;

use hebb::units::rstdp_lane::StepModel;
use hebb::units::rstdp_lane::driver::LaneDriver;
use hebb::units::rstdp_lane::vectors::{VectorFile, replay};

fn vector_files() -> Vec<VectorFile> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/vectors/rstdp");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 2,
        "expected the reference vector files in {}",
        dir.display()
    );
    paths.iter().map(|p| VectorFile::read(p).unwrap()).collect()
}

#[test]
fn step_model_reproduces_every_vector_line() {
    for file in vector_files() {
        let mut model = StepModel::from_reset(file.params);
        let checked =
            replay(&file, &mut model).unwrap_or_else(|f| panic!("{}: {f}", file.path.display()));
        assert_eq!(checked, file.step_count());
        assert_eq!(checked, 20_000, "{}", file.name);
    }
}

#[test]
fn cycle_model_reproduces_every_vector_line() {
    for file in vector_files() {
        let mut lane = LaneDriver::new(file.params, false).unwrap();
        let checked =
            replay(&file, &mut lane).unwrap_or_else(|f| panic!("{}: {f}", file.path.display()));
        assert_eq!(checked, file.step_count());
    }
}

#[test]
fn rtl_reproduces_every_vector_line() {
    for file in vector_files() {
        let mut lane = LaneDriver::new(file.params, true).unwrap();
        let checked =
            replay(&file, &mut lane).unwrap_or_else(|f| panic!("{}: {f}", file.path.display()));
        assert_eq!(checked, file.step_count());
    }
}
