//! Arrays of R-STDP synapses in the factored form of docs/spec.md §1: one pre trace
//! per pre neuron, one post trace per post neuron, (weight, eligibility) per
//! synapse. This is the step model the ROADMAP's block-RAM array will be
//! checked against; it shares the lane's per-part rules, so a factored array
//! is equal to per-synapse lanes by construction of the rule and by test.

pub mod bulk;
pub mod step;

pub use bulk::BulkArray;
pub use step::{ArrayParams, FactoredArray};
