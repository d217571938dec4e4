//! The core's step model, one call per timestep, built from the two
//! hand-written step models it joins: the factored array (`rstdp_array`)
//! and the population (`lif_population`). What the core adds is only the
//! wiring, written here as the RTL's top states it (docs/spec.md §4):
//!
//! - the population's input is the array's current, computed from the
//!   weights **before** this timestep's update and saturated to the
//!   current width;
//! - the array pairs this timestep's inputs with the **previous**
//!   timestep's output spikes (this timestep's are not known before its
//!   currents are);
//! - the array learns at the population's learning shift as it stood when
//!   the timestep started (window-end changes apply from the next one);
//! - with synaptic scaling, a window's end scales each neuron's incoming
//!   weights by its own band, after the population's window end.

use crate::units::lif_population::PopulationModel;
use crate::units::rstdp_array::FactoredArray;

use super::params::CoreConfig;

#[derive(Debug, Clone)]
pub struct CoreModel {
    config: CoreConfig,
    array: FactoredArray,
    population: PopulationModel,
    last_spikes: Vec<bool>,
}

impl CoreModel {
    /// A core after reset, clear and a weight load: every trace,
    /// eligibility, membrane and count 0, weight (i, j) =
    /// sat(initial_weight(i, j), 0, MAXW).
    pub fn new(config: CoreConfig, initial_weight: impl Fn(usize, usize) -> u64) -> Self {
        CoreModel {
            array: FactoredArray::new(*config.array.shape(), initial_weight),
            population: PopulationModel::new(config.population),
            last_spikes: vec![false; config.array.n_post()],
            config,
        }
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }
    pub fn array(&self) -> &FactoredArray {
        &self.array
    }
    pub fn population(&self) -> &PopulationModel {
        &self.population
    }
    /// The output spikes of the last timestep (what the array pairs next).
    pub fn last_spikes(&self) -> &[bool] {
        &self.last_spikes
    }

    /// Writes one weight (saturated), as the host port does.
    pub fn set_weight(&mut self, pre: usize, post: usize, weight: u64) {
        self.array.set_weight(pre, post, weight);
    }

    /// An episode boundary: traces, eligibility and the last output spikes
    /// start fresh; weights, membranes, thresholds and counts stay.
    pub fn clear(&mut self) {
        self.array.clear();
        self.last_spikes.fill(false);
    }

    /// The currents each neuron receives for `input` this timestep.
    pub fn currents(&self, input: &[bool]) -> Vec<u64> {
        let max = self.config.array.max_current();
        self.array
            .input_current(input)
            .into_iter()
            .map(|c| c.min(max))
            .collect()
    }

    /// One timestep: the input spikes, a reward (saturated to the reward
    /// width) and the learning enable; returns the output spikes.
    pub fn step(&mut self, input: &[bool], reward: i64, learn_en: bool) -> Vec<bool> {
        let currents = self.currents(input);
        let shift = self.population.learning_shift();
        self.array
            .step_at_shift(input, &self.last_spikes, reward, learn_en, shift);
        let spikes = self.population.step(&currents);
        self.last_spikes.clone_from(&spikes);
        if self.config.scaling_shift > 0 && self.population.window_ended() {
            self.scale();
        }
        spikes
    }

    /// Synaptic scaling (docs/spec.md §3.4): each neuron above its band in
    /// the window that just ended scales its incoming weights down by
    /// w >> s, each one below it up (saturating).
    fn scale(&mut self) {
        let s = self.config.scaling_shift;
        let max = self.config.array.lane().max_weight();
        let (n_pre, n_post) = (self.config.array.n_pre(), self.config.array.n_post());
        for j in 0..n_post {
            let (above, below) = (
                self.population.above_band()[j],
                self.population.below_band()[j],
            );
            for i in 0..n_pre {
                let w = self.array.weight(i, j);
                let scaled = if above {
                    w - (w >> s)
                } else if below {
                    (w + (w >> s)).min(max)
                } else {
                    w
                };
                self.array.set_weight(i, j, scaled);
            }
        }
    }
}
