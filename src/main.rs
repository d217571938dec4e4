//! The `hebb` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use hebb::design::Design;
use hebb::error::{Error, Result};
use hebb::units::catalog;
use hebb::units::rstdp_lane::driver::LaneDriver;
use hebb::units::rstdp_lane::vectors::{VectorFile, replay};
use hebb::units::rstdp_lane::{LaneParams, RawLaneParams, RstdpLane, StepModel, stimulus};
use hebb::{flow, tools, trace};

#[derive(Parser)]
#[command(
    name = "hebb",
    version,
    about = "HDL generator and cycle-accurate simulator for plastic neuromorphic hardware"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The main job (the default): render the default R-STDP lane, co-simulate
    /// its Verilated RTL against the cycle model with VCDs, diff them, report resources.
    Run(RunArgs),
    /// Render a design's RTL, constraints and resource report into a folder.
    Generate {
        #[command(flatten)]
        design: DesignArgs,
        /// Output folder.
        #[arg(long, default_value = "out/generate")]
        out: PathBuf,
        /// Also synthesize with Yosys and put its counts beside the estimate.
        #[arg(long)]
        synth: bool,
    },
    /// Replay reference-vector files (JSON lines) through the step model, and
    /// with --rtl also through the Verilated RTL of each file's parameter set.
    CheckVectors {
        /// Also replay through the Verilated RTL (in lockstep with the cycle model).
        #[arg(long)]
        rtl: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Compare two VCDs signal by signal (matched by hierarchical name).
    VcdDiff { golden: PathBuf, dut: PathBuf },
    /// Write a self-checking Verilog testbench, its hex vectors and the RTL of
    /// a reference-vector file's parameters into a folder; with --run, simulate
    /// it with Icarus Verilog.
    Testbench {
        file: PathBuf,
        /// Output folder.
        #[arg(long, default_value = "out/testbench")]
        out: PathBuf,
        /// Run it with iverilog/vvp and report PASS or the first mismatch.
        #[arg(long)]
        run: bool,
    },
    /// Stochastic-computing accuracy: mean and worst absolute error of
    /// multiply and dot product per generator kind and stream length (64 to
    /// 4096), printed and written as JSON and SVG.
    ScAccuracy {
        /// Output folder for sc_accuracy.json and sc_accuracy.svg.
        #[arg(long, default_value = "out/sc_accuracy")]
        out: PathBuf,
        /// Also name the cheapest source and length whose multiply RMSE is within this budget.
        #[arg(long, allow_negative_numbers = true)]
        budget: Option<f64>,
    },
    /// Lint (verilator -Wall, iverilog -g2005) and synthesize (Yosys iCE40, xc7) a design's RTL.
    Lint {
        #[command(flatten)]
        design: DesignArgs,
    },
}

#[derive(Args)]
struct RunArgs {
    /// Output folder.
    #[arg(long, default_value = "out/rstdp_lane")]
    out: PathBuf,
    /// Timesteps of the built-in stimulus, 1..=1000000.
    #[arg(long, default_value_t = 4000)]
    timesteps: usize,
    /// Seed of the built-in stimulus.
    #[arg(long, default_value_t = 0x6865_6262)]
    seed: u64,
    /// Skip Yosys; the resource report then holds the estimate only.
    #[arg(long)]
    no_synth: bool,
}

/// `hebb` with no subcommand runs the main job with its defaults.
#[derive(Parser)]
struct DefaultRun {
    #[command(flatten)]
    args: RunArgs,
}

/// Which design: a unit's default, or an R-STDP lane with the given
/// parameters (the lane flags apply to `--unit rstdp_lane`, the default).
#[derive(Args)]
struct DesignArgs {
    /// rstdp_lane, sc_sng, sc_synapse, sc_decoder, sc_dot_product or sc_stdp.
    #[arg(long, default_value = "rstdp_lane")]
    unit: String,
    /// W: weight bits, 1..=32 [default 16].
    #[arg(long)]
    weight_bits: Option<u32>,
    /// T: trace and eligibility bits, 2..=30 [default 12].
    #[arg(long)]
    trace_bits: Option<u32>,
    /// R: reward bits (two's complement), 1..=30 [default 8].
    #[arg(long)]
    reward_bits: Option<u32>,
    /// L: learning shift, 0..=60 [default 4].
    #[arg(long)]
    learning_shift: Option<u32>,
    /// D: trace decay shift, 0..=30, 0 = no decay [default 4].
    #[arg(long)]
    trace_decay_shift: Option<u32>,
    /// Weight loaded at reset, 0..=2^W-1 [default 0].
    #[arg(long)]
    reset_weight: Option<u64>,
}

impl DesignArgs {
    fn design(&self) -> Result<Box<dyn Design>> {
        let lane_flags = [
            self.weight_bits,
            self.trace_bits,
            self.reward_bits,
            self.learning_shift,
            self.trace_decay_shift,
        ];
        let any_lane_flag = lane_flags.iter().any(Option::is_some) || self.reset_weight.is_some();
        if self.unit != "rstdp_lane" {
            if any_lane_flag {
                return Err(Error::Other(format!(
                    "the lane parameters (--weight-bits ...) apply to --unit rstdp_lane, not {}",
                    self.unit
                )));
            }
            return catalog::default_design(&self.unit);
        }
        let d = RawLaneParams::default();
        let raw = RawLaneParams {
            weight_bits: self.weight_bits.unwrap_or(d.weight_bits),
            trace_bits: self.trace_bits.unwrap_or(d.trace_bits),
            reward_bits: self.reward_bits.unwrap_or(d.reward_bits),
            learning_shift: self.learning_shift.unwrap_or(d.learning_shift),
            trace_decay_shift: self.trace_decay_shift.unwrap_or(d.trace_decay_shift),
            reset_weight: self.reset_weight.unwrap_or(d.reset_weight),
        };
        Ok(Box::new(RstdpLane::new(LaneParams::try_from(raw)?)))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli
        .command
        .unwrap_or_else(|| Command::Run(DefaultRun::parse_from(["hebb"]).args));
    match execute(command) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs one command; `Ok(false)` means it ran and found a difference.
fn execute(command: Command) -> Result<bool> {
    match command {
        Command::Run(args) => run_main_job(args),
        Command::Generate { design, out, synth } => {
            let design = design.design()?;
            let (files, report) = flow::generate(design.as_ref(), &out, synth)?;
            for f in files {
                println!("wrote {}", f.display());
            }
            print!("{report}");
            Ok(true)
        }
        Command::CheckVectors { rtl, files } => check_vectors(&files, rtl),
        Command::VcdDiff { golden, dut } => {
            let report = trace::diff_files(&golden, &dut)?;
            println!("{report}");
            Ok(report.agrees())
        }
        Command::Testbench { file, out, run } => testbench(&file, &out, run),
        Command::ScAccuracy { out, budget } => {
            if let Some(b) = budget.filter(|b| !(b.is_finite() && *b > 0.0)) {
                return Err(Error::Other(format!(
                    "parameter `budget` = {b} is out of range: allowed a finite RMSE > 0"
                )));
            }
            let report = hebb::units::bitstream::accuracy::run_accuracy(&out)?;
            if let Some(budget) = budget {
                use hebb::units::bitstream::accuracy::Operands;
                let answers = [
                    (
                        "on the 65x65 grid of multiples of 1/64",
                        report.cheapest_for_operands(budget, Operands::Grid),
                    ),
                    (
                        "on the grid and on random 12-bit operands",
                        report.cheapest_for_all(budget),
                    ),
                ];
                for (operands, answer) in answers {
                    match answer {
                        Some((source, length)) => println!(
                            "budget {budget} {operands}: {source:?} at {length} bits is the shortest stream within it"
                        ),
                        None => println!(
                            "budget {budget} {operands}: no source meets it at the lengths studied (64..=4096 bits)"
                        ),
                    }
                }
            }
            Ok(true)
        }
        Command::Lint { design } => {
            let design = design.design()?;
            let design = design.as_ref();
            println!("{}", design.describe());
            tools::gates::verilator_lint(design)?;
            println!("verilator --lint-only -Wall: clean");
            tools::gates::iverilog_2005(design)?;
            println!("iverilog -g2005 -Wall: clean");
            for target in hebb::resources::Target::ALL {
                let r = tools::gates::yosys_synth(design, target)?.resources();
                println!(
                    "yosys {}: no warnings, no latches; LUT {} FF {} CARRY {} DSP {}",
                    target.yosys_command(),
                    r.luts,
                    r.ffs,
                    r.carries,
                    r.dsps
                );
            }
            Ok(true)
        }
    }
}

/// Timesteps the main job accepts: its stimulus and both VCDs (~0.5 kB per clock each) are built whole.
const MAIN_JOB_TIMESTEPS: (usize, usize) = (1, 1_000_000);

fn run_main_job(args: RunArgs) -> Result<bool> {
    hebb::error::ParamError::check_range(
        "timesteps",
        args.timesteps as i128,
        MAIN_JOB_TIMESTEPS.0 as i128,
        MAIN_JOB_TIMESTEPS.1 as i128,
    )?;
    let design = RstdpLane::default();
    let cycles = stimulus::builtin(&design.params, args.timesteps, args.seed);
    let inputs: Vec<Vec<u64>> = cycles.iter().map(|c| c.port_values().to_vec()).collect();
    println!(
        "hebb main job: {} ({} clocks of built-in stimulus)",
        design.describe(),
        inputs.len()
    );
    let summary = flow::main_job(&design, &inputs, &args.out, !args.no_synth)?;
    print!("{summary}");
    if !summary.diff.agrees() {
        println!("{}", summary.diff);
    }
    Ok(summary.diff.agrees())
}

/// One line per file; stops at the first mismatch (exit 1).
fn check_vectors(files: &[PathBuf], rtl: bool) -> Result<bool> {
    for path in files {
        let file = VectorFile::read(path)?;
        let head = format!("{}: {} ({})", path.display(), file.name, file.params.tag());
        let mut model = StepModel::from_reset(file.params);
        let steps = match replay(&file, &mut model) {
            Ok(steps) => steps,
            Err(failure) => {
                println!("{head}: step model MISMATCH at {failure}");
                return Ok(false);
            }
        };
        let mut line = format!("{head}: step model OK ({steps} steps)");
        if rtl {
            let mut lane = LaneDriver::new(file.params, true)?;
            match replay(&file, &mut lane) {
                Ok(steps) => line += &format!(", RTL OK ({steps} steps, Verilated)"),
                Err(failure) => {
                    println!("{line}, RTL MISMATCH at {failure}");
                    return Ok(false);
                }
            }
        }
        println!("{line}");
    }
    Ok(true)
}

fn testbench(path: &std::path::Path, out: &std::path::Path, run: bool) -> Result<bool> {
    let file = VectorFile::read(path)?;
    let lane = RstdpLane::new(file.params);
    let (tb_name, tb, hex_name, hex) = hebb::units::rstdp_lane::testbench::render(&file)?;
    let rtl_name = format!("{}.v", lane.top_module());
    let files = vec![
        (rtl_name.clone(), lane.render_top()?),
        (tb_name.clone(), tb),
        (hex_name.clone(), hex),
    ];
    for written in hebb::outputs::write_all(out, &files)? {
        println!("wrote {}", written.display());
    }
    if !run {
        return Ok(true);
    }
    let top = format!("{}_tb", lane.top_module());
    let output = tools::icarus::simulate(
        out,
        &top,
        &[&rtl_name, &tb_name],
        &[&format!("+vectors={hex_name}")],
    )?;
    print!("{output}");
    Ok(output.contains("PASS:") && !output.contains("MISMATCH"))
}
