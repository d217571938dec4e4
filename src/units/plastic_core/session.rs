//! A core run timestep by timestep with the controls users of plasticity
//! libraries expect: learning switched on and off mid-run, weight
//! normalization, weights recorded over time (CSV, VCD) and weights saved
//! to and loaded from a file.
//!
//! The session runs the core's step model (`CoreModel`); optionally the
//! core's cycle model, alone or in lockstep with its Verilated RTL
//! (`CoreDriver`), runs beside it. Then every timestep's currents and
//! spikes are compared, and every operation that changes weights (a
//! normalization, a load) writes them through the host port and reads the
//! whole core back, so model and RTL stay bit-identical; any difference is
//! an error naming the timestep, the neuron or synapse and both values.
//!
//! File formats:
//!
//! - **Weights (JSON)**, `save_weights` / `load_weights_file`:
//!   `{"format": "hebb-core-weights/1", "unit": "plastic_core",
//!   "top_module": ..., "n_pre": ..., "n_post": ..., "weight_bits": ...,
//!   "timestep": ..., "weights": [[w_0_0, w_0_1, ...], ...]}`, one row per
//!   input (pre neuron `i`), each with one weight per output neuron `j`.
//!   Loading checks `format`, `unit`, `n_pre`, `n_post`, `weight_bits`
//!   against the core and every weight against `0..=MAXW`; `top_module`
//!   and `timestep` are informative (weights trained under other rule
//!   parameters of the same shape and width load). Only weights are saved:
//!   traces, eligibilities, membranes, thresholds and the learning shift
//!   are not.
//! - **Weights over time (CSV)**, `WeightHistory::csv`: a header
//!   `timestep,w_0_0,w_0_1,...,w_<n_pre-1>_<n_post-1>` (`w_<pre>_<post>`,
//!   pre-major) and one row per recorded timestep.
//! - **Weights over time (VCD)**, `WeightHistory::vcd`: scope `<top module>`
//!   with one wire per synapse named `w_<pre>_<post>`, `weight_bits` wide;
//!   time `t` is timestep `t` (`$timescale 1 ms`, a nominal timestep); the
//!   first recorded timestep dumps every weight, later ones only changes.
//!
//! A recorded row of timestep `t` holds the weights at the end of `t`,
//! after any normalization or load done before the next timestep (timestep
//! 0 is the start, before the first timestep).

use std::path::Path;

use crate::design::Design;
use crate::error::{Error, ParamError, Result};

use super::PlasticCore;
use super::UNIT;
use super::driver::CoreDriver;
use super::params::CoreConfig;
use super::step::CoreModel;

/// The `format` field of a weights file.
pub const WEIGHTS_FORMAT: &str = "hebb-core-weights/1";

/// What runs beside the step model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beside {
    /// The step model alone.
    Nothing,
    /// The description's cycle model, compared every timestep.
    CycleModel,
    /// The Verilated RTL in lockstep with the cycle model (RTL == cycle
    /// model at every clock), both compared with the step model every timestep.
    Rtl,
}

impl Beside {
    fn name(self) -> &'static str {
        match self {
            Beside::Nothing => "nothing",
            Beside::CycleModel => "the cycle model",
            Beside::Rtl => "the RTL (Verilated, in lockstep with the cycle model)",
        }
    }
}

/// What a normalization pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalization {
    pub target: u64,
    /// Each output neuron's incoming weight sum before and after.
    pub sums_before: Vec<u64>,
    pub sums_after: Vec<u64>,
    /// Synapses whose weight changed.
    pub changed: usize,
}

/// A core under a session: the step model, and optionally the cycle model
/// or RTL beside it.
pub struct CoreSession {
    model: CoreModel,
    driver: Option<CoreDriver>,
    beside: Beside,
    top_module: String,
    timestep: u64,
    learning: bool,
    spike_counts: Vec<u64>,
    history: Option<WeightHistory>,
}

impl CoreSession {
    /// A core after reset, clear and a weight load: weight (i, j) =
    /// sat(initial_weight(i, j), 0, MAXW); learning on. With `beside` not
    /// `Nothing`, the driver's core gets the same clear and weights and is
    /// compared whole with the model before the first timestep.
    pub fn new(
        config: CoreConfig,
        beside: Beside,
        initial_weight: impl Fn(usize, usize) -> u64,
    ) -> Result<Self> {
        Self::for_design(&PlasticCore::new(config), config, beside, initial_weight)
    }

    /// A session whose driver runs `design`, a core of `config` whose
    /// description may differ from `describe.rs`'s (a planted fault).
    pub fn for_design(
        design: &dyn Design,
        config: CoreConfig,
        beside: Beside,
        initial_weight: impl Fn(usize, usize) -> u64,
    ) -> Result<Self> {
        let model = CoreModel::new(config, &initial_weight);
        let driver = match beside {
            Beside::Nothing => None,
            Beside::CycleModel => Some(CoreDriver::for_design(design, config, false)?),
            Beside::Rtl => Some(CoreDriver::for_design(design, config, true)?),
        };
        let mut session = CoreSession {
            spike_counts: vec![0; config.array.n_post()],
            top_module: design.top_module(),
            model,
            driver,
            beside,
            timestep: 0,
            learning: true,
            history: None,
        };
        if let Some(driver) = &mut session.driver {
            driver.clear()?;
            driver.load_weights(&initial_weight)?;
            driver.compare(&session.model, 0)?;
        }
        Ok(session)
    }

    pub fn config(&self) -> &CoreConfig {
        self.model.config()
    }
    pub fn model(&self) -> &CoreModel {
        &self.model
    }
    pub fn beside(&self) -> Beside {
        self.beside
    }
    /// The top module name of the core's design.
    pub fn top_module(&self) -> &str {
        &self.top_module
    }
    /// Timesteps run so far.
    pub fn timestep(&self) -> u64 {
        self.timestep
    }
    /// Output spikes per neuron so far.
    pub fn spike_counts(&self) -> &[u64] {
        &self.spike_counts
    }
    pub fn n_pre(&self) -> usize {
        self.config().array.n_pre()
    }
    pub fn n_post(&self) -> usize {
        self.config().array.n_post()
    }
    pub fn max_weight(&self) -> u64 {
        self.config().array.lane().max_weight()
    }
    /// The population's learning shift (the array learns at it next timestep).
    pub fn learning_shift(&self) -> u32 {
        self.model.population().learning_shift()
    }

    /// The persistent learning switch `step` uses (on after `new`).
    pub fn set_learning(&mut self, on: bool) {
        self.learning = on;
    }
    pub fn learning(&self) -> bool {
        self.learning
    }

    pub fn weight(&self, pre: usize, post: usize) -> u64 {
        self.model.array().weight(pre, post)
    }
    /// Every weight, one row per input (pre neuron).
    pub fn weights(&self) -> Vec<Vec<u64>> {
        (0..self.n_pre())
            .map(|i| (0..self.n_post()).map(|j| self.weight(i, j)).collect())
            .collect()
    }
    /// Each output neuron's incoming weight sum, `sum_i w_ij`.
    pub fn column_sums(&self) -> Vec<u64> {
        (0..self.n_post())
            .map(|j| (0..self.n_pre()).map(|i| self.weight(i, j)).sum())
            .collect()
    }

    /// Records the weights after every `every`-th timestep (and now, as
    /// timestep `timestep()`), replacing any earlier recording. `every` 0
    /// is an error.
    pub fn record_every(&mut self, every: u64) -> Result<()> {
        ParamError::check_range("record_every", every.into(), 1, u64::MAX.into())?;
        self.history = Some(WeightHistory {
            top_module: self.top_module.clone(),
            n_pre: self.n_pre(),
            n_post: self.n_post(),
            weight_bits: self.config().array.lane().weight_bits(),
            every,
            rows: Vec::new(),
        });
        self.record_now();
        Ok(())
    }
    pub fn history(&self) -> Option<&WeightHistory> {
        self.history.as_ref()
    }

    /// Records the current weights when recording and this timestep is
    /// one to record; a second recording of a timestep replaces the first.
    fn record_now(&mut self) {
        let t = self.timestep;
        let weights: Vec<u64> = self.weights().into_iter().flatten().collect();
        if let Some(h) = &mut self.history
            && t.is_multiple_of(h.every)
        {
            if h.rows.last().is_some_and(|(last, _)| *last == t) {
                h.rows.pop();
            }
            h.rows.push((t, weights));
        }
    }

    /// One timestep with the persistent learning switch.
    pub fn step(&mut self, input: &[bool], reward: i64) -> Result<Vec<bool>> {
        self.step_with(input, reward, self.learning)
    }

    /// One timestep with `learn_en` for this timestep only: the input
    /// spikes (one per input), a reward (saturated to the reward width).
    /// Returns the output spikes; with a driver, its currents and spikes
    /// must equal the model's.
    pub fn step_with(&mut self, input: &[bool], reward: i64, learn_en: bool) -> Result<Vec<bool>> {
        if input.len() != self.n_pre() {
            return Err(Error::Other(format!(
                "timestep {}: {} input spikes given, the core has n_pre = {} inputs",
                self.timestep + 1,
                input.len(),
                self.n_pre()
            )));
        }
        let t = self.timestep + 1;
        let currents = self.model.currents(input);
        let spikes = self.model.step(input, reward, learn_en);
        if let Some(driver) = &mut self.driver {
            let seen = driver.step(input, reward, learn_en)?;
            let what = self.beside.name();
            for (j, &expected) in currents.iter().enumerate() {
                match seen.currents.get(j) {
                    Some(&(_, c)) if c == expected => {}
                    other => {
                        return Err(Error::Other(format!(
                            "timestep {t}, neuron {j}: current {expected} in the step model, {} in {what}",
                            other.map_or("none".to_string(), |(_, c)| c.to_string())
                        )));
                    }
                }
            }
            let Some(seen) = seen.spikes else {
                return Err(Error::Other(format!(
                    "timestep {t}: {what} showed no spikes"
                )));
            };
            if let Some(j) = (0..spikes.len()).find(|&j| seen.get(j) != Some(&spikes[j])) {
                return Err(Error::Other(format!(
                    "timestep {t}, neuron {j}: spike {} in the step model, {} in {what}",
                    u8::from(spikes[j]),
                    seen.get(j)
                        .map_or("none".to_string(), |&s| u8::from(s).to_string())
                )));
            }
        }
        self.timestep = t;
        for (count, &s) in self.spike_counts.iter_mut().zip(&spikes) {
            *count += u64::from(s);
        }
        self.record_now();
        Ok(spikes)
    }

    /// Everything the driver's core holds (every synapse, neuron and the
    /// learning shift) against the model; nothing to do without a driver.
    pub fn verify(&mut self) -> Result<()> {
        match &mut self.driver {
            Some(driver) => driver.compare(&self.model, self.timestep),
            None => Ok(()),
        }
    }

    /// Replaces every weight (one row per input, `n_post` weights each, all
    /// in `0..=MAXW`) in the model and, through the host port, in the
    /// driver's core, then compares the whole core. Traces, eligibilities
    /// and the population stay. A wrong shape or a weight out of range is
    /// an error before anything changes.
    pub fn set_weights(&mut self, weights: &[Vec<u64>]) -> Result<()> {
        check_weights(weights, self.n_pre(), self.n_post(), self.max_weight())
            .map_err(Error::Other)?;
        self.apply_weights(weights)
    }

    fn apply_weights(&mut self, weights: &[Vec<u64>]) -> Result<()> {
        for (i, row) in weights.iter().enumerate() {
            for (j, &w) in row.iter().enumerate() {
                self.model.set_weight(i, j, w);
            }
        }
        if let Some(driver) = &mut self.driver {
            driver.load_weights(|i, j| weights[i][j])?;
            driver.compare(&self.model, self.timestep)?;
        }
        self.record_now();
        Ok(())
    }

    /// Synaptic normalization: for every output neuron j with incoming sum
    /// `S_j = sum_i w_ij > 0`, `w_ij <- min(floor(w_ij * target / S_j), MAXW)`
    /// (exact integer arithmetic); a column with `S_j = 0` is untouched.
    /// Afterwards `S_j <= target`, and `S_j > target - n_pre` unless a
    /// weight saturated at MAXW (each floor loses less than 1). Applied to
    /// the model and to the driver's core alike. `target` is allowed in
    /// `0..=n_pre * MAXW`.
    pub fn normalize(&mut self, target: u64) -> Result<Normalization> {
        let (n_pre, maxw) = (self.n_pre() as u64, self.max_weight());
        let most = n_pre.saturating_mul(maxw);
        ParamError::check_range("normalize target", target.into(), 0, most.into()).map_err(
            |e| ParamError {
                allowed: format!("{} (n_pre x MAXW = {n_pre} x {maxw})", e.allowed),
                ..e
            },
        )?;
        let before = self.weights();
        let sums_before = self.column_sums();
        let mut after = before.clone();
        for (j, &sum) in sums_before.iter().enumerate() {
            if sum == 0 {
                continue;
            }
            for row in &mut after {
                let scaled = u128::from(row[j]) * u128::from(target) / u128::from(sum);
                row[j] = scaled.min(u128::from(maxw)) as u64;
            }
        }
        let changed = before
            .iter()
            .flatten()
            .zip(after.iter().flatten())
            .filter(|(a, b)| a != b)
            .count();
        self.apply_weights(&after)?;
        Ok(Normalization {
            target,
            sums_before,
            sums_after: self.column_sums(),
            changed,
        })
    }

    /// The weights as a weights file's contents.
    pub fn dump(&self) -> WeightDump {
        WeightDump {
            format: WEIGHTS_FORMAT.to_string(),
            unit: UNIT.to_string(),
            top_module: self.top_module.clone(),
            n_pre: self.n_pre(),
            n_post: self.n_post(),
            weight_bits: self.config().array.lane().weight_bits(),
            timestep: self.timestep,
            weights: self.weights(),
        }
    }

    /// Writes the weights file `path` atomically (whole or not at all).
    pub fn save_weights(&self, path: &Path) -> Result<()> {
        crate::outputs::write_atomic(path, self.dump().to_json().as_bytes())
    }

    /// Loads the weights file `path` into the model and the driver's core.
    /// Any problem with the file (not JSON, a missing or mismatched field,
    /// a wrong shape, a weight out of range) is an error naming the file
    /// and the field, before anything changes.
    pub fn load_weights_file(&mut self, path: &Path) -> Result<()> {
        let dump = WeightDump::read(path)?;
        dump.check(self.config(), path)?;
        self.apply_weights(&dump.weights)
    }

    /// Ends the session (the RTL's shared library is released).
    pub fn finish(self) -> Result<()> {
        match self.driver {
            Some(driver) => driver.finish(),
            None => Ok(()),
        }
    }
}

/// `weights` is `n_pre` rows of `n_post` weights in `0..=maxw`; the error
/// names the first that is not.
fn check_weights(
    weights: &[Vec<u64>],
    n_pre: usize,
    n_post: usize,
    maxw: u64,
) -> std::result::Result<(), String> {
    if weights.len() != n_pre {
        return Err(format!(
            "field `weights` has {} rows: allowed {n_pre} (one per input, n_pre)",
            weights.len()
        ));
    }
    for (i, row) in weights.iter().enumerate() {
        if row.len() != n_post {
            return Err(format!(
                "field `weights[{i}]` has {} entries: allowed {n_post} (one per neuron, n_post)",
                row.len()
            ));
        }
        if let Some((j, w)) = row.iter().enumerate().find(|(_, w)| **w > maxw) {
            return Err(format!(
                "field `weights[{i}][{j}]` = {w} is out of range: allowed 0..={maxw}"
            ));
        }
    }
    Ok(())
}

/// A weights file's contents (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightDump {
    pub format: String,
    pub unit: String,
    pub top_module: String,
    pub n_pre: usize,
    pub n_post: usize,
    pub weight_bits: u32,
    pub timestep: u64,
    /// One row per input, one weight per output neuron.
    pub weights: Vec<Vec<u64>>,
}

impl WeightDump {
    /// As JSON, one line per row of weights.
    pub fn to_json(&self) -> String {
        let quote = |s: &str| serde_json::Value::String(s.to_string()).to_string();
        let rows: Vec<String> = self
            .weights
            .iter()
            .map(|row| {
                let ws: Vec<String> = row.iter().map(u64::to_string).collect();
                format!("    [{}]", ws.join(", "))
            })
            .collect();
        format!(
            "{{\n  \"format\": {},\n  \"unit\": {},\n  \"top_module\": {},\n  \"n_pre\": {},\n  \"n_post\": {},\n  \"weight_bits\": {},\n  \"timestep\": {},\n  \"weights\": [\n{}\n  ]\n}}\n",
            quote(&self.format),
            quote(&self.unit),
            quote(&self.top_module),
            self.n_pre,
            self.n_post,
            self.weight_bits,
            self.timestep,
            rows.join(",\n")
        )
    }

    /// Reads a weights file: well-formed JSON with every field of the
    /// right type (weights as non-negative integers). Errors name the file
    /// and the field; the shape and range against a core are `check`'s.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = std::str::from_utf8(&bytes).map_err(|e| Error::Parse {
            path: path.to_path_buf(),
            line: bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1,
            message: "not a weights file: not UTF-8 text".into(),
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Parse {
            path: path.to_path_buf(),
            line: e.line().max(1),
            message: format!("not a weights file: not valid JSON: {e}"),
        })?;
        Self::from_value(&value)
            .map_err(|message| Error::Other(format!("{}: {message}", path.display())))
    }

    fn from_value(value: &serde_json::Value) -> std::result::Result<Self, String> {
        let object = value.as_object().ok_or_else(|| {
            format!(
                "not a weights file: a JSON object with `format` = \"{WEIGHTS_FORMAT}\" expected"
            )
        })?;
        let field = |name: &str| {
            object
                .get(name)
                .ok_or_else(|| format!("field `{name}` is missing"))
        };
        let string = |name: &str| {
            field(name)?
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("field `{name}` = {} is not a string", object[name]))
        };
        let integer = |name: &str, most: u64| {
            let v = field(name)?;
            v.as_u64()
                .filter(|n| *n <= most)
                .ok_or_else(|| format!("field `{name}` = {v} is not an integer in 0..={most}"))
        };
        let format = string("format")?;
        if format != WEIGHTS_FORMAT {
            return Err(format!(
                "field `format` = \"{format}\": allowed \"{WEIGHTS_FORMAT}\""
            ));
        }
        let unit = string("unit")?;
        if unit != UNIT {
            return Err(format!("field `unit` = \"{unit}\": allowed \"{UNIT}\""));
        }
        let rows = field("weights")?
            .as_array()
            .ok_or_else(|| "field `weights` is not an array of rows".to_string())?;
        let weights = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let row = row
                    .as_array()
                    .ok_or_else(|| format!("field `weights[{i}]` is not an array of weights"))?;
                row.iter()
                    .enumerate()
                    .map(|(j, w)| {
                        w.as_u64().ok_or_else(|| {
                            format!("field `weights[{i}][{j}]` = {w} is not a non-negative integer")
                        })
                    })
                    .collect::<std::result::Result<Vec<u64>, String>>()
            })
            .collect::<std::result::Result<Vec<_>, String>>()?;
        Ok(WeightDump {
            format,
            unit,
            top_module: string("top_module")?,
            n_pre: integer("n_pre", 1 << 20)? as usize,
            n_post: integer("n_post", 1 << 20)? as usize,
            weight_bits: integer("weight_bits", 64)? as u32,
            timestep: integer("timestep", u64::MAX)?,
            weights,
        })
    }

    /// The file fits `config`'s core: same `n_pre`, `n_post` and
    /// `weight_bits`, `weights` of that shape and every weight in
    /// `0..=MAXW`. Errors name `path` and the field.
    pub fn check(&self, config: &CoreConfig, path: &Path) -> Result<()> {
        let (n_pre, n_post) = (config.array.n_pre(), config.array.n_post());
        let lane = config.array.lane();
        let fail = |message: String| Error::Other(format!("{}: {message}", path.display()));
        for (name, value, core) in [
            ("n_pre", self.n_pre as u64, n_pre as u64),
            ("n_post", self.n_post as u64, n_post as u64),
            (
                "weight_bits",
                self.weight_bits.into(),
                lane.weight_bits().into(),
            ),
        ] {
            if value != core {
                return Err(fail(format!(
                    "field `{name}` = {value} does not fit the core: allowed {core} (the core's array.{name})"
                )));
            }
        }
        check_weights(&self.weights, n_pre, n_post, lane.max_weight()).map_err(fail)
    }
}

/// Weights recorded over time: one row of every weight (pre-major) per
/// recorded timestep, held in memory (8 bytes per synapse and row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightHistory {
    pub top_module: String,
    pub n_pre: usize,
    pub n_post: usize,
    pub weight_bits: u32,
    pub every: u64,
    /// (timestep, weights with (i, j) at `i * n_post + j`).
    pub rows: Vec<(u64, Vec<u64>)>,
}

impl WeightHistory {
    /// The synapses' names, pre-major: `w_<pre>_<post>`.
    pub fn names(&self) -> Vec<String> {
        (0..self.n_pre)
            .flat_map(|i| (0..self.n_post).map(move |j| format!("w_{i}_{j}")))
            .collect()
    }

    /// `timestep,w_0_0,w_0_1,...` then one line per recorded timestep.
    pub fn csv(&self) -> String {
        let mut out = String::from("timestep");
        for name in self.names() {
            out.push(',');
            out.push_str(&name);
        }
        out.push('\n');
        for (t, weights) in &self.rows {
            out.push_str(&t.to_string());
            for w in weights {
                out.push(',');
                out.push_str(&w.to_string());
            }
            out.push('\n');
        }
        out
    }

    /// One wire per synapse, one time unit per timestep.
    pub fn vcd(&self) -> Result<String> {
        use vcd::{IdCode, ReferenceIndex, TimescaleUnit, Value, VarType};
        let io = |e: std::io::Error| Error::Other(format!("writing the weights VCD: {e}"));
        let mut w = vcd::Writer::new(Vec::new());
        w.version(concat!("hebb ", env!("CARGO_PKG_VERSION"), " core weights"))
            .map_err(io)?;
        w.timescale(1, TimescaleUnit::MS).map_err(io)?;
        w.add_module(&self.top_module).map_err(io)?;
        let mut ids = Vec::new();
        let mut id = IdCode::FIRST;
        let index =
            (self.weight_bits > 1).then(|| ReferenceIndex::Range(self.weight_bits as i32 - 1, 0));
        for name in self.names() {
            w.var_def(VarType::Wire, self.weight_bits, id, &name, index)
                .map_err(io)?;
            ids.push(id);
            id = id.next();
        }
        w.upscope().map_err(io)?;
        w.enddefinitions().map_err(io)?;
        let mut last: Option<&Vec<u64>> = None;
        for (t, weights) in &self.rows {
            w.timestamp(*t).map_err(io)?;
            for (k, &v) in weights.iter().enumerate() {
                if last.is_some_and(|l| l[k] == v) {
                    continue;
                }
                if self.weight_bits == 1 {
                    w.change_scalar(ids[k], if v & 1 == 1 { Value::V1 } else { Value::V0 })
                        .map_err(io)?;
                } else {
                    let bits = (0..self.weight_bits).rev().map(|b| {
                        if v >> b & 1 == 1 {
                            Value::V1
                        } else {
                            Value::V0
                        }
                    });
                    w.change_vector(ids[k], bits).map_err(io)?;
                }
            }
            last = Some(weights);
        }
        w.flush().map_err(io)?;
        String::from_utf8(w.writer().clone())
            .map_err(|e| Error::Other(format!("writing the weights VCD: {e}")))
    }
}
