//! hebb's hardware units, one folder each: parameters, models, nets and RTL.

pub mod bitstream;
pub mod catalog;
pub mod rstdp_array;
pub mod rstdp_lane;
