//! Which part of a design holds the gap between the estimate and Yosys:
//! every net driven by an `assign` is set to 0 in turn (its cone falls
//! away, what reads it sees a constant), and the estimate and Yosys are
//! printed for each such design beside the unaltered one. A gap that stays
//! when a cone is gone is not in that cone; a Yosys count that moves the
//! other way from the logic removed is ABC's sensitivity to form, which no
//! estimate follows.
//! Run: `cargo run --release --example knockout -- <row> <ice40|ice40-dsp|xc7>`,
//! where row indexes `hebb::calibration::SETS` (0 = the first set).

use std::sync::Arc;

use hebb::design::Design;
use hebb::error::Result;
use hebb::hdl::estimate::{Flow, estimate};
use hebb::hdl::{Module, zero};
use hebb::tools::gates::yosys_synth_flow;

/// A calibration design with one net tied to 0.
struct Altered {
    module: Arc<Module>,
}

impl Design for Altered {
    fn describe(&self) -> String {
        format!("{} (altered)", self.module.name)
    }
    fn top_module(&self) -> String {
        self.module.name.clone()
    }
    fn module(&self) -> Result<Arc<Module>> {
        Ok(self.module.clone())
    }
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: knockout <row of hebb::calibration::SETS> <ice40|ice40-dsp|xc7>";
    let row: usize = args.get(1).and_then(|a| a.parse().ok()).ok_or(usage)?;
    let flow = match args.get(2).map(String::as_str) {
        Some("ice40") => Flow::Ice40,
        Some("ice40-dsp") => Flow::Ice40Dsp,
        Some("xc7") => Flow::Xilinx7,
        _ => return Err(usage.into()),
    };
    let designs = hebb::calibration::designs()?;
    let (label, design) = designs
        .get(row)
        .ok_or_else(|| format!("row {row}: there are {} rows", designs.len()))?;
    let luts = |module: Arc<Module>| -> Result<(u64, u64)> {
        let estimated = estimate(&module, flow).luts;
        let measured = yosys_synth_flow(&Altered { module }, flow)?
            .resources()
            .luts;
        Ok((estimated, measured))
    };
    let unaltered = design.module()?;
    let (e0, y0) = luts(unaltered.clone())?;
    println!("{label} in {}", flow.yosys_command());
    println!(
        "{:<28} {:>8} {:>8} {:>6}",
        "net tied to 0", "estimate", "yosys", "gap"
    );
    println!(
        "{:<28} {e0:>8} {y0:>8} {:>+6}",
        "(none)",
        e0 as i64 - y0 as i64
    );
    for id in 0..unaltered.nets.len() as u32 {
        let net = unaltered.net(id);
        let mut altered = (*unaltered).clone();
        let Some(driver) = altered.assignment_mut(&net.name) else {
            continue;
        };
        *driver = zero(net.width);
        let (e, y) = luts(Arc::new(altered))?;
        println!(
            "{:<28} {e:>8} {y:>8} {:>+6}   (estimate {:+}, yosys {:+})",
            net.name,
            e as i64 - y as i64,
            e as i64 - e0 as i64,
            y as i64 - y0 as i64
        );
    }
    Ok(())
}
