//! Resource reports: a fast structural estimate from parameters, and (when
//! Yosys has run) the synthesized counts beside it, in one JSON schema.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::hdl::estimate::{self, Flow};
use crate::hdl::{Item, Module};

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
                    // LUT RAM occupies LUTs of a SLICEM: count them.
                    "RAM32M" | "RAM64M" | "RAM128X1D" | "RAM256X1S" => {
                        r.luts += 4 * n;
                        continue;
                    }
                    "RAM32X1D" | "RAM64X1D" | "RAM128X1S" => {
                        r.luts += 2 * n;
                        continue;
                    }
                    "RAM32X1S" | "RAM64X1S" => &mut r.luts,
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

/// The timing path that limits Fmax, by its first and last cell after packing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalPath {
    pub from: String,
    pub to: String,
    /// Sum of the path's cell and routing delays.
    pub delay_ns: f64,
}

/// What place and route measured on one part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceAndRoute {
    /// The part, e.g. `hx8k-ct256`.
    pub part: String,
    /// The highest clock the routed design meets (the slowest clock's, if several).
    pub fmax_mhz: f64,
    pub critical_path: CriticalPath,
    /// The clock nextpnr was asked for while placing (timing-driven placement aims at it).
    pub target_mhz: f64,
    /// nextpnr's placer seed (fixed: the same inputs give the same Fmax).
    pub seed: u64,
    /// Set when the design's ports needed more pins than the package has and
    /// it was placed inside the pin harness (`src/harness.rs`): every port
    /// registered, three pins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_in: Option<String>,
}

/// One target's line of a resource report.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResources {
    pub target: Target,
    /// The part synthesized and placed for (`hebb synth`), when one was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    pub estimate: Resources,
    /// The fewest and most LUTs the estimate gives over the operand orders
    /// Yosys may pick for comparisons of two signals, when they differ:
    /// iCE40's `alumacc` orders them by a hash of its internal name
    /// numbers, so the same Verilog costs anywhere in this span (the
    /// `estimate` takes each comparison as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate_lut_span: Option<LutSpan>,
    /// Counts after Yosys synthesis, when it ran.
    pub yosys: Option<Resources>,
    /// (estimate - yosys) / yosys for LUTs, when both exist.
    pub lut_estimate_error: Option<f64>,
    /// The Yosys command the counts come from, when it ran (`synth_ice40 -dsp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yosys_command: Option<String>,
    /// Fmax and critical path from nextpnr, when place and route ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nextpnr: Option<PlaceAndRoute>,
    /// Where the netlist Yosys wrote does not do what the RTL says (a known
    /// Yosys bug found in it), one sentence each. The counts above stand;
    /// that netlist must not be built.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub yosys_netlist_defects: Vec<String>,
}

/// LUT counts from fewest to most (`TargetResources::estimate_lut_span`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LutSpan {
    pub min: u64,
    pub max: u64,
}

/// The clock the constraint files written beside a report ask for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConstraintClock {
    pub freq_mhz: f64,
    pub period_ns: f64,
    /// Why this clock: measured by place and route (with the part), or the default.
    pub basis: String,
}

/// The resource report of a design, as written to `resources.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceReport {
    pub schema: &'static str,
    pub design: String,
    pub top_module: String,
    pub estimate_method: &'static str,
    /// Versions of the external tools that ran (`yosys -V`, `nextpnr-ice40 --version`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tools: BTreeMap<String, String>,
    /// The clock of the constraint files written with this report, when any were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_clock: Option<ConstraintClock>,
    pub targets: Vec<TargetResources>,
    /// Every instance under the top module, depth first (empty for a flat design).
    pub instances: Vec<InstanceResources>,
    /// Memory bits of the description and the block RAMs they take per target.
    pub memory_bits: MemoryBits,
}

/// One instance of a hierarchical design, with the estimate of its module
/// (its own instances included).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceResources {
    /// Instance path from the top module (`lane_a`, `lane_a.sub`).
    pub path: String,
    pub module: String,
    /// The estimate per target (`ice40`, `xc7`).
    pub estimate: BTreeMap<String, Resources>,
}

/// Memory bits of a description (every `Memory` item, all levels) and the
/// block RAMs they map to per target (`ice40`: SB_RAM40_4K, `xc7`: RAMB18E1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemoryBits {
    pub total: u64,
    pub block_rams: BTreeMap<String, u64>,
}

impl MemoryBits {
    /// Counted from the description of `module` and everything under it.
    pub fn of(module: &Module) -> MemoryBits {
        let (total, blocks) = estimate::memory_bits(module);
        MemoryBits {
            total,
            block_rams: blocks
                .into_iter()
                .map(|(t, n)| (t.to_string(), n))
                .collect(),
        }
    }
}

/// The estimate of every instance under `module`, depth first, parents
/// before their children, on each of `targets`.
pub fn instance_rows(module: &Module, targets: &[Target]) -> Vec<InstanceResources> {
    fn visit(m: &Module, prefix: &str, targets: &[Target], out: &mut Vec<InstanceResources>) {
        for item in &m.items {
            if let Item::Instance(i) = item {
                let path = if prefix.is_empty() {
                    i.name.clone()
                } else {
                    format!("{prefix}.{}", i.name)
                };
                out.push(InstanceResources {
                    path: path.clone(),
                    module: i.module.name.clone(),
                    estimate: targets
                        .iter()
                        .map(|&t| (t.to_string(), estimate::estimate(&i.module, Flow::of(t))))
                        .collect(),
                });
                visit(&i.module, &path, targets, out);
            }
        }
    }
    let mut out = Vec::new();
    visit(module, "", targets, &mut out);
    out
}

impl TargetResources {
    pub fn new(target: Target, estimate: Resources, yosys: Option<Resources>) -> Self {
        let lut_estimate_error = yosys
            .filter(|y| y.luts > 0)
            .map(|y| (estimate.luts as f64 - y.luts as f64) / y.luts as f64);
        TargetResources {
            target,
            part: None,
            estimate,
            estimate_lut_span: None,
            yosys,
            lut_estimate_error,
            yosys_command: None,
            yosys_netlist_defects: Vec::new(),
            nextpnr: None,
        }
    }
}

/// `a / b` as text, or `-` when it has no meaning.
fn ratio(a: u64, b: u64) -> String {
    if b == 0 {
        if a == 0 { "=".into() } else { "-".into() }
    } else {
        format!("{:.2}", a as f64 / b as f64)
    }
}

impl ResourceReport {
    /// The report as a Markdown table: estimate, Yosys measurement and their
    /// ratio per target and resource, then the tools and place-and-route results.
    pub fn markdown(&self) -> String {
        let mut md = format!(
            "# Resources of {}

Top module `{}`, schema `{}`. Estimate: {}.

",
            self.design, self.top_module, self.schema, self.estimate_method
        );
        md += "| target | part | resource | estimate | yosys | estimate / yosys |\n";
        md += "|---|---|---|---:|---:|---:|\n";
        for t in &self.targets {
            let e = &t.estimate;
            let rows = [
                ("LUT", e.luts, t.yosys.map(|y| y.luts)),
                ("FF", e.ffs, t.yosys.map(|y| y.ffs)),
                ("CARRY", e.carries, t.yosys.map(|y| y.carries)),
                ("BRAM", e.brams, t.yosys.map(|y| y.brams)),
                ("DSP", e.dsps, t.yosys.map(|y| y.dsps)),
            ];
            for (name, est, measured) in rows {
                let shown = match t.estimate_lut_span {
                    Some(span) if name == "LUT" => {
                        format!("{est} ({}..{} by operand order)", span.min, span.max)
                    }
                    _ => est.to_string(),
                };
                md += &format!(
                    "| {} | {} | {name} | {shown} | {} | {} |\n",
                    t.target,
                    t.part.as_deref().unwrap_or("-"),
                    measured.map_or_else(|| "-".to_string(), |m| m.to_string()),
                    measured.map_or_else(|| "-".to_string(), |m| ratio(est, m)),
                );
            }
        }
        if !self.instances.is_empty() {
            md += "\nPer instance (estimate; each row includes the instances under it):\n\n";
            md += "| instance | module | target | LUT | FF | CARRY | BRAM | DSP |\n";
            md += "|---|---|---|---:|---:|---:|---:|---:|\n";
            for i in &self.instances {
                for (target, e) in &i.estimate {
                    md += &format!(
                        "| `{}` | `{}` | {target} | {} | {} | {} | {} | {} |\n",
                        i.path, i.module, e.luts, e.ffs, e.carries, e.brams, e.dsps
                    );
                }
            }
        }
        let m = &self.memory_bits;
        md += &format!("\nMemory bits: {}", m.total);
        for (target, brams) in &m.block_rams {
            md += &format!(", {target} {brams} block RAM");
        }
        md += ".\n";
        let measured: Vec<&TargetResources> =
            self.targets.iter().filter(|t| t.yosys.is_some()).collect();
        if measured.is_empty() {
            md += "\nNo synthesis ran: estimate only (`hebb synth` measures with Yosys).\n";
        } else {
            for t in measured {
                if let Some(command) = &t.yosys_command {
                    md += &format!("\n{}: Yosys `{command}`.", t.target);
                }
            }
            md += "\n";
        }
        for t in &self.targets {
            for defect in &t.yosys_netlist_defects {
                md += &format!("\n**{} netlist defect:** {defect}.\n", t.target);
            }
        }
        for t in &self.targets {
            if let Some(p) = &t.nextpnr {
                md += &format!(
                    "\nPlace and route (nextpnr-ice40, {}, seed {}, placed for {} MHz): \
                     **Fmax {:.2} MHz**; critical path {:.2} ns from `{}` to `{}`.\n",
                    p.part,
                    p.seed,
                    p.target_mhz,
                    p.fmax_mhz,
                    p.critical_path.delay_ns,
                    p.critical_path.from,
                    p.critical_path.to
                );
                if let Some(harness) = &p.measured_in {
                    md += &format!("Measured in {harness}.\n");
                }
            }
        }
        if let Some(c) = &self.constraint_clock {
            md += &format!(
                "\nConstraint clock: {} MHz ({:.3} ns): {}.\n",
                c.freq_mhz, c.period_ns, c.basis
            );
        }
        if !self.tools.is_empty() {
            md += "\nTools:\n";
            for (tool, version) in &self.tools {
                md += &format!("- {tool}: {version}\n");
            }
        }
        md
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
            if let Some(span) = t.estimate_lut_span {
                write!(
                    f,
                    " | LUT estimate {}..{} by Yosys' operand order",
                    span.min, span.max
                )?;
            }
            writeln!(f)?;
            if let Some(p) = &t.nextpnr {
                writeln!(
                    f,
                    "  {:<6} nextpnr {} Fmax {:.2} MHz, critical path {:.2} ns {} -> {}",
                    t.target.to_string(),
                    p.part,
                    p.fmax_mhz,
                    p.critical_path.delay_ns,
                    p.critical_path.from,
                    p.critical_path.to
                )?;
            }
            for defect in &t.yosys_netlist_defects {
                writeln!(f, "  {:<6} NETLIST DEFECT: {defect}", t.target.to_string())?;
            }
        }
        if let Some(c) = &self.constraint_clock {
            writeln!(f, "constraints {} MHz: {}", c.freq_mhz, c.basis)?;
        }
        Ok(())
    }
}
