use hebb::units::rstdp_lane::driver::LaneDriver;
use hebb::units::rstdp_lane::{LaneParams, stimulus};
fn main() {
    let params = LaneParams::default();
    let cycles = stimulus::builtin(&params, 300_000, 1);
    let mut lane = LaneDriver::new(params, true).unwrap();
    let t = std::time::Instant::now();
    for c in &cycles {
        std::hint::black_box(lane.apply(c).unwrap());
    }
    eprintln!(
        "{:.0} clocks/s",
        cycles.len() as f64 / t.elapsed().as_secs_f64()
    );
}
