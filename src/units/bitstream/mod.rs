//! Stochastic-computing bitstream synapses (SPEC §2).
