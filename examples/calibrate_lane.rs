//! Prints the lane's structural resource estimate beside Yosys synthesis for
//! a spread of parameter sets: the data the estimate's costs are fitted to.
//! Run: `cargo run --release --example calibrate_lane` (needs yosys).

use hebb::design::Design;
use hebb::resources::{Resources, Target};
use hebb::tools::gates::yosys_synth;
use hebb::units::rstdp_lane::{LaneParams, RstdpLane};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sets = [
        (16, 12, 8, 4, 4),
        (8, 8, 4, 2, 2),
        (32, 30, 30, 8, 4),
        (16, 2, 8, 4, 4),
        (1, 2, 1, 0, 0),
        (24, 16, 12, 6, 3),
        (16, 12, 8, 60, 4),
        (12, 20, 16, 10, 0),
    ];
    println!(
        "{:<28} {:<6} {:>9} {:>9} {:>7}",
        "params W_T_R_L_D", "target", "est LUT", "yosys LUT", "error"
    );
    for (w, t, r, l, d) in sets {
        let lane = RstdpLane::new(LaneParams::new(w, t, r, l, d)?);
        for target in Target::ALL {
            let est = lane.estimate(target);
            let syn: Resources = yosys_synth(&lane, target)?.resources();
            let err = (est.luts as f64 - syn.luts as f64) / syn.luts.max(1) as f64;
            println!(
                "{:<28} {:<6} {:>9} {:>9} {:>+6.0}%   FF {}/{} DSP {}/{} CARRY {}/{}",
                lane.params.tag(),
                target.to_string(),
                est.luts,
                syn.luts,
                err * 100.0,
                est.ffs,
                syn.ffs,
                est.dsps,
                syn.dsps,
                est.carries,
                syn.carries
            );
        }
    }
    Ok(())
}
