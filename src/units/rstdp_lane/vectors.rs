//! Reference vectors (`vectors/rstdp/*.jsonl`, SPEC §1) and their replay
//! through anything that behaves like a lane: the step model, the cycle
//! model, or the Verilated RTL in lockstep with the cycle model.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cosim::Mismatch;
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

#[derive(Deserialize)]
struct HeaderLine {
    header: Header,
}

#[derive(Deserialize)]
struct Header {
    name: String,
    config: RawLaneParams,
}

#[derive(Deserialize)]
struct SegmentLine {
    segment: u64,
    name: String,
    initial_weight: u64,
    effective_initial_weight: u64,
    steps: usize,
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

impl VectorFile {
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let err = |line: usize, message: String| Error::Parse {
            path: path.into(),
            line,
            message,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty());
        let (first, header_text) = lines
            .next()
            .ok_or_else(|| err(1, "empty file: expected a header line".into()))?;
        let header: HeaderLine = serde_json::from_str(header_text)
            .map_err(|e| err(first, format!("bad header: {e}")))?;
        let params =
            LaneParams::try_from(header.header.config).map_err(|e| err(first, e.to_string()))?;
        let mut segments: Vec<Segment> = Vec::new();
        for (line, json) in lines {
            if json.contains("\"segment\"") {
                let s: SegmentLine = serde_json::from_str(json)
                    .map_err(|e| err(line, format!("bad segment line: {e}")))?;
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
                    declared_steps: s.steps,
                    line,
                    steps: Vec::new(),
                });
            } else {
                let s: StepLine = serde_json::from_str(json)
                    .map_err(|e| err(line, format!("bad step line: {e}")))?;
                let segment = segments
                    .last_mut()
                    .ok_or_else(|| err(line, "step line before any segment line".into()))?;
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
                let in_range = s.weight <= params.max_weight()
                    && s.pre_trace <= params.max_trace()
                    && s.post_trace <= params.max_trace()
                    && (params.min_eligibility()..=params.max_eligibility())
                        .contains(&s.eligibility);
                if !in_range {
                    return Err(err(
                        line,
                        format!(
                            "state out of range for {}: weight <= {}, traces <= {}, eligibility in {}..={}",
                            params.tag(),
                            params.max_weight(),
                            params.max_trace(),
                            params.min_eligibility(),
                            params.max_eligibility()
                        ),
                    ));
                }
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
        // A truncated file must not pass as a shorter one.
        if let Some(seg) = segments
            .iter()
            .find(|seg| seg.steps.len() != seg.declared_steps)
        {
            return Err(err(
                seg.line,
                format!(
                    "segment {} declares {} steps but has {}",
                    seg.index,
                    seg.declared_steps,
                    seg.steps.len()
                ),
            ));
        }
        if segments.iter().all(|s| s.steps.is_empty()) {
            return Err(err(first, "no step lines: nothing to check".into()));
        }
        Ok(VectorFile {
            path: path.into(),
            name: header.header.name,
            params,
            segments,
        })
    }

    pub fn step_count(&self) -> usize {
        self.segments.iter().map(|s| s.steps.len()).sum()
    }
}

/// Something that steps like a lane.
pub trait LaneUnderTest {
    /// Starts a fresh synapse with weight sat(initial_weight, 0, MAXW).
    fn load(&mut self, initial_weight: u64) -> std::result::Result<(), Mismatch>;
    fn step(&mut self, inputs: StepInputs) -> std::result::Result<LaneState, Mismatch>;
}

impl LaneUnderTest for StepModel {
    fn load(&mut self, initial_weight: u64) -> std::result::Result<(), Mismatch> {
        StepModel::load(self, initial_weight);
        Ok(())
    }
    fn step(&mut self, inputs: StepInputs) -> std::result::Result<LaneState, Mismatch> {
        Ok(StepModel::step(self, inputs))
    }
}

impl LaneUnderTest for LaneDriver {
    fn load(&mut self, initial_weight: u64) -> std::result::Result<(), Mismatch> {
        LaneDriver::load(self, initial_weight).map(|_| ())
    }
    fn step(&mut self, inputs: StepInputs) -> std::result::Result<LaneState, Mismatch> {
        LaneDriver::step(self, inputs)
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
    Rtl { line: usize, mismatch: Mismatch },
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
            ReplayFailure::Rtl { line, mismatch } => write!(f, "line {line}: {mismatch}"),
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
            .map_err(|mismatch| ReplayFailure::Rtl {
                line: segment.line,
                mismatch,
            })?;
        for step in &segment.steps {
            let inputs = StepInputs {
                pre: step.pre,
                post: step.post,
                reward: step.reward,
                learn_en: true,
            };
            let actual = lane.step(inputs).map_err(|mismatch| ReplayFailure::Rtl {
                line: step.line,
                mismatch,
            })?;
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
        }
    }
    Ok(checked)
}
