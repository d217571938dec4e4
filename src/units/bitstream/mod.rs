//! Stochastic-computing bitstream synapses (SPEC §2): number generators
//! (LFSR and Sobol), the comparator SNG, the AND synapse, the window decoder,
//! the n-input dot product (popcount or multiplexer) and the stochastic STDP
//! synapse. Each RTL unit has validated parameters, a step model, a named-net
//! table, a cycle model over those nets and an askama template under
//! `templates/bitstream/`. Design choices: `docs/bitstream.md`.

pub mod accuracy;
pub mod decoder;
pub mod dot_product;
pub mod lfsr;

pub mod sng;
pub mod sobol;
pub mod source;
pub mod stdp;
pub mod synapse;

pub use lfsr::Polynomial;
pub use source::{Generator, Source};
