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

/// The first `n` lines of the default vector file.
fn head(n: usize) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vectors/rstdp/default_16_12_8_4_4.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .take(n)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn malformed_vector_files_are_rejected_with_their_line() {
    let parse = |text: &str| {
        VectorFile::parse(std::path::Path::new("v.jsonl"), text)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    // Segment 0 declares 3000 steps; a file cut short is not a shorter file.
    assert!(
        parse(&head(50)).contains("v.jsonl:2: segment 0 declares 3000 steps but has 48"),
        "{}",
        parse(&head(50))
    );
    assert!(
        parse(&head(1)).contains("no step lines"),
        "{}",
        parse(&head(1))
    );
    let lines: Vec<String> = head(3002).lines().map(String::from).collect();
    let with = |i: usize, from: &str, to: &str| {
        let mut l = lines.clone();
        assert!(l[i].contains(from), "{}", l[i]);
        l[i] = l[i].replacen(from, to, 1);
        l.join("\n")
    };
    assert!(
        parse(&with(5, "\"pre\":0", "\"pre\":2"))
            .contains("v.jsonl:6: bad step line: a spike is 0 or 1, not 2"),
        "{}",
        parse(&with(5, "\"pre\":0", "\"pre\":2"))
    );
    assert!(
        parse(&with(5, "\"t\":3", "\"t\":4"))
            .contains("v.jsonl:6: t = 4 where step 3 of segment 0 was expected")
    );
    assert!(
        parse(&with(5, "\"eligibility\":0", "\"eligibility\":4096"))
            .contains("v.jsonl:6: state out of range")
    );
}
