//! The independent reference vectors (tests/data/vectors/rstdp) replayed
//! through a 1x1 array give the lane's states: through the array's factored
//! step model, and through its Verilated RTL in lockstep with its cycle model.

use std::path::PathBuf;

use hebb::units::rstdp_array::driver::ArrayDriver;
use hebb::units::rstdp_array::vectors::{ArrayModelLane, single_synapse};
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
        "expected the reference vectors in {}",
        dir.display()
    );
    paths.iter().map(|p| VectorFile::read(p).unwrap()).collect()
}

#[test]
fn a_1x1_array_step_model_reproduces_every_vector_line() {
    for file in vector_files() {
        let mut array = ArrayModelLane::new(&file.params).unwrap();
        let checked =
            replay(&file, &mut array).unwrap_or_else(|f| panic!("{}: {f}", file.path.display()));
        assert_eq!(checked, file.step_count());
    }
}

#[test]
fn a_1x1_array_rtl_reproduces_every_vector_line() {
    for file in vector_files() {
        let config = single_synapse(&file.params).unwrap();
        let mut array = ArrayDriver::new(config, true).unwrap();
        let checked =
            replay(&file, &mut array).unwrap_or_else(|f| panic!("{}: {f}", file.path.display()));
        assert_eq!(checked, file.step_count());
    }
}
