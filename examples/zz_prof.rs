use hebb::units::rstdp_lane::driver::LaneDriver;
use hebb::units::rstdp_lane::{LaneParams, StepInputs, StepModel, stimulus};
fn main() {
    let params = LaneParams::default();
    let cycles = stimulus::builtin(&params, 2_000_000, 1);
    let t = std::time::Instant::now();
    let mut m = StepModel::from_reset(params);
    for c in &cycles {
        std::hint::black_box(m.step(StepInputs {
            pre: c.pre,
            post: c.post,
            reward: c.reward,
            learn_en: c.learn_en,
        }));
    }
    let step = cycles.len() as f64 / t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let mut lane = LaneDriver::new(params, false).unwrap();
    for c in &cycles {
        std::hint::black_box(lane.apply(c).unwrap());
    }
    let cyc = cycles.len() as f64 / t.elapsed().as_secs_f64();
    eprintln!(
        "step {:.0}/s cycle {:.0}/s ratio {:.1}",
        step,
        cyc,
        step / cyc
    );
}
