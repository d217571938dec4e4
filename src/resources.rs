//! Resource reports: a fast structural estimate from parameters, and (when
//! Yosys has run) the synthesized counts beside it, in one JSON schema.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// An FPGA family hebb estimates and synthesizes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Lattice iCE40 (LUT4 + carry chain; `synth_ice40` maps multipliers to LUTs).
    Ice40,
    /// AMD/Xilinx 7-series (LUT6, CARRY4, DSP48E1).
    #[serde(rename = "xc7")]
    Xilinx7,
}

impl Target {
    pub const ALL: [Target; 2] = [Target::Ice40, Target::Xilinx7];

    pub fn yosys_command(self) -> &'static str {
        match self {
            Target::Ice40 => "synth_ice40",
            Target::Xilinx7 => "synth_xilinx",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Target::Ice40 => "ice40",
            Target::Xilinx7 => "xc7",
        })
    }
}

/// Resource counts on one target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    pub luts: u64,
    pub ffs: u64,
    pub carries: u64,
    pub brams: u64,
    pub dsps: u64,
}

impl Resources {
    /// Folds Yosys `stat` cell counts into resource classes.
    pub fn from_cells(target: Target, cells: &BTreeMap<String, u64>) -> Resources {
        let mut r = Resources::default();
        for (cell, &n) in cells {
            let class = match target {
                Target::Ice40 => match cell.as_str() {
                    "SB_LUT4" => &mut r.luts,
                    c if c.starts_with("SB_DFF") => &mut r.ffs,
                    "SB_CARRY" => &mut r.carries,
                    c if c.starts_with("SB_RAM") => &mut r.brams,
                    "SB_MAC16" => &mut r.dsps,
                    _ => continue,
                },
                Target::Xilinx7 => match cell.as_str() {
                    // An INV becomes a LUT1 in place and route.
                    c if c.starts_with("LUT") || c == "INV" => &mut r.luts,
                    c if c.starts_with("FD") => &mut r.ffs,
                    "CARRY4" => &mut r.carries,
                    c if c.starts_with("RAMB") => &mut r.brams,
                    c if c.starts_with("DSP48") => &mut r.dsps,
                    _ => continue,
                },
            };
            *class += n;
        }
        r
    }
}

/// One target's line of a resource report.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResources {
    pub target: Target,
    pub estimate: Resources,
    /// Counts after Yosys synthesis, when it ran.
    pub yosys: Option<Resources>,
    /// (estimate - yosys) / yosys for LUTs, when both exist.
    pub lut_estimate_error: Option<f64>,
}

/// The resource report of a design, as written to `resources.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceReport {
    pub schema: &'static str,
    pub design: String,
    pub top_module: String,
    pub estimate_method: &'static str,
    pub targets: Vec<TargetResources>,
}

impl TargetResources {
    pub fn new(target: Target, estimate: Resources, yosys: Option<Resources>) -> Self {
        let lut_estimate_error = yosys
            .filter(|y| y.luts > 0)
            .map(|y| (estimate.luts as f64 - y.luts as f64) / y.luts as f64);
        TargetResources {
            target,
            estimate,
            yosys,
            lut_estimate_error,
        }
    }
}

impl fmt::Display for ResourceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "resources of {}:", self.design)?;
        for t in &self.targets {
            let e = &t.estimate;
            write!(
                f,
                "  {:<6} estimate LUT {:>5} FF {:>4} CARRY {:>4} BRAM {} DSP {}",
                t.target.to_string(),
                e.luts,
                e.ffs,
                e.carries,
                e.brams,
                e.dsps
            )?;
            if let Some(y) = &t.yosys {
                write!(
                    f,
                    " | yosys LUT {:>5} FF {:>4} CARRY {:>4} BRAM {} DSP {}",
                    y.luts, y.ffs, y.carries, y.brams, y.dsps
                )?;
            }
            if let Some(err) = t.lut_estimate_error {
                write!(f, " | LUT error {:+.0}%", err * 100.0)?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
