//! Studies: measurements hebb runs over its models (not units that generate RTL).

pub mod homeostasis;
pub mod reward;
pub mod sc_accuracy;
