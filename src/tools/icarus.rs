//! Icarus Verilog as a second, independent simulator for generated testbenches.

use std::path::Path;

use super::run;
use crate::error::Result;

/// Compiles `sources` (in `dir`) as Verilog-2005 with `top` as the root and
/// runs the result with `plusargs`; returns what the simulation printed.
pub fn simulate(dir: &Path, top: &str, sources: &[&str], plusargs: &[&str]) -> Result<String> {
    let mut compile = vec!["-g2005", "-Wall", "-s", top, "-o", "hebb_tb.vvp"];
    compile.extend(sources);
    run("iverilog", &compile, dir)?;
    let mut args = vec!["-n", "hebb_tb.vvp"];
    args.extend(plusargs);
    let out = run("vvp", &args, dir)?;
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}
