//! `hebb vcd-diff`: compares two VCDs signal by signal, matched by
//! hierarchical name (identifier codes, declaration order and scope nesting
//! of other signals don't matter), with times normalised across timescales.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use vcd::{Command, ScopeItem, TimescaleUnit, Value};

use crate::error::{Error, Result};

/// A signal's history: width and (time in fs, bits MSB first) at each change.
#[derive(Debug, Clone, Default)]
struct History {
    width: u32,
    changes: Vec<(u128, String)>,
}

impl History {
    fn value_at(&self, time: u128) -> &str {
        match self.changes.partition_point(|(t, _)| *t <= time) {
            0 => "x",
            n => &self.changes[n - 1].1,
        }
    }
}

/// The first time two traces of one signal disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    pub signal: String,
    /// In the finer of the two files' time units (the report's `timescale`).
    pub time: u128,
    pub expected: String,
    pub actual: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffReport {
    pub timescale: String,
    pub compared: usize,
    pub divergences: Vec<Divergence>,
    pub width_mismatches: Vec<(String, u32, u32)>,
    pub only_in_golden: Vec<String>,
    pub only_in_dut: Vec<String>,
}

impl DiffReport {
    /// True when at least one signal was compared and nothing differs.
    pub fn agrees(&self) -> bool {
        self.compared > 0
            && self.divergences.is_empty()
            && self.width_mismatches.is_empty()
            && self.only_in_golden.is_empty()
            && self.only_in_dut.is_empty()
    }
}

impl fmt::Display for DiffReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.divergences {
            writeln!(
                f,
                "DIVERGE {} at {} {}: expected {} actual {}",
                d.signal, d.time, self.timescale, d.expected, d.actual
            )?;
        }
        for (name, golden, dut) in &self.width_mismatches {
            writeln!(f, "WIDTH   {name}: golden {golden} bits, dut {dut} bits")?;
        }
        for name in &self.only_in_golden {
            writeln!(f, "ONLY-IN-GOLDEN {name}")?;
        }
        for name in &self.only_in_dut {
            writeln!(f, "ONLY-IN-DUT    {name}")?;
        }
        let verdict = if self.agrees() { "agree" } else { "DIFFER" };
        write!(
            f,
            "{verdict}: {} signals compared, {} diverge, {} only in golden, {} only in dut",
            self.compared,
            self.divergences.len() + self.width_mismatches.len(),
            self.only_in_golden.len(),
            self.only_in_dut.len()
        )
    }
}

struct Trace {
    /// femtoseconds per time unit
    fs_per_unit: u128,
    unit_name: String,
    signals: BTreeMap<String, History>,
}

fn fs_per(unit: TimescaleUnit) -> u128 {
    match unit {
        TimescaleUnit::S => 1_000_000_000_000_000,
        TimescaleUnit::MS => 1_000_000_000_000,
        TimescaleUnit::US => 1_000_000_000,
        TimescaleUnit::NS => 1_000_000,
        TimescaleUnit::PS => 1_000,
        TimescaleUnit::FS => 1,
    }
}

/// The value as `width` bits, MSB first; `None` when it has more bits than its declaration.
fn bits_of(values: &[Value], width: u32) -> Option<String> {
    let mut s: String = values.iter().map(|v| v.to_string()).collect();
    if s.len() as u32 > width {
        return None;
    }
    if (s.len() as u32) < width {
        // VCD left-extends a short vector with 0, or with x / z when that is its first bit.
        let fill = match s.chars().next() {
            Some('x') => 'x',
            Some('z') => 'z',
            _ => '0',
        };
        s = std::iter::repeat_n(fill, width as usize - s.len()).collect::<String>() + &s;
    }
    Some(s)
}

fn read_trace(path: &Path) -> Result<Trace> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut parser = vcd::Parser::new(BufReader::new(file));
    let parse_err = |line: u64, e: &dyn fmt::Display| Error::Parse {
        path: path.into(),
        line: line as usize,
        message: e.to_string(),
    };
    let header = parser
        .parse_header()
        .map_err(|e| parse_err(parser.line(), &e))?;
    let (count, unit) = header.timescale.unwrap_or((1, TimescaleUnit::S));
    let mut signals = BTreeMap::new();
    // Several names can share one identifier code (Verilator aliases ports).
    let mut by_code: BTreeMap<vcd::IdCode, Vec<String>> = BTreeMap::new();
    fn walk(
        prefix: &str,
        items: &[ScopeItem],
        signals: &mut BTreeMap<String, History>,
        by_code: &mut BTreeMap<vcd::IdCode, Vec<String>>,
    ) {
        for item in items {
            match item {
                ScopeItem::Scope(scope) => walk(
                    &format!("{prefix}{}.", scope.identifier),
                    &scope.items,
                    signals,
                    by_code,
                ),
                ScopeItem::Var(var) => {
                    let name = match var.index {
                        Some(vcd::ReferenceIndex::BitSelect(i)) => {
                            format!("{prefix}{}[{i}]", var.reference)
                        }
                        _ => format!("{prefix}{}", var.reference),
                    };
                    signals.insert(
                        name.clone(),
                        History {
                            width: var.size,
                            changes: Vec::new(),
                        },
                    );
                    by_code.entry(var.code).or_default().push(name);
                }
                _ => {}
            }
        }
    }
    walk("", &header.items, &mut signals, &mut by_code);

    let mut time: u128 = 0;
    while let Some(command) = parser.next() {
        let command = command.map_err(|e| parse_err(parser.line(), &e))?;
        // Bit values are normalised to the declared width; reals and strings compare as written.
        let (code, value) = match command {
            Command::Timestamp(t) => {
                time = t as u128;
                continue;
            }
            Command::ChangeScalar(code, v) => (code, Ok(vec![v])),
            Command::ChangeVector(code, v) => (code, Ok(v.iter().collect())),
            Command::ChangeReal(code, v) => (code, Err(format!("r{v}"))),
            Command::ChangeString(code, v) => (code, Err(format!("s{v}"))),
            _ => continue,
        };
        let names = by_code.get(&code).ok_or_else(|| {
            parse_err(
                parser.line(),
                &format!("value change for undeclared identifier code {code}"),
            )
        })?;
        for name in names {
            let history = signals
                .get_mut(name)
                .expect("every code names a declared signal");
            let value = match &value {
                Ok(bits) => bits_of(bits, history.width).ok_or_else(|| {
                    parse_err(
                        parser.line(),
                        &format!(
                            "a {}-bit value for {name}, declared {} bits wide",
                            bits.len(),
                            history.width
                        ),
                    )
                })?,
                Err(text) => text.clone(),
            };
            if history.changes.last().map(|(t, _)| *t) == Some(time) {
                history.changes.pop();
            }
            history.changes.push((time, value));
        }
    }
    let fs_per_unit = fs_per(unit) * count as u128;
    Ok(Trace {
        fs_per_unit,
        unit_name: format!("{count}{unit}"),
        signals,
    })
}

/// Diffs `golden` against `dut`.
pub fn diff_files(golden: &Path, dut: &Path) -> Result<DiffReport> {
    let g = read_trace(golden)?;
    let d = read_trace(dut)?;
    let mut report = DiffReport {
        timescale: if d.fs_per_unit < g.fs_per_unit {
            d.unit_name.clone()
        } else {
            g.unit_name.clone()
        },
        ..DiffReport::default()
    };
    for (name, gh) in &g.signals {
        let Some(dh) = d.signals.get(name) else {
            report.only_in_golden.push(name.clone());
            continue;
        };
        report.compared += 1;
        if gh.width != dh.width {
            report
                .width_mismatches
                .push((name.clone(), gh.width, dh.width));
            continue;
        }
        // Every instant at which either trace changes, in fs.
        let mut instants: Vec<u128> = gh
            .changes
            .iter()
            .map(|(t, _)| t * g.fs_per_unit)
            .chain(dh.changes.iter().map(|(t, _)| t * d.fs_per_unit))
            .collect();
        instants.sort_unstable();
        instants.dedup();
        for fs in instants {
            let (expected, actual) = (
                gh.value_at(fs / g.fs_per_unit),
                dh.value_at(fs / d.fs_per_unit),
            );
            if expected != actual {
                report.divergences.push(Divergence {
                    signal: name.clone(),
                    time: fs / g.fs_per_unit.min(d.fs_per_unit),
                    expected: expected.into(),
                    actual: actual.into(),
                });
                break;
            }
        }
    }
    report.only_in_dut = d
        .signals
        .keys()
        .filter(|n| !g.signals.contains_key(*n))
        .cloned()
        .collect();
    // Earliest divergence first: that is where to start looking.
    report
        .divergences
        .sort_by(|a, b| a.time.cmp(&b.time).then(a.signal.cmp(&b.signal)));
    Ok(report)
}
