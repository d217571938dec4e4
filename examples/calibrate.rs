//! Prints the description-derived resource estimate beside Yosys synthesis,
//! for every unit's default design and a spread of lane parameter sets: the
//! data the per-operator prices of `hdl::estimate` are chosen against.
//! Run: `cargo run --release --example calibrate` (needs yosys).

use hebb::design::Design;
use hebb::resources::{Resources, Target};
use hebb::tools::gates::yosys_synth;
use hebb::units::rstdp_lane::{LaneParams, RstdpLane};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut designs: Vec<Box<dyn Design>> = hebb::units::UNITS
        .iter()
        .map(|u| hebb::units::default_design(u.name()))
        .collect::<Result<_, _>>()?;
    for (w, t, r, l, d) in [
        (8, 8, 4, 2, 2),
        (32, 30, 30, 8, 4),
        (16, 2, 8, 4, 4),
        (1, 2, 1, 0, 0),
        (24, 16, 12, 6, 3),
        (16, 12, 8, 60, 4),
        (12, 20, 16, 10, 0),
    ] {
        designs.push(Box::new(RstdpLane::new(LaneParams::new(w, t, r, l, d)?)));
    }
    println!(
        "{:<52} {:<6} {:>7} {:>9} {:>7}",
        "design", "target", "est LUT", "yosys LUT", "error"
    );
    let mut errors = Vec::new();
    for design in &designs {
        for target in Target::ALL {
            let est = design.estimate(target)?;
            let syn: Resources = yosys_synth(design.as_ref(), target)?.resources();
            let err = (est.luts as f64 - syn.luts as f64) / syn.luts.max(1) as f64;
            errors.push(err.abs());
            println!(
                "{:<52} {:<6} {:>7} {:>9} {:>+6.0}%   FF {}/{} DSP {}/{} CARRY {}/{} BRAM {}/{}",
                design.top_module(),
                target.to_string(),
                est.luts,
                syn.luts,
                err * 100.0,
                est.ffs,
                syn.ffs,
                est.dsps,
                syn.dsps,
                est.carries,
                syn.carries,
                est.brams,
                syn.brams
            );
        }
    }
    errors.sort_by(f64::total_cmp);
    println!(
        "LUT error: median {:.0} %, worst {:.0} % over {} rows",
        errors[errors.len() / 2] * 100.0,
        errors.last().copied().unwrap_or(0.0) * 100.0,
        errors.len()
    );
    Ok(())
}
