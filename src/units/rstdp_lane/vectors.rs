//! Reference vectors (`vectors/rstdp/*.jsonl`, docs/spec.md §1) and their replay
//! through anything that behaves like a lane: the step model, the cycle
//! model, or the Verilated RTL in lockstep with the cycle model.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

use super::driver::LaneDriver;
use super::params::{LaneParams, RawLaneParams};
use super::step::{LaneState, StepInputs, StepModel};

#[derive(Debug, Clone)]
pub struct VectorFile {
    pub path: PathBuf,
    pub name: String,
    pub params: LaneParams,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub index: u64,
    pub name: String,
    pub initial_weight: u64,
    pub effective_initial_weight: u64,
    /// The `steps` the segment line declares (checked against the step lines).
    pub declared_steps: usize,
    /// Line number of the segment line (1-based).
    pub line: usize,
    pub steps: Vec<VectorStep>,
}

#[derive(Debug, Clone)]
pub struct VectorStep {
    pub t: u64,
    pub line: usize,
    pub pre: bool,
    pub post: bool,
    /// Raw: may lie far outside [RMIN, RMAX].
    pub reward: i64,
    /// The state after the step.
    pub expected: LaneState,
}

/// Every line is a JSON object whose fields are exactly the ones below (docs/spec.md §1):
/// a misspelled or unknown field is an error, never silently ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine {
    header: Header,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    name: String,
    config: FileConfig,
    /// Bounds the file was written for: checked against `config`.
    derived: Derived,
    /// The file's promise: every segment, in order, with its step count.
    segments: Vec<TableEntry>,
    total_steps: u64,
    // Provenance, informational only.
    #[allow(dead_code)]
    stimulus_prng: Option<String>,
    #[allow(dead_code)]
    seed: Option<u64>,
    #[allow(dead_code)]
    semantics: Option<String>,
    #[allow(dead_code)]
    source: Option<String>,
}

/// The header's `config`: the five parameters and the rule they belong to.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    weight_bits: u32,
    trace_bits: u32,
    reward_bits: u32,
    learning_shift: u32,
    trace_decay_shift: u32,
    rule_family: Option<String>,
}

/// The rule these vectors describe; a file for another rule is not ours to check.
const RULE_FAMILY: &str = "reward_modulated_stdp";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Derived {
    max_weight: u64,
    max_trace: u64,
    min_eligibility: i64,
    max_eligibility: i64,
    min_reward: i64,
    max_reward: i64,
    per_synapse_state_bits: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableEntry {
    segment: u64,
    name: String,
    initial_weight: u64,
    steps: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SegmentLine {
    segment: u64,
    name: String,
    initial_weight: u64,
    effective_initial_weight: u64,
    steps: u64,
    /// Whether the writer thought the RTL can start from this initial weight;
    /// hebb's RTL loads any weight, so every segment is replayed either way.
    #[allow(dead_code)]
    rtl_comparable: Option<bool>,
}

/// A spike is 0 or 1; anything else is a malformed file, not "true".
#[derive(Deserialize, Clone, Copy)]
#[serde(try_from = "u8")]
struct Spike(bool);

impl TryFrom<u8> for Spike {
    type Error = String;
    fn try_from(v: u8) -> std::result::Result<Self, String> {
        match v {
            0 | 1 => Ok(Spike(v == 1)),
            _ => Err(format!("a spike is 0 or 1, not {v}")),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepLine {
    t: u64,
    pre: Spike,
    post: Spike,
    reward: i64,
    weight: u64,
    pre_trace: u64,
    post_trace: u64,
    eligibility: i64,
}

/// Parses one line as a JSON object of type `T`. serde would also take an
/// array for a struct (its fields by position), which no writer means.
fn object<T: serde::de::DeserializeOwned>(json: &str) -> std::result::Result<T, String> {
    if !json.trim_start().starts_with('{') {
        return Err("expected a JSON object `{...}`".into());
    }
    serde_json::from_str(json).map_err(|e| {
        // serde_json counts lines within the one line it was given: keep the column only.
        let text = e.to_string();
        let text = match text.rfind(" at line ") {
            Some(i) => &text[..i],
            None => &text,
        };
        format!("{text} (column {})", e.column())
    })
}

impl VectorFile {
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::parse_bytes(path, &bytes)
    }

    /// Parses a file's raw bytes: bytes that are not UTF-8 are named with their line.
    pub fn parse_bytes(path: &Path, bytes: &[u8]) -> Result<Self> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::parse(path, text),
            Err(e) => {
                let at = e.valid_up_to();
                Err(Error::Parse {
                    path: path.into(),
                    line: 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count(),
                    message: format!("not UTF-8 text (byte {at} of the file)"),
                })
            }
        }
    }

    /// Parses a file's text. A UTF-8 byte-order mark at its start is skipped.
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let err = |line: usize, message: String| Error::Parse {
            path: path.into(),
            line,
            message,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty());
        let (first, header_text) = lines
            .next()
            .ok_or_else(|| err(1, "empty file: expected a header line".into()))?;
        let header: Header = object::<HeaderLine>(header_text)
            .map_err(|e| err(first, format!("bad header: {e}")))?
            .header;
        let params = header_params(&header).map_err(|e| err(first, e))?;
        let table = &header.segments;
        let last_line = text.lines().count().max(1);

        let mut segments: Vec<Segment> = Vec::new();
        for (line, json) in lines {
            if json.contains("\"segment\"") {
                let s: SegmentLine =
                    object(json).map_err(|e| err(line, format!("bad segment line: {e}")))?;
                if let Some(prev) = segments.last() {
                    check_complete(prev).map_err(|m| err(prev.line, m))?;
                }
                let expected = segments.len() as u64;
                if s.segment != expected {
                    let why = if segments.iter().any(|seg| seg.index == s.segment) {
                        "a duplicate"
                    } else {
                        "out of order"
                    };
                    return Err(err(
                        line,
                        format!(
                            "segment {} where segment {expected} was expected ({why}: segments run 0, 1, 2, ... in order)",
                            s.segment
                        ),
                    ));
                }
                let Some(entry) = table.get(segments.len()) else {
                    return Err(err(
                        line,
                        format!(
                            "segment {} is not in the header's table of {} segments",
                            s.segment,
                            table.len()
                        ),
                    ));
                };
                if (s.name.as_str(), s.initial_weight, s.steps)
                    != (entry.name.as_str(), entry.initial_weight, entry.steps)
                {
                    return Err(err(
                        line,
                        format!(
                            "segment {} is \"{}\", initial_weight {}, {} steps here but \"{}\", initial_weight {}, {} steps in the header",
                            s.segment,
                            s.name,
                            s.initial_weight,
                            s.steps,
                            entry.name,
                            entry.initial_weight,
                            entry.steps
                        ),
                    ));
                }
                if s.effective_initial_weight != params.saturate_weight(s.initial_weight) {
                    return Err(err(
                        line,
                        format!(
                            "effective_initial_weight {} is not sat({}, 0, {})",
                            s.effective_initial_weight,
                            s.initial_weight,
                            params.max_weight()
                        ),
                    ));
                }
                segments.push(Segment {
                    index: s.segment,
                    name: s.name,
                    initial_weight: s.initial_weight,
                    effective_initial_weight: s.effective_initial_weight,
                    declared_steps: s.steps as usize,
                    line,
                    steps: Vec::new(),
                });
            } else {
                let s: StepLine =
                    object(json).map_err(|e| err(line, format!("bad step line: {e}")))?;
                let segment = segments
                    .last_mut()
                    .ok_or_else(|| err(line, "step line before any segment line".into()))?;
                if segment.steps.len() >= segment.declared_steps {
                    return Err(err(
                        line,
                        format!(
                            "a step line beyond the {} steps segment {} declares",
                            segment.declared_steps, segment.index
                        ),
                    ));
                }
                if s.t != segment.steps.len() as u64 {
                    return Err(err(
                        line,
                        format!(
                            "t = {} where step {} of segment {} was expected",
                            s.t,
                            segment.steps.len(),
                            segment.index
                        ),
                    ));
                }
                let unsigned = |field: &str, value: u64, max: u64| {
                    if value <= max {
                        Ok(())
                    } else {
                        Err(format!("{field} = {value}, allowed 0..={max}"))
                    }
                };
                let (emin, emax) = (params.min_eligibility(), params.max_eligibility());
                unsigned("weight", s.weight, params.max_weight())
                    .and_then(|_| unsigned("pre_trace", s.pre_trace, params.max_trace()))
                    .and_then(|_| unsigned("post_trace", s.post_trace, params.max_trace()))
                    .and_then(|_| {
                        if (emin..=emax).contains(&s.eligibility) {
                            Ok(())
                        } else {
                            Err(format!(
                                "eligibility = {}, allowed {emin}..={emax}",
                                s.eligibility
                            ))
                        }
                    })
                    .map_err(|m| {
                        err(
                            line,
                            format!("state out of range for {}: {m}", params.tag()),
                        )
                    })?;
                segment.steps.push(VectorStep {
                    t: s.t,
                    line,
                    pre: s.pre.0,
                    post: s.post.0,
                    reward: s.reward,
                    expected: LaneState {
                        weight: s.weight,
                        pre_trace: s.pre_trace,
                        post_trace: s.post_trace,
                        eligibility: s.eligibility,
                    },
                });
            }
        }
        // A file cut short must not pass as a shorter one: the header's table is its promise.
        if let Some(seg) = segments.last() {
            check_complete(seg).map_err(|m| err(seg.line, m))?;
        }
        if let Some(missing) = table.get(segments.len()) {
            let found: usize = segments.iter().map(|s| s.steps.len()).sum();
            return Err(err(
                last_line,
                format!(
                    "the file ends after {} of the header's {} segments ({found} of {} steps): segment {} \"{}\" ({} steps) is missing",
                    segments.len(),
                    table.len(),
                    header.total_steps,
                    missing.segment,
                    missing.name,
                    missing.steps
                ),
            ));
        }
        if segments.iter().all(|s| s.steps.is_empty()) {
            return Err(err(first, "no step lines: nothing to check".into()));
        }
        Ok(VectorFile {
            path: path.into(),
            name: header.name,
            params,
            segments,
        })
    }

    pub fn step_count(&self) -> usize {
        self.segments.iter().map(|s| s.steps.len()).sum()
    }
}

/// A segment must hold exactly the steps it declares.
fn check_complete(seg: &Segment) -> std::result::Result<(), String> {
    if seg.steps.len() == seg.declared_steps {
        Ok(())
    } else {
        Err(format!(
            "segment {} declares {} steps but has {}",
            seg.index,
            seg.declared_steps,
            seg.steps.len()
        ))
    }
}

/// The parameters of a header, after checking its rule, its derived bounds and its table.
fn header_params(header: &Header) -> std::result::Result<LaneParams, String> {
    let c = &header.config;
    if let Some(family) = c.rule_family.as_deref().filter(|f| *f != RULE_FAMILY) {
        return Err(format!(
            "config.rule_family is \"{family}\": hebb checks \"{RULE_FAMILY}\" vectors only"
        ));
    }
    let params = LaneParams::try_from(RawLaneParams {
        weight_bits: c.weight_bits,
        trace_bits: c.trace_bits,
        reward_bits: c.reward_bits,
        learning_shift: c.learning_shift,
        trace_decay_shift: c.trace_decay_shift,
        reset_weight: 0,
        pipeline: 0,
    })
    .map_err(|e| e.to_string())?;
    let d = &header.derived;
    let derived = [
        (
            "max_weight",
            d.max_weight as i128,
            params.max_weight() as i128,
        ),
        ("max_trace", d.max_trace as i128, params.max_trace() as i128),
        (
            "min_eligibility",
            d.min_eligibility.into(),
            params.min_eligibility().into(),
        ),
        (
            "max_eligibility",
            d.max_eligibility.into(),
            params.max_eligibility().into(),
        ),
        (
            "min_reward",
            d.min_reward.into(),
            params.min_reward().into(),
        ),
        (
            "max_reward",
            d.max_reward.into(),
            params.max_reward().into(),
        ),
        (
            "per_synapse_state_bits",
            d.per_synapse_state_bits.into(),
            params.state_bits_per_synapse().into(),
        ),
    ];
    if let Some((field, file, ours)) = derived.iter().find(|(_, file, ours)| file != ours) {
        return Err(format!(
            "derived.{field} = {file}, but the config gives {ours} ({})",
            params.tag()
        ));
    }
    for (i, entry) in header.segments.iter().enumerate() {
        if entry.segment != i as u64 {
            let why = if header.segments[..i]
                .iter()
                .any(|e| e.segment == entry.segment)
            {
                "a duplicate"
            } else {
                "out of order"
            };
            return Err(format!(
                "the header's segment table lists segment {} where segment {i} was expected ({why})",
                entry.segment
            ));
        }
    }
    let sum = header
        .segments
        .iter()
        .try_fold(0u64, |sum, e| sum.checked_add(e.steps));
    if sum != Some(header.total_steps) {
        return Err(format!(
            "total_steps = {} but the segment table adds up to {}",
            header.total_steps,
            sum.map_or("more than 2^64".into(), |s| s.to_string())
        ));
    }
    Ok(params)
}

/// Something that steps like a lane, at the timestep level (a lane, or a 1x1
/// array); an error is the simulation's (an RTL/model mismatch, a broken
/// handshake).
pub trait LaneUnderTest {
    /// Starts a fresh synapse with weight sat(initial_weight, 0, MAXW), after
    /// every issued timestep's state was taken (`flush`).
    fn load(&mut self, initial_weight: u64) -> crate::error::Result<()>;
    /// Issues one timestep; returns the state after the oldest issued
    /// timestep whose state is now complete (a pipelined lane's weight comes
    /// `pipeline` clocks after its traces), if any.
    fn step(&mut self, inputs: StepInputs) -> crate::error::Result<Option<LaneState>>;
    /// The states of the timesteps still in flight, oldest first.
    fn flush(&mut self) -> crate::error::Result<Vec<LaneState>>;
}

impl LaneUnderTest for StepModel {
    fn load(&mut self, initial_weight: u64) -> crate::error::Result<()> {
        StepModel::load(self, initial_weight);
        Ok(())
    }
    fn step(&mut self, inputs: StepInputs) -> crate::error::Result<Option<LaneState>> {
        Ok(Some(StepModel::step(self, inputs)))
    }
    fn flush(&mut self) -> crate::error::Result<Vec<LaneState>> {
        Ok(Vec::new())
    }
}

impl LaneUnderTest for LaneDriver {
    fn load(&mut self, initial_weight: u64) -> crate::error::Result<()> {
        let weight = self.params().saturate_weight(initial_weight);
        let done = self
            .clock(&super::driver::LaneCycle {
                load: true,
                load_weight: weight,
                ..super::driver::LaneCycle::IDLE
            })
            .map_err(crate::error::Error::Mismatch)?;
        debug_assert!(done.is_none(), "load() after flush()");
        Ok(())
    }
    fn step(&mut self, inputs: StepInputs) -> crate::error::Result<Option<LaneState>> {
        let cycle = super::driver::LaneCycle::step(inputs, self.params());
        self.clock(&cycle).map_err(crate::error::Error::Mismatch)
    }
    fn flush(&mut self) -> crate::error::Result<Vec<LaneState>> {
        LaneDriver::flush(self).map_err(crate::error::Error::Mismatch)
    }
}

/// Why a replay stopped.
#[derive(Debug, Clone)]
pub enum ReplayFailure {
    /// The lane's state after a step differs from the file.
    State {
        line: usize,
        segment: u64,
        segment_name: String,
        t: u64,
        field: &'static str,
        expected: i64,
        actual: i64,
    },
    /// The RTL and the cycle model disagreed first.
    /// The simulation failed first (the RTL and the cycle model disagreed).
    Rtl { line: usize, error: String },
}

impl fmt::Display for ReplayFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayFailure::State {
                line,
                segment,
                segment_name,
                t,
                field,
                expected,
                actual,
            } => {
                write!(
                    f,
                    "line {line}: segment {segment} ({segment_name}) t={t}: {field} expected {expected}, actual {actual}"
                )
            }
            ReplayFailure::Rtl { line, error } => write!(f, "line {line}: {error}"),
        }
    }
}

/// Replays every segment of `file` through `lane`; returns the steps checked.
pub fn replay(
    file: &VectorFile,
    lane: &mut dyn LaneUnderTest,
) -> std::result::Result<usize, ReplayFailure> {
    let mut checked = 0;
    for segment in &file.segments {
        lane.load(segment.initial_weight)
            .map_err(|e| ReplayFailure::Rtl {
                line: segment.line,
                error: e.to_string(),
            })?;
        // Steps issued whose state has not come out yet (a pipelined lane's
        // weight lags), oldest first.
        let mut issued = std::collections::VecDeque::new();
        let mut check = |step: &VectorStep, actual: LaneState| {
            let e = &step.expected;
            let fields = [
                ("weight", e.weight as i64, actual.weight as i64),
                ("pre_trace", e.pre_trace as i64, actual.pre_trace as i64),
                ("post_trace", e.post_trace as i64, actual.post_trace as i64),
                ("eligibility", e.eligibility, actual.eligibility),
            ];
            if let Some(&(field, expected, actual)) = fields.iter().find(|(_, x, y)| x != y) {
                return Err(ReplayFailure::State {
                    line: step.line,
                    segment: segment.index,
                    segment_name: segment.name.clone(),
                    t: step.t,
                    field,
                    expected,
                    actual,
                });
            }
            checked += 1;
            Ok(())
        };
        for step in &segment.steps {
            let inputs = StepInputs {
                pre: step.pre,
                post: step.post,
                reward: step.reward,
                learn_en: true,
            };
            issued.push_back(step);
            let done = lane.step(inputs).map_err(|e| ReplayFailure::Rtl {
                line: step.line,
                error: e.to_string(),
            })?;
            if let Some(actual) = done {
                check(issued.pop_front().expect("issued"), actual)?;
            }
        }
        let last_line = segment.steps.last().map_or(segment.line, |s| s.line);
        for actual in lane.flush().map_err(|e| ReplayFailure::Rtl {
            line: last_line,
            error: e.to_string(),
        })? {
            check(issued.pop_front().expect("issued"), actual)?;
        }
        assert!(issued.is_empty(), "every issued step comes out of flush()");
    }
    Ok(checked)
}
