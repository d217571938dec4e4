//! Drives an array, as a cycle model alone or in lockstep with its
//! Verilated RTL, through timestep-level operations: clear, host writes and
//! reads, timesteps. The same clocks make the built-in stimulus, and
//! `compare` holds the array against the factored step model.

use crate::cosim::{Lockstep, PortVector, pack_bits};
use crate::design::{Design, Signal, mask, sign_extend};
use crate::error::{Error, Result};
use crate::rng::SplitMix64;

use super::RstdpArray;
use super::params::ArrayConfig;
use super::step::FactoredArray;

/// Everything the host port shows of one synapse and its two neurons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynapseView {
    pub weight: u64,
    pub eligibility: i64,
    pub pre_trace: u64,
    pub post_trace: u64,
}

/// The clocks of each operation, as port vectors.
#[derive(Debug, Clone)]
pub struct ArrayClocks {
    config: ArrayConfig,
    idle: PortVector,
}

impl ArrayClocks {
    pub fn new(config: ArrayConfig, ports: &[Signal]) -> Self {
        ArrayClocks {
            config,
            idle: PortVector::new(ports),
        }
    }

    pub fn idle(&self) -> Vec<u64> {
        self.idle.values().to_vec()
    }

    /// One clock with `rst_ni` low.
    pub fn reset(&self) -> Vec<u64> {
        let mut v = self.idle.clone();
        v.set("rst_ni", 0);
        v.values().to_vec()
    }

    /// `clear_i`, then idle clocks until the array is free again.
    pub fn clear(&self) -> Vec<Vec<u64>> {
        let mut v = self.idle.clone();
        v.set("clear_i", 1);
        self.then_idle(v.values().to_vec(), self.config.clear_clocks())
    }

    /// The host addressing synapse (`pre`, `post`), optionally writing its weight.
    pub fn host(&self, pre: usize, post: usize, write: Option<u64>) -> Vec<u64> {
        let mut v = self.idle.clone();
        if self.config.n_pre() > 1 {
            v.set("host_pre_i", pre as u64);
        }
        if self.config.n_post() > 1 {
            v.set("host_post_i", post as u64);
        }
        if let Some(weight) = write {
            v.set("host_we_i", 1);
            v.set("host_weight_i", self.config.lane().saturate_weight(weight));
        }
        v.values().to_vec()
    }

    /// `step_i` with this timestep's inputs, then idle clocks until the
    /// array can take the next one. The reward is saturated as the
    /// software API does.
    pub fn step(&self, pre: &[bool], post: &[bool], reward: i64, learn_en: bool) -> Vec<Vec<u64>> {
        let lane = self.config.lane();
        let mut v = self.idle.clone();
        v.set("step_i", 1)
            .set("pre_i", pack_bits(pre))
            .set("post_i", pack_bits(post))
            .set(
                "reward_i",
                lane.saturate_reward(reward) as u64 & mask(lane.reward_bits()),
            )
            .set("learn_en_i", learn_en.into());
        self.then_idle(v.values().to_vec(), self.config.timestep_clocks())
    }

    fn then_idle(&self, first: Vec<u64>, clocks: u64) -> Vec<Vec<u64>> {
        let mut out = vec![first];
        out.extend((1..clocks).map(|_| self.idle()));
        out
    }
}

/// An array under simulation, at the timestep level.
pub struct ArrayDriver {
    config: ArrayConfig,
    clocks: ArrayClocks,
    sim: Lockstep,
    busy_o: usize,
    current_valid_o: usize,
    current_post_o: usize,
    current_o: usize,
    host_weight_o: usize,
    host_eligibility_o: usize,
    host_pre_trace_o: usize,
    host_post_trace_o: usize,
}

impl ArrayDriver {
    /// An array out of reset (one clock with `rst_ni` low); its memories
    /// hold whatever power-up left: `clear` and `load_weights` define them.
    pub fn new(config: ArrayConfig, with_rtl: bool) -> Result<Self> {
        Self::for_design(&RstdpArray::new(config), config, with_rtl)
    }

    /// Drives `design`, an array of `config` whose description may differ
    /// from `describe.rs`'s (fault-injection tests wrap the array this way).
    pub fn for_design(design: &dyn Design, config: ArrayConfig, with_rtl: bool) -> Result<Self> {
        let sim = if with_rtl {
            Lockstep::with_rtl(design)?
        } else {
            Lockstep::model_only(design)?
        };
        let ports = design.ports()?;
        let index = |name: &str| ports.iter().position(|p| p.name == name);
        let need = |name: &str| {
            index(name).ok_or_else(|| Error::Other(format!("the array has no port `{name}`")))
        };
        let mut driver = ArrayDriver {
            config,
            clocks: ArrayClocks::new(config, &ports),
            busy_o: need("busy_o")?,
            current_valid_o: need("current_valid_o")?,
            current_post_o: need("current_post_o")?,
            current_o: need("current_o")?,
            host_weight_o: need("host_weight_o")?,
            host_eligibility_o: need("host_eligibility_o")?,
            host_pre_trace_o: need("host_pre_trace_o")?,
            host_post_trace_o: need("host_post_trace_o")?,
            sim,
        };
        let reset = driver.clocks.reset();
        driver.sim.clock(&reset).map_err(Error::Mismatch)?;
        Ok(driver)
    }

    pub fn config(&self) -> &ArrayConfig {
        &self.config
    }

    pub fn clocks(&self) -> &ArrayClocks {
        &self.clocks
    }

    pub fn sim_mut(&mut self) -> &mut Lockstep {
        &mut self.sim
    }

    pub fn busy(&self) -> bool {
        self.sim.value(self.busy_o) == 1
    }

    /// Clears every trace and eligibility.
    pub fn clear(&mut self) -> Result<()> {
        let clocks = self.clocks.clear();
        self.run_busy(&clocks, "clear")?;
        Ok(())
    }

    /// Writes every weight: (i, j) gets sat(initial_weight(i, j), 0, MAXW).
    pub fn load_weights(&mut self, initial_weight: impl Fn(usize, usize) -> u64) -> Result<()> {
        for i in 0..self.config.n_pre() {
            for j in 0..self.config.n_post() {
                let clock = self.clocks.host(i, j, Some(initial_weight(i, j)));
                self.sim.clock(&clock).map_err(Error::Mismatch)?;
            }
        }
        Ok(())
    }

    /// Reads synapse (`pre`, `post`) through the host port.
    pub fn read(&mut self, pre: usize, post: usize) -> Result<SynapseView> {
        let clock = self.clocks.host(pre, post, None);
        self.sim.clock(&clock).map_err(Error::Mismatch)?;
        let t = self.config.lane().trace_bits();
        Ok(SynapseView {
            weight: self.sim.value(self.host_weight_o),
            eligibility: sign_extend(self.sim.value(self.host_eligibility_o), t),
            pre_trace: self.sim.value(self.host_pre_trace_o),
            post_trace: self.sim.value(self.host_post_trace_o),
        })
    }

    /// One timestep; returns each post neuron's input current as `current_o`
    /// showed it. Checks that the array is busy for exactly the documented
    /// number of clocks and shows each column's current exactly once.
    pub fn step(
        &mut self,
        pre: &[bool],
        post: &[bool],
        reward: i64,
        learn_en: bool,
    ) -> Result<Vec<u64>> {
        let clocks = self.clocks.step(pre, post, reward, learn_en);
        let shown = self.run_busy(&clocks, "timestep")?;
        let mut currents = vec![None; self.config.n_post()];
        for (j, current) in shown {
            if j >= currents.len() || currents[j].replace(current).is_some() {
                return Err(Error::Other(format!(
                    "current_post_o showed column {j} twice or out of range"
                )));
            }
        }
        currents
            .into_iter()
            .enumerate()
            .map(|(j, c)| c.ok_or_else(|| Error::Other(format!("no current for post neuron {j}"))))
            .collect()
    }

    /// Applies `clocks` (an operation's first clock, then idle ones); the
    /// array must be busy after every clock but the last and idle after the
    /// last. Returns the (column, current) pairs shown on the way.
    fn run_busy(&mut self, clocks: &[Vec<u64>], what: &str) -> Result<Vec<(usize, u64)>> {
        let mut shown = Vec::new();
        for (n, clock) in clocks.iter().enumerate() {
            self.sim.clock(clock).map_err(Error::Mismatch)?;
            let last = n + 1 == clocks.len();
            if self.busy() == last {
                return Err(Error::Other(format!(
                    "busy_o is {} after clock {} of {} of the {what} (cycle {}): the documented length is {} clocks",
                    u8::from(self.busy()),
                    n + 1,
                    clocks.len(),
                    self.sim.cycle(),
                    clocks.len()
                )));
            }
            if self.sim.value(self.current_valid_o) == 1 {
                shown.push((
                    self.sim.value(self.current_post_o) as usize,
                    self.sim.value(self.current_o),
                ));
            }
        }
        Ok(shown)
    }

    /// Reads every synapse and compares it with `model`: the first
    /// difference names the synapse, the quantity and both values.
    pub fn compare(&mut self, model: &FactoredArray, timestep: u64) -> Result<()> {
        for i in 0..self.config.n_pre() {
            for j in 0..self.config.n_post() {
                let seen = self.read(i, j)?;
                let expected = SynapseView {
                    weight: model.weight(i, j),
                    eligibility: model.eligibility(i, j),
                    pre_trace: model.pre_trace(i),
                    post_trace: model.post_trace(j),
                };
                if seen != expected {
                    return Err(Error::Other(format!(
                        "after timestep {timestep}, synapse (pre {i}, post {j}): the array shows {seen:?}, the step model {expected:?}"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Finishes the simulation (VCDs complete).
    pub fn finish(self) -> Result<()> {
        self.sim.finish()
    }
}

/// A session checked against the step model: clear, random weights
/// (0, MAXW and anything between), then `timesteps` random timesteps (no,
/// sparse, dense and full spiking; reward extremes and raw rewards far out of
/// range; learning off now and then; a clear now and then), comparing the
/// currents and every synapse and trace with `FactoredArray` after each.
pub fn random_session(driver: &mut ArrayDriver, timesteps: u64, seed: u64) -> Result<()> {
    let c = *driver.config();
    let p = *c.lane();
    let mut rng = SplitMix64(seed);
    let weights: Vec<u64> = (0..c.n_pre() * c.n_post())
        .map(|_| match rng.next_u64() % 4 {
            0 => 0,
            1 => p.max_weight(),
            _ => rng.next_u64() & p.max_weight(),
        })
        .collect();
    let initial = |i: usize, j: usize| weights[i * c.n_post() + j];
    driver.clear()?;
    driver.load_weights(initial)?;
    let mut model = FactoredArray::new(*c.shape(), initial);
    driver.compare(&model, 0)?;
    for t in 1..=timesteps {
        let percent = [0, 10, 50, 90, 100][(rng.next_u64() % 5) as usize];
        let mut spikes =
            |n: usize| -> Vec<bool> { (0..n).map(|_| rng.next_u64() % 100 < percent).collect() };
        let (pre, post) = (spikes(c.n_pre()), spikes(c.n_post()));
        let reward = match rng.next_u64() % 5 {
            0 => p.max_reward(),
            1 => p.min_reward(),
            2 => i64::MIN,
            _ => rng.next_u64() as i64 >> (rng.next_u64() % 64),
        };
        let learn_en = !rng.next_u64().is_multiple_of(6);
        let expected = expected_currents(&c, &model, &pre);
        model.step(&pre, &post, reward, learn_en);
        let currents = driver.step(&pre, &post, reward, learn_en)?;
        if currents != expected {
            return Err(Error::Other(format!(
                "timestep {t}: current_o showed {currents:?}, the step model {expected:?}"
            )));
        }
        driver.compare(&model, t)?;
        if rng.next_u64().is_multiple_of(10) {
            driver.clear()?;
            model.clear();
        }
    }
    Ok(())
}

/// The step model's currents as `current_o` shows them (saturated).
pub fn expected_currents(config: &ArrayConfig, model: &FactoredArray, pre: &[bool]) -> Vec<u64> {
    model
        .input_current(pre)
        .into_iter()
        .map(|c| c.min(config.max_current()))
        .collect()
}

/// The built-in stimulus of `hebb run --unit rstdp_array`: `cycles + 1`
/// clocks (the first resets).
pub fn builtin_stimulus(
    config: &ArrayConfig,
    ports: &[Signal],
    cycles: usize,
    seed: u64,
) -> Vec<Vec<u64>> {
    let clocks = ArrayClocks::new(*config, ports);
    let mut rng = SplitMix64(seed);
    let lane = config.lane();
    let mut out = vec![clocks.reset()];
    out.extend(clocks.clear());
    for i in 0..config.n_pre() {
        for j in 0..config.n_post() {
            out.push(clocks.host(i, j, Some(rng.next_u64() & lane.max_weight())));
        }
    }
    let spikes = |rng: &mut SplitMix64, n: usize, density: u64| -> Vec<bool> {
        (0..n).map(|_| rng.next_u64() % 100 < density).collect()
    };
    while out.len() <= cycles {
        let density = [5, 30, 80][(rng.next_u64() % 3) as usize];
        let pre = spikes(&mut rng, config.n_pre(), density);
        let post = spikes(&mut rng, config.n_post(), density);
        let reward = match rng.next_u64() % 4 {
            0 => lane.max_reward(),
            1 => lane.min_reward(),
            _ => (rng.next_u64() as i64) % (lane.max_reward() + 1),
        };
        let mut step = clocks.step(&pre, &post, reward, !rng.next_u64().is_multiple_of(8));
        // A request while busy is ignored.
        if step.len() > 2 {
            let mut v = PortVector::new(ports);
            v.set("step_i", 1).set("clear_i", rng.next_u64() & 1);
            step[1] = v.values().to_vec();
        }
        out.extend(step);
        for _ in 0..rng.next_u64() % 3 {
            let (i, j) = (
                (rng.next_u64() as usize) % config.n_pre(),
                (rng.next_u64() as usize) % config.n_post(),
            );
            out.push(clocks.host(i, j, None));
        }
        if rng.next_u64().is_multiple_of(16) {
            out.extend(clocks.clear());
        }
    }
    out.truncate(cycles + 1);
    out
}
