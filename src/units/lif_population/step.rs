//! The population's step model: docs/spec.md §3 with the choices of §3.5,
//! written as directly as it reads, one call per timestep. Plain i64/u64
//! arithmetic is wide enough for every value under the parameter bounds.

use super::params::PopulationParams;

/// One neuron's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NeuronState {
    /// Signed, in membrane units.
    pub membrane: i64,
    pub threshold: u64,
    /// Spikes so far in this window.
    pub count: u64,
    /// Timesteps of refractoriness left.
    pub refractory: u64,
}

/// A population of LIF neurons with homeostatic thresholds.
#[derive(Debug, Clone)]
pub struct PopulationModel {
    params: PopulationParams,
    neurons: Vec<NeuronState>,
    timestep_in_window: u32,
    learning_shift: u32,
    /// Per neuron, whether its count was above (below) its own band in the
    /// last window that ended; all false before the first.
    above_band: Vec<bool>,
    below_band: Vec<bool>,
    window_ended: bool,
}

impl PopulationModel {
    /// Every membrane, count and refractory counter 0, every threshold at its initial value.
    pub fn new(params: PopulationParams) -> Self {
        PopulationModel {
            params,
            neurons: vec![
                NeuronState {
                    threshold: params.threshold_init,
                    ..NeuronState::default()
                };
                params.neurons as usize
            ],
            timestep_in_window: 0,
            learning_shift: params.learning_shift_base,
            above_band: vec![false; params.neurons as usize],
            below_band: vec![false; params.neurons as usize],
            window_ended: false,
        }
    }

    pub fn params(&self) -> &PopulationParams {
        &self.params
    }
    pub fn neuron(&self, j: usize) -> NeuronState {
        self.neurons[j]
    }
    pub fn learning_shift(&self) -> u32 {
        self.learning_shift
    }
    /// Neurons whose count was above their own band in the last window that ended.
    pub fn above_band(&self) -> &[bool] {
        &self.above_band
    }
    /// Neurons whose count was below their own band in the last window that ended.
    pub fn below_band(&self) -> &[bool] {
        &self.below_band
    }
    /// Whether the last timestep ended a window.
    pub fn window_ended(&self) -> bool {
        self.window_ended
    }

    /// One timestep with each neuron's input current (saturated to
    /// `current_bits`, as the port would); returns which neurons spiked.
    /// At the end of a window the thresholds and the learning shift adapt.
    pub fn step(&mut self, currents: &[u64]) -> Vec<bool> {
        let p = self.params;
        assert_eq!(currents.len(), p.neurons as usize, "one current per neuron");
        let max_current = crate::design::mask(p.current_bits);
        let spikes: Vec<bool> = self
            .neurons
            .iter_mut()
            .zip(currents)
            .map(|(n, &current)| {
                if n.refractory > 0 {
                    n.refractory -= 1;
                    return false;
                }
                let leaked = match p.leak_shift {
                    Some(k) => n.membrane - (n.membrane >> k),
                    None => n.membrane,
                };
                let input = (current.min(max_current) << p.fraction_bits) as i64;
                let v = (leaked + input).min(p.max_membrane());
                if v >= n.threshold as i64 {
                    n.membrane = v - n.threshold as i64;
                    n.refractory = u64::from(p.refractory);
                    n.count += 1;
                    true
                } else {
                    n.membrane = v;
                    false
                }
            })
            .collect();
        self.timestep_in_window += 1;
        self.window_ended = self.timestep_in_window == p.window;
        if self.window_ended {
            self.end_window();
        }
        spikes
    }

    /// §3.3 with the §3.5 order: each neuron's own band first, then the
    /// population's band for all, each step saturating; then the learning
    /// shift; then the counts restart.
    fn end_window(&mut self) {
        let p = self.params;
        let total: u64 = self.neurons.iter().map(|n| n.count).sum();
        let squares: u64 = self.neurons.iter().map(|n| n.count * n.count).sum();
        let nudge = |theta: u64, up: bool, down: bool| -> u64 {
            if up {
                (theta + p.threshold_step).min(p.threshold_max)
            } else if down {
                theta.saturating_sub(p.threshold_step).max(p.threshold_min)
            } else {
                theta
            }
        };
        let (pop_up, pop_down) = (total > p.population_hi(), total < p.population_lo());
        for (j, n) in self.neurons.iter_mut().enumerate() {
            self.above_band[j] = n.count > p.hi;
            self.below_band[j] = n.count < p.lo;
            let own = nudge(n.threshold, n.count > p.hi, n.count < p.lo);
            n.threshold = nudge(own, pop_up, pop_down);
            n.count = 0;
        }
        let n = u128::from(p.neurons);
        let spread = n * u128::from(squares) - u128::from(total) * u128::from(total);
        self.learning_shift = if spread > u128::from(p.variance_limit) {
            (self.learning_shift + 1).min(p.learning_shift_max)
        } else {
            self.learning_shift
                .saturating_sub(1)
                .max(p.learning_shift_base)
        };
        self.timestep_in_window = 0;
    }
}
