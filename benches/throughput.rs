//! Throughput of the lane's step model, its description-derived cycle model
//! and lockstep co-simulation (Verilated RTL + cycle model, every net compared
//! twice per clock), printed as rates and as the two ratios the one-source
//! redesign is judged by (no pass/fail: speed goals live here, not in tests).
//! Each figure is the best of five runs, which is what the machine can do
//! when nothing else interferes.
//! Run: `make bench` or `cargo bench` (needs verilator and g++ for the RTL row).

use std::time::Instant;

use hebb::units::rstdp_lane::driver::LaneDriver;
use hebb::units::rstdp_lane::{LaneParams, StepInputs, StepModel, stimulus};

const RUNS: usize = 5;

/// Clocks (or timesteps) per second of `f` over `n` of them, best of `RUNS`.
fn rate(n: usize, mut f: impl FnMut()) -> f64 {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            n as f64 / start.elapsed().as_secs_f64()
        })
        .fold(0.0, f64::max)
}

fn main() {
    let params = LaneParams::default();
    let cycles = stimulus::builtin(&params, 1_000_000, 1);
    let lockstep_cycles = &cycles[..200_000];

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
    let lockstep_rate = rate(lockstep_cycles.len(), || {
        let mut lane = LaneDriver::new(params, true).unwrap();
        for c in lockstep_cycles {
            lane.apply(c).unwrap();
        }
    });
    println!("step model           {:>12.0} timesteps/s", step_rate);
    println!(
        "cycle model          {:>12.0} clocks/s   ({:.1}x slower than the step model; goal: within 12x)",
        cycle_rate,
        step_rate / cycle_rate
    );
    println!(
        "lockstep RTL + model {:>12.0} clocks/s   ({:.1}x slower than the cycle model; goal: within 5.5x)",
        lockstep_rate,
        cycle_rate / lockstep_rate
    );
}
