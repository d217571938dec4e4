//! The first disagreement between the Verilated RTL and the cycle model: a
//! typed value until it is printed, so callers can test which net diverged.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub cycle: u64,
    /// "before the edge" (inputs applied, clock low) or "after the edge".
    pub phase: &'static str,
    /// The net's hierarchical name (`lane_a.weight_q` below the top module).
    pub signal: String,
    pub expected: u64,
    pub actual: u64,
}

impl Mismatch {
    /// The instance path of the net (empty for the top module).
    pub fn instance(&self) -> &str {
        self.signal.rsplit_once('.').map_or("", |(scope, _)| scope)
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match self.instance() {
            "" => String::new(),
            path => format!(" in instance `{path}`"),
        };
        write!(
            f,
            "RTL/model mismatch at cycle {} ({}), signal `{}`{place}: expected (cycle model) {:#x} = {}, actual (RTL) {:#x} = {}",
            self.cycle,
            self.phase,
            self.signal,
            self.expected,
            self.expected,
            self.actual,
            self.actual
        )
    }
}

impl std::error::Error for Mismatch {}
