//! Place and route on iCE40: Yosys `synth_ice40 -json` (with `-dsp` on parts
//! that have DSP blocks), then `nextpnr-ice40` on a named part with a
//! pre-pack clock script; Fmax and the critical path come from nextpnr's
//! JSON report. Any tool failure is an error carrying the tool's message.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::gates::{SynthResult, yosys_synth_in_scratch};
use super::version;
use crate::design::Design;
use crate::error::{Error, Result};
use crate::resources::{CriticalPath, PlaceAndRoute, Target};

/// nextpnr's placer seed: fixed, so that the same RTL gives the same Fmax.
pub const SEED: u64 = 1;

/// An iCE40 part nextpnr-ice40 places on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ice40Part {
    /// iCE40HX8K in the CT256 package (the default; no DSP blocks).
    Hx8kCt256,
    /// iCE40UP5K in the SG48 package (8 SB_MAC16 DSPs, 39 I/O).
    Up5kSg48,
}

impl Ice40Part {
    pub const DEFAULT: Ice40Part = Ice40Part::Hx8kCt256;
    pub const ALL: [Ice40Part; 2] = [Ice40Part::Hx8kCt256, Ice40Part::Up5kSg48];

    pub fn name(self) -> &'static str {
        match self {
            Ice40Part::Hx8kCt256 => "hx8k-ct256",
            Ice40Part::Up5kSg48 => "up5k-sg48",
        }
    }

    /// The part named `name` (`hx8k-ct256`, `up5k-sg48`).
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| {
                Error::Other(format!(
                    "unknown iCE40 part `{name}`: allowed {}",
                    Self::ALL.map(|p| p.name()).join(", ")
                ))
            })
    }

    fn device_flag(self) -> &'static str {
        match self {
            Ice40Part::Hx8kCt256 => "--hx8k",
            Ice40Part::Up5kSg48 => "--up5k",
        }
    }

    fn package(self) -> &'static str {
        match self {
            Ice40Part::Hx8kCt256 => "ct256",
            Ice40Part::Up5kSg48 => "sg48",
        }
    }

    /// Options of `synth_ice40` for this part: `-dsp` where SB_MAC16 exists.
    pub fn yosys_options(self) -> &'static str {
        match self {
            Ice40Part::Hx8kCt256 => "",
            Ice40Part::Up5kSg48 => "-dsp",
        }
    }

    /// The Yosys command the part's counts come from.
    pub fn yosys_command(self) -> String {
        match self.yosys_options() {
            "" => "synth_ice40".into(),
            o => format!("synth_ice40 {o}"),
        }
    }
}

impl fmt::Display for Ice40Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `yosys -V` and `nextpnr-ice40 --version`; fails naming the first tool missing.
pub fn tool_versions(with_nextpnr: bool) -> Result<BTreeMap<String, String>> {
    let mut versions = BTreeMap::new();
    versions.insert("yosys".to_string(), version("yosys", "-V")?);
    if with_nextpnr {
        versions.insert(
            "nextpnr-ice40".to_string(),
            version("nextpnr-ice40", "--version")?,
        );
    }
    Ok(versions)
}

/// A design synthesized for an iCE40 part, its JSON netlist kept for nextpnr.
pub struct Netlist {
    dir: tempfile::TempDir,
    part: Ice40Part,
    top: String,
    pub synth: SynthResult,
    /// Pin constraints nextpnr places the ports by (`--pcf`), when a board gave them.
    pcf: Option<PathBuf>,
}

/// Yosys `synth_ice40 [-dsp] -json`: the cell counts and the netlist nextpnr reads.
pub fn synthesize(design: &dyn Design, part: Ice40Part) -> Result<Netlist> {
    let options = format!("{} -json netlist.json", part.yosys_options());
    let (dir, synth) = yosys_synth_in_scratch(design, Target::Ice40, options.trim())?;
    Ok(Netlist {
        dir,
        part,
        top: design.top_module(),
        synth,
        pcf: None,
    })
}

impl Netlist {
    /// Places the ports on the pins of `pcf` (a PCF's text) in every later run.
    pub fn with_pins(mut self, pcf: &str) -> Result<Self> {
        let path = self.dir.path().join("pins.pcf");
        fs::write(&path, pcf).map_err(|e| Error::io(&path, e))?;
        self.pcf = Some(path);
        Ok(self)
    }

    /// Places and routes the netlist with `clock_script` as nextpnr's
    /// `--pre-pack` script. With `must_meet`, a clock the routed design misses
    /// is an error (nextpnr's own verdict); otherwise Fmax is measured
    /// whatever the script asks for.
    pub fn place_and_route(&self, clock_script: &str, must_meet: bool) -> Result<PlaceAndRoute> {
        let dir = self.dir.path();
        let script = dir.join("clock.py");
        fs::write(&script, clock_script).map_err(|e| Error::io(&script, e))?;
        self.run_nextpnr(&script, must_meet)
    }

    /// As [`Netlist::place_and_route`], reading the clock script from a file.
    pub fn place_and_route_file(&self, script: &Path, must_meet: bool) -> Result<PlaceAndRoute> {
        let script = fs::canonicalize(script).map_err(|e| Error::io(script, e))?;
        self.run_nextpnr(&script, must_meet)
    }

    fn run_nextpnr(&self, script: &Path, must_meet: bool) -> Result<PlaceAndRoute> {
        let dir = self.dir.path();
        let report = dir.join("report.json");
        let _ = fs::remove_file(&report);
        let seed = SEED.to_string();
        let mut args = vec![
            self.part.device_flag(),
            "--package",
            self.part.package(),
            "--json",
            "netlist.json",
            "--seed",
            &seed,
            "--report",
            "report.json",
        ];
        let script_arg = script.to_string_lossy().to_string();
        args.extend(["--pre-pack", &script_arg]);
        let pcf_arg = self.pcf.as_ref().map(|p| p.to_string_lossy().to_string());
        if let Some(pcf) = &pcf_arg {
            args.extend(["--pcf", pcf]);
        }
        if !must_meet {
            args.push("--timing-allow-fail");
        }
        let output = Command::new("nextpnr-ice40")
            .args(&args)
            .current_dir(dir)
            .output()
            .map_err(|e| {
                // The same message as every other tool hebb runs.
                match super::run("nextpnr-ice40", &["--version"], dir) {
                    Err(missing) => missing,
                    Ok(_) => Error::Tool {
                        tool: "nextpnr-ice40".into(),
                        message: format!("could not start: {e}"),
                    },
                }
            })?;
        if !output.status.success() {
            let log = String::from_utf8_lossy(&output.stderr).to_string()
                + &String::from_utf8_lossy(&output.stdout);
            let errors: Vec<&str> = log.lines().filter(|l| l.starts_with("ERROR")).collect();
            let mut message = if errors.is_empty() {
                let lines: Vec<&str> = log.lines().collect();
                lines[lines.len().saturating_sub(20)..].join("\n")
            } else {
                errors.join("\n")
            };
            if is_out_of_pins(&message) {
                message += &format!(
                    "\n(the design's port bits do not all fit the I/O pins of the {} package: choose a larger package or a design with fewer port bits)",
                    self.part
                );
            }
            return Err(Error::Tool {
                tool: "nextpnr-ice40".into(),
                message: format!(
                    "failed ({}) placing {} on {}:\n{message}",
                    output.status, self.top, self.part
                ),
            });
        }
        let text = fs::read_to_string(&report).map_err(|e| Error::io(&report, e))?;
        let json: Value = serde_json::from_str(&text).map_err(|e| Error::Tool {
            tool: "nextpnr-ice40".into(),
            message: format!("wrote a report that is not JSON ({e})"),
        })?;
        let (fmax_mhz, target_mhz, critical_path) =
            parse_report(&json).map_err(|message| Error::Tool {
                tool: "nextpnr-ice40".into(),
                message: format!("report for {} on {}: {message}", self.top, self.part),
            })?;
        Ok(PlaceAndRoute {
            part: self.part.name().to_string(),
            fmax_mhz,
            critical_path,
            target_mhz,
            seed: SEED,
            measured_in: None,
        })
    }
}

/// An I/O cell with nowhere to go: more port bits than the package has pins.
pub fn is_out_of_pins(message: &str) -> bool {
    message.contains("Unable to find a placement location for cell") && message.contains("$sb_io")
}

/// Fmax (the slowest clock's), the clock asked for, and the critical path
/// of that clock from a nextpnr `--report` JSON.
pub fn parse_report(json: &Value) -> std::result::Result<(f64, f64, CriticalPath), String> {
    let fmax = json
        .get("fmax")
        .and_then(Value::as_object)
        .ok_or("no `fmax` table")?;
    let (clock, achieved, constraint) = fmax
        .iter()
        .filter_map(|(clock, v)| {
            Some((
                clock.clone(),
                v.get("achieved")?.as_f64()?,
                v.get("constraint")?.as_f64().unwrap_or(0.0),
            ))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .ok_or("no clock in the `fmax` table (does the design have clk_i?)")?;
    if !(achieved.is_finite() && achieved > 0.0) {
        return Err(format!("Fmax of clock `{clock}` is {achieved} MHz"));
    }
    let paths = json
        .get("critical_paths")
        .and_then(Value::as_array)
        .ok_or("no `critical_paths` list")?;
    let edge = format!("posedge {clock}");
    let path = paths
        .iter()
        .find(|p| {
            p.get("from").and_then(Value::as_str) == Some(edge.as_str())
                && p.get("to").and_then(Value::as_str) == Some(edge.as_str())
        })
        .or_else(|| paths.first())
        .and_then(|p| p.get("path"))
        .and_then(Value::as_array)
        .filter(|steps| !steps.is_empty())
        .ok_or_else(|| format!("no critical path for clock `{clock}`"))?;
    let end = |step: &Value, side: &str| -> String {
        let at = &step[side];
        match (at["cell"].as_str(), at["port"].as_str()) {
            (Some(cell), Some(port)) => format!("{cell}.{port}"),
            (Some(cell), None) => cell.to_string(),
            _ => "?".to_string(),
        }
    };
    let delay_ns: f64 = path.iter().filter_map(|s| s["delay"].as_f64()).sum();
    Ok((
        achieved,
        constraint,
        CriticalPath {
            from: end(&path[0], "from"),
            to: end(&path[path.len() - 1], "to"),
            delay_ns: (delay_ns * 1000.0).round() / 1000.0,
        },
    ))
}
