//! VCD traces: the cycle model writes them like Verilator does, and any two can be diffed.

pub mod diff;
pub mod record;

pub use diff::{DiffReport, diff_files};
pub use record::VcdRecorder;

/// Clock period in VCD time units (1 ps): 10 ns, a 100 MHz clock.
pub const CLOCK_PERIOD_PS: u64 = 10_000;
