//! The `hebb` binary as users run it: exit codes, messages, output files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hebb(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hebb"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("hebb runs")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/vectors/rstdp")
}

#[test]
fn check_vectors_replays_files_through_model_and_rtl() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = ["default_16_12_8_4_4.jsonl", "tmin_16_2_8_4_4.jsonl"]
        .iter()
        .map(|f| vectors_dir().join(f).display().to_string())
        .collect();
    let mut args = vec!["check-vectors", "--rtl"];
    args.extend(files.iter().map(String::as_str));
    let out = hebb(&args, dir.path());
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert_eq!(
        t.lines()
            .filter(|l| l.contains("step model OK (20000 steps), RTL OK (20000 steps"))
            .count(),
        2,
        "{t}"
    );
}

#[test]
fn check_vectors_exits_non_zero_at_the_first_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let original =
        std::fs::read_to_string(vectors_dir().join("default_16_12_8_4_4.jsonl")).unwrap();
    // Corrupt the expected weight of one step line deep in the file.
    let mut lines: Vec<String> = original.lines().map(String::from).collect();
    let target = lines
        .iter()
        .position(|l| l.contains("\"weight\":") && !l.contains("\"weight\":0,"))
        .unwrap();
    let weight: u64 = lines[target]
        .split("\"weight\":")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    lines[target] = lines[target].replacen(
        &format!("\"weight\":{weight},"),
        &format!("\"weight\":{},", weight ^ 1),
        1,
    );
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let out = hebb(&["check-vectors", bad.to_str().unwrap()], dir.path());
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains(&format!("line {}:", target + 1))
            && t.contains(&format!("weight expected {}, actual {weight}", weight ^ 1)),
        "{t}"
    );
}

#[test]
fn bad_parameters_name_parameter_value_and_range_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, allowed) in [
        ("--weight-bits", "40", "1..=32"),
        ("--trace-bits", "1", "2..=30"),
        ("--learning-shift", "61", "0..=60"),
        ("--reset-weight", "70000", "0..=65535"),
    ] {
        let out = hebb(&["generate", flag, value, "--out", "gen"], dir.path());
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{t}");
        let name = flag.trim_start_matches("--").replace('-', "_");
        assert!(
            t.contains(&format!("`{name}` = {value}")) && t.contains(allowed),
            "{t}"
        );
        assert!(
            !dir.path().join("gen").exists(),
            "no output after a parameter error"
        );
    }
}

#[test]
fn generate_writes_rtl_constraints_and_resources() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &[
            "generate",
            "--weight-bits",
            "8",
            "--trace-bits",
            "6",
            "--out",
            "gen",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let rtl =
        std::fs::read_to_string(dir.path().join("gen/rtl/rstdp_lane_w8_t6_r8_l4_d4.v")).unwrap();
    assert!(rtl.contains("weight_bits W = 8, trace_bits T = 6"));
    assert!(rtl.contains("module rstdp_lane_w8_t6_r8_l4_d4 ("));
    for f in [
        "constraints/rstdp_lane_w8_t6_r8_l4_d4.xdc",
        "constraints/rstdp_lane_w8_t6_r8_l4_d4.sdc",
        "constraints/rstdp_lane_w8_t6_r8_l4_d4_nextpnr.py",
    ] {
        assert!(dir.path().join("gen").join(f).is_file(), "{f}");
    }
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("gen/resources.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["schema"], "hebb-resources/1");
    assert_eq!(report["targets"][0]["target"], "ice40");
    assert_eq!(report["targets"][0]["estimate"]["ffs"], 8 + 3 * 6);
}

/// With no `--unit`, the main job runs the plastic core; a lane alias
/// alone selects the lane.
#[test]
fn the_main_job_defaults_to_the_plastic_core() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &["run", "--no-synth", "--out", "core", "--timesteps", "3000"],
        dir.path(),
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("hebb main job: plastic_core "), "{t}");
    assert!(
        t.contains(", 0 diverge, 0 only in golden, 0 only in dut"),
        "{t}"
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("core/resources.json")).unwrap(),
    )
    .unwrap();
    let top = report["top_module"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(top.starts_with("plastic_core_64x16_k4_"), "{report}");
    assert!(dir.path().join(format!("core/rtl/{top}.v")).is_file());

    let lane = hebb(
        &["generate", "--weight-bits", "8", "--out", "lane"],
        dir.path(),
    );
    assert!(lane.status.success(), "{}", text(&lane));
    assert!(
        dir.path()
            .join("lane/rtl/rstdp_lane_w8_t12_r8_l4_d4.v")
            .is_file()
    );
}

#[test]
fn main_job_cosimulates_diffs_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &[
            "run",
            "--unit",
            "rstdp_lane",
            "--out",
            "job",
            "--timesteps",
            "600",
        ],
        dir.path(),
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains(
            "vcd-diff    agree: 52 signals compared, 0 diverge, 0 only in golden, 0 only in dut"
        ),
        "{t}"
    );
    for f in [
        "rtl/rstdp_lane_w16_t12_r8_l4_d4.v",
        "sim/golden.vcd",
        "sim/rtl.vcd",
        "resources.json",
    ] {
        assert!(dir.path().join("job").join(f).is_file(), "{f}");
    }
    // Both traces declare the same timescale (1 ps), whatever its spelling.
    let job = dir.path().join("job/sim");
    let timescale = |name: &str| {
        let file = std::io::BufReader::new(std::fs::File::open(job.join(name)).unwrap());
        vcd::Parser::new(file).parse_header().unwrap().timescale
    };
    assert_eq!(timescale("golden.vcd"), Some((1, vcd::TimescaleUnit::PS)));
    assert_eq!(timescale("rtl.vcd"), Some((1, vcd::TimescaleUnit::PS)));
    // The two traces diff clean through the CLI too, and a tampered one does not.
    let ok = hebb(
        &[
            "vcd-diff",
            job.join("golden.vcd").to_str().unwrap(),
            job.join("rtl.vcd").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let golden = std::fs::read_to_string(job.join("golden.vcd")).unwrap();
    let tampered = job.join("tampered.vcd");
    std::fs::write(&tampered, golden.replacen("#5000\n", "#5000\n1\"\n", 1)).unwrap();
    let bad = hebb(
        &[
            "vcd-diff",
            job.join("golden.vcd").to_str().unwrap(),
            tampered.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("DIVERGE"), "{}", text(&bad));
}

#[test]
fn sc_accuracy_prints_and_writes_json_and_svg_and_answers_a_budget() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &["sc-accuracy", "--out", "acc", "--budget", "0.0005"],
        dir.path(),
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("budget 0.0005 on the 65x65 grid of multiples of 1/64: Sobol at 1024 bits"),
        "{t}"
    );
    assert!(
        t.contains("budget 0.0005 on the grid and on random 12-bit operands: Sobol at 2048 bits"),
        "{t}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("acc/sc_accuracy.json")).unwrap(),
    )
    .unwrap();
    assert!(json.is_object(), "{json}");
    let svg = std::fs::read_to_string(dir.path().join("acc/sc_accuracy.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
}

#[test]
fn units_are_chosen_by_name_and_lane_flags_only_fit_the_lane() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &["generate", "--unit", "sc_dot_product", "--out", "dot"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let rtl: Vec<String> = std::fs::read_dir(dir.path().join("dot/rtl"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|name| name.ends_with(".v"))
        .collect();
    assert!(
        rtl.len() == 1 && rtl[0].starts_with("sc_dot_product_"),
        "{rtl:?}"
    );
    let unknown = hebb(&["generate", "--unit", "sc_nope", "--out", "x"], dir.path());
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown)
            .contains("unknown unit `sc_nope`: allowed rstdp_lane, rstdp_lane_pair, rstdp_array, lif_population, plastic_core, sc_sng"),
        "{}",
        text(&unknown)
    );
    let mixed = hebb(
        &[
            "generate",
            "--unit",
            "sc_sng",
            "--weight-bits",
            "8",
            "--out",
            "x",
        ],
        dir.path(),
    );
    assert_eq!(mixed.status.code(), Some(2));
    assert!(
        text(&mixed).contains("--weight-bits is an alias of a rstdp_lane key"),
        "{}",
        text(&mixed)
    );
    assert!(!dir.path().join("x").exists());
}

#[test]
fn parameters_come_from_a_toml_file_and_set_pairs_with_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lane.toml"),
        "# a narrow lane\nweight_bits = 8\ntrace_bits = 10\n",
    )
    .unwrap();
    let out = hebb(
        &[
            "generate",
            "--unit",
            "rstdp_lane",
            "--params",
            "lane.toml",
            "--set",
            "learning_shift=2",
            "--out",
            "a",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        dir.path()
            .join("a/rtl/rstdp_lane_w8_t10_r8_l2_d4.v")
            .is_file()
    );

    // --module-name overrides the name; the file follows it.
    let out = hebb(
        &[
            "generate",
            "--unit",
            "rstdp_lane",
            "--set",
            "weight_bits=8",
            "--module-name",
            "my_lane",
            "--out",
            "b",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let rtl = std::fs::read_to_string(dir.path().join("b/rtl/my_lane.v")).unwrap();
    assert!(rtl.contains("module my_lane ("));

    // Errors: (arguments, what the message must say); nothing is written.
    std::fs::write(
        dir.path().join("bad.toml"),
        "trace_bits = 10\nweight_bits = 40\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("typo.toml"), "weigth_bits = 8\n").unwrap();
    std::fs::write(dir.path().join("syntax.toml"), "weight_bits = = 8\n").unwrap();
    let cases: [(&[&str], &str); 7] = [
        (
            &["--params", "bad.toml"],
            "bad.toml:2: parameter `weight_bits` = 40 is out of range: allowed 1..=32",
        ),
        (
            &["--params", "typo.toml"],
            "typo.toml:1: unknown key `weigth_bits` for unit rstdp_lane",
        ),
        (&["--params", "syntax.toml"], "syntax.toml:1:"),
        (
            &["--set", "trace_bits=1"],
            "--set trace_bits=1: parameter `trace_bits` = 1 is out of range: allowed 2..=30",
        ),
        (
            &["--set", "trace_bits=wide"],
            "--set trace_bits=wide: parameter `trace_bits` = \"wide\" is not valid",
        ),
        (&["--reset-weight", "-1"], "`reset_weight` = -1"),
        (
            &["--module-name", "2lanes"],
            "--module-name `2lanes` is not a Verilog identifier",
        ),
    ];
    for (args, expected) in cases {
        let mut full = vec!["generate", "--unit", "rstdp_lane"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["--out", "never"]);
        let out = hebb(&full, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(expected), "{args:?}: {}", text(&out));
        assert!(!dir.path().join("never").exists(), "{args:?} wrote output");
    }
}

#[test]
fn units_lists_every_unit_with_keys_defaults_and_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(&["units"], dir.path());
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    for unit in hebb::units::UNITS {
        assert!(t.contains(&format!("# {}: ", unit.name())), "{t}");
        for key in unit.keys() {
            assert!(t.contains(key.key), "{t}");
        }
    }
    assert!(
        t.contains("weight_bits = 16") && t.contains("# 1..=32; W: weight bits"),
        "{t}"
    );
}

#[test]
fn outputs_stay_inside_the_output_folder_and_run_lengths_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    // A vector file whose header names a path: the testbench's hex file is named after the input file instead.
    let vectors = std::fs::read_to_string(vectors_dir().join("tmin_16_2_8_4_4.jsonl"))
        .unwrap()
        .replacen("\"name\":\"tmin_16_2_8_4_4\"", "\"name\":\"../escaped\"", 1);
    std::fs::write(dir.path().join("v.jsonl"), vectors).unwrap();
    let out = hebb(&["testbench", "v.jsonl", "--out", "tb"], dir.path());
    assert!(out.status.success(), "{}", text(&out));
    assert!(dir.path().join("tb/v.hex").is_file());
    assert!(!dir.path().join("escaped.hex").exists());

    let out = hebb(
        &["sc-accuracy", "--budget", "-1", "--out", "acc"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("`budget` = -1 is out of range"),
        "{}",
        text(&out)
    );
    assert!(!dir.path().join("acc").exists());

    let out = hebb(&["run", "--timesteps", "0", "--out", "job"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("`timesteps` = 0 is out of range: allowed 1..=1000000"),
        "{}",
        text(&out)
    );
    assert!(!dir.path().join("job").exists());
}

#[test]
fn a_composed_design_takes_nested_tables_and_errors_name_the_nested_line() {
    let dir = tempfile::tempdir().unwrap();
    let pair = "lane_a = { weight_bits = 8, trace_bits = 10, reward_bits = 6, learning_shift = 2, trace_decay_shift = 3 }\n[lane_b]\nweight_bits = 12\ntrace_bits = 8\nreward_bits = 6\nlearning_shift = 1\ntrace_decay_shift = 2\n";
    std::fs::write(dir.path().join("pair.toml"), pair).unwrap();
    let out = hebb(
        &[
            "generate",
            "--unit",
            "rstdp_lane_pair",
            "--params",
            "pair.toml",
            "--out",
            "p",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    // The pair and both of its lanes, each module in a file of its own name.
    for module in [
        "rstdp_lane_pair_w8t10r6l2d3_w12t8r6l1d2",
        "rstdp_lane_w8_t10_r6_l2_d3",
        "rstdp_lane_w12_t8_r6_l1_d2",
    ] {
        assert!(
            dir.path().join(format!("p/rtl/{module}.v")).is_file(),
            "{module}"
        );
    }
    std::fs::write(
        dir.path().join("bad.toml"),
        pair.replace(
            "reward_bits = 6\nlearning_shift = 1",
            "reward_bits = 7\nlearning_shift = 1",
        ),
    )
    .unwrap();
    let out = hebb(
        &[
            "generate",
            "--unit",
            "rstdp_lane_pair",
            "--params",
            "bad.toml",
            "--out",
            "q",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("bad.toml:5: parameter `lane_b.reward_bits` = 7 is out of range"),
        "{}",
        text(&out)
    );
    assert!(!dir.path().join("q/rtl").exists());
}

/// `--set array.n_pre=32` sets one key of the core's array table; a key
/// of a nested table that is out of range or does not exist is exit 2
/// naming it, and nothing is written.
#[test]
fn dotted_set_keys_reach_nested_tables() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &[
            "estimate",
            "--set",
            "array.n_pre=32",
            "--set",
            "population.current_bits=13",
            "--out",
            "small",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let report = std::fs::read_to_string(dir.path().join("small/resources.json")).unwrap();
    assert!(report.contains("n_pre=32"), "{report}");
    for (set, message) in [
        (
            "array.n_pre=65",
            "--set array.n_pre=65: parameter `array.n_pre` = 65 is out of range: allowed 1..=64",
        ),
        (
            "array.n_pr=8",
            "--set array.n_pr=8: unknown key `array.n_pr` for unit plastic_core: allowed keys in `array` are",
        ),
    ] {
        let out = hebb(&["estimate", "--set", set, "--out", "never"], dir.path());
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains(message), "{}", text(&out));
        assert!(!dir.path().join("never").exists());
    }
}
