//! hebb's hardware units, one folder each: parameters, models, nets and RTL.

pub mod rstdp_lane;
