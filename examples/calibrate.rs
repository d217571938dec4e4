//! Prints the description-derived resource estimate beside Yosys synthesis
//! for every parameter set of `hebb::calibration::SETS`, in every flow
//! (`synth_ice40`, `synth_ice40 -dsp`, `synth_xilinx`).
//! Run: `cargo run --release --example calibrate` (needs yosys). With
//! `HEBB_CALIBRATE_CACHE=DIR`, Yosys counts are kept in DIR by module name,
//! so a change to the estimate alone re-runs in seconds. With
//! `HEBB_CALIBRATE_BLIF=DIR`, the logic each estimate maps is written to DIR
//! as BLIF (`hdl::estimate::logic_blif`) for mapping with `yosys-abc`.
//! With `HEBB_CALIBRATE_SPREAD=N`, each row is synthesized N more times with
//! Yosys' internal names renumbered (`Reading::renumbered`: the same
//! logic, other operand orders and ABC node orders), and a design of several
//! files once more with its files read last first (`Reading::files_reversed`);
//! the range of Yosys' LUT counts is printed: the part of a row's error that
//! is Yosys' own.

use std::path::PathBuf;

use hebb::hdl::estimate::{Flow, estimate, estimate_lut_span, logic_blif};
use hebb::resources::Resources;
use hebb::tools::gates::{Reading, yosys_synth_flow_read};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cache = std::env::var_os("HEBB_CALIBRATE_CACHE").map(PathBuf::from);
    let blif = std::env::var_os("HEBB_CALIBRATE_BLIF").map(PathBuf::from);
    let spread: usize = match std::env::var("HEBB_CALIBRATE_SPREAD") {
        Ok(n) => n.parse().map_err(|_| {
            format!("HEBB_CALIBRATE_SPREAD={n}: expected a count of renumberings, 0 or more")
        })?,
        Err(_) => 0,
    };
    println!(
        "{:<70} {:<16} {:>6} {:>6} {:>6}   FF est/yosys  CARRY  BRAM  DSP  {}",
        "parameter set",
        "flow",
        "est",
        "yosys",
        "error",
        if spread > 0 { "yosys reread" } else { "" }
    );
    let mut errors = Vec::new();
    for (label, design) in hebb::calibration::designs()? {
        let module = design.module()?;
        let files = design.render_rtl()?.len();
        for flow in Flow::ALL {
            let est = estimate(&module, flow);
            if let Some(dir) = &blif {
                std::fs::create_dir_all(dir)?;
                let name = format!("{}_{:?}.blif", design.top_module(), flow);
                std::fs::write(dir.join(name), logic_blif(&module, flow))?;
            }
            let syn = yosys_counts(design.as_ref(), flow, Reading::default(), cache.as_deref())?;
            let mut readings: Vec<Reading> = (1..=spread).map(Reading::renumbered).collect();
            if spread > 0 && files > 1 {
                readings.push(Reading::files_reversed());
            }
            let renumbered_luts = readings
                .into_iter()
                .map(|r| Ok(yosys_counts(design.as_ref(), flow, r, cache.as_deref())?.luts))
                .collect::<Result<Vec<u64>, Box<dyn std::error::Error>>>()?;
            let (low, high) = renumbered_luts
                .iter()
                .fold((syn.luts, syn.luts), |(l, h), &n| (l.min(n), h.max(n)));
            let err = (est.luts as f64 - syn.luts as f64) / syn.luts.max(1) as f64;
            errors.push(err.abs());
            let span = match estimate_lut_span(&module, flow) {
                Some((low, high)) => format!("est {low}..{high}"),
                None => String::new(),
            };
            let renumbered = if spread > 0 {
                let reach = if est.luts as f64 >= 0.9 * low as f64
                    && est.luts as f64 <= 1.1 * high as f64
                {
                    "within 10 % of that range"
                } else {
                    "outside"
                };
                format!("{low}..{high} ({reach})")
            } else {
                String::new()
            };
            println!(
                "{:<70} {:<16} {:>6} {:>6} {:>+5.0}%   {:>5}/{:<5} {:>3}/{:<3} {}/{} {}/{}  {} {}",
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
                syn.dsps,
                span,
                renumbered
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

/// Yosys' counts of `design` in `flow` with its RTL read as `reading` says
/// (the default: as `hebb synth` reads it), kept in `cache` by module name.
fn yosys_counts(
    design: &dyn hebb::design::Design,
    flow: Flow,
    reading: Reading,
    cache: Option<&std::path::Path>,
) -> Result<Resources, Box<dyn std::error::Error>> {
    let mut suffix = String::new();
    if reading.renumber > 0 {
        suffix += &format!("_renumber{}", reading.renumber);
    }
    if reading.files_reversed {
        suffix += "_reversed";
    }
    let file = cache.map(|d| {
        d.join(format!(
            "{}_{}{suffix}.txt",
            design.top_module(),
            flow.yosys_command().replace(' ', "")
        ))
    });
    if let Some(text) = file.as_ref().and_then(|f| std::fs::read_to_string(f).ok()) {
        let v: Vec<u64> = text
            .split_whitespace()
            .map(|w| w.parse().unwrap_or(0))
            .collect();
        if let [luts, ffs, carries, brams, dsps] = v[..] {
            return Ok(Resources {
                luts,
                ffs,
                carries,
                brams,
                dsps,
            });
        }
    }
    let syn = yosys_synth_flow_read(design, flow, reading)?.resources();
    if let Some(f) = &file {
        std::fs::create_dir_all(f.parent().expect("a file in the cache folder"))?;
        std::fs::write(
            f,
            format!(
                "{} {} {} {} {}",
                syn.luts, syn.ffs, syn.carries, syn.brams, syn.dsps
            ),
        )?;
    }
    Ok(syn)
}
