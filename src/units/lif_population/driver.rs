//! Drives a population, as a cycle model alone or in lockstep with its
//! Verilated RTL, timestep by timestep: the currents in neuron order, then
//! the spikes; probes read every neuron's state for the comparison with the
//! step model.

use crate::cosim::{Lockstep, PortVector, pack_bits};
use crate::design::{Design, Signal, mask, sign_extend};
use crate::error::{Error, Result};
use crate::rng::SplitMix64;

use super::LifPopulation;
use super::params::PopulationParams;
use super::step::{NeuronState, PopulationModel};

/// Clocks after a timestep's last current by which the population shows
/// its spikes and is idle again: the last update's stages and the window
/// pass, then the clock `busy_o` is low, with one to spare.
fn busy_limit(p: &PopulationParams) -> usize {
    super::describe::busy_clocks_after_window(p) as usize + 2
}

/// How a timestep ended, in clocks after the clock that took its last
/// current (that clock's successor is 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepClocks {
    /// The clock `spikes_valid_o` is high.
    pub spikes_valid: usize,
    /// The last clock `busy_o` is high (0: it stayed low).
    pub busy_until: usize,
}

pub struct PopulationDriver {
    params: PopulationParams,
    sim: Lockstep,
    idle: PortVector,
    index: Vec<(String, usize)>,
    last_step: StepClocks,
}

impl PopulationDriver {
    /// A population out of reset, its init pass done.
    pub fn new(params: PopulationParams, with_rtl: bool) -> Result<Self> {
        Self::for_design(&LifPopulation { params }, params, with_rtl)
    }

    /// Drives `design`, a population of `params` whose description may differ.
    pub fn for_design(
        design: &dyn Design,
        params: PopulationParams,
        with_rtl: bool,
    ) -> Result<Self> {
        let sim = if with_rtl {
            Lockstep::with_rtl(design)?
        } else {
            Lockstep::model_only(design)?
        };
        let ports = design.ports()?;
        let index = ports
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        let mut driver = PopulationDriver {
            params,
            sim,
            idle: PortVector::new(&ports),
            index,
            last_step: StepClocks::default(),
        };
        let mut reset = driver.idle.clone();
        reset.set("rst_ni", 0);
        driver.clock(reset.values())?;
        driver.wait_idle("the init pass")?;
        Ok(driver)
    }

    fn port(&self, name: &str) -> Result<usize> {
        self.index
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, i)| *i)
            .ok_or_else(|| Error::Other(format!("the population has no port `{name}`")))
    }

    fn value(&self, name: &str) -> Result<u64> {
        Ok(self.sim.value(self.port(name)?))
    }

    fn clock(&mut self, values: &[u64]) -> Result<()> {
        self.sim.clock(values).map_err(Error::Mismatch)
    }

    pub fn sim_mut(&mut self) -> &mut Lockstep {
        &mut self.sim
    }

    fn wait_idle(&mut self, what: &str) -> Result<()> {
        for _ in 0..busy_limit(&self.params) {
            if self.value("busy_o")? == 0 {
                return Ok(());
            }
            let idle = self.idle.values().to_vec();
            self.clock(&idle)?;
        }
        Err(Error::Other(format!(
            "busy_o still high {} clocks after {what} (cycle {})",
            busy_limit(&self.params),
            self.sim.cycle()
        )))
    }

    /// One timestep: each neuron's current (saturated to `current_bits`) in
    /// neuron order, one per clock; returns the spikes `spikes_o` shows.
    pub fn step(&mut self, currents: &[u64]) -> Result<Vec<bool>> {
        let p = self.params;
        let mut spikes = None;
        for &current in currents {
            if self.value("busy_o")? == 1 {
                return Err(Error::Other(format!(
                    "busy_o high while the timestep's currents stream in (cycle {})",
                    self.sim.cycle()
                )));
            }
            let mut v = self.idle.clone();
            v.set("current_valid_i", 1)
                .set("current_i", current.min(mask(p.current_bits)));
            self.clock(v.values())?;
            if self.value("spikes_valid_o")? == 1 {
                return Err(Error::Other(
                    "spikes_valid_o before the last neuron's current".into(),
                ));
            }
        }
        let mut clocks = StepClocks::default();
        if self.value("busy_o")? == 1 {
            clocks.busy_until = 1;
        }
        for after in 2..busy_limit(&p) + 2 {
            let idle = self.idle.values().to_vec();
            self.clock(&idle)?;
            if self.value("spikes_valid_o")? == 1 {
                let bits = self.value("spikes_o")?;
                spikes = Some((0..p.neurons).map(|j| bits >> j & 1 == 1).collect());
                clocks.spikes_valid = after;
            }
            if self.value("busy_o")? == 1 {
                clocks.busy_until = after;
            } else if spikes.is_some() {
                break;
            }
        }
        self.last_step = clocks;
        let spikes =
            spikes.ok_or_else(|| Error::Other("no spikes_valid_o after the timestep".into()))?;
        self.wait_idle("a timestep")?;
        Ok(spikes)
    }

    /// The clocks of the last [`PopulationDriver::step`].
    pub fn last_step_clocks(&self) -> StepClocks {
        self.last_step
    }

    /// Neuron `j`'s state through the probe port.
    pub fn probe(&mut self, j: usize) -> Result<NeuronState> {
        let mut v = self.idle.clone();
        if self.params.neurons > 1 {
            v.set("probe_neuron_i", j as u64);
        }
        self.clock(v.values())?;
        Ok(NeuronState {
            membrane: sign_extend(self.value("probe_membrane_o")?, self.params.membrane_bits),
            threshold: self.value("probe_threshold_o")?,
            count: self.value("probe_count_o")?,
            refractory: if self.params.refractory > 0 {
                self.value("probe_refractory_o")?
            } else {
                0
            },
        })
    }

    pub fn learning_shift(&self) -> Result<u64> {
        self.value("learning_shift_o")
    }

    /// Every neuron and the learning shift against `model`.
    pub fn compare(&mut self, model: &PopulationModel, timestep: u64) -> Result<()> {
        for j in 0..self.params.neurons as usize {
            let seen = self.probe(j)?;
            if seen != model.neuron(j) {
                return Err(Error::Other(format!(
                    "after timestep {timestep}, neuron {j}: the population shows {seen:?}, the step model {:?}",
                    model.neuron(j)
                )));
            }
        }
        let shift = self.learning_shift()?;
        if shift != u64::from(model.learning_shift()) {
            return Err(Error::Other(format!(
                "after timestep {timestep}: learning_shift_o {shift}, the step model {}",
                model.learning_shift()
            )));
        }
        for (port, expected) in [
            ("above_band_o", model.above_band()),
            ("below_band_o", model.below_band()),
        ] {
            let seen = self.value(port)?;
            if seen != pack_bits(expected) {
                return Err(Error::Other(format!(
                    "after timestep {timestep}: {port} {seen:#b}, the step model {:#b}",
                    pack_bits(expected)
                )));
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        self.sim.finish()
    }
}

/// Random currents around what holds the target rate, from silent to
/// saturating, so windows land above, inside and below the band.
pub fn random_currents(p: &PopulationParams, rng: &mut SplitMix64, drive: u64) -> Vec<u64> {
    (0..p.neurons)
        .map(|_| match rng.next_u64() % 8 {
            0 => 0,
            1 => mask(p.current_bits),
            _ => rng.next_u64() % (drive + 1),
        })
        .collect()
}

/// A session against the step model: `timesteps` timesteps of random
/// currents whose drive changes every window, compared every timestep.
pub fn random_session(driver: &mut PopulationDriver, timesteps: u64, seed: u64) -> Result<()> {
    let p = driver.params;
    let mut model = PopulationModel::new(p);
    let mut rng = SplitMix64(seed);
    driver.compare(&model, 0)?;
    let threshold_current = (p.threshold_init >> p.fraction_bits).max(1);
    let mut drive = threshold_current;
    for t in 1..=timesteps {
        if t % u64::from(p.window) == 1 {
            drive = match rng.next_u64() % 3 {
                0 => threshold_current / 8,
                1 => threshold_current,
                _ => threshold_current * 4,
            }
            .min(mask(p.current_bits));
        }
        let currents = random_currents(&p, &mut rng, drive);
        let expected = model.step(&currents);
        let spikes = driver.step(&currents)?;
        if spikes != expected {
            return Err(Error::Other(format!(
                "timestep {t}: spikes_o {spikes:?}, the step model {expected:?}"
            )));
        }
        driver.compare(&model, t)?;
    }
    Ok(())
}

/// The built-in stimulus of `hebb run --unit lif_population`.
pub fn builtin_stimulus(
    p: &PopulationParams,
    ports: &[Signal],
    cycles: usize,
    seed: u64,
) -> Vec<Vec<u64>> {
    let idle = PortVector::new(ports);
    let mut rng = SplitMix64(seed);
    let mut out = Vec::with_capacity(cycles + 1);
    let mut reset = idle.clone();
    reset.set("rst_ni", 0);
    out.push(reset.values().to_vec());
    // The init pass.
    out.extend((0..busy_limit(p)).map(|_| idle.values().to_vec()));
    let threshold_current = (p.threshold_init >> p.fraction_bits).max(1);
    let mut timestep = 0u64;
    while out.len() <= cycles {
        let drive = [
            threshold_current / 4,
            threshold_current,
            threshold_current * 3,
        ][((timestep / u64::from(p.window)) % 3) as usize]
            .min(mask(p.current_bits));
        for current in random_currents(p, &mut rng, drive) {
            let mut v = idle.clone();
            v.set("current_valid_i", 1).set("current_i", current);
            out.push(v.values().to_vec());
        }
        // The last update, and a window pass when one is due; probes meanwhile.
        // (With few neurons busy_o also holds the next timestep back a few clocks:
        // these idle clocks cover it.)
        for _ in 0..busy_limit(p) {
            let mut v = idle.clone();
            if p.neurons > 1 {
                v.set("probe_neuron_i", rng.next_u64() % u64::from(p.neurons));
            }
            out.push(v.values().to_vec());
        }
        timestep += 1;
    }
    out.truncate(cycles + 1);
    out
}
