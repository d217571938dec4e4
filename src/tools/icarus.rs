//! Icarus Verilog as a second, independent simulator for generated testbenches.

use std::path::Path;

use super::run;
use crate::error::{Error, Result};

/// Compiles `sources` (in `dir`) as Verilog-2005 with `top` as the root and
/// runs the result in `dir` with `plusargs`; returns what the simulation
/// printed. The compiled simulation goes to a scratch folder, not `dir`.
pub fn simulate(dir: &Path, top: &str, sources: &[&str], plusargs: &[&str]) -> Result<String> {
    let scratch = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let vvp = scratch.path().join("hebb_tb.vvp").display().to_string();
    let mut compile = vec!["-g2005", "-Wall", "-s", top, "-o", &vvp];
    compile.extend(sources);
    run("iverilog", &compile, dir)?;
    let mut args = vec!["-n", vvp.as_str()];
    args.extend(plusargs);
    let out = run("vvp", &args, dir)?;
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}
