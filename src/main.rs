//! The `hebb` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use hebb::board::Board;
use hebb::design::{Design, Renamed};
use hebb::error::{Error, Result};
use hebb::params::ParamValues;
use hebb::resources::Target;
use hebb::units::UNITS;
use hebb::units::rstdp_lane::driver::LaneDriver;
use hebb::units::rstdp_lane::vectors::{VectorFile, replay};
use hebb::units::rstdp_lane::{RstdpLane, StepModel};
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
    /// The main job (the default): render a design (the default R-STDP lane
    /// unless --unit says otherwise), co-simulate its Verilated RTL against
    /// the cycle model with VCDs, diff them, report resources.
    Run(RunArgs),
    /// List the units with their parameter keys, defaults and allowed ranges.
    Units,
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
        /// Also place and route on hx8k-ct256 (nextpnr-ice40): Fmax in the
        /// report, constraints naming a clock the design meets (implies --synth).
        #[arg(long)]
        pnr: bool,
        /// A board file (TOML: `part = "hx8k-ct256"`, `[pins] clk_i = "J3"`,
        /// `"value_i[0]" = "B1"`, ...): writes constraints/<module>.pcf with a pin
        /// for every top port bit.
        #[arg(long, value_name = "FILE")]
        board: Option<PathBuf>,
    },
    /// Resource estimate from the design's description alone (no external
    /// tool): resources.json and resources.md in a folder.
    Estimate {
        #[command(flatten)]
        design: DesignArgs,
        /// Output folder.
        #[arg(long, default_value = "out/estimate")]
        out: PathBuf,
    },
    /// Synthesize with Yosys (and with --pnr place and route with
    /// nextpnr-ice40): RTL, constraints, resources.json and resources.md with
    /// estimate, measurement and their ratio.
    Synth {
        #[command(flatten)]
        design: DesignArgs,
        /// One target (ice40 or xc7) [default: both].
        #[arg(long, value_parser = ["ice40", "xc7"])]
        target: Option<String>,
        /// Place and route on the iCE40 part with nextpnr-ice40: Fmax and
        /// critical path in the report, constraints at 90 % of Fmax.
        #[arg(long)]
        pnr: bool,
        /// iCE40 part: hx8k-ct256 (synth_ice40) or up5k-sg48 (synth_ice40 -dsp) [default: hx8k-ct256].
        #[arg(long)]
        part: Option<String>,
        /// Output folder.
        #[arg(long, default_value = "out/synth")]
        out: PathBuf,
        /// A board file (TOML: `part = "hx8k-ct256"`, `[pins] clk_i = "J3"`,
        /// `"value_i[0]" = "B1"`, ...): writes constraints/<module>.pcf with a pin
        /// for every top port bit.
        #[arg(long, value_name = "FILE")]
        board: Option<PathBuf>,
    },
    /// Replay reference-vector files (JSON lines) through the step model, and
    /// with --rtl also through the Verilated RTL of each file's parameter set.
    CheckVectors {
        /// Also replay through the Verilated RTL (in lockstep with the cycle model).
        #[arg(long)]
        rtl: bool,
        /// The unit to replay through: rstdp_lane, or rstdp_array (a 1x1 array
        /// of the file's parameters).
        #[arg(long, default_value = "rstdp_lane")]
        unit: String,
        /// The lane's `pipeline` key for the RTL replay (0..=6): timesteps
        /// back to back, each weight read `pipeline` clocks after its step.
        #[arg(long, default_value_t = 0)]
        pipeline: u32,
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
    /// Demonstrations run on the step models, written as JSON and SVG.
    Demo {
        #[command(subcommand)]
        demo: Demo,
    },
    /// Lint (verilator -Wall, iverilog -g2005) and synthesize (Yosys iCE40, xc7) a design's RTL.
    Lint {
        #[command(flatten)]
        design: DesignArgs,
        /// Every unit's default design, one after the other.
        #[arg(long, conflicts_with_all = ["unit", "params", "sets", "module_name"])]
        all: bool,
    },
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// Output folder [default: out/<unit>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Clocks of the built-in stimulus (timesteps for the lane), 1..=1000000
    /// [default: the design's, 4000 for most units; the plastic core's covers
    /// its weight load and a window of timesteps].
    #[arg(long)]
    timesteps: Option<usize>,
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

/// Which design: a unit, its parameters (defaults, then a TOML file, then
/// `--set` pairs) and optionally the module name.
#[derive(Args)]
struct DesignArgs {
    /// The unit (`hebb units` lists them with their keys) [default: plastic_core;
    /// rstdp_lane when a lane alias such as --weight-bits is given].
    #[arg(long)]
    unit: Option<String>,
    /// A TOML file of parameters: `key = value` lines, keys as `hebb units` lists them.
    #[arg(long)]
    params: Option<PathBuf>,
    /// One parameter, `key=value` (repeatable; wins over --params).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Name of the top module [default: unique per parameter set, e.g. rstdp_lane_w16_t12_r8_l4_d4].
    #[arg(long)]
    module_name: Option<String>,
    /// Alias of --set weight_bits=N (rstdp_lane).
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    weight_bits: Option<String>,
    /// Alias of --set trace_bits=N (rstdp_lane).
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    trace_bits: Option<String>,
    /// Alias of --set reward_bits=N (rstdp_lane).
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    reward_bits: Option<String>,
    /// Alias of --set learning_shift=N (rstdp_lane).
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    learning_shift: Option<String>,
    /// Alias of --set trace_decay_shift=N (rstdp_lane).
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    trace_decay_shift: Option<String>,
    /// Alias of --set reset_weight=N (rstdp_lane).
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    reset_weight: Option<String>,
}

impl DesignArgs {
    /// The unit's name: `--unit`, else the lane when a lane alias is
    /// given, else the embedded default design (the plastic core).
    fn unit_name(&self) -> &str {
        match &self.unit {
            Some(unit) => unit,
            None if self.lane_aliases().iter().any(|(_, v)| v.is_some()) => {
                hebb::units::rstdp_lane::UNIT
            }
            None => hebb::units::DEFAULT_UNIT,
        }
    }

    fn lane_aliases(&self) -> [(&str, &Option<String>); 6] {
        [
            ("weight_bits", &self.weight_bits),
            ("trace_bits", &self.trace_bits),
            ("reward_bits", &self.reward_bits),
            ("learning_shift", &self.learning_shift),
            ("trace_decay_shift", &self.trace_decay_shift),
            ("reset_weight", &self.reset_weight),
        ]
    }

    fn design(&self) -> Result<Box<dyn Design>> {
        let unit = hebb::units::unit(self.unit_name())?;
        let mut sets = Vec::new();
        let aliases = self.lane_aliases();
        for (key, value) in aliases {
            if let Some(value) = value {
                if unit.name() != hebb::units::rstdp_lane::UNIT {
                    return Err(Error::Other(format!(
                        "--{} is an alias of a rstdp_lane key; for {} use --set KEY=VALUE (see `hebb units`)",
                        key.replace('_', "-"),
                        unit.name()
                    )));
                }
                sets.push(format!("{key}={value}"));
            }
        }
        sets.extend(self.sets.iter().cloned());
        let values = ParamValues::gather(self.params.as_deref(), &sets)?;
        let design = unit.design(&values)?;
        match &self.module_name {
            None => Ok(design),
            Some(name) if hebb::hdl::is_identifier(name) => Ok(Box::new(Renamed {
                design,
                name: name.clone(),
            })),
            Some(name) => Err(Error::Other(format!(
                "--module-name `{name}` is not a Verilog identifier: allowed [A-Za-z_][A-Za-z0-9_$]*, not a keyword"
            ))),
        }
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
        Command::Generate {
            design,
            out,
            synth,
            pnr,
            board,
        } => {
            let design = design.design()?;
            let board = board.as_deref().map(Board::read).transpose()?;
            with_output_lock(&out, || {
                let (files, report) =
                    flow::generate_with(design.as_ref(), &out, synth, pnr, board.as_ref())?;
                for f in files {
                    println!("wrote {}", f.display());
                }
                print!("{report}");
                Ok(true)
            })
        }
        Command::Estimate { design, out } => {
            let design = design.design()?;
            with_output_lock(&out, || {
                let (files, report) = flow::estimate(design.as_ref(), &out)?;
                for f in files {
                    println!("wrote {}", f.display());
                }
                print!("{report}");
                Ok(true)
            })
        }
        Command::Synth {
            design,
            target,
            pnr,
            part,
            out,
            board,
        } => {
            let design = design.design()?;
            let board = board.as_deref().map(Board::read).transpose()?;
            let targets = match target.as_deref() {
                None => Target::ALL.to_vec(),
                Some("xc7") => vec![Target::Xilinx7],
                Some(_) => vec![Target::Ice40],
            };
            if part.is_some() && !targets.contains(&Target::Ice40) {
                return Err(Error::Other(
                    "--part names an iCE40 part: use --target ice40 (or no --target)".into(),
                ));
            }
            let part = part
                .as_deref()
                .map(tools::nextpnr::Ice40Part::parse)
                .transpose()?;
            if let (Some(part), Some(board)) = (part, &board)
                && part != board.part
            {
                return Err(Error::Other(format!(
                    "--part {part} differs from the board file's part {} ({})",
                    board.part,
                    board.path.display()
                )));
            }
            let part = part
                .or(board.as_ref().map(|b| b.part))
                .or(Some(tools::nextpnr::Ice40Part::DEFAULT));
            // flow::synth fills in the board's pins.
            let measure = flow::Measure {
                targets,
                synthesize: true,
                pnr,
                part,
                pins: None,
            };
            with_output_lock(&out, || {
                let (files, report) = flow::synth(design.as_ref(), &out, &measure, board.as_ref())?;
                for f in files {
                    println!("wrote {}", f.display());
                }
                print!("{report}");
                Ok(true)
            })
        }
        Command::CheckVectors {
            rtl,
            unit,
            pipeline,
            files,
        } => check_vectors(&files, &unit, rtl, pipeline),
        Command::VcdDiff { golden, dut } => {
            let report = trace::diff_files(&golden, &dut)?;
            println!("{report}");
            Ok(report.agrees())
        }
        Command::Testbench { file, out, run } => {
            with_output_lock(&out, || testbench(&file, &out, run))
        }
        Command::Demo {
            demo: Demo::Homeostasis { seed, out },
        } => with_output_lock(&out, || demo_homeostasis(seed, &out)),
        Command::Demo {
            demo: Demo::Reward { seed, out },
        } => with_output_lock(&out, || demo_reward(seed, &out)),
        Command::ScAccuracy { out, budget } => {
            if let Some(b) = budget.filter(|b| !(b.is_finite() && *b > 0.0)) {
                return Err(Error::Other(format!(
                    "parameter `budget` = {b} is out of range: allowed a finite RMSE > 0"
                )));
            }
            let report = with_output_lock(&out, || hebb::studies::sc_accuracy::run_accuracy(&out))?;
            if let Some(budget) = budget {
                use hebb::studies::sc_accuracy::Operands;
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
        Command::Units => {
            print_units()?;
            Ok(true)
        }
        Command::Lint { design, all } => {
            if all {
                for unit in UNITS {
                    lint(hebb::units::default_design(unit.name())?.as_ref())?;
                }
                return Ok(true);
            }
            lint(design.design()?.as_ref())?;
            Ok(true)
        }
    }
}

/// Runs `job` holding the lock on the output folder `out` (created if
/// needed): a second hebb writing there fails at once. A folder this command
/// created is removed again if the job fails before publishing anything.
#[derive(Subcommand)]
enum Demo {
    /// Two LIF populations, one driven ten times too hard and one ten times
    /// too weakly, reach their band of spikes per window and hold it:
    /// homeostasis.json (count and mean threshold per window, windows to
    /// band) and homeostasis.svg.
    Homeostasis {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "out/homeostasis")]
        out: PathBuf,
    },
    /// A plastic core (16 inputs, 4 neurons) learns from reward alone which
    /// neuron answers which of 4 input patterns; the first 400 trials also
    /// run on the Verilated RTL, compared with the step model at every
    /// timestep: reward.json (accuracy per block, weights, RTL prefix) and
    /// reward.svg.
    Reward {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "out/reward")]
        out: PathBuf,
    },
}

fn demo_reward(seed: u64, out: &Path) -> Result<bool> {
    let report = hebb::studies::reward::run(seed)?;
    let files = vec![
        ("reward.json".to_string(), report.json()?),
        ("reward.svg".to_string(), report.render_svg()?),
    ];
    for written in hebb::outputs::write_all(out, &files)? {
        println!("wrote {}", written.display());
    }
    let percent = |a: f64| format!("{:.0} %", a * 100.0);
    let blocks = &report.block_accuracy;
    println!(
        "{} trials in blocks of {}, chance {}: accuracy {}",
        report.task.trials,
        report.trials_per_block,
        percent(report.chance),
        blocks
            .iter()
            .map(|&a| percent(a))
            .collect::<Vec<_>>()
            .join(", ")
    );
    match report.trials_to_criterion {
        Some(t) => println!(
            "at least {} in every block from trial {t} to the end",
            percent(hebb::studies::reward::CRITERION)
        ),
        None => println!(
            "the last block is below {}",
            percent(hebb::studies::reward::CRITERION)
        ),
    }
    println!(
        "RTL prefix: {} trials ({} timesteps) on the Verilated RTL in {:.1} s: {}",
        report.rtl_prefix_trials,
        report.rtl_prefix_timesteps,
        report.rtl_prefix_seconds,
        match &report.rtl_prefix_mismatch {
            None if report.rtl_prefix_match => {
                "equal to the step model at every timestep and every trial's end".to_string()
            }
            None => "not compared".to_string(),
            Some(m) => format!("DIFFERS: {m}"),
        }
    );
    Ok(report.learned() && report.rtl_prefix_match)
}

fn demo_homeostasis(seed: u64, out: &Path) -> Result<bool> {
    let report = hebb::studies::homeostasis::run(seed)?;
    let files = vec![
        ("homeostasis.json".to_string(), report.json()?),
        ("homeostasis.svg".to_string(), report.render_svg()?),
    ];
    for written in hebb::outputs::write_all(out, &files)? {
        println!("wrote {}", written.display());
    }
    println!("{}", report.bounds);
    let mut all_in_band = true;
    for p in &report.populations {
        match p.windows_to_band {
            Some(w) => println!(
                "{}: in its band [{}, {}] from window {w} of {} to the end (first window {} spikes, last {})",
                p.name,
                p.band[0],
                p.band[1],
                p.count_per_window.len(),
                p.count_per_window[0],
                p.count_per_window[p.count_per_window.len() - 1]
            ),
            None => {
                all_in_band = false;
                println!(
                    "{}: ends outside its band [{}, {}]",
                    p.name, p.band[0], p.band[1]
                );
            }
        }
    }
    Ok(all_in_band)
}

fn with_output_lock<T>(out: &Path, job: impl FnOnce() -> Result<T>) -> Result<T> {
    let lock = hebb::outputs::lock_output_dir(out)?;
    let result = job();
    if result.is_err() {
        lock.release_failed();
    }
    result
}

/// `hebb units`: each unit, and its keys as TOML lines (`key = default`)
/// with what is allowed and what they mean, ready to copy into a `--params` file.
fn print_units() -> Result<()> {
    for unit in UNITS {
        println!("# {}: {}", unit.name(), unit.summary());
        let defaults = unit.defaults()?;
        let lines: Vec<(String, &hebb::units::ParamKey)> = unit
            .keys()
            .iter()
            .map(|key| {
                let default = defaults
                    .get(key.key)
                    .map_or_else(|| "-".to_string(), |v| v.to_string());
                (format!("{} = {default}", key.key), key)
            })
            .collect();
        let width = lines
            .iter()
            .map(|(l, _)| l.len())
            .filter(|&w| w <= 40)
            .max()
            .unwrap_or(0);
        for (line, key) in lines {
            println!("{line:<width$}  # {}; {}", key.allowed, key.meaning);
        }
        println!();
    }
    Ok(())
}

/// The RTL quality gates on one design.
fn lint(design: &dyn Design) -> Result<()> {
    {
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
    }
    Ok(())
}

/// Timesteps the main job accepts: its stimulus and both VCDs (~0.5 kB per clock each) are built whole.
const MAIN_JOB_TIMESTEPS: (usize, usize) = (1, 1_000_000);

fn run_main_job(args: RunArgs) -> Result<bool> {
    let design = args.design.design()?;
    let clocks = args
        .timesteps
        .unwrap_or_else(|| design.default_stimulus_clocks());
    hebb::error::ParamError::check_range(
        "timesteps",
        clocks as i128,
        MAIN_JOB_TIMESTEPS.0 as i128,
        MAIN_JOB_TIMESTEPS.1 as i128,
    )?;
    let inputs = design.stimulus(clocks, args.seed)?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("out").join(args.design.unit_name()));
    println!(
        "hebb main job: {} ({} clocks of built-in stimulus)",
        design.describe(),
        inputs.len()
    );
    let summary = with_output_lock(&out, || {
        flow::main_job(design.as_ref(), &inputs, &out, !args.no_synth)
    })?;
    print!("{summary}");
    if !summary.diff.agrees() {
        println!("{}", summary.diff);
    }
    Ok(summary.diff.agrees())
}

/// One line per file; stops at the first mismatch (exit 1).
fn check_vectors(files: &[PathBuf], unit: &str, rtl: bool, pipeline: u32) -> Result<bool> {
    use hebb::units::rstdp_array::driver::ArrayDriver;
    use hebb::units::rstdp_array::vectors::{ArrayModelLane, single_synapse};
    use hebb::units::rstdp_lane::vectors::LaneUnderTest;
    let through_array = match unit {
        "rstdp_lane" => false,
        "rstdp_array" if pipeline == 0 => true,
        "rstdp_array" => {
            return Err(Error::Other(
                "--pipeline applies to rstdp_lane: the array has a pipeline of its own".into(),
            ));
        }
        other => {
            return Err(Error::Other(format!(
                "--unit {other}: the reference vectors replay through rstdp_lane or rstdp_array"
            )));
        }
    };
    for path in files {
        let file = VectorFile::read(path)?;
        let params = file
            .params
            .with_pipeline(pipeline)
            .map_err(|e| Error::Other(format!("--pipeline {pipeline}: {e}")))?;
        let head = format!("{}: {} ({})", path.display(), file.name, file.params.tag());
        let mut model: Box<dyn LaneUnderTest> = if through_array {
            Box::new(ArrayModelLane::new(&file.params)?)
        } else {
            Box::new(StepModel::from_reset(file.params))
        };
        let steps = match replay(&file, model.as_mut()) {
            Ok(steps) => steps,
            Err(failure) => {
                println!("{head}: {unit} step model MISMATCH at {failure}");
                return Ok(false);
            }
        };
        let mut line = format!("{head}: {unit} step model OK ({steps} steps)");
        if rtl {
            let mut dut: Box<dyn LaneUnderTest> = if through_array {
                Box::new(ArrayDriver::new(single_synapse(&file.params)?, true)?)
            } else {
                Box::new(LaneDriver::new(params, true)?)
            };
            match replay(&file, dut.as_mut()) {
                Ok(steps) if pipeline == 0 => {
                    line += &format!(", RTL OK ({steps} steps, Verilated)")
                }
                Ok(steps) => {
                    line += &format!(", RTL pipeline={pipeline} OK ({steps} steps, Verilated)")
                }
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
