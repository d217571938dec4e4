//! Fuzzing the two readers of untrusted files, the reference-vector reader and
//! the VCD reader of `vcd-diff`: arbitrary bytes, token soups and mutations of
//! valid files give an answer (usually an error naming file and line), never a
//! panic or a hang. Bounded in cases and input size, so it runs in seconds.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hebb::error::Error;
use hebb::trace::diff::diff_readers;
use hebb::units::rstdp_lane::vectors::VectorFile;
use proptest::prelude::*;

/// Each case gets this long; a reader that loops would blow it (or hang the test).
const PER_CASE: Duration = Duration::from_secs(5);

/// 200 cases per property, a few seconds in all; `HEBB_FUZZ_CASES=N` runs longer.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("HEBB_FUZZ_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(200),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const VCD: &str = "$version fuzz $end
$timescale 1ps $end
$scope module TOP $end
$var wire 1 ! clk_i $end
$scope module lane $end
$var wire 1 ! clk_i $end
$var wire 4 \" count_q [3:0] $end
$var real 64 # r $end
$upscope $end
$upscope $end
$enddefinitions $end
$dumpvars
0!
b0 \"
r0 #
$end
#5000
1!
b1x \"
#10000
0!
r1.5 #
";

/// A valid vector file of 2 segments of 3 steps, cut from the reference file.
fn vector_file() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vectors/rstdp/default_16_12_8_4_4.jsonl");
    let full = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = full.lines().collect();
    let mut header: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let table = header["header"]["segments"].as_array_mut().unwrap();
    table.truncate(2);
    for entry in table.iter_mut() {
        entry["steps"] = 3.into();
    }
    header["header"]["total_steps"] = 6.into();
    let mut out = vec![header.to_string()];
    for k in 0..2 {
        let start = lines
            .iter()
            .position(|l| l.starts_with(&format!("{{\"segment\":{k},")))
            .unwrap();
        let mut seg: serde_json::Value = serde_json::from_str(lines[start]).unwrap();
        seg["steps"] = 3.into();
        out.push(seg.to_string());
        out.extend(lines[start + 1..start + 4].iter().map(|l| l.to_string()));
    }
    out.join("\n") + "\n"
}

/// An error from a reader must name the file it read.
fn check_error(e: &Error, name: &str) {
    let text = e.to_string();
    assert!(text.contains(name), "{text}");
    if let Error::Parse { line, .. } = e {
        assert!(*line >= 1, "{text}");
    }
}

fn read_vectors(bytes: &[u8]) {
    let start = Instant::now();
    if let Err(e) = VectorFile::parse_bytes(Path::new("fuzz.jsonl"), bytes) {
        check_error(&e, "fuzz.jsonl");
    }
    assert!(start.elapsed() < PER_CASE, "{:?}", start.elapsed());
}

fn diff_vcds(golden: &[u8], dut: &[u8]) {
    let start = Instant::now();
    if let Err(e) = diff_readers(Path::new("g.vcd"), golden, Path::new("d.vcd"), dut) {
        let text = e.to_string();
        assert!(text.contains("g.vcd") || text.contains("d.vcd"), "{text}");
    }
    assert!(start.elapsed() < PER_CASE, "{:?}", start.elapsed());
}

/// One edit of a file's bytes.
#[derive(Debug, Clone)]
enum Edit {
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Delete(prop::sample::Index, usize),
    DuplicateLine(prop::sample::Index),
    Truncate(prop::sample::Index),
}

fn edit(pieces: &'static [&'static str]) -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (
            any::<prop::sample::Index>(),
            prop::sample::select(pieces).prop_map(|p| p.as_bytes().to_vec())
        )
            .prop_map(|(i, p)| Edit::Insert(i, p)),
        (any::<prop::sample::Index>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        any::<prop::sample::Index>().prop_map(Edit::DuplicateLine),
        any::<prop::sample::Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let at = |i: &prop::sample::Index, len: usize| i.index(len + 1);
        match e {
            Edit::Flip(i, b) if !bytes.is_empty() => {
                let k = i.index(bytes.len());
                bytes[k] = *b;
            }
            Edit::Flip(..) => {}
            Edit::Insert(i, piece) => {
                let k = at(i, bytes.len());
                bytes.splice(k..k, piece.iter().copied());
            }
            Edit::Delete(i, n) => {
                let k = at(i, bytes.len());
                let end = (k + n).min(bytes.len());
                bytes.drain(k..end);
            }
            Edit::DuplicateLine(i) => {
                let k = at(i, bytes.len());
                let start = bytes[..k]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                let end = bytes[k..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |p| k + p + 1);
                let line = bytes[start..end].to_vec();
                bytes.splice(end..end, line);
            }
            Edit::Truncate(i) => {
                let k = at(i, bytes.len());
                bytes.truncate(k);
            }
        }
    }
    bytes
}

const JSON_PIECES: &[&str] = &[
    "\"learn_en\":0,",
    "\"weigth\":7,",
    "\"segment\":1,",
    "\"segment\":0,",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "-1",
    "99999999999999999999999",
    "1e400",
    "null",
    "\n",
    "\u{feff}",
    "\"t\":0,",
    "\"steps\":18446744073709551615,",
    "\"total_steps\":0,",
    "\"eligibility\":-9223372036854775808,",
];

const VCD_PIECES: &[&str] = &[
    "$scope module a $end\n",
    "$upscope $end\n",
    "$var wire 4294967295 ! v $end\n",
    "$var wire 65536 $ w $end\n",
    "$var wire 1 ! clk_i $end\n",
    "$var wire 1 % clk_i $end\n",
    "$enddefinitions $end\n",
    "$timescale 3ns $end\n",
    "$timescale 100 fs $end\n",
    "$comment ",
    "$end",
    "$dumpvars ",
    "#0\n",
    "#18446744073709551616\n",
    "#99999\n",
    "#1\n",
    "b",
    "bxz10 \"\n",
    "r1e308 #\n",
    "rNaN #\n",
    "x!\n",
    "1?\n",
    " ",
    "\n",
    "[3:0]",
    "[7]",
    "\u{feff}",
];

fn vcd_token_soup() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(VCD_PIECES), 0..60)
        .prop_map(|pieces| pieces.concat().into_bytes())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn vector_reader_takes_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        read_vectors(&bytes);
    }

    #[test]
    fn vector_reader_takes_mutations_of_a_valid_file(
        edits in prop::collection::vec(edit(JSON_PIECES), 1..6)
    ) {
        read_vectors(&apply(vector_file().into_bytes(), &edits));
    }

    #[test]
    fn vcd_reader_takes_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        diff_vcds(VCD.as_bytes(), &bytes);
        diff_vcds(&bytes, &bytes);
    }

    #[test]
    fn vcd_reader_takes_token_soups(golden in vcd_token_soup(), dut in vcd_token_soup()) {
        diff_vcds(&golden, &dut);
        diff_vcds(VCD.as_bytes(), &dut);
    }

    #[test]
    fn vcd_reader_takes_mutations_of_a_valid_file(
        edits in prop::collection::vec(edit(VCD_PIECES), 1..6)
    ) {
        let dut = apply(VCD.as_bytes().to_vec(), &edits);
        diff_vcds(VCD.as_bytes(), &dut);
        diff_vcds(&dut, VCD.as_bytes());
    }
}

#[test]
fn the_fuzzed_valid_files_are_valid() {
    let file = VectorFile::parse_bytes(Path::new("v.jsonl"), vector_file().as_bytes()).unwrap();
    assert_eq!(file.step_count(), 6);
    let report = diff_readers(
        Path::new("g.vcd"),
        VCD.as_bytes(),
        Path::new("d.vcd"),
        VCD.as_bytes(),
    )
    .unwrap();
    assert!(report.agrees(), "{report}");
    assert_eq!(report.compared, 4);
}
