//! `hebb synth` and `hebb estimate`: the resource report with Fmax from place
//! and route, and constraints naming a clock the design meets.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hebb::constraints::{Clock, DEFAULT_FREQ_MHZ, FMAX_MARGIN};
use hebb::tools::nextpnr::{Ice40Part, synthesize};

fn hebb(args: &[&str], dir: &Path, path_env: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hebb"));
    command.args(args).current_dir(dir);
    if let Some(path) = path_env {
        command.env("PATH", path);
    }
    command.output().expect("hebb runs")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The clock (MHz) a nextpnr pre-pack script asks for.
fn pre_pack_clock(script: &str) -> f64 {
    let line = script
        .lines()
        .find(|l| l.starts_with("ctx.addClock(\"clk_i\", "))
        .expect("an addClock line");
    line.trim_start_matches("ctx.addClock(\"clk_i\", ")
        .trim_end_matches(')')
        .parse()
        .unwrap()
}

/// Where `tool` lives on this machine's PATH.
fn which(tool: &str) -> PathBuf {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{tool} is on PATH (run `make setup`)");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

#[test]
fn synth_pnr_reports_fmax_and_writes_a_constraint_nextpnr_meets() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &[
            "synth",
            "--unit",
            "rstdp_lane",
            "--pnr",
            "--target",
            "ice40",
            "--out",
            "syn",
        ],
        dir.path(),
        None,
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    let syn = dir.path().join("syn");
    let report = read_json(&syn.join("resources.json"));
    assert_eq!(report["schema"], "hebb-resources/1");
    assert!(report["tools"]["yosys"].as_str().unwrap().contains("Yosys"));
    assert!(
        report["tools"]["nextpnr-ice40"]
            .as_str()
            .unwrap()
            .contains("nextpnr")
    );
    let ice40 = &report["targets"][0];
    assert_eq!(ice40["target"], "ice40");
    assert_eq!(ice40["part"], "hx8k-ct256");
    assert!(ice40["estimate"]["luts"].as_u64().unwrap() > 0);
    assert!(ice40["yosys"]["luts"].as_u64().unwrap() > 0);
    let pnr = &ice40["nextpnr"];
    assert_eq!(pnr["part"], "hx8k-ct256");
    let fmax = pnr["fmax_mhz"].as_f64().unwrap();
    assert!(fmax > 0.0, "{pnr}");
    assert!(!pnr["critical_path"]["from"].as_str().unwrap().is_empty());
    assert!(!pnr["critical_path"]["to"].as_str().unwrap().is_empty());

    // Every constraint file names a clock at most 90 % of the measured Fmax.
    let module = report["top_module"].as_str().unwrap();
    let script_path = syn.join(format!("constraints/{module}_nextpnr.py"));
    let script = std::fs::read_to_string(&script_path).unwrap();
    let freq = pre_pack_clock(&script);
    assert!(
        freq > 0.0 && freq <= FMAX_MARGIN * fmax,
        "{freq} MHz vs Fmax {fmax}"
    );
    assert_eq!(freq, freq.floor(), "a whole MHz");
    assert!(script.contains(&format!("{fmax:.2} MHz")), "{script}");
    assert!(script.contains("hx8k-ct256"), "{script}");
    assert!(script.contains("nextpnr-ice40 -- "), "{script}");
    for ext in ["xdc", "sdc"] {
        let c = std::fs::read_to_string(syn.join(format!("constraints/{module}.{ext}"))).unwrap();
        let period: f64 = c
            .split("-period ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(1000.0 / period <= FMAX_MARGIN * fmax + 1e-3, "{c}");
    }
    assert_eq!(
        report["constraint_clock"]["freq_mhz"].as_f64().unwrap(),
        freq
    );
    let md = std::fs::read_to_string(syn.join("resources.md")).unwrap();
    assert!(md.contains("| ice40 | hx8k-ct256 | LUT |"), "{md}");
    assert!(md.contains("Fmax"), "{md}");

    // nextpnr reads that very file and meets its clock (no --timing-allow-fail).
    let lane = hebb::units::default_design("rstdp_lane").unwrap();
    let netlist = synthesize(lane.as_ref(), Ice40Part::Hx8kCt256).unwrap();
    let met = netlist.place_and_route_file(&script_path, true).unwrap();
    // nextpnr holds the target as a whole number of picoseconds (41 MHz reads
    // back as 41.0004, 38 MHz as 38.0011): the periods agree within 1 ps.
    assert!(
        (1e6 / met.target_mhz - 1e6 / freq).abs() <= 1.0,
        "{met:?} for {freq} MHz"
    );
    assert!(met.fmax_mhz >= freq, "{met:?}");
}

/// The default constraint clock (no place and route) is met by every unit's
/// default design on hx8k-ct256: nextpnr reads the committed constraint
/// file and fails unless the routed design meets it.
#[test]
fn default_constraints_are_met_by_every_default_design() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for unit in hebb::units::UNITS {
        let design = hebb::units::default_design(unit.name()).unwrap();
        let script = root.join(format!("constraints/{}_nextpnr.py", design.top_module()));
        let text = std::fs::read_to_string(&script).unwrap();
        assert_eq!(pre_pack_clock(&text), DEFAULT_FREQ_MHZ as f64);
        assert!(text.contains(
            "not checked by place-and-route for this design; run `hebb synth --pnr` for a clock this design meets"
        ));
        // A design with more port bits than the package has pins (the
        // plastic core) is placed in the pin harness, as `hebb synth` does.
        let met = match synthesize(design.as_ref(), Ice40Part::Hx8kCt256)
            .unwrap()
            .place_and_route_file(&script, true)
        {
            Err(hebb::error::Error::Tool { message, .. })
                if hebb::tools::nextpnr::is_out_of_pins(&message) =>
            {
                let harness = hebb::harness::PinHarness {
                    design: design.as_ref(),
                };
                synthesize(&harness, Ice40Part::Hx8kCt256)
                    .unwrap()
                    .place_and_route_file(&script, true)
            }
            other => other,
        }
        .unwrap_or_else(|e| panic!("{}: {e}", unit.name()));
        // With margin: the default clock is at most 90 % of what each design reaches.
        assert!(
            DEFAULT_FREQ_MHZ as f64 <= FMAX_MARGIN * met.fmax_mhz,
            "{}: Fmax {} MHz",
            unit.name(),
            met.fmax_mhz
        );
    }
}

#[test]
fn missing_nextpnr_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    // A PATH holding yosys but not nextpnr-ice40.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(which("yosys"), bin.join("yosys")).unwrap();
    let out = hebb(
        &["synth", "--unit", "rstdp_lane", "--pnr", "--out", "syn"],
        dir.path(),
        Some(&bin),
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("nextpnr-ice40") && t.contains("not installed"),
        "{t}"
    );
    assert!(!dir.path().join("syn/resources.json").exists());
}

#[test]
fn pnr_on_xc7_only_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &["synth", "--pnr", "--target", "xc7", "--out", "syn"],
        dir.path(),
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--target ice40"));
    let out = hebb(
        &["synth", "--part", "xc9", "--out", "syn"],
        dir.path(),
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("hx8k-ct256, up5k-sg48"),
        "{}",
        text(&out)
    );
}

#[test]
fn estimate_writes_the_report_without_any_tool() {
    let dir = tempfile::tempdir().unwrap();
    // An empty PATH: any tool hebb tried to run would be missing.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = hebb(
        &["estimate", "--unit", "sc_stdp", "--out", "est"],
        dir.path(),
        Some(&empty),
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    let report = read_json(&dir.path().join("est/resources.json"));
    assert_eq!(report["schema"], "hebb-resources/1");
    assert!(report.get("tools").is_none());
    for (i, target) in ["ice40", "xc7"].iter().enumerate() {
        let row = &report["targets"][i];
        assert_eq!(row["target"], *target);
        assert!(row["estimate"]["luts"].as_u64().unwrap() > 0);
        assert!(row["yosys"].is_null());
        assert!(row.get("nextpnr").is_none());
    }
    let md = std::fs::read_to_string(dir.path().join("est/resources.md")).unwrap();
    assert!(md.contains("| xc7 | - | LUT |"), "{md}");
    assert!(md.contains("estimate only"), "{md}");
}

#[test]
fn fmax_margin_rounds_down_to_a_whole_mhz() {
    let clock = Clock::from_fmax("hx8k-ct256", "nextpnr-ice40 0.4", 36.45).unwrap();
    assert_eq!(clock.freq_mhz, 32);
    assert!(Clock::from_fmax("hx8k-ct256", "v", 1.0).is_err());
    assert!(Clock::from_fmax("hx8k-ct256", "v", f64::NAN).is_err());
}

/// The default lane has 83 port bits; the UP5K SG48 package has 39 I/O
/// pins. Without a board, place and route measures the lane inside the pin
/// harness and the report says so; with a board naming pins for every port,
/// the shortage is an error saying so.
#[test]
fn a_design_with_more_port_bits_than_the_package_has_pins_is_measured_in_the_harness() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &[
            "synth",
            "--unit",
            "rstdp_lane",
            "--pnr",
            "--part",
            "up5k-sg48",
            "--target",
            "ice40",
            "--out",
            "up5k",
        ],
        dir.path(),
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = read_json(&dir.path().join("up5k/resources.json"));
    let pnr = &report["targets"][0]["nextpnr"];
    assert!(pnr["fmax_mhz"].as_f64().unwrap() > 0.0, "{pnr}");
    let harness = pnr["measured_in"].as_str().unwrap();
    assert!(
        harness.contains("pin harness")
            && harness.contains("83 port bits")
            && harness.contains("up5k-sg48"),
        "{harness}"
    );
    let md = std::fs::read_to_string(dir.path().join("up5k/resources.md")).unwrap();
    assert!(md.contains("Measured in the pin harness"), "{md}");
}

/// The array's report counts its memories: every memory bit of the
/// description, and block RAMs equal to what Yosys infers on both targets.
#[test]
fn the_array_report_counts_memory_bits_and_block_rams_as_yosys_infers_them() {
    use hebb::units::rstdp_array::{ArrayConfig, RawArrayParams};
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &["synth", "--unit", "rstdp_array", "--out", "array"],
        dir.path(),
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = read_json(&dir.path().join("array/resources.json"));
    let config = ArrayConfig::try_from(RawArrayParams::default()).unwrap();
    assert_eq!(
        report["memory_bits"]["total"].as_u64(),
        Some(config.memory_bits())
    );
    for target in report["targets"].as_array().unwrap() {
        let (estimate, yosys) = (&target["estimate"], &target["yosys"]);
        assert_eq!(estimate["brams"], yosys["brams"], "{target}");
        assert_eq!(
            report["memory_bits"]["block_rams"][target["target"].as_str().unwrap()],
            yosys["brams"]
        );
    }
    // 8x8, two lanes: each lane's 32 x 16 weight memory is one SB_RAM40_4K;
    // the smaller memories are flip-flops.
    assert_eq!(report["targets"][0]["yosys"]["brams"].as_u64(), Some(2));
}
