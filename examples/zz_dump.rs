use hebb::design::Design;
fn main() { let lane = hebb::units::rstdp_lane::RstdpLane::default(); println!("{:?}", lane.compile().unwrap()); }
