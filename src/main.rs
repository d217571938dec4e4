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
    /// Run a plastic core timestep by timestep on its step model (with --rtl
    /// in lockstep with its Verilated RTL): random input spikes, a reward
    /// rule, learning switched off and on, weight normalization; writes the
    /// weights over time (weights.csv, weights.vcd) and the final weights
    /// (weights.json, loadable with --load-weights).
    Core(CoreArgs),
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

#[derive(Args)]
struct CoreArgs {
    /// A TOML file of the core's parameters (`array = { ... }`, `population = { ... }`).
    #[arg(long)]
    params: Option<PathBuf>,
    /// One parameter, `key=value` (repeatable; wins over --params; `table.key=value` sets one key of a nested table).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Timesteps to run, 1..=10000000.
    #[arg(long, default_value_t = 1000)]
    timesteps: u64,
    /// Seed of the random initial weights and input spikes (SplitMix64).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Probability that an input spikes in a timestep (each input, each timestep), 0..=1.
    #[arg(long, default_value_t = 0.1)]
    input_rate: f64,
    /// The reward of each timestep: an integer (constant, saturated to the
    /// reward width), or `neuron:J`: the most positive reward after a
    /// timestep where neuron J spiked, the most negative after one where
    /// only other neurons spiked, 0 after a silent one.
    #[arg(long, default_value = "neuron:0", allow_hyphen_values = true)]
    reward: String,
    /// Also run the Verilated RTL (and the cycle model) in lockstep; any
    /// spike that differs is exit 1.
    #[arg(long)]
    rtl: bool,
    /// Learning off from this timestep on (timesteps count from 1).
    #[arg(long, value_name = "T")]
    learn_off_from: Option<u64>,
    /// Learning on from this timestep on (off before it unless
    /// --learn-off-from comes earlier).
    #[arg(long, value_name = "T")]
    learn_on_from: Option<u64>,
    /// Normalize every neuron's incoming weight sum to --normalize-target
    /// after every N-th timestep.
    #[arg(long, value_name = "N", requires = "normalize_target")]
    normalize_every: Option<u64>,
    /// The column sum a normalization aims at, 0..=n_pre*MAXW.
    #[arg(long, value_name = "X", requires = "normalize_every")]
    normalize_target: Option<u64>,
    /// Record every weight after every N-th timestep (and at timestep 0).
    #[arg(long, value_name = "N", default_value_t = 1)]
    record_every: u64,
    /// Start from the weights of a weights file (JSON, as weights.json) instead of random weights.
    #[arg(long, value_name = "FILE")]
    load_weights: Option<PathBuf>,
    /// Output folder.
    #[arg(long, default_value = "out/core")]
    out: PathBuf,
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
    /// One parameter, `key=value` (repeatable; wins over --params; `table.key=value` sets one key of a nested table).
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
        Command::Core(args) => core_run(&args),
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
            let synth = tools::gates::yosys_synth(design, target)?;
            let r = synth.resources();
            println!(
                "yosys {}: no warnings, no latches; LUT {} FF {} CARRY {} DSP {}",
                target.yosys_command(),
                r.luts,
                r.ffs,
                r.carries,
                r.dsps
            );
            for defect in &synth.netlist_defects {
                println!("yosys {}: NETLIST DEFECT: {defect}", target.yosys_command());
            }
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

/// Weights `hebb core` may hold in memory for its recording (8 bytes each).
const CORE_RECORDED_WEIGHTS: u64 = 1 << 24;

/// `--reward`: a constant, or rewarding neuron J's spikes.
#[derive(Debug, Clone, Copy)]
enum RewardRule {
    Constant(i64),
    Neuron(usize),
}

impl RewardRule {
    fn parse(text: &str, n_post: usize) -> Result<Self> {
        if let Some(j) = text.strip_prefix("neuron:") {
            return match j.parse::<usize>() {
                Ok(j) if j < n_post => Ok(RewardRule::Neuron(j)),
                _ => Err(Error::Other(format!(
                    "--reward {text}: neuron `{j}` is out of range: allowed 0..={}",
                    n_post - 1
                ))),
            };
        }
        text.parse::<i64>().map(RewardRule::Constant).map_err(|_| {
            Error::Other(format!(
                "--reward {text}: allowed an integer (a constant reward) or neuron:J (J in 0..={})",
                n_post - 1
            ))
        })
    }

    /// The reward of the timestep after one that spiked `last`.
    fn reward(self, last: &[bool], lane: &hebb::units::rstdp_lane::LaneParams) -> i64 {
        match self {
            RewardRule::Constant(r) => r,
            RewardRule::Neuron(j) if last[j] => lane.max_reward(),
            RewardRule::Neuron(_) if last.iter().any(|&s| s) => lane.min_reward(),
            RewardRule::Neuron(_) => 0,
        }
    }
}

/// Whether learning is on at timestep `t` (from 1): on throughout by
/// default; off from `off`; on from `on` (off before it); both: a pause
/// (`off < on`) or a window (`on < off`).
fn learning_at(t: u64, off: Option<u64>, on: Option<u64>) -> bool {
    match (off, on) {
        (None, None) => true,
        (Some(off), None) => t < off,
        (None, Some(on)) => t >= on,
        (Some(off), Some(on)) if off < on => t < off || t >= on,
        (Some(off), Some(on)) => t >= on && t < off,
    }
}

/// A progress bar on stderr that appears only when both stdout and stderr
/// are terminals and the run has lasted 2 s; `tick` advances it.
struct Progress {
    bar: indicatif::ProgressBar,
    visible: bool,
    shown: bool,
    start: std::time::Instant,
}

impl Progress {
    fn new(total: u64, what: &'static str) -> Self {
        use std::io::IsTerminal;
        let style = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} timesteps, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
            indicatif::ProgressDrawTarget::hidden(),
        )
        .with_style(style)
        .with_message(what);
        Progress {
            bar,
            visible: std::io::stdout().is_terminal() && std::io::stderr().is_terminal(),
            shown: false,
            start: std::time::Instant::now(),
        }
    }

    fn tick(&mut self) {
        self.bar.inc(1);
        if self.visible && !self.shown && self.start.elapsed().as_secs() >= 2 {
            // stderr() itself draws nothing when stderr is not a terminal.
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown = true;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// `hebb core`: everything is checked (parameters, options, the weights
/// file) before the output folder is touched; outputs are written whole at
/// the end. A difference between the step model and the RTL is exit 1.
fn core_run(args: &CoreArgs) -> Result<bool> {
    use hebb::error::ParamError;
    use hebb::units::plastic_core::session::{Beside, CoreSession, WeightDump};
    let values = ParamValues::gather(args.params.as_deref(), &args.sets)?;
    let config = hebb::units::plastic_core::params::config_from_values(&values)?;
    let (n_pre, n_post) = (config.array.n_pre(), config.array.n_post());
    let lane = *config.array.lane();
    ParamError::check_range("timesteps", args.timesteps.into(), 1, 10_000_000)?;
    if !(0.0..=1.0).contains(&args.input_rate) {
        return Err(Error::Other(format!(
            "parameter `input_rate` = {} is out of range: allowed 0..=1 (a probability per input and timestep)",
            args.input_rate
        )));
    }
    let reward = RewardRule::parse(&args.reward, n_post)?;
    if let (Some(off), Some(on)) = (args.learn_off_from, args.learn_on_from)
        && off == on
    {
        return Err(Error::Other(format!(
            "--learn-off-from {off} and --learn-on-from {on} name the same timestep"
        )));
    }
    if let Some(n) = args.normalize_every {
        ParamError::check_range("normalize_every", n.into(), 1, u64::MAX.into())?;
    }
    if let Some(x) = args.normalize_target {
        let most = n_pre as u64 * lane.max_weight();
        if x > most {
            return Err(Error::Other(format!(
                "parameter `normalize_target` = {x} is out of range: allowed 0..={most} (n_pre x MAXW)"
            )));
        }
    }
    ParamError::check_range("record_every", args.record_every.into(), 1, u64::MAX.into())?;
    let rows = args.timesteps / args.record_every + 1;
    let synapses = (n_pre * n_post) as u64;
    if rows.saturating_mul(synapses) > CORE_RECORDED_WEIGHTS {
        let least = args.timesteps / (CORE_RECORDED_WEIGHTS / synapses - 1).max(1) + 1;
        return Err(Error::Other(format!(
            "--record-every {}: {rows} recorded timesteps of {synapses} weights exceed the {CORE_RECORDED_WEIGHTS} weights a run records; allowed --record-every {least} or more for {} timesteps",
            args.record_every, args.timesteps
        )));
    }
    // The weights file is read and checked before anything is written.
    let loaded = match &args.load_weights {
        Some(path) => {
            let dump = WeightDump::read(path)?;
            dump.check(&config, path)?;
            Some(dump.weights)
        }
        None => None,
    };
    let mut rng = hebb::rng::SplitMix64(args.seed);
    let random: Vec<u64> = (0..synapses)
        .map(|_| rng.next_u64() & lane.max_weight())
        .collect();
    let initial = |i: usize, j: usize| match &loaded {
        Some(w) => w[i][j],
        None => random[i * n_post + j],
    };
    // A u64 below which a uniform draw counts as a spike.
    let spike_below = (args.input_rate * 2f64.powi(64)).min(u64::MAX as f64) as u64;
    let beside = if args.rtl {
        Beside::Rtl
    } else {
        Beside::Nothing
    };
    // Set while the run compares the step model with the RTL: an error
    // then is a difference (exit 1), not a failure to run (exit 2).
    let comparing = std::cell::Cell::new(false);
    let result = with_output_lock(&args.out, || {
        let mut session = CoreSession::new(config, beside, initial)?;
        session.record_every(args.record_every)?;
        let start_weights = session.weights();
        let start_shift = session.learning_shift();
        let mut shifts = (start_shift, start_shift);
        let mut normalizations = 0u64;
        let mut last = vec![false; n_post];
        let mut progress = Progress::new(args.timesteps, "hebb core");
        comparing.set(args.rtl);
        for t in 1..=args.timesteps {
            session.set_learning(learning_at(t, args.learn_off_from, args.learn_on_from));
            let input: Vec<bool> = (0..n_pre)
                .map(|_| spike_below == u64::MAX || rng.next_u64() < spike_below)
                .collect();
            last = session.step(&input, reward.reward(&last, &lane))?;
            if let (Some(every), Some(target)) = (args.normalize_every, args.normalize_target)
                && t.is_multiple_of(every)
            {
                session.normalize(target)?;
                normalizations += 1;
            }
            let shift = session.learning_shift();
            shifts = (shifts.0.min(shift), shifts.1.max(shift));
            progress.tick();
        }
        drop(progress);
        session.verify()?;
        comparing.set(false);
        let summary = CoreSummary {
            start_weights,
            end_weights: session.weights(),
            start_shift,
            end_shift: session.learning_shift(),
            shifts,
            normalizations,
            spike_counts: session.spike_counts().to_vec(),
        };
        let mut files = vec![("weights.json".to_string(), session.dump().to_json())];
        if let Some(h) = session.history() {
            files.push(("weights.csv".to_string(), h.csv()));
            files.push(("weights.vcd".to_string(), h.vcd()?));
        }
        session.finish()?;
        let written = hebb::outputs::write_all(&args.out, &files)?;
        Ok((written, summary))
    });
    let (written, summary) = match result {
        Ok(done) => done,
        Err(e) if comparing.get() => {
            println!("hebb core: the step model and the RTL differ: {e}");
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    println!(
        "hebb core: {} for {} timesteps (seed {}, input rate {}, reward {}){}",
        hebb::units::plastic_core::PlasticCore::new(config).top_module(),
        args.timesteps,
        args.seed,
        args.input_rate,
        args.reward,
        if args.rtl {
            "; RTL (Verilated) == cycle model at every clock, spikes and currents == step model every timestep, whole core compared after every load, normalization and at the end"
        } else {
            " on the step model"
        }
    );
    summary.print(n_pre, n_post, args.normalize_target);
    for f in written {
        println!("wrote {}", f.display());
    }
    Ok(true)
}

/// What `hebb core` prints at its end.
struct CoreSummary {
    start_weights: Vec<Vec<u64>>,
    end_weights: Vec<Vec<u64>>,
    start_shift: u32,
    end_shift: u32,
    shifts: (u32, u32),
    normalizations: u64,
    spike_counts: Vec<u64>,
}

impl CoreSummary {
    fn print(&self, n_pre: usize, n_post: usize, target: Option<u64>) {
        let counts: Vec<String> = self
            .spike_counts
            .iter()
            .enumerate()
            .map(|(j, c)| format!("{j}:{c}"))
            .collect();
        println!("spikes per neuron  {}", counts.join(" "));
        println!(
            "learning shift     {} at the start, {} at the end ({}..={} during the run)",
            self.start_shift, self.end_shift, self.shifts.0, self.shifts.1
        );
        let mean =
            |w: &[Vec<u64>]| w.iter().flatten().sum::<u64>() as f64 / (n_pre * n_post) as f64;
        let changed = self
            .start_weights
            .iter()
            .flatten()
            .zip(self.end_weights.iter().flatten())
            .filter(|(a, b)| a != b)
            .count();
        println!(
            "weights            mean {:.2} at the start, {:.2} at the end; {changed} of {} synapses changed",
            mean(&self.start_weights),
            mean(&self.end_weights),
            n_pre * n_post
        );
        if let Some(target) = target {
            println!(
                "normalization      {} passes to a column sum of {target}",
                self.normalizations
            );
        }
    }
}
