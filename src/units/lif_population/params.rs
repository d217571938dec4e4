//! The population's parameters. Real-valued ones (the leak time constant,
//! thresholds, target rate, tolerance, variance bound) are read as numbers
//! and converted with the `fixed` crate into the integers the hardware
//! uses; docs/spec.md §3.5 names each format. A value a format cannot hold
//! exactly (a threshold between two membrane steps, a leak time constant
//! that is not a power of two) is an error naming it and the nearest
//! values that would do.

use fixed::types::{I64F64, U32F32};
use serde::{Deserialize, Serialize};

use crate::error::{ParamError, ParamValue};

pub const NEURONS: (u32, u32) = (1, 64);
pub const CURRENT_BITS: (u32, u32) = (1, 38);
pub const MEMBRANE_BITS: (u32, u32) = (3, 48);
pub const FRACTION_BITS: (u32, u32) = (0, 16);
pub const REFRACTORY: (u32, u32) = (0, 15);
pub const WINDOW: (u32, u32) = (1, 1024);
pub const LEARNING_SHIFT: (u32, u32) = (0, 60);

/// The population's keys as a parameter file spells them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPopulationParams {
    pub neurons: u32,
    pub current_bits: u32,
    pub membrane_bits: u32,
    pub fraction_bits: u32,
    /// Timesteps; 0 = no leak, else a power of two 2^k (leak v >> k).
    pub leak_time_constant: f64,
    pub refractory: u32,
    /// In current units (membrane = current x 2^fraction_bits).
    pub threshold_init: f64,
    pub threshold_min: f64,
    pub threshold_max: f64,
    pub threshold_step: f64,
    /// Timesteps per window.
    pub window: u32,
    /// Spikes per timestep per neuron.
    pub target_rate: f64,
    pub tolerance: f64,
    /// Spikes² per window: the bound on the population variance of the counts.
    pub variance_bound: f64,
    pub learning_shift_base: u32,
    pub learning_shift_max: u32,
}

impl Default for RawPopulationParams {
    fn default() -> Self {
        RawPopulationParams {
            neurons: 16,
            current_bits: 16,
            membrane_bits: 24,
            fraction_bits: 4,
            leak_time_constant: 16.0,
            refractory: 2,
            threshold_init: 256.0,
            threshold_min: 1.0,
            threshold_max: 65535.0,
            threshold_step: 8.0,
            window: 64,
            target_rate: 0.125,
            tolerance: 0.25,
            variance_bound: 16.0,
            learning_shift_base: 4,
            learning_shift_max: 8,
        }
    }
}

/// Validated parameters, every real converted to the integer the hardware uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PopulationParams {
    pub neurons: u32,
    pub current_bits: u32,
    pub membrane_bits: u32,
    pub fraction_bits: u32,
    /// k of the leak v - (v >> k); None: no leak.
    pub leak_shift: Option<u32>,
    pub refractory: u32,
    /// Thresholds in membrane units (current x 2^F).
    pub threshold_init: u64,
    pub threshold_min: u64,
    pub threshold_max: u64,
    pub threshold_step: u64,
    pub window: u32,
    /// Per-neuron band of spikes per window.
    pub lo: u64,
    pub hi: u64,
    /// floor(N² · variance_bound): the integer the variance test compares with.
    pub variance_limit: u64,
    pub learning_shift_base: u32,
    pub learning_shift_max: u32,
}

fn range(name: &'static str, value: u32, (lo, hi): (u32, u32)) -> Result<(), ParamError> {
    ParamError::check_range(name, value.into(), lo.into(), hi.into())
}

fn real_error(name: &'static str, value: f64, allowed: String) -> ParamError {
    ParamError {
        parameter: name,
        value: ParamValue::Real(value),
        allowed,
    }
}

/// `value` in membrane units: exactly value x 2^F, an integer in 1..=max.
fn membrane_units(
    name: &'static str,
    value: f64,
    fraction_bits: u32,
    max: u64,
) -> Result<u64, ParamError> {
    let step = 1.0 / f64::from(1u32 << fraction_bits);
    let fixed = I64F64::checked_from_num(value).ok_or_else(|| {
        real_error(
            name,
            value,
            format!("a number in {step}..={}", max as f64 * step),
        )
    })?;
    let bits = fixed.to_bits();
    let shift = 64 - fraction_bits;
    let units = bits >> shift;
    if bits & ((1i128 << shift) - 1) != 0 || fixed.to_num::<f64>() != value {
        let below = units as f64 * step;
        return Err(real_error(
            name,
            value,
            format!(
                "a multiple of 2^-fraction_bits = {step} (fraction_bits = {fraction_bits}): nearest {below} or {}",
                below + step
            ),
        ));
    }
    if units < 1 || units as u64 > max {
        return Err(real_error(
            name,
            value,
            format!(
                "{step}..={} (membrane_bits and fraction_bits)",
                max as f64 * step
            ),
        ));
    }
    Ok(units as u64)
}

/// A real in [lo, hi] as U32F32 bits (rounded to the nearest 2^-32 by `fixed`).
fn unsigned_fixed(
    name: &'static str,
    value: f64,
    lo: f64,
    hi: f64,
    allowed: &str,
) -> Result<u64, ParamError> {
    if !(lo..=hi).contains(&value) {
        return Err(real_error(name, value, allowed.to_string()));
    }
    U32F32::checked_from_num(value)
        .map(|v| v.to_bits())
        .ok_or_else(|| real_error(name, value, allowed.to_string()))
}

impl TryFrom<RawPopulationParams> for PopulationParams {
    type Error = ParamError;
    fn try_from(raw: RawPopulationParams) -> Result<Self, ParamError> {
        range("neurons", raw.neurons, NEURONS)?;
        range("current_bits", raw.current_bits, CURRENT_BITS)?;
        range("membrane_bits", raw.membrane_bits, MEMBRANE_BITS)?;
        range("fraction_bits", raw.fraction_bits, FRACTION_BITS)?;
        range("refractory", raw.refractory, REFRACTORY)?;
        range("window", raw.window, WINDOW)?;
        range(
            "learning_shift_base",
            raw.learning_shift_base,
            LEARNING_SHIFT,
        )?;
        range("learning_shift_max", raw.learning_shift_max, LEARNING_SHIFT)?;
        if raw.learning_shift_max < raw.learning_shift_base {
            return Err(ParamError {
                parameter: "learning_shift_max",
                value: raw.learning_shift_max.into(),
                allowed: format!(
                    "learning_shift_base..=60 ({}..=60)",
                    raw.learning_shift_base
                ),
            });
        }
        let (v, f) = (raw.membrane_bits, raw.fraction_bits);
        // One current, shifted into membrane units, must fit the positive membrane.
        if raw.current_bits + f >= v {
            return Err(ParamError {
                parameter: "membrane_bits",
                value: v.into(),
                allowed: format!(
                    "more than current_bits + fraction_bits = {} (a signed membrane that holds one current)",
                    raw.current_bits + f
                ),
            });
        }
        let leak_shift = if raw.leak_time_constant == 0.0 {
            None
        } else {
            let allowed = format!("0 (no leak) or a power of two 2..=2^{}", v - 2);
            let tau = U32F32::checked_from_num(raw.leak_time_constant)
                .filter(|t| t.to_num::<f64>() == raw.leak_time_constant)
                .ok_or_else(|| {
                    real_error(
                        "leak_time_constant",
                        raw.leak_time_constant,
                        allowed.clone(),
                    )
                })?;
            let bits = tau.to_bits();
            let k = bits.trailing_zeros().saturating_sub(32);
            if !bits.is_power_of_two() || k == 0 || k > v - 2 {
                return Err(real_error(
                    "leak_time_constant",
                    raw.leak_time_constant,
                    allowed,
                ));
            }
            Some(k)
        };
        let max_threshold = (1u64 << (v - 1)) - 1;
        let threshold = |name, value| membrane_units(name, value, f, max_threshold);
        let threshold_min = threshold("threshold_min", raw.threshold_min)?;
        let threshold_max = threshold("threshold_max", raw.threshold_max)?;
        let threshold_init = threshold("threshold_init", raw.threshold_init)?;
        let threshold_step = threshold("threshold_step", raw.threshold_step)?;
        if threshold_max < threshold_min {
            return Err(real_error(
                "threshold_max",
                raw.threshold_max,
                format!("at least threshold_min = {}", raw.threshold_min),
            ));
        }
        if !(threshold_min..=threshold_max).contains(&threshold_init) {
            return Err(real_error(
                "threshold_init",
                raw.threshold_init,
                format!(
                    "threshold_min..=threshold_max ({}..={})",
                    raw.threshold_min, raw.threshold_max
                ),
            ));
        }
        let rate = unsigned_fixed(
            "target_rate",
            raw.target_rate,
            f64::MIN_POSITIVE,
            1.0,
            "more than 0, at most 1 spike per timestep",
        )?;
        let tolerance = unsigned_fixed(
            "tolerance",
            raw.tolerance,
            0.0,
            0.999_999,
            "0 <= tolerance < 1",
        )?;
        let variance = unsigned_fixed(
            "variance_bound",
            raw.variance_bound,
            0.0,
            1.0e9,
            "0..=1e9 spikes squared",
        )?;
        // lo = floor(r (1 - tau) M), hi = ceil(r (1 + tau) M), exactly in the
        // fixed-point values (32 fraction bits each).
        let one = 1u128 << 32;
        let m = u128::from(raw.window);
        let lo = (u128::from(rate) * (one - u128::from(tolerance)) * m) >> 64;
        let hi_num = u128::from(rate) * (one + u128::from(tolerance)) * m;
        let hi = (hi_num >> 64) + u128::from(hi_num & ((1u128 << 64) - 1) != 0);
        let n = u128::from(raw.neurons);
        let variance_limit = ((n * n * u128::from(variance)) >> 32).min(u128::from(u64::MAX));
        Ok(PopulationParams {
            neurons: raw.neurons,
            current_bits: raw.current_bits,
            membrane_bits: v,
            fraction_bits: f,
            leak_shift,
            refractory: raw.refractory,
            threshold_init,
            threshold_min,
            threshold_max,
            threshold_step,
            window: raw.window,
            lo: lo as u64,
            hi: (hi as u64).min(u64::from(raw.window)),
            variance_limit: variance_limit as u64,
            learning_shift_base: raw.learning_shift_base,
            learning_shift_max: raw.learning_shift_max,
        })
    }
}

impl PopulationParams {
    /// Population band: N · lo, N · hi.
    pub fn population_lo(&self) -> u64 {
        u64::from(self.neurons) * self.lo
    }
    pub fn population_hi(&self) -> u64 {
        u64::from(self.neurons) * self.hi
    }
    pub fn max_membrane(&self) -> i64 {
        (1i64 << (self.membrane_bits - 1)) - 1
    }
    /// Bits of a neuron's spike count over a window (0..=window).
    pub fn count_bits(&self) -> u32 {
        crate::design::bits_for(u64::from(self.window))
    }
    /// Bits of a threshold (unsigned, below 2^(V-1)).
    pub fn threshold_bits(&self) -> u32 {
        self.membrane_bits - 1
    }
    pub fn refractory_bits(&self) -> u32 {
        crate::design::bits_for(u64::from(self.refractory))
    }
    pub fn learning_shift_bits(&self) -> u32 {
        crate::design::bits_for(u64::from(self.learning_shift_max))
    }
    /// State bits per neuron: membrane, threshold, count and refractory counter.
    pub fn state_bits_per_neuron(&self) -> u32 {
        self.membrane_bits
            + self.threshold_bits()
            + self.count_bits()
            + if self.refractory > 0 {
                self.refractory_bits()
            } else {
                0
            }
    }
    /// The integer bounds derived from the real-valued parameters, as the
    /// generator prints and reports them.
    pub fn bounds_summary(&self) -> String {
        format!(
            "per neuron lo = {}, hi = {} spikes per {}-timestep window; population LO = {}, HI = {}; variance test N*sum(c^2) - (sum c)^2 > {}",
            self.lo,
            self.hi,
            self.window,
            self.population_lo(),
            self.population_hi(),
            self.variance_limit
        )
    }
}
