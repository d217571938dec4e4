//! The jobs the CLI runs, on any design: generate its outputs, and the main
//! job (generate, co-simulate model and RTL with VCDs, diff them, report resources).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::board::Board;
use crate::constraints::Clock;
use crate::cosim::Lockstep;
use crate::design::Design;
use crate::error::{Error, Result};
use crate::outputs::{Staging, write_all};
use crate::resources::{MemoryBits, ResourceReport, Target, TargetResources, instance_rows};
use crate::tools::gates::yosys_synth;
use crate::tools::nextpnr::{self, Ice40Part, tool_versions};
use crate::trace::{DiffReport, diff_files};

/// The files `generate` writes, relative to its output folder, with the
/// default constraint clock (not checked by place and route) and no board.
pub fn rendered_files(design: &dyn Design) -> Result<Vec<(String, String)>> {
    rendered_files_with(design, &Clock::default_clock(), None)
}

/// RTL (`rtl/`, children first, with the FuseSoC `.core` beside it) and
/// constraints (`constraints/`) naming `clock`; with a `board`, its PCF too.
pub fn rendered_files_with(
    design: &dyn Design,
    clock: &Clock,
    board: Option<&Board>,
) -> Result<Vec<(String, String)>> {
    let rtl = design.render_rtl()?;
    let mut files: Vec<(String, String)> = rtl
        .iter()
        .map(|f| (format!("rtl/{}", f.file_name()), f.text.clone()))
        .collect();
    let mut constraints = crate::constraints::render(design, clock)?;
    if let Some(board) = board {
        constraints.push(board.render_pcf(design)?);
    }
    let rtl_names: Vec<String> = rtl.iter().map(|f| f.file_name()).collect();
    let constraint_names: Vec<String> = constraints.iter().map(|(n, _)| n.clone()).collect();
    let part = board.map_or(Ice40Part::DEFAULT, |b| b.part);
    let (core, text) =
        crate::fusesoc::render_core(design, &rtl_names, &constraint_names, clock, part)?;
    files.push((format!("rtl/{core}"), text));
    for (name, text) in constraints {
        files.push((format!("constraints/{name}"), text));
    }
    Ok(files)
}

/// The clock nextpnr aims at while measuring Fmax (timing-driven placement
/// works toward it; the measured Fmax is reported whether it is met or not).
pub const MEASURE_TARGET_MHZ: f64 = 100.0;

/// What a resource report measures.
#[derive(Debug, Clone)]
pub struct Measure {
    pub targets: Vec<Target>,
    /// Run Yosys on each target.
    pub synthesize: bool,
    /// Place and route on iCE40 with nextpnr (needs `synthesize` and the ice40 target).
    pub pnr: bool,
    /// The iCE40 part (`hebb synth`); `None` keeps plain `synth_ice40` without a part.
    pub part: Option<Ice40Part>,
    /// A board's pin constraints (a PCF's text): place and route puts the ports there.
    pub pins: Option<String>,
}

impl Measure {
    /// The estimate only: no external tool runs.
    pub fn estimate() -> Self {
        Measure {
            targets: Target::ALL.to_vec(),
            synthesize: false,
            pnr: false,
            part: None,
            pins: None,
        }
    }
}

/// The resource report: the estimate per target, with Yosys counts when `synthesize`.
pub fn resource_report(design: &dyn Design, synthesize: bool) -> Result<ResourceReport> {
    let measure = Measure {
        synthesize,
        ..Measure::estimate()
    };
    Ok(measure_design(design, &measure)?.0)
}

/// The resource report of `design` as `measure` asks, and the clock its
/// constraints should name: with place and route, 90 % of the measured Fmax
/// rounded down to a whole MHz, checked by placing and routing again with the
/// very constraint script that will be written (nextpnr must meet it);
/// otherwise the default clock.
pub fn measure_design(design: &dyn Design, measure: &Measure) -> Result<(ResourceReport, Clock)> {
    if measure.pnr && !(measure.synthesize && measure.targets.contains(&Target::Ice40)) {
        return Err(Error::Other(
            "place and route (--pnr) runs nextpnr-ice40 on an iCE40 synthesis: use --target ice40 (or no --target)".into(),
        ));
    }
    let tools = if measure.synthesize {
        tool_versions(measure.pnr)?
    } else {
        Default::default()
    };
    let module = design.module()?;
    let mut clock = Clock::default_clock();
    let mut targets = Vec::new();
    // The LUT span over the operand orders Yosys picks by name numbers.
    let lut_span = |flow: crate::hdl::estimate::Flow| {
        crate::hdl::estimate::estimate_lut_span(&module, flow)
            .map(|(min, max)| crate::resources::LutSpan { min, max })
    };
    for &target in &measure.targets {
        let estimate = design.estimate(target)?;
        if !measure.synthesize {
            let mut row = TargetResources::new(target, estimate, None);
            row.estimate_lut_span = lut_span(crate::hdl::estimate::Flow::of(target));
            targets.push(row);
            continue;
        }
        let mut row = match (
            target,
            measure.part.or(measure.pnr.then_some(Ice40Part::DEFAULT)),
        ) {
            (Target::Ice40, Some(part)) => {
                let mut netlist = nextpnr::synthesize(design, part)?;
                if let Some(pcf) = &measure.pins {
                    netlist = netlist.with_pins(pcf)?;
                }
                // `synth_ice40 -dsp` parts: the estimate puts products in SB_MAC16 too.
                let estimate = if part.yosys_command().contains("-dsp") {
                    crate::hdl::estimate::estimate(&module, crate::hdl::estimate::Flow::Ice40Dsp)
                } else {
                    estimate
                };
                let mut row =
                    TargetResources::new(target, estimate, Some(netlist.synth.resources()));
                row.part = Some(part.name().to_string());
                row.yosys_command = Some(part.yosys_command());
                if measure.pnr {
                    let script = crate::constraints::pre_pack_script(
                        design,
                        MEASURE_TARGET_MHZ,
                        "Fmax measurement run of `hebb synth --pnr` (not a constraint file).",
                    )?;
                    let (netlist, pnr) = match netlist.place_and_route(&script, false) {
                        Ok(pnr) => (netlist, pnr),
                        // Too many port bits for the package and no board to say
                        // otherwise: measure the design with its ports registered.
                        Err(Error::Tool { message, .. })
                            if measure.pins.is_none() && nextpnr::is_out_of_pins(&message) =>
                        {
                            let harness = crate::harness::PinHarness { design };
                            let netlist = nextpnr::synthesize(&harness, part)?;
                            let mut pnr = netlist.place_and_route(&script, false)?;
                            pnr.measured_in = Some(format!(
                                "the pin harness ({} port bits exceed the {} package's I/O: every port registered, inputs by scan chain, outputs by parity)",
                                crate::harness::PinHarness::port_bits(design)?,
                                part.name()
                            ));
                            (netlist, pnr)
                        }
                        Err(e) => return Err(e),
                    };
                    let measured =
                        Clock::from_fmax(part.name(), &tools["nextpnr-ice40"], pnr.fmax_mhz)?;
                    // nextpnr reads the constraint script that will be written and must meet it.
                    let (_, pre_pack) = crate::constraints::render(design, &measured)?
                        .into_iter()
                        .find(|(name, _)| name.ends_with("_nextpnr.py"))
                        .ok_or_else(|| Error::Other("no nextpnr constraint rendered".into()))?;
                    netlist.place_and_route(&pre_pack, true)?;
                    clock = measured;
                    row.nextpnr = Some(pnr);
                }
                row
            }
            _ => {
                let synth = yosys_synth(design, target)?;
                let mut row = TargetResources::new(target, estimate, Some(synth.resources()));
                row.yosys_netlist_defects = synth.netlist_defects;
                row.yosys_command = Some(match target {
                    Target::Ice40 => target.yosys_command().to_string(),
                    Target::Xilinx7 => format!("{} -flatten", target.yosys_command()),
                });
                row
            }
        };
        let flow = if row
            .yosys_command
            .as_deref()
            .is_some_and(|c| c.contains("-dsp"))
        {
            crate::hdl::estimate::Flow::Ice40Dsp
        } else {
            crate::hdl::estimate::Flow::of(target)
        };
        row.estimate_lut_span = lut_span(flow);
        targets.push(row);
    }
    let report = ResourceReport {
        schema: "hebb-resources/1",
        design: design.describe(),
        top_module: design.top_module(),
        estimate_method: design.estimate_method(),
        tools,
        constraint_clock: Some(clock.report()),
        targets,
        instances: instance_rows(&module, &measure.targets),
        memory_bits: MemoryBits::of(&module),
    };
    Ok((report, clock))
}

fn report_json(report: &ResourceReport) -> Result<String> {
    Ok(serde_json::to_string_pretty(report).map_err(|e| Error::Other(e.to_string()))? + "\n")
}

/// Renders RTL, constraints and the resource report into `out`; nothing is
/// written unless everything rendered.
pub fn generate(
    design: &dyn Design,
    out: &Path,
    synthesize: bool,
) -> Result<(Vec<PathBuf>, ResourceReport)> {
    generate_with(design, out, synthesize, false, None)
}

/// [`generate`], with `pnr`: place and route on hx8k-ct256, and constraints
/// naming a clock nextpnr measured this design to meet.
pub fn generate_with(
    design: &dyn Design,
    out: &Path,
    synthesize: bool,
    pnr: bool,
    board: Option<&Board>,
) -> Result<(Vec<PathBuf>, ResourceReport)> {
    if let Some(board) = board {
        // Every pin is checked before any tool runs.
        board.render_pcf(design)?;
    }
    let measure = Measure {
        synthesize: synthesize || pnr,
        pnr,
        part: board.map(|b| b.part),
        ..Measure::estimate()
    };
    let (report, clock) = measure_design(design, &measure)?;
    let mut files = rendered_files_with(design, &clock, board)?;
    files.push(("resources.json".into(), report_json(&report)?));
    Ok((write_all(out, &files)?, report))
}

/// `hebb estimate`: `resources.json` and `resources.md` from the structural
/// estimate alone; no external tool runs.
pub fn estimate(design: &dyn Design, out: &Path) -> Result<(Vec<PathBuf>, ResourceReport)> {
    let (mut report, _) = measure_design(design, &Measure::estimate())?;
    // No constraint file is written beside this report.
    report.constraint_clock = None;
    let files = vec![
        ("resources.json".to_string(), report_json(&report)?),
        ("resources.md".to_string(), report.markdown()),
    ];
    Ok((write_all(out, &files)?, report))
}

/// `hebb synth`: Yosys (and with `measure.pnr` nextpnr) on the design; writes
/// `rtl/`, `constraints/` (naming a clock the design meets when place and
/// route ran; with a `board`, its PCF), `resources.json` and `resources.md`.
pub fn synth(
    design: &dyn Design,
    out: &Path,
    measure: &Measure,
    board: Option<&Board>,
) -> Result<(Vec<PathBuf>, ResourceReport)> {
    // Every pin is checked before any tool runs; place and route then uses them.
    let pins = board.map(|b| b.render_pcf(design)).transpose()?;
    let measure = Measure {
        pins: pins.map(|(_, text)| text),
        ..measure.clone()
    };
    let (report, clock) = measure_design(design, &measure)?;
    let mut files = rendered_files_with(design, &clock, board)?;
    files.push(("resources.json".into(), report_json(&report)?));
    files.push(("resources.md".into(), report.markdown()));
    Ok((write_all(out, &files)?, report))
}

/// What the main job did, for its closing summary.
pub struct MainJobSummary {
    pub design: String,
    pub cycles: u64,
    /// Nets compared in lockstep (the whole signal table).
    pub nets: usize,
    pub files: Vec<PathBuf>,
    pub golden_vcd: PathBuf,
    pub rtl_vcd: PathBuf,
    pub diff: DiffReport,
    pub resources: ResourceReport,
}

impl fmt::Display for MainJobSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "design      {}", self.design)?;
        for file in &self.files {
            writeln!(f, "wrote       {}", file.display())?;
        }
        writeln!(
            f,
            "lockstep    {} cycles, RTL (Verilator) == cycle model on all {} nets, every half cycle",
            self.cycles, self.nets
        )?;
        writeln!(f, "golden VCD  {}", self.golden_vcd.display())?;
        writeln!(f, "RTL VCD     {}", self.rtl_vcd.display())?;
        writeln!(
            f,
            "vcd-diff    {}",
            self.diff.to_string().lines().last().unwrap_or("")
        )?;
        write!(f, "{}", self.resources)
    }
}

/// The main job on `design`, driven clock by clock by `stimulus` (input port values per clock).
///
/// Every output (RTL, constraints, resources.json, both VCDs) is written into
/// a staging folder inside `out` and renamed into place only when the run
/// completes, so a failed or killed run leaves the previous outputs as they
/// were and no partial file. A mismatch completes the run too: both traces,
/// whole up to the diverging cycle, are published with the RTL that made them.
pub fn main_job(
    design: &dyn Design,
    stimulus: &[Vec<u64>],
    out: &Path,
    synthesize: bool,
) -> Result<MainJobSummary> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let staging = Staging::new(out)?;
    match main_job_staged(design, stimulus, staging.path(), synthesize) {
        Ok(mut summary) => {
            summary.files = summary
                .files
                .iter()
                .map(|f| staging.final_path(f))
                .collect();
            summary.golden_vcd = staging.final_path(&summary.golden_vcd);
            summary.rtl_vcd = staging.final_path(&summary.rtl_vcd);
            staging.publish()?;
            Ok(summary)
        }
        Err(e @ Error::MismatchTraced { .. }) => {
            let e = staging.rename_error(e);
            staging.publish()?;
            Err(e)
        }
        Err(e) => Err(staging.rename_error(e)),
    }
}

fn main_job_staged(
    design: &dyn Design,
    stimulus: &[Vec<u64>],
    out: &Path,
    synthesize: bool,
) -> Result<MainJobSummary> {
    let (files, resources) = generate(design, out, synthesize)?;
    let sim_dir = out.join("sim");
    std::fs::create_dir_all(&sim_dir).map_err(|e| Error::io(&sim_dir, e))?;
    let golden_vcd = sim_dir.join("golden.vcd");
    let rtl_vcd = sim_dir.join("rtl.vcd");
    let mut sim = Lockstep::with_rtl(design)?;
    sim.record_vcds(&design.top_module(), &golden_vcd, Some(&rtl_vcd))?;
    for inputs in stimulus {
        let clocked = sim.clock(inputs);
        // A trace that cannot be written (a full disk) ends the run at once.
        sim.trace_result()?;
        if let Err(mismatch) = clocked {
            sim.finish()?;
            return Err(Error::MismatchTraced {
                mismatch,
                traces: sim_dir,
            });
        }
    }
    let cycles = sim.cycle();
    sim.finish()?;
    let diff = diff_files(&golden_vcd, &rtl_vcd)?;
    Ok(MainJobSummary {
        design: design.describe(),
        cycles,
        nets: design.signals()?.len(),
        files,
        golden_vcd,
        rtl_vcd,
        diff,
        resources,
    })
}
