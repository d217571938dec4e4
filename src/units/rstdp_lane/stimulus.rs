//! The built-in stimulus of the main job: a deterministic mix of everything a
//! lane must get right, clock by clock.

use super::driver::LaneCycle;
use super::params::LaneParams;

pub use crate::rng::SplitMix64;

/// `cycles` clocks after a reset clock: phases of sparse and dense random
/// spikes, causal bursts, reward extremes, learning disabled, idle clocks
/// (step_i low) and loads mid-run.
pub fn builtin(params: &LaneParams, cycles: usize, seed: u64) -> Vec<LaneCycle> {
    let mut rng = SplitMix64(seed);
    let (rmin, rmax) = (params.min_reward(), params.max_reward());
    let mut out = vec![LaneCycle {
        rst_n: false,
        ..LaneCycle::IDLE
    }];
    let phase_len = (cycles / 8).max(1);
    for i in 0..cycles {
        let phase = (i / phase_len) % 8;
        let mut c = LaneCycle {
            step: true,
            ..LaneCycle::IDLE
        };
        match phase {
            0 => {
                (c.pre, c.post, c.reward) = (rng.chance(10), rng.chance(10), rng.range(rmin, rmax))
            }
            1 => {
                (c.pre, c.post, c.reward) = (rng.chance(60), rng.chance(60), rng.range(rmin, rmax))
            }
            2 => {
                // Causal bursts: pre leads post by a step.
                let burst = (i % 16) < 4;
                (c.pre, c.post, c.reward) = (burst && i % 2 == 0, burst && i % 2 == 1, rmax);
            }
            3 => {
                (c.pre, c.post, c.reward) = (
                    rng.chance(30),
                    rng.chance(30),
                    if rng.chance(50) { rmin } else { rmax },
                )
            }
            4 => {
                (c.pre, c.post, c.reward, c.learn_en) =
                    (rng.chance(40), rng.chance(40), rng.range(rmin, rmax), false)
            }
            5 => {
                c.step = rng.chance(50);
                (c.pre, c.post, c.reward) = (rng.chance(40), rng.chance(40), rng.range(rmin, rmax));
            }
            6 => (c.pre, c.post, c.reward) = (false, false, rng.range(rmin, rmax)),
            _ => (c.pre, c.post, c.reward) = (rng.chance(50), !rng.chance(50), -rng.range(0, rmax)),
        }
        if i % phase_len == phase_len / 2 && phase % 3 == 1 {
            c.load = true;
            c.load_weight = rng.next_u64() & params.max_weight();
        }
        out.push(c);
    }
    out
}
