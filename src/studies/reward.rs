//! The reward-learning demo (`hebb demo reward`): only a reward teaches a
//! plastic core (an R-STDP array feeding a LIF population with homeostatic
//! thresholds, docs/spec.md §1.6 and §3.5) which output neuron answers
//! which input pattern. docs/reward_demo.md describes the task and its
//! choices.
//!
//! **The core** ([`demo_core`]): 16 inputs in four groups of four onto four
//! output neurons, 4 lanes, 8-bit weights, started at seeded random weights.
//!
//! **One trial** (pattern `k`, drawn uniformly at random):
//! 1. `clear`: traces, eligibility and the last output spikes start fresh
//!    (weights, membranes and thresholds stay: an episode boundary);
//! 2. *presentation*: every input of group `k` spikes with probability
//!    `on_percent`, every other input with `off_percent` (seeded Bernoulli
//!    spikes), reward 0, `learn_en` 0, until the first timestep with an
//!    output spike, or at most `max_presentation` timesteps;
//! 3. *decision*: exactly one neuron spiking at that timestep is the
//!    answer; several at once (a tie) or none is no answer; the trial is
//!    correct when the answer is neuron `k`;
//! 4. *reward*: `reward_timesteps` timesteps of silent input with reward
//!    `+reward` when correct, `−reward` otherwise, `learn_en` 1. The
//!    eligibility of the synapses onto the neuron that spiked holds its
//!    inputs' pre traces (the array pairs a timestep's inputs with the
//!    previous timestep's output spikes), so the reward moves exactly the
//!    weights from the inputs that drove it.
//!
//! Accuracy is counted per block of `trials_per_block` trials; chance is 1
//! in 4. The first `rtl_prefix_trials` trials also run, input for input, on
//! the Verilated RTL through [`CoreDriver`]: spikes and currents compared at
//! every timestep, every synapse, neuron and the learning shift at the end
//! of every trial.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::rng::SplitMix64;
use crate::units::lif_population::RawPopulationParams;
use crate::units::plastic_core::driver::CoreDriver;
use crate::units::plastic_core::{CoreConfig, CoreModel, RawCoreParams};
use crate::units::rstdp_array::RawArrayParams;

/// The demo's core parameters (they pass `CoreConfig::try_from`; the
/// reasons are in docs/reward_demo.md):
/// - array: 16 x 4 synapses, 4 lanes (an array sweep of 22 clocks
///   per timestep), 8-bit
///   weights, 10-bit traces (eligibility in [-512, 511]), 8-bit reward,
///   trace decay 1/8 per timestep, learning shift L = 13: at reward +-32 a
///   full eligibility (511) moves a weight by +1 or, through the floor of
///   docs/spec.md §1.3, by -2 per reward timestep, so a right answer adds
///   about 4 to each weight that drove it and a wrong one takes about 8;
/// - population: 4 neurons, the array's exact 12-bit current, leak time
///   constant 4 timesteps, refractory 2, thresholds 512 (init) in
///   [16, 2048] moving by 32, windows of 128 timesteps, a target rate of
///   1/32 per neuron with tolerance 0.5 (2..=6 spikes per window): a trial
///   has about one output spike in about 8 timesteps and each neuron
///   should answer a quarter of them, so the band holds back a neuron that
///   answers everything and pulls one that never answers back into the
///   race; the learning shift rises by one (to at most L + 2) in a window
///   whose counts spread more than the variance bound (64) allows, which
///   only happens when one neuron answers nearly everything.
pub fn demo_core() -> RawCoreParams {
    RawCoreParams {
        array: RawArrayParams {
            n_pre: 16,
            n_post: 4,
            lanes: 4,
            current_bits: 0,
            weight_bits: 8,
            trace_bits: 10,
            reward_bits: 8,
            learning_shift: 13,
            trace_decay_shift: 3,
        },
        population: RawPopulationParams {
            neurons: 4,
            current_bits: 12,
            membrane_bits: 20,
            fraction_bits: 4,
            leak_time_constant: 4.0,
            refractory: 2,
            threshold_init: 512.0,
            threshold_min: 16.0,
            threshold_max: 2048.0,
            threshold_step: 32.0,
            window: 128,
            target_rate: 0.03125,
            tolerance: 0.5,
            variance_bound: 64.0,
            learning_shift_base: 13,
            learning_shift_max: 15,
        },
        ..RawCoreParams::default()
    }
}

/// The task around the core.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Task {
    /// Patterns, one per output neuron, each a group of `n_pre / patterns` inputs.
    pub patterns: usize,
    /// Spike probability (percent per timestep) of an input of the presented group.
    pub on_percent: u64,
    /// Spike probability (percent per timestep) of every other input.
    pub off_percent: u64,
    /// The longest presentation, in timesteps; no output spike by then is no answer.
    pub max_presentation: u32,
    /// Timesteps of reward after the decision (silent input).
    pub reward_timesteps: u32,
    /// The reward's magnitude, +reward or -reward.
    pub reward: i64,
    /// Initial weights: uniform in [lo, hi].
    pub initial_weight: [u64; 2],
    pub trials: usize,
    pub trials_per_block: usize,
    /// Trials at the start of the run that also execute on the Verilated RTL.
    pub rtl_prefix_trials: usize,
    /// False: the reward phase runs with `learn_en` 0 (a control that must
    /// stay near chance).
    pub learning: bool,
}

impl Default for Task {
    fn default() -> Self {
        Task {
            patterns: 4,
            on_percent: 50,
            off_percent: 0,
            max_presentation: 16,
            reward_timesteps: 4,
            reward: 32,
            initial_weight: [64, 192],
            trials: 1000,
            trials_per_block: 50,
            rtl_prefix_trials: 400,
            learning: true,
        }
    }
}

/// The accuracy the report calls learned: at least this in the last block.
pub const CRITERION: f64 = 0.9;

#[derive(Debug, Clone, Serialize)]
pub struct RewardReport {
    pub seed: u64,
    /// The core's raw parameters, as a `--params` file would give them.
    pub core: RawCoreParams,
    /// The integer bounds the population derived from them.
    pub population_bounds: String,
    pub task: Task,
    /// 1 / patterns.
    pub chance: f64,
    pub trials_per_block: usize,
    /// Correct trials / trials, per block, in order.
    pub block_accuracy: Vec<f64>,
    /// Trials per block with a tie (several neurons spiking first together).
    pub block_ties: Vec<usize>,
    /// Trials per block where no neuron spiked during the presentation.
    pub block_silent: Vec<usize>,
    /// Timesteps per block (the presentations end at the first output spike).
    pub block_timesteps: Vec<u64>,
    /// The learning shift and each neuron's threshold (current units) at each block's end.
    pub block_learning_shift: Vec<u32>,
    pub block_thresholds: Vec<Vec<f64>>,
    /// The first block from which every block reaches the criterion (90 %); None if the last does not.
    pub blocks_to_criterion: Option<usize>,
    /// Trials before that block.
    pub trials_to_criterion: Option<usize>,
    /// The trial counts at which `group_weights` were sampled (0 = the initial weights).
    pub weight_sample_trials: Vec<usize>,
    /// Per sample, [group][neuron]: the mean weight from the group's inputs onto the neuron.
    pub group_weights: Vec<Vec<Vec<f64>>>,
    pub rtl_prefix_trials: usize,
    pub rtl_prefix_timesteps: u64,
    /// True only when every compared timestep matched (spikes and currents
    /// every timestep, the whole state at every trial's end).
    pub rtl_prefix_match: bool,
    /// The first difference, when there was one.
    pub rtl_prefix_mismatch: Option<String>,
    /// Wall-clock seconds of the RTL prefix (Verilator build or cache load included).
    pub rtl_prefix_seconds: f64,
}

/// The model, and for a prefix of the run the RTL driven with the same
/// inputs and compared after every timestep.
struct Lockstep {
    model: CoreModel,
    rtl: Option<CoreDriver>,
    timestep: u64,
    rtl_timesteps: u64,
    mismatch: Option<String>,
}

impl Lockstep {
    fn step(&mut self, input: &[bool], reward: i64, learn_en: bool) -> Vec<bool> {
        self.timestep += 1;
        let currents = self.rtl.as_ref().map(|_| self.model.currents(input));
        let spikes = self.model.step(input, reward, learn_en);
        if let (Some(driver), Some(currents)) = (self.rtl.as_mut(), currents) {
            self.rtl_timesteps += 1;
            let t = self.timestep;
            let seen = driver.step(input, reward, learn_en);
            let problem = match seen {
                Err(e) => Some(format!("timestep {t}: {e}")),
                Ok(seen) => {
                    let expected: Vec<(usize, u64)> = currents.into_iter().enumerate().collect();
                    if seen.currents != expected {
                        Some(format!(
                            "timestep {t}: the RTL's currents {:?}, the step model's {expected:?}",
                            seen.currents
                        ))
                    } else if seen.spikes.as_ref() != Some(&spikes) {
                        Some(format!(
                            "timestep {t}: the RTL's spikes {:?}, the step model's {spikes:?}",
                            seen.spikes
                        ))
                    } else {
                        None
                    }
                }
            };
            if let Some(problem) = problem {
                self.fail(problem);
            }
        }
        spikes
    }

    fn clear(&mut self) {
        self.model.clear();
        if let Some(driver) = self.rtl.as_mut()
            && let Err(e) = driver.clear()
        {
            let t = self.timestep;
            self.fail(format!("clear after timestep {t}: {e}"));
        }
    }

    /// Every synapse, neuron and the learning shift.
    fn compare(&mut self) {
        if let Some(driver) = self.rtl.as_mut()
            && let Err(e) = driver.compare(&self.model, self.timestep)
        {
            self.fail(e.to_string());
        }
    }

    /// Records the first difference and stops driving the RTL.
    fn fail(&mut self, problem: String) {
        self.mismatch.get_or_insert(problem);
        self.rtl = None;
    }

    /// Ends the RTL prefix: the simulation's own checks (VCD, lockstep) close.
    fn end_prefix(&mut self) {
        if let Some(driver) = self.rtl.take()
            && let Err(e) = driver.finish()
        {
            self.mismatch.get_or_insert(e.to_string());
        }
    }
}

/// Input spikes of one presentation timestep of `pattern`.
fn pattern_input(rng: &mut SplitMix64, task: &Task, n_pre: usize, pattern: usize) -> Vec<bool> {
    let group = n_pre / task.patterns;
    (0..n_pre)
        .map(|i| {
            let percent = if i / group == pattern {
                task.on_percent
            } else {
                task.off_percent
            };
            rng.chance(percent)
        })
        .collect()
}

/// The demo's run: the default task on the demo core, the RTL prefix included.
pub fn run(seed: u64) -> Result<RewardReport> {
    run_with(demo_core(), Task::default(), seed)
}

/// A run of `task` on `core` (tuning and the tests' controls use this).
pub fn run_with(raw: RawCoreParams, task: Task, seed: u64) -> Result<RewardReport> {
    let config = CoreConfig::try_from(raw)?;
    let (n_pre, n_post) = (config.array.n_pre(), config.array.n_post());
    if task.patterns != n_post || n_pre % task.patterns != 0 || task.trials_per_block == 0 {
        return Err(Error::Other(format!(
            "reward demo: {} patterns need {} output neurons and a multiple of {} inputs, blocks of at least one trial",
            task.patterns, task.patterns, task.patterns
        )));
    }
    let group = n_pre / task.patterns;
    let mut rng = SplitMix64(seed);
    let [lo, hi] = task.initial_weight;
    let weights: Vec<u64> = (0..n_pre * n_post)
        .map(|_| rng.range(lo as i64, hi as i64) as u64)
        .collect();
    let initial = |i: usize, j: usize| weights[i * n_post + j];
    let rtl_prefix_trials = task.rtl_prefix_trials.min(task.trials);
    let started = std::time::Instant::now();
    let rtl = if rtl_prefix_trials > 0 {
        let mut driver = CoreDriver::new(config, true)?;
        driver.clear()?;
        driver.load_weights(initial)?;
        Some(driver)
    } else {
        None
    };
    let mut core = Lockstep {
        model: CoreModel::new(config, initial),
        rtl,
        timestep: 0,
        rtl_timesteps: 0,
        mismatch: None,
    };
    core.compare();
    let mut rtl_seconds = 0.0;

    let sample_every = task.trials_per_block.div_ceil(5).max(1);
    let group_weights = |model: &CoreModel| -> Vec<Vec<f64>> {
        (0..task.patterns)
            .map(|g| {
                (0..n_post)
                    .map(|j| {
                        let sum: u64 = (g * group..(g + 1) * group)
                            .map(|i| model.array().weight(i, j))
                            .sum();
                        sum as f64 / group as f64
                    })
                    .collect()
            })
            .collect()
    };
    let mut report = RewardReport {
        seed,
        core: raw,
        population_bounds: config.population.bounds_summary(),
        task,
        chance: 1.0 / task.patterns as f64,
        trials_per_block: task.trials_per_block,
        block_accuracy: Vec::new(),
        block_ties: Vec::new(),
        block_silent: Vec::new(),
        block_timesteps: Vec::new(),
        block_learning_shift: Vec::new(),
        block_thresholds: Vec::new(),
        blocks_to_criterion: None,
        trials_to_criterion: None,
        weight_sample_trials: vec![0],
        group_weights: vec![group_weights(&core.model)],
        rtl_prefix_trials,
        rtl_prefix_timesteps: 0,
        rtl_prefix_match: false,
        rtl_prefix_mismatch: None,
        rtl_prefix_seconds: 0.0,
    };
    let silent = vec![false; n_pre];
    let (mut correct, mut ties, mut none, mut block_start) = (0usize, 0usize, 0usize, 0u64);
    for trial in 0..task.trials {
        let pattern = (rng.next_u64() % task.patterns as u64) as usize;
        core.clear();
        let mut answer = None;
        for _ in 0..task.max_presentation {
            let input = pattern_input(&mut rng, &task, n_pre, pattern);
            let spikes = core.step(&input, 0, false);
            let spiking: Vec<usize> = (0..n_post).filter(|&j| spikes[j]).collect();
            if !spiking.is_empty() {
                answer = Some(spiking);
                break;
            }
        }
        let right = answer.as_deref() == Some(&[pattern][..]);
        match &answer {
            None => none += 1,
            Some(s) if s.len() > 1 => ties += 1,
            Some(_) => {}
        }
        correct += usize::from(right);
        let reward = if right { task.reward } else { -task.reward };
        for _ in 0..task.reward_timesteps {
            core.step(&silent, reward, task.learning);
        }
        let done = trial + 1;
        if done <= rtl_prefix_trials {
            core.compare();
            if done == rtl_prefix_trials {
                report.rtl_prefix_timesteps = core.rtl_timesteps;
                core.end_prefix();
                report.rtl_prefix_match =
                    core.mismatch.is_none() && core.rtl_timesteps == core.timestep;
                rtl_seconds = started.elapsed().as_secs_f64();
            }
        }
        if done % sample_every == 0 {
            report.weight_sample_trials.push(done);
            report.group_weights.push(group_weights(&core.model));
        }
        if done % task.trials_per_block == 0 || done == task.trials {
            let in_block = done - report.block_accuracy.len() * task.trials_per_block;
            report.block_accuracy.push(correct as f64 / in_block as f64);
            report.block_ties.push(ties);
            report.block_silent.push(none);
            report.block_timesteps.push(core.timestep - block_start);
            let population = core.model.population();
            report
                .block_learning_shift
                .push(population.learning_shift());
            let scale = f64::from(1u32 << config.population.fraction_bits);
            report.block_thresholds.push(
                (0..n_post)
                    .map(|j| population.neuron(j).threshold as f64 / scale)
                    .collect(),
            );
            (correct, ties, none, block_start) = (0, 0, 0, core.timestep);
        }
    }
    report.rtl_prefix_mismatch = core.mismatch.clone();
    report.rtl_prefix_seconds = rtl_seconds;
    report.blocks_to_criterion = match report.block_accuracy.iter().rposition(|&a| a < CRITERION) {
        None => Some(0),
        Some(last) if last + 1 < report.block_accuracy.len() => Some(last + 1),
        Some(_) => None,
    };
    report.trials_to_criterion = report
        .blocks_to_criterion
        .map(|b| b * task.trials_per_block);
    Ok(report)
}

impl RewardReport {
    /// Learned: the last block reaches the criterion.
    pub fn learned(&self) -> bool {
        self.block_accuracy.last().is_some_and(|&a| a >= CRITERION)
    }

    pub fn json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(|e| Error::Other(format!("reward report to JSON: {e}")))
    }

    /// Accuracy per block, and the mean weight of each group onto each neuron over trials.
    pub fn render_svg(&self) -> Result<String> {
        let mut svg = String::new();
        self.draw(&mut svg)
            .map_err(|e| Error::Other(format!("plotting the reward demo: {e}")))?;
        Ok(svg)
    }

    fn draw(&self, svg: &mut String) -> std::result::Result<(), String> {
        use plotters::prelude::*;
        fn e(e: impl std::fmt::Display) -> String {
            e.to_string()
        }
        let root = SVGBackend::with_string(svg, (1200, 900)).into_drawing_area();
        root.fill(&WHITE).map_err(e)?;
        let root = root
            .titled(
                &format!(
                    "Reward learning: {} inputs onto {} LIF neurons, {} patterns, reward only (seed {})",
                    self.core.array.n_pre,
                    self.core.array.n_post,
                    self.task.patterns,
                    self.seed
                ),
                ("sans-serif", 22),
            )
            .map_err(e)?;
        let (top, bottom) = root.split_vertically(420);
        let trials = self.task.trials as f64;
        let per_block = self.trials_per_block as f64;
        let mut chart = ChartBuilder::on(&top)
            .caption(
                format!(
                    "accuracy per block of {} trials (chance and 90 % dashed; RTL prefix: first {} trials, {})",
                    self.trials_per_block,
                    self.rtl_prefix_trials,
                    if self.rtl_prefix_match {
                        "matches the model"
                    } else {
                        "DIFFERS"
                    }
                ),
                ("sans-serif", 17),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..trials, 0.0..1.05)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("trial")
            .y_desc("accuracy")
            .draw()
            .map_err(e)?;
        if self.rtl_prefix_trials > 0 {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, 0.0), (self.rtl_prefix_trials as f64, 1.05)],
                    RGBColor(230, 230, 250).filled(),
                )))
                .map_err(e)?;
        }
        chart
            .draw_series(LineSeries::new(
                self.block_accuracy
                    .iter()
                    .enumerate()
                    .map(|(b, &a)| ((b as f64 + 0.5) * per_block, a)),
                BLUE.stroke_width(2),
            ))
            .map_err(e)?
            .label("accuracy")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
        chart
            .draw_series(
                self.block_accuracy.iter().enumerate().map(|(b, &a)| {
                    Circle::new(((b as f64 + 0.5) * per_block, a), 3, BLUE.filled())
                }),
            )
            .map_err(e)?;
        for level in [self.chance, CRITERION] {
            chart
                .draw_series(std::iter::once(plotters::element::DashedPathElement::new(
                    vec![(0.0, level), (trials, level)],
                    6,
                    4,
                    BLACK,
                )))
                .map_err(e)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE)
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(e)?;

        let max_weight = ((1u64 << self.core.array.weight_bits) - 1) as f64;
        let colors = [RED, BLUE, GREEN, MAGENTA, CYAN, BLACK];
        let panels = bottom.split_evenly((1, self.core.array.n_post));
        for (j, panel) in panels.iter().enumerate() {
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("mean weight onto neuron {j}"), ("sans-serif", 16))
                .margin(8)
                .x_label_area_size(35)
                .y_label_area_size(45)
                .build_cartesian_2d(0.0..trials, 0.0..max_weight * 1.02)
                .map_err(e)?;
            chart
                .configure_mesh()
                .x_desc("trial")
                .x_labels(4)
                .draw()
                .map_err(e)?;
            for g in 0..self.task.patterns {
                let color = colors[g % colors.len()];
                let style = if g == j {
                    color.stroke_width(3)
                } else {
                    color.stroke_width(1)
                };
                chart
                    .draw_series(LineSeries::new(
                        self.weight_sample_trials
                            .iter()
                            .zip(&self.group_weights)
                            .map(|(&t, w)| (t as f64, w[g][j])),
                        style,
                    ))
                    .map_err(e)?
                    .label(format!("from group {g}"))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
            }
            if j == 0 {
                chart
                    .configure_series_labels()
                    .background_style(WHITE)
                    .border_style(BLACK)
                    .position(SeriesLabelPosition::UpperLeft)
                    .draw()
                    .map_err(e)?;
            }
        }
        root.present().map_err(e)?;
        Ok(())
    }
}
