//! Prints the description-derived resource estimate beside Yosys synthesis
//! for every parameter set of `hebb::calibration::SETS`, on both targets.
//! Run: `cargo run --release --example calibrate` (needs yosys). With
//! `HEBB_CALIBRATE_CACHE=DIR`, Yosys counts are kept in DIR by module name,
//! so a change to the estimate alone re-runs in seconds.

use std::path::PathBuf;

use hebb::resources::{Resources, Target};
use hebb::tools::gates::yosys_synth;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cache = std::env::var_os("HEBB_CALIBRATE_CACHE").map(PathBuf::from);
    println!(
        "{:<70} {:<6} {:>6} {:>6} {:>6}   FF est/yosys  CARRY  BRAM  DSP",
        "parameter set", "target", "est", "yosys", "error"
    );
    let mut errors = Vec::new();
    for (label, design) in hebb::calibration::designs()? {
        for target in Target::ALL {
            let est = design.estimate(target)?;
            let file = cache
                .as_ref()
                .map(|d| d.join(format!("{}_{target}.txt", design.top_module())));
            let syn = match file.as_ref().and_then(|f| std::fs::read_to_string(f).ok()) {
                Some(text) => {
                    let v: Vec<u64> = text
                        .split_whitespace()
                        .map(|w| w.parse().unwrap_or(0))
                        .collect();
                    Resources {
                        luts: v[0],
                        ffs: v[1],
                        carries: v[2],
                        brams: v[3],
                        dsps: v[4],
                    }
                }
                None => {
                    let syn = yosys_synth(design.as_ref(), target)?.resources();
                    if let Some(f) = &file {
                        std::fs::create_dir_all(f.parent().unwrap())?;
                        std::fs::write(
                            f,
                            format!(
                                "{} {} {} {} {}",
                                syn.luts, syn.ffs, syn.carries, syn.brams, syn.dsps
                            ),
                        )?;
                    }
                    syn
                }
            };
            let err = (est.luts as f64 - syn.luts as f64) / syn.luts.max(1) as f64;
            errors.push(err.abs());
            println!(
                "{:<70} {:<6} {:>6} {:>6} {:>+5.0}%   {:>5}/{:<5} {:>3}/{:<3} {}/{} {}/{}",
                label,
                target.to_string(),
                est.luts,
                syn.luts,
                err * 100.0,
                est.ffs,
                syn.ffs,
                est.carries,
                syn.carries,
                est.brams,
                syn.brams,
                est.dsps,
                syn.dsps
            );
        }
    }
    errors.sort_by(f64::total_cmp);
    println!(
        "LUT error: median {:.0} %, worst {:.0} % over {} rows; {} within 10 %",
        errors[errors.len() / 2] * 100.0,
        errors.last().copied().unwrap_or(0.0) * 100.0,
        errors.len(),
        errors.iter().filter(|&&e| e <= 0.10).count()
    );
    Ok(())
}
