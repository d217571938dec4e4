//! The jobs the CLI runs, on any design: generate its outputs, and the main
//! job (generate, co-simulate model and RTL with VCDs, diff them, report resources).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::cosim::Lockstep;
use crate::design::Design;
use crate::error::{Error, Result};
use crate::outputs::{Staging, write_all};
use crate::resources::{ResourceReport, Target, TargetResources};
use crate::tools::gates::yosys_synth;
use crate::trace::{DiffReport, diff_files};

/// The files `generate` writes, relative to its output folder.
pub fn rendered_files(design: &dyn Design) -> Result<Vec<(String, String)>> {
    let mut files: Vec<(String, String)> = design
        .render_rtl()?
        .into_iter()
        .map(|f| (format!("rtl/{}", f.file_name()), f.text))
        .collect();
    for (name, text) in crate::constraints::render(design, crate::constraints::DEFAULT_PERIOD_NS)? {
        files.push((format!("constraints/{name}"), text));
    }
    Ok(files)
}

/// The resource report: the estimate per target, with Yosys counts when `synthesize`.
pub fn resource_report(design: &dyn Design, synthesize: bool) -> Result<ResourceReport> {
    let mut targets = Vec::new();
    for target in Target::ALL {
        let yosys = if synthesize {
            Some(yosys_synth(design, target)?.resources())
        } else {
            None
        };
        targets.push(TargetResources::new(
            target,
            design.estimate(target)?,
            yosys,
        ));
    }
    Ok(ResourceReport {
        schema: "hebb-resources/1",
        design: design.describe(),
        top_module: design.top_module(),
        estimate_method: design.estimate_method(),
        targets,
    })
}

/// Renders RTL, constraints and the resource report into `out`; nothing is
/// written unless everything rendered.
pub fn generate(
    design: &dyn Design,
    out: &Path,
    synthesize: bool,
) -> Result<(Vec<PathBuf>, ResourceReport)> {
    let mut files = rendered_files(design)?;
    let report = resource_report(design, synthesize)?;
    files.push((
        "resources.json".into(),
        serde_json::to_string_pretty(&report).map_err(|e| Error::Other(e.to_string()))? + "\n",
    ));
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
