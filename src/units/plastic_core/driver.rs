//! Drives a core, as a cycle model alone or in lockstep with its Verilated
//! RTL, through timestep-level operations (clear, host writes and reads,
//! probes, timesteps), and holds it against the core's step model. The
//! built-in stimulus of `hebb run --unit plastic_core` is a recorded
//! session of this driver.

use crate::cosim::{Lockstep, PortVector, pack_bits};
use crate::design::{Design, mask, sign_extend};
use crate::error::{Error, Result};
use crate::rng::SplitMix64;
use crate::units::lif_population::NeuronState;
use crate::units::rstdp_array::driver::SynapseView;

use super::PlasticCore;
use super::params::CoreConfig;
use super::step::CoreModel;

/// An upper bound on the clocks of any operation: a sweep, its drain, a
/// window pass, a scaling pass and slack for the handshakes. Busy for
/// longer is a hang.
fn busy_limit(c: &CoreConfig) -> u64 {
    let scaling = if c.scaling_shift > 0 {
        2 * (c.array.n_pre() * c.array.n_post()) as u64
    } else {
        0
    };
    c.array.timestep_clocks().max(c.array.clear_clocks())
        + 2 * c.population.neurons as u64
        + scaling
        + 32
}

/// A core under simulation, at the timestep level.
pub struct CoreDriver {
    config: CoreConfig,
    sim: Lockstep,
    idle: PortVector,
    /// Every clock applied, when recording (the built-in stimulus).
    recorded: Option<Vec<Vec<u64>>>,
}

impl CoreDriver {
    /// A core out of reset, the population's init pass done. Memories of
    /// the array hold what power-up left: `clear` and `load_weights` define them.
    pub fn new(config: CoreConfig, with_rtl: bool) -> Result<Self> {
        Self::for_design(&PlasticCore::new(config), config, with_rtl)
    }

    /// Drives `design`, a core of `config` whose description may differ from `describe.rs`'s.
    pub fn for_design(design: &dyn Design, config: CoreConfig, with_rtl: bool) -> Result<Self> {
        Self::start(design, config, with_rtl, false)
    }

    fn start(
        design: &dyn Design,
        config: CoreConfig,
        with_rtl: bool,
        record: bool,
    ) -> Result<Self> {
        let sim = if with_rtl {
            Lockstep::with_rtl(design)?
        } else {
            Lockstep::model_only(design)?
        };
        let mut driver = CoreDriver {
            config,
            idle: PortVector::new(&design.ports()?),
            sim,
            recorded: record.then(Vec::new),
        };
        let mut reset = driver.idle.clone();
        reset.set("rst_ni", 0);
        driver.clock(reset.values().to_vec())?;
        driver.wait_idle("reset")?;
        Ok(driver)
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    pub fn sim_mut(&mut self) -> &mut Lockstep {
        &mut self.sim
    }

    fn value(&self, name: &str) -> u64 {
        self.sim.value(self.idle.index(name))
    }

    fn clock(&mut self, values: Vec<u64>) -> Result<()> {
        self.sim.clock(&values).map_err(Error::Mismatch)?;
        if let Some(log) = &mut self.recorded {
            log.push(values);
        }
        Ok(())
    }

    fn idle_clock(&mut self) -> Result<()> {
        self.clock(self.idle.values().to_vec())
    }

    pub fn busy(&self) -> bool {
        self.value("busy_o") == 1
    }

    fn wait_idle(&mut self, what: &str) -> Result<()> {
        let limit = busy_limit(&self.config);
        for _ in 0..limit {
            if !self.busy() {
                return Ok(());
            }
            self.idle_clock()?;
        }
        Err(Error::Other(format!(
            "busy_o still high {limit} clocks after {what} (cycle {})",
            self.sim.cycle()
        )))
    }

    /// Clears every trace, eligibility and the last output spikes.
    pub fn clear(&mut self) -> Result<()> {
        let mut v = self.idle.clone();
        v.set("clear_i", 1);
        self.clock(v.values().to_vec())?;
        if !self.busy() {
            return Err(Error::Other(format!(
                "clear_i not taken while idle (cycle {})",
                self.sim.cycle()
            )));
        }
        self.wait_idle("a clear")
    }

    fn host_clock(&self, pre: usize, post: usize, write: Option<u64>) -> Vec<u64> {
        let mut v = self.idle.clone();
        if self.config.array.n_pre() > 1 {
            v.set("host_pre_i", pre as u64);
        }
        if self.config.array.n_post() > 1 {
            v.set("host_post_i", post as u64);
        }
        if let Some(weight) = write {
            v.set("host_we_i", 1).set(
                "host_weight_i",
                self.config.array.lane().saturate_weight(weight),
            );
        }
        v.values().to_vec()
    }

    /// Writes every weight: (i, j) gets sat(initial_weight(i, j), 0, MAXW).
    pub fn load_weights(
        &mut self,
        mut initial_weight: impl FnMut(usize, usize) -> u64,
    ) -> Result<()> {
        for i in 0..self.config.array.n_pre() {
            for j in 0..self.config.array.n_post() {
                let clock = self.host_clock(i, j, Some(initial_weight(i, j)));
                self.clock(clock)?;
            }
        }
        Ok(())
    }

    /// Synapse (`pre`, `post`) and its two neurons' traces, through the host port.
    pub fn read(&mut self, pre: usize, post: usize) -> Result<SynapseView> {
        let clock = self.host_clock(pre, post, None);
        self.clock(clock)?;
        let t = self.config.array.lane().trace_bits();
        Ok(SynapseView {
            weight: self.value("host_weight_o"),
            eligibility: sign_extend(self.value("host_eligibility_o"), t),
            pre_trace: self.value("host_pre_trace_o"),
            post_trace: self.value("host_post_trace_o"),
        })
    }

    /// Neuron `j`'s state through the probe port.
    pub fn probe(&mut self, j: usize) -> Result<NeuronState> {
        let mut v = self.idle.clone();
        if self.config.array.n_post() > 1 {
            v.set("probe_neuron_i", j as u64);
        }
        self.clock(v.values().to_vec())?;
        let p = &self.config.population;
        Ok(NeuronState {
            membrane: sign_extend(self.value("probe_membrane_o"), p.membrane_bits),
            threshold: self.value("probe_threshold_o"),
            count: self.value("probe_count_o"),
            refractory: if p.refractory > 0 {
                self.value("probe_refractory_o")
            } else {
                0
            },
        })
    }

    pub fn learning_shift(&self) -> u64 {
        self.value("learning_shift_o")
    }

    /// One timestep: `step_i` with the inputs, then idle clocks until the
    /// core is idle again. Returns the spikes `spikes_o` showed with
    /// `spikes_valid_o` (exactly once) and the currents `current_o` showed
    /// (each neuron exactly once, in order).
    pub fn step(&mut self, input: &[bool], reward: i64, learn_en: bool) -> Result<TimestepSeen> {
        let c = self.config;
        let lane = c.array.lane();
        let mut v = self.idle.clone();
        v.set("step_i", 1)
            .set("input_i", pack_bits(input))
            .set(
                "reward_i",
                lane.saturate_reward(reward) as u64 & mask(lane.reward_bits()),
            )
            .set("learn_en_i", learn_en.into());
        self.clock(v.values().to_vec())?;
        if !self.busy() {
            return Err(Error::Other(format!(
                "step_i not taken while idle (cycle {})",
                self.sim.cycle()
            )));
        }
        let mut seen = TimestepSeen {
            spikes: None,
            currents: Vec::new(),
        };
        let limit = busy_limit(&c);
        let mut clocks = 0;
        while self.busy() || seen.spikes.is_none() {
            self.observe(&mut seen)?;
            if !self.busy() {
                break;
            }
            clocks += 1;
            if clocks > limit {
                return Err(Error::Other(format!(
                    "busy_o still high {limit} clocks after step_i (cycle {})",
                    self.sim.cycle()
                )));
            }
            self.idle_clock()?;
        }
        if seen.spikes.is_none() {
            return Err(Error::Other(format!(
                "the core went idle without spikes_valid_o (cycle {})",
                self.sim.cycle()
            )));
        }
        let expected_posts: Vec<usize> = (0..c.array.n_post()).collect();
        let posts: Vec<usize> = seen.currents.iter().map(|(j, _)| *j).collect();
        if posts != expected_posts {
            return Err(Error::Other(format!(
                "current_post_o showed neurons {posts:?}, one per neuron in order expected"
            )));
        }
        Ok(seen)
    }

    fn observe(&self, seen: &mut TimestepSeen) -> Result<()> {
        if self.value("current_valid_o") == 1 {
            seen.currents.push((
                self.value("current_post_o") as usize,
                self.value("current_o"),
            ));
        }
        if self.value("spikes_valid_o") == 1 {
            let n = self.config.array.n_post();
            let bits = self.value("spikes_o");
            let spikes = (0..n).map(|j| bits >> j & 1 == 1).collect();
            if seen.spikes.replace(spikes).is_some() {
                return Err(Error::Other(format!(
                    "spikes_valid_o twice in one timestep (cycle {})",
                    self.sim.cycle()
                )));
            }
        }
        Ok(())
    }

    /// Every synapse, neuron and the learning shift against `model`; the
    /// first difference names what differs and both values.
    pub fn compare(&mut self, model: &CoreModel, timestep: u64) -> Result<()> {
        let (n_pre, n_post) = (self.config.array.n_pre(), self.config.array.n_post());
        let array = model.array();
        for i in 0..n_pre {
            for j in 0..n_post {
                let seen = self.read(i, j)?;
                let expected = SynapseView {
                    weight: array.weight(i, j),
                    eligibility: array.eligibility(i, j),
                    pre_trace: array.pre_trace(i),
                    post_trace: array.post_trace(j),
                };
                if seen != expected {
                    return Err(Error::Other(format!(
                        "after timestep {timestep}, synapse (input {i}, neuron {j}): the core shows {seen:?}, the step model {expected:?}"
                    )));
                }
            }
        }
        for j in 0..n_post {
            let seen = self.probe(j)?;
            let expected = model.population().neuron(j);
            if seen != expected {
                return Err(Error::Other(format!(
                    "after timestep {timestep}, neuron {j}: the core shows {seen:?}, the step model {expected:?}"
                )));
            }
        }
        for (port, expected) in [
            ("above_band_o", model.population().above_band()),
            ("below_band_o", model.population().below_band()),
        ] {
            let seen = self.value(port);
            if seen != pack_bits(expected) {
                return Err(Error::Other(format!(
                    "after timestep {timestep}: {port} {seen:#b}, the step model {:#b}",
                    pack_bits(expected)
                )));
            }
        }
        let shift = self.learning_shift();
        if shift != u64::from(model.population().learning_shift()) {
            return Err(Error::Other(format!(
                "after timestep {timestep}: learning_shift_o {shift}, the step model {}",
                model.population().learning_shift()
            )));
        }
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        self.sim.finish()
    }
}

/// What a timestep showed on the core's outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestepSeen {
    pub spikes: Option<Vec<bool>>,
    /// (neuron, current) in the order `current_o` showed them.
    pub currents: Vec<(usize, u64)>,
}

/// How a session compares the core with its step model.
#[derive(Debug, Clone, Copy)]
pub struct SessionPlan {
    pub timesteps: u64,
    /// Compare every synapse and neuron after every `compare_every`
    /// timesteps (spikes and currents are compared after every one).
    pub compare_every: u64,
}

/// A session against the step model: clear, random weights, then
/// timesteps of random input (density changing every window so that the
/// thresholds and the learning shift move), rewards from both extremes and
/// far out of range, learning pauses and occasional clears.
pub fn random_session(driver: &mut CoreDriver, plan: SessionPlan, seed: u64) -> Result<()> {
    let c = *driver.config();
    let lane = *c.array.lane();
    let mut rng = SplitMix64(seed);
    let weights: Vec<u64> = (0..c.array.n_pre() * c.array.n_post())
        .map(|_| match rng.next_u64() % 5 {
            0 => 0,
            1 => lane.max_weight(),
            _ => rng.next_u64() & lane.max_weight(),
        })
        .collect();
    let initial = |i: usize, j: usize| weights[i * c.array.n_post() + j];
    driver.clear()?;
    driver.load_weights(initial)?;
    let mut model = CoreModel::new(c, initial);
    driver.compare(&model, 0)?;
    let mut density = 20;
    for t in 1..=plan.timesteps {
        if t % u64::from(c.population.window) == 1 {
            density = [0, 3, 20, 60, 100][(rng.next_u64() % 5) as usize];
        }
        let input: Vec<bool> = (0..c.array.n_pre())
            .map(|_| rng.next_u64() % 100 < density)
            .collect();
        let reward = match rng.next_u64() % 6 {
            0 => lane.max_reward(),
            1 => lane.min_reward(),
            2 => i64::MIN,
            3 => 0,
            _ => rng.next_u64() as i64 >> (rng.next_u64() % 64),
        };
        let learn_en = !rng.next_u64().is_multiple_of(6);
        let expected_currents: Vec<(usize, u64)> =
            model.currents(&input).into_iter().enumerate().collect();
        let expected_spikes = model.step(&input, reward, learn_en);
        let seen = driver.step(&input, reward, learn_en)?;
        if seen.currents != expected_currents {
            return Err(Error::Other(format!(
                "timestep {t}: current_o showed {:?}, the step model {expected_currents:?}",
                seen.currents
            )));
        }
        if seen.spikes.as_ref() != Some(&expected_spikes) {
            return Err(Error::Other(format!(
                "timestep {t}: spikes_o showed {:?}, the step model {expected_spikes:?}",
                seen.spikes
            )));
        }
        if t % plan.compare_every == 0 || t == plan.timesteps {
            driver.compare(&model, t)?;
        }
        if rng.next_u64().is_multiple_of(40) {
            driver.clear()?;
            model.clear();
        }
    }
    Ok(())
}

/// The built-in stimulus: a recorded session of the cycle model (reset,
/// clear, random weights, timesteps with host reads and probes between
/// them), `cycles + 1` clocks.
pub fn builtin_stimulus(design: &PlasticCore, cycles: usize, seed: u64) -> Result<Vec<Vec<u64>>> {
    let c = design.config;
    let mut driver = CoreDriver::start(design, c, false, true)?;
    let mut rng = SplitMix64(seed);
    let lane = *c.array.lane();
    driver.clear()?;
    driver.load_weights(|_, _| rng.next_u64() & lane.max_weight())?;
    let mut density = 10;
    let mut timestep = 0u64;
    while driver.recorded.as_ref().map_or(0, Vec::len) <= cycles {
        if timestep.is_multiple_of(u64::from(c.population.window)) {
            density = [2, 10, 40][(rng.next_u64() % 3) as usize];
        }
        let input: Vec<bool> = (0..c.array.n_pre())
            .map(|_| rng.next_u64() % 100 < density)
            .collect();
        let reward = (rng.next_u64() as i64) % (lane.max_reward() + 1);
        driver.step(&input, reward, !rng.next_u64().is_multiple_of(8))?;
        for _ in 0..rng.next_u64() % 3 {
            let (i, j) = (
                (rng.next_u64() as usize) % c.array.n_pre(),
                (rng.next_u64() as usize) % c.array.n_post(),
            );
            driver.read(i, j)?;
            driver.probe(j)?;
        }
        if rng.next_u64().is_multiple_of(64) {
            driver.clear()?;
        }
        timestep += 1;
    }
    let mut clocks = driver.recorded.take().unwrap_or_default();
    clocks.truncate(cycles + 1);
    Ok(clocks)
}
