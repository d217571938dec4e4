//! Throughput of the lane's models and of lockstep co-simulation, printed as
//! rates and ratios (no pass/fail: speed goals live here, not in tests).
//! Run: `cargo bench` (needs verilator and g++ for the RTL rows).

use std::time::Instant;

use hebb::units::rstdp_lane::driver::LaneDriver;
use hebb::units::rstdp_lane::{LaneParams, StepInputs, StepModel, stimulus};

fn rate(n: usize, f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let params = LaneParams::default();
    let cycles = stimulus::builtin(&params, 200_000, 1);

    let step_rate = rate(cycles.len(), || {
        let mut m = StepModel::from_reset(params);
        for c in &cycles {
            std::hint::black_box(m.step(StepInputs {
                pre: c.pre,
                post: c.post,
                reward: c.reward,
                learn_en: c.learn_en,
            }));
        }
    });
    let cycle_rate = rate(cycles.len(), || {
        let mut lane = LaneDriver::new(params, false).unwrap();
        for c in &cycles {
            std::hint::black_box(lane.apply(c).unwrap());
        }
    });
    // Build (or fetch from the cache) before timing.
    drop(LaneDriver::new(params, true).unwrap());
    let lockstep_rate = rate(cycles.len(), || {
        let mut lane = LaneDriver::new(params, true).unwrap();
        for c in &cycles {
            lane.apply(c).unwrap();
        }
    });
    println!("step model           {:>12.0} timesteps/s", step_rate);
    println!(
        "cycle model          {:>12.0} clocks/s   ({:.1}x slower than the step model)",
        cycle_rate,
        step_rate / cycle_rate
    );
    println!(
        "lockstep RTL + model {:>12.0} clocks/s   ({:.1}x slower than the cycle model)",
        lockstep_rate,
        cycle_rate / lockstep_rate
    );
}
