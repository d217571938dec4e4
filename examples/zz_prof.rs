use hebb::units::rstdp_lane::driver::LaneDriver;
use hebb::units::rstdp_lane::{LaneParams, stimulus};
fn main() {
    let params = LaneParams::default();
    let cycles = stimulus::builtin(&params, 2_000_000, 1);
    let t = std::time::Instant::now();
    let mut lane = LaneDriver::new(params, false).unwrap();
    for c in &cycles { std::hint::black_box(lane.apply(c).unwrap()); }
    eprintln!("{:.0} clocks/s", cycles.len() as f64 / t.elapsed().as_secs_f64());
}
