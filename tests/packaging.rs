//! Issue 8 packaging: per-instance rows and memory bits in the resource
//! report, a PCF from a user's board file (read by nextpnr-ice40), and the
//! FuseSoC `.core` written beside the RTL.

use std::path::Path;
use std::process::{Command, Output};

use hebb::design::Design;
use hebb::hdl::{Item, Module};

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

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Memory bits of every memory of the description, counted here independently.
fn memory_bits(m: &Module) -> u64 {
    m.items
        .iter()
        .map(|item| match item {
            Item::Memory(mem) => u64::from(mem.width) * mem.depth(),
            Item::Instance(i) => memory_bits(&i.module),
            _ => 0,
        })
        .sum()
}

#[test]
fn hierarchical_report_has_instance_rows_and_memory_bits() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &["estimate", "--unit", "rstdp_lane_pair", "--out", "est"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let report = read_json(&dir.path().join("est/resources.json"));
    // Existing fields stay.
    assert_eq!(report["schema"], "hebb-resources/1");
    assert_eq!(report["targets"][0]["target"], "ice40");
    let pair = hebb::units::default_design("rstdp_lane_pair").unwrap();
    let module = pair.module().unwrap();
    let instances = report["instances"].as_array().unwrap();
    let paths: Vec<&str> = instances
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["lane_a", "lane_b"]);
    for (row, target) in [(0, "ice40"), (1, "xc7")] {
        let top = &report["targets"][row];
        assert_eq!(top["target"], target);
        let mut ffs = 0;
        let mut luts = 0;
        for i in instances {
            let e = &i["estimate"][target];
            assert!(e["luts"].as_u64().unwrap() > 0, "{i}");
            ffs += e["ffs"].as_u64().unwrap();
            luts += e["luts"].as_u64().unwrap();
        }
        // The lanes hold every register of the pair, and nearly all of its
        // logic: each row maps its module alone (its own iCE40 reset
        // inverter, no logic shared with its sibling, and its own depth:
        // in the pair the shallower lane may map deeper, as far as the
        // deeper one reaches, and smaller, as ABC maps a whole design), so
        // the rows add up to the whole within about a tenth, not exactly
        // (xc7, measured: rows 282, whole 256; Yosys: 274 and 279).
        assert_eq!(ffs, top["estimate"]["ffs"].as_u64().unwrap());
        let whole = top["estimate"]["luts"].as_u64().unwrap();
        assert!(
            luts.abs_diff(whole) * 8 <= whole,
            "{target}: rows {luts}, whole {whole}"
        );
    }
    // Each instance row is the estimate of its module on its own.
    let children: Vec<_> = module
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Instance(i) => Some(i),
            _ => None,
        })
        .collect();
    for (row, child) in instances.iter().zip(&children) {
        assert_eq!(row["module"], child.module.name.as_str());
        let ffs: u64 = child
            .module
            .nets
            .iter()
            .filter(|n| n.kind == hebb::hdl::NetKind::Register)
            .map(|n| u64::from(n.width))
            .sum();
        assert_eq!(row["estimate"]["ice40"]["ffs"], ffs);
    }
    let mem = &report["memory_bits"];
    assert_eq!(mem["total"], memory_bits(&module));
    assert_eq!(
        mem["block_rams"]["ice40"],
        report["targets"][0]["estimate"]["brams"]
    );
    assert_eq!(
        mem["block_rams"]["xc7"],
        report["targets"][1]["estimate"]["brams"]
    );

    let md = std::fs::read_to_string(dir.path().join("est/resources.md")).unwrap();
    assert!(md.contains("| instance | module | target |"), "{md}");
    for child in &children {
        assert!(
            md.contains(&format!(
                "| `{}` | `{}` | ice40 |",
                child.name, child.module.name
            )),
            "{md}"
        );
    }
    assert!(md.contains("Memory bits: 0"), "{md}");

    // A flat design has no instance rows.
    let out = hebb(
        &["estimate", "--unit", "sc_sng", "--out", "flat"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let flat = read_json(&dir.path().join("flat/resources.json"));
    assert_eq!(flat["instances"], serde_json::json!([]));
}

/// 24 I/O pins of the iCE40 HX8K CT256 package (J3 is the breakout board's clock).
const SNG_BOARD: &str = r#"# sc_sng on an HX8K breakout
part = "hx8k-ct256"

[pins]
clk_i = "J3"
rst_ni = "A1"
en_i = "A2"
bit_o = "D1"
"value_i[0]" = "B1"
"value_i[1]" = "B2"
"value_i[2]" = "B3"
"value_i[3]" = "B4"
"value_i[4]" = "B5"
"value_i[5]" = "B6"
"value_i[6]" = "B7"
"value_i[7]" = "B8"
"value_i[8]" = "B9"
"value_i[9]" = "B10"
"rand_o[0]" = "C1"
"rand_o[1]" = "C2"
"rand_o[2]" = "C3"
"rand_o[3]" = "C4"
"rand_o[4]" = "C5"
"rand_o[5]" = "C6"
"rand_o[6]" = "C7"
"rand_o[7]" = "C8"
"rand_o[8]" = "C9"
"rand_o[9]" = "C10"
"#;

fn sng_module() -> String {
    hebb::units::default_design("sc_sng").unwrap().top_module()
}

#[test]
fn board_file_gives_a_pcf_nextpnr_places_with() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("board.toml"), SNG_BOARD).unwrap();
    let module = sng_module();

    // No board, no PCF.
    let out = hebb(
        &["generate", "--unit", "sc_sng", "--out", "plain"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !dir.path()
            .join(format!("plain/constraints/{module}.pcf"))
            .exists()
    );

    let out = hebb(
        &[
            "generate",
            "--unit",
            "sc_sng",
            "--board",
            "board.toml",
            "--out",
            "gen",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let pcf_path = dir.path().join(format!("gen/constraints/{module}.pcf"));
    let pcf = std::fs::read_to_string(&pcf_path).unwrap();
    assert!(pcf.starts_with("# Generated by hebb "), "{pcf}");
    assert!(pcf.contains("set_io clk_i J3\n"), "{pcf}");
    assert!(pcf.contains("set_io value_i[9] B10\n"), "{pcf}");
    let pins: Vec<(&str, &str)> = pcf
        .lines()
        .filter_map(|l| l.strip_prefix("set_io "))
        .map(|l| l.split_once(' ').unwrap())
        .collect();
    assert_eq!(pins.len(), 24);

    // nextpnr-ice40 reads it: every port is constrained to its pin and placed there.
    let work = dir.path().join("pnr");
    std::fs::create_dir(&work).unwrap();
    let rtl = dir.path().join(format!("gen/rtl/{module}.v"));
    let yosys = Command::new("yosys")
        .args([
            "-q",
            "-p",
            &format!(
                "read_verilog {}; synth_ice40 -top {module} -json n.json",
                rtl.display()
            ),
        ])
        .current_dir(&work)
        .output()
        .expect("yosys runs");
    assert!(yosys.status.success(), "{}", text(&yosys));
    let pnr = Command::new("nextpnr-ice40")
        .args(["--hx8k", "--package", "ct256", "--json", "n.json", "--pcf"])
        .arg(&pcf_path)
        .args(["--write", "placed.json", "--seed", "1"])
        .current_dir(&work)
        .output()
        .expect("nextpnr-ice40 runs");
    let log = text(&pnr);
    assert!(pnr.status.success(), "{log}");
    let placed = read_json(&work.join("placed.json"));
    let cells = placed["modules"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()["cells"]
        .as_object()
        .unwrap();
    for (io, _pin) in &pins {
        let line = log
            .lines()
            .find(|l| l.starts_with(&format!("Info: constrained '{io}' to bel '")))
            .unwrap_or_else(|| panic!("{io} constrained by the PCF: {log}"));
        let bel = line.rsplit('\'').nth(1).unwrap();
        let cell = &cells[&format!("{io}$sb_io")];
        assert_eq!(cell["attributes"]["NEXTPNR_BEL"], bel, "{io}");
    }
    // The same board with a pin that the package does not have fails in nextpnr.
    std::fs::write(
        work.join("bad.pcf"),
        pcf.replace("set_io clk_i J3", "set_io clk_i Z99"),
    )
    .unwrap();
    let bad = Command::new("nextpnr-ice40")
        .args([
            "--hx8k",
            "--package",
            "ct256",
            "--json",
            "n.json",
            "--pcf",
            "bad.pcf",
        ])
        .current_dir(&work)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(text(&bad).contains("Z99"), "{}", text(&bad));
}

#[test]
fn board_file_errors_name_the_port_pin_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, String, &str); 6] = [
        (
            "unknown port",
            SNG_BOARD.replace("en_i = \"A2\"", "enable_i = \"A2\""),
            "board.toml:7: unknown port `enable_i`",
        ),
        (
            "unknown bit",
            SNG_BOARD.replace("\"value_i[9]\"", "\"value_i[10]\""),
            "board.toml:18: unknown bit `value_i[10]`: port `value_i` has bits 0..=9",
        ),
        (
            "duplicated pin",
            SNG_BOARD.replace("\"rand_o[9]\" = \"C10\"", "\"rand_o[9]\" = \"C9\""),
            "board.toml:28: pin C9 is assigned twice: to `rand_o[8]` (line 27) and to `rand_o[9]`",
        ),
        (
            "unassigned",
            SNG_BOARD.replace("bit_o = \"D1\"\n", ""),
            "board.toml: ports of module sc_sng_n10_sobol1 left without a pin: bit_o",
        ),
        (
            "vector without index",
            SNG_BOARD.replace("bit_o = \"D1\"", "bit_o = \"D1\"\nvalue_i = \"D2\""),
            "board.toml:9: port `value_i` is 10 bits wide",
        ),
        (
            "unknown part",
            SNG_BOARD.replace("hx8k-ct256", "hx1k-tq144"),
            "board.toml:2: unknown iCE40 part `hx1k-tq144`",
        ),
    ];
    for (what, board, expected) in cases {
        std::fs::write(dir.path().join("board.toml"), board).unwrap();
        let out = hebb(
            &[
                "generate",
                "--unit",
                "sc_sng",
                "--board",
                "board.toml",
                "--out",
                "gen",
            ],
            dir.path(),
        );
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{what}: {t}");
        assert!(t.contains(expected), "{what}: expected `{expected}` in {t}");
        assert!(!dir.path().join("gen").exists(), "{what}: nothing written");
    }
}

#[test]
fn generate_writes_a_fusesoc_core_beside_the_rtl() {
    let dir = tempfile::tempdir().unwrap();
    let out = hebb(
        &["generate", "--unit", "rstdp_lane_pair", "--out", "gen"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let pair = hebb::units::default_design("rstdp_lane_pair").unwrap();
    let top = pair.top_module();
    let core_path = dir.path().join(format!("gen/rtl/{top}.core"));
    let core = std::fs::read_to_string(&core_path).unwrap();
    assert_eq!(core.lines().next(), Some("CAPI=2:"));
    let yaml: serde_norway::Value = serde_norway::from_str(&core).unwrap();
    let name = format!("hebb:units:{top}:{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(yaml["name"].as_str(), Some(name.as_str()));

    // RTL children first, each file beside the core.
    let rtl: Vec<String> = yaml["filesets"]["rtl"]["files"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = pair
        .render_rtl()
        .unwrap()
        .iter()
        .map(|f| f.file_name())
        .collect();
    assert_eq!(rtl, expected);
    assert_eq!(rtl.last(), Some(&format!("{top}.v")));
    assert_eq!(
        yaml["filesets"]["rtl"]["file_type"].as_str(),
        Some("verilogSource")
    );
    for f in &rtl {
        assert!(dir.path().join("gen/rtl").join(f).is_file(), "{f}");
    }
    let constraints = yaml["filesets"]["constraints"]["files"]
        .as_sequence()
        .unwrap();
    assert_eq!(constraints.len(), 3, "no PCF without a board");
    for entry in constraints {
        let (file, attrs) = entry.as_mapping().unwrap().iter().next().unwrap();
        let file = file.as_str().unwrap();
        assert!(core_path.parent().unwrap().join(file).is_file(), "{file}");
        assert!(attrs["file_type"].as_str().is_some());
    }

    let targets = &yaml["targets"];
    let lint = &targets["lint"];
    assert_eq!(lint["default_tool"].as_str(), Some("verilator"));
    assert_eq!(
        lint["tools"]["verilator"]["mode"].as_str(),
        Some("lint-only")
    );
    assert_eq!(
        lint["tools"]["verilator"]["verilator_options"][0].as_str(),
        Some("-Wall")
    );
    assert_eq!(targets["sim"]["default_tool"].as_str(), Some("icarus"));
    let synth = &targets["synth"];
    assert_eq!(synth["default_tool"].as_str(), Some("icestorm"));
    assert_eq!(synth["tools"]["icestorm"]["pnr"].as_str(), Some("next"));
    let options: Vec<String> = synth["tools"]["icestorm"]["nextpnr_options"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| match v {
            serde_norway::Value::String(s) => s.clone(),
            other => serde_norway::to_string(other).unwrap().trim().to_string(),
        })
        .collect();
    assert_eq!(options, ["--hx8k", "--package", "ct256", "--freq", "30"]);
    for t in ["lint", "sim", "synth"] {
        assert_eq!(targets[t]["toplevel"].as_str(), Some(top.as_str()), "{t}");
    }

    // The lint target's command passes on the files the core names.
    let lint_run = Command::new("verilator")
        .args(["--lint-only", "-Wall", "--top-module", &top])
        .args(&rtl)
        .current_dir(dir.path().join("gen/rtl"))
        .output()
        .expect("verilator runs");
    assert!(lint_run.status.success(), "{}", text(&lint_run));

    // FuseSoC itself reads the core and runs its three targets
    // (sim/install-tools.sh installs it from PyPI).
    let fusesoc = |args: &[&str]| {
        Command::new("fusesoc")
            .arg("--cores-root")
            .arg(dir.path().join("gen/rtl"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("fusesoc runs (sim/install-tools.sh installs it)")
    };
    let info = fusesoc(&["core-info", &name]);
    let t = text(&info);
    assert!(info.status.success(), "{t}");
    for target in ["lint", "sim", "synth"] {
        assert!(t.contains(target), "{target}: {t}");
        let run = fusesoc(&["run", "--target", target, &name]);
        assert!(
            run.status.success(),
            "fusesoc run --target {target}: {}",
            text(&run)
        );
    }
    // The synth target went through nextpnr to a bitstream.
    let bitstream = dir
        .path()
        .join(format!("build/{}/synth-icestorm", name.replace(':', "_")));
    let bins: Vec<_> = std::fs::read_dir(&bitstream)
        .unwrap_or_else(|e| panic!("{}: {e}", bitstream.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "bin"))
        .collect();
    assert_eq!(bins.len(), 1, "one bitstream in {}", bitstream.display());
}

#[test]
fn synth_places_the_ports_on_the_board_pins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("board.toml"), SNG_BOARD).unwrap();
    let out = hebb(
        &[
            "synth",
            "--unit",
            "sc_sng",
            "--target",
            "ice40",
            "--pnr",
            "--board",
            "board.toml",
            "--out",
            "s",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let report = read_json(&dir.path().join("s/resources.json"));
    assert!(
        report["targets"][0]["nextpnr"]["fmax_mhz"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    // A pin the package lacks reaches nextpnr, which names it: the PCF is in the run.
    std::fs::write(
        dir.path().join("bad.toml"),
        SNG_BOARD.replace("clk_i = \"J3\"", "clk_i = \"Z99\""),
    )
    .unwrap();
    let out = hebb(
        &[
            "synth", "--unit", "sc_sng", "--target", "ice40", "--pnr", "--board", "bad.toml",
            "--out", "t",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("Z99"), "{}", text(&out));
    assert!(!dir.path().join("t/resources.json").exists());
}
