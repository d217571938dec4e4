//! Prints the description-derived resource estimate beside Yosys synthesis
//! for every parameter set of `hebb::calibration::SETS`, in every flow
//! (`synth_ice40`, `synth_ice40 -dsp`, `synth_xilinx`).
//! Run: `cargo run --release --example calibrate` (needs yosys). With
//! `HEBB_CALIBRATE_CACHE=DIR`, Yosys counts are kept in DIR by module name,
//! so a change to the estimate alone re-runs in seconds. With
//! `HEBB_CALIBRATE_BLIF=DIR`, the logic each estimate maps is written to DIR
//! as BLIF (`hdl::estimate::logic_blif`) for mapping with `yosys-abc`.

use std::path::PathBuf;

use hebb::hdl::estimate::{Flow, estimate, logic_blif};
use hebb::resources::Resources;
use hebb::tools::gates::yosys_synth_flow;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cache = std::env::var_os("HEBB_CALIBRATE_CACHE").map(PathBuf::from);
    let blif = std::env::var_os("HEBB_CALIBRATE_BLIF").map(PathBuf::from);
    println!(
        "{:<70} {:<16} {:>6} {:>6} {:>6}   FF est/yosys  CARRY  BRAM  DSP",
        "parameter set", "flow", "est", "yosys", "error"
    );
    let mut errors = Vec::new();
    for (label, design) in hebb::calibration::designs()? {
        for flow in Flow::ALL {
            let est = estimate(&design.module()?, flow);
            if let Some(dir) = &blif {
                std::fs::create_dir_all(dir)?;
                let name = format!("{}_{:?}.blif", design.top_module(), flow);
                std::fs::write(dir.join(name), logic_blif(&design.module()?, flow))?;
            }
            let file = cache.as_ref().map(|d| {
                d.join(format!(
                    "{}_{}.txt",
                    design.top_module(),
                    flow.yosys_command().replace(' ', "")
                ))
            });
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
                    let syn = yosys_synth_flow(design.as_ref(), flow)?.resources();
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
                "{:<70} {:<16} {:>6} {:>6} {:>+5.0}%   {:>5}/{:<5} {:>3}/{:<3} {}/{} {}/{}",
                label,
                flow.yosys_command(),
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
