//! hebb: one description of each plastic neuromorphic unit renders
//! synthesizable Verilog, a bit-exact step model and a cycle-accurate model.

pub mod board;
pub mod calibration;
pub mod constraints;
pub mod cosim;
pub mod design;
pub mod error;
pub mod flow;
pub mod fusesoc;
pub mod harness;
pub mod hdl;
pub mod mismatch;
pub mod outputs;
pub mod params;
pub mod resources;
pub mod rng;
pub mod stochastic;
pub mod studies;
pub mod tools;
pub mod trace;
pub mod units;
pub mod verilog;
