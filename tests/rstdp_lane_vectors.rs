//! The lane reproduces the independent reference vectors (sc-neurocore 3.16.0,
//! copied from shared/vectors/rstdp into tests/data/vectors/rstdp).

use std::path::{Path, PathBuf};

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

/// A pipelined lane replays every file with timesteps back to back (one per
/// clock); its weight comes `pipeline` clocks after its traces.
#[test]
fn pipelined_cycle_models_reproduce_every_vector_line() {
    for file in vector_files() {
        for pipeline in 1..=6 {
            let params = file.params.with_pipeline(pipeline).unwrap();
            let mut lane = LaneDriver::new(params, false).unwrap();
            let checked = replay(&file, &mut lane)
                .unwrap_or_else(|f| panic!("{} pipeline {pipeline}: {f}", file.path.display()));
            assert_eq!(checked, file.step_count());
        }
    }
}

#[test]
fn pipelined_rtl_reproduces_every_vector_line() {
    for file in vector_files() {
        for pipeline in [2, 3] {
            let params = file.params.with_pipeline(pipeline).unwrap();
            let mut lane = LaneDriver::new(params, true).unwrap();
            let checked = replay(&file, &mut lane)
                .unwrap_or_else(|f| panic!("{} pipeline {pipeline}: {f}", file.path.display()));
            assert_eq!(checked, file.step_count());
        }
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
    // A header alone promises segments it does not have.
    assert!(
        parse(&head(1)).contains("v.jsonl:1: the file ends after 0 of the header's 11 segments"),
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

fn parse_err(text: &str) -> String {
    match VectorFile::parse(Path::new("v.jsonl"), text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// A small valid file: the default file's first `steps[i]` steps of each of
/// its first `steps.len()` segments, with a header that promises exactly those.
fn small(steps: &[usize]) -> Vec<String> {
    let full = head(usize::MAX);
    let lines: Vec<&str> = full.lines().collect();
    let mut header: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let table = header["header"]["segments"].as_array_mut().unwrap();
    table.truncate(steps.len());
    for (entry, &n) in table.iter_mut().zip(steps) {
        entry["steps"] = n.into();
    }
    header["header"]["total_steps"] = steps.iter().sum::<usize>().into();
    let mut out = vec![header.to_string()];
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("{\"segment\""))
        .collect();
    for (k, &n) in steps.iter().enumerate() {
        let mut seg: serde_json::Value = serde_json::from_str(lines[starts[k]]).unwrap();
        seg["steps"] = n.into();
        out.push(seg.to_string());
        out.extend(lines[starts[k] + 1..][..n].iter().map(|l| l.to_string()));
    }
    out
}

#[test]
fn the_small_file_helper_makes_valid_files() {
    let file = VectorFile::parse(Path::new("v.jsonl"), &small(&[3, 2]).join("\n")).unwrap();
    assert_eq!(file.step_count(), 5);
    assert_eq!(file.segments.len(), 2);
}

#[test]
fn a_file_cut_at_a_segment_boundary_names_the_missing_segment() {
    // Header, segment 0 and its 3000 steps: 3000 of the 20000 steps promised.
    let e = parse_err(&head(3002));
    assert!(
        e.contains("v.jsonl:3002: the file ends after 1 of the header's 11 segments (3000 of 20000 steps): segment 1 \"random_p25\" (3000 steps) is missing"),
        "{e}"
    );
    // Cut just after a segment line: that segment is short, not missing.
    let e = parse_err(&head(3003));
    assert!(
        e.contains("v.jsonl:3003: segment 1 declares 3000 steps but has 0"),
        "{e}"
    );
    // The same file read from disk through the CLI's path.
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, head(3002) + "\n").unwrap();
    let e = VectorFile::read(&cut).unwrap_err().to_string();
    assert!(
        e.contains("segment 1 \"random_p25\" (3000 steps) is missing"),
        "{e}"
    );
}

#[test]
fn the_header_promise_is_checked_against_itself() {
    let base = small(&[3, 2]);
    let with_header = |from: &str, to: &str| {
        let mut l = base.clone();
        assert!(l[0].contains(from), "{}", l[0]);
        l[0] = l[0].replacen(from, to, 1);
        parse_err(&l.join("\n"))
    };
    let e = with_header("\"total_steps\":5", "\"total_steps\":6");
    assert!(
        e.contains("v.jsonl:1: total_steps = 6 but the segment table adds up to 5"),
        "{e}"
    );
    let e = with_header("\"max_trace\":4095", "\"max_trace\":4094");
    assert!(
        e.contains("v.jsonl:1: derived.max_trace = 4094, but the config gives 4095"),
        "{e}"
    );
    let e = with_header("\"segment\":1", "\"segment\":0");
    assert!(
        e.contains("v.jsonl:1: the header's segment table lists segment 0 where segment 1 was expected (a duplicate)"),
        "{e}"
    );
    let e = with_header("reward_modulated_stdp", "pair_stdp");
    assert!(e.contains("config.rule_family is \"pair_stdp\""), "{e}");
    // A segment line that disagrees with the table.
    let mut l = base.clone();
    l[5] = l[5].replacen("\"steps\":2", "\"steps\":1", 1);
    let e = parse_err(&l.join("\n"));
    assert!(e.contains("v.jsonl:6: segment 1 is"), "{e}");
    // More segments than the table lists.
    let mut l = base.clone();
    l.push(l[1].replacen("\"segment\":0", "\"segment\":2", 1));
    let e = parse_err(&l.join("\n"));
    assert!(
        e.contains("v.jsonl:9: segment 2 is not in the header's table of 2 segments"),
        "{e}"
    );
}

#[test]
fn unknown_or_misspelled_fields_are_rejected_with_file_line_and_field() {
    let base = small(&[3, 2]);
    let with = |i: usize, from: &str, to: &str| {
        let mut l = base.clone();
        assert!(l[i].contains(from), "{}", l[i]);
        l[i] = l[i].replacen(from, to, 1);
        parse_err(&l.join("\n"))
    };
    // learn_en is not part of the format: a file must not switch learning off unseen.
    let e = with(3, "{\"t\":1,", "{\"t\":1,\"learn_en\":0,");
    assert!(
        e.contains("v.jsonl:4: bad step line: unknown field `learn_en`"),
        "{e}"
    );
    let e = with(3, "\"weight\"", "\"weigth\"");
    assert!(
        e.contains("v.jsonl:4: bad step line: unknown field `weigth`"),
        "{e}"
    );
    let e = with(1, "\"rtl_comparable\"", "\"rtl_comparabel\"");
    assert!(
        e.contains("v.jsonl:2: bad segment line: unknown field `rtl_comparabel`"),
        "{e}"
    );
    let e = with(0, "\"seed\"", "\"sede\"");
    assert!(
        e.contains("v.jsonl:1: bad header: unknown field `sede`"),
        "{e}"
    );
    let e = with(0, "\"trace_bits\"", "\"trace_bits\":12,\"trace_bitz\"");
    assert!(
        e.contains("v.jsonl:1: bad header: unknown field `trace_bitz`"),
        "{e}"
    );
}

#[test]
fn a_json_array_is_not_a_step_line() {
    let mut l = small(&[3, 2]);
    // The fields of step 1 by position: serde would take them for the struct.
    l[3] = "[1,0,0,5,0,0,0,0]".into();
    let e = parse_err(&l.join("\n"));
    assert!(
        e.contains("v.jsonl:4: bad step line: expected a JSON object"),
        "{e}"
    );
}

#[test]
fn duplicate_or_out_of_order_segment_indices_are_rejected() {
    let base = small(&[2, 2, 2]);
    let with_segment = |i: usize, index: u64| {
        let mut l = base.clone();
        let from = format!("\"segment\":{}", (i - 1) / 3);
        assert!(l[i].contains(&from), "{}", l[i]);
        l[i] = l[i].replacen(&from, &format!("\"segment\":{index}"), 1);
        parse_err(&l.join("\n"))
    };
    let e = with_segment(4, 0);
    assert!(
        e.contains("v.jsonl:5: segment 0 where segment 1 was expected (a duplicate"),
        "{e}"
    );
    let e = with_segment(4, 2);
    assert!(
        e.contains("v.jsonl:5: segment 2 where segment 1 was expected (out of order"),
        "{e}"
    );
}

#[test]
fn state_out_of_range_names_the_field_and_the_value() {
    let base = small(&[3]);
    let with = |from: &str, to: &str| {
        let mut l = base.clone();
        l[3] = l[3].replacen(from, to, 1);
        parse_err(&l.join("\n"))
    };
    let e = with("\"pre_trace\":0", "\"pre_trace\":4096");
    assert!(
        e.contains(
            "v.jsonl:4: state out of range for 16_12_8_4_4: pre_trace = 4096, allowed 0..=4095"
        ),
        "{e}"
    );
    let e = with("\"eligibility\":0", "\"eligibility\":-2049");
    assert!(
        e.contains("eligibility = -2049, allowed -2048..=2047"),
        "{e}"
    );
}

#[test]
fn a_byte_order_mark_is_accepted_and_bad_bytes_are_named() {
    let text = small(&[3]).join("\n");
    let file = VectorFile::parse(Path::new("v.jsonl"), &format!("\u{feff}{text}")).unwrap();
    assert_eq!(file.step_count(), 3);
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    assert_eq!(
        VectorFile::parse_bytes(Path::new("v.jsonl"), &bytes)
            .unwrap()
            .step_count(),
        3
    );
    let mut bad = text.into_bytes();
    let at = bad.iter().rposition(|&b| b == b'0').unwrap();
    bad[at] = 0xff;
    let e = VectorFile::parse_bytes(Path::new("v.jsonl"), &bad)
        .unwrap_err()
        .to_string();
    assert!(e.contains("v.jsonl:5: not UTF-8 text"), "{e}");
}
