//! The only part of hebb that runs external programs (verilator, g++, yosys,
//! iverilog, nextpnr-ice40). Everything else is pure Rust and testable without them.

pub mod cache;
pub mod gates;
pub mod icarus;
pub mod nextpnr;
pub mod verilator;

use std::path::Path;
use std::process::{Command, Output};

use crate::error::{Error, Result};

/// How to get a missing tool onto a Debian machine.
fn install_hint(tool: &str) -> &'static str {
    match tool {
        "verilator" => "apt-get install -y verilator (or run `make setup`)",
        "yosys" | "yosys-abc" => "apt-get install -y yosys (or run `make setup`)",
        "iverilog" | "vvp" => "apt-get install -y iverilog (or run `make setup`)",
        "g++" => "apt-get install -y g++ (or run `make setup`)",
        "nextpnr-ice40" => "apt-get install -y nextpnr-ice40 (or run `make setup`)",
        _ => "install it and put it on PATH",
    }
}

/// Runs `program` with `args` in `dir`, failing with a clear error when the
/// program is missing or exits non-zero.
pub fn run(program: &str, args: &[&str], dir: &Path) -> Result<Output> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| Error::Tool {
            tool: program.to_string(),
            message: if e.kind() == std::io::ErrorKind::NotFound {
                format!("is not installed: {}", install_hint(program))
            } else {
                format!("could not start: {e}")
            },
        })?;
    if !output.status.success() {
        return Err(Error::Tool {
            tool: program.to_string(),
            message: format!(
                "failed ({}) in {}:\n{}{}",
                output.status,
                dir.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        });
    }
    Ok(output)
}

/// The first line of `program --version`, or a clear error.
pub fn version(program: &str, flag: &str) -> Result<String> {
    let out = run(program, &[flag], Path::new("."))?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    Ok(text.lines().next().unwrap_or("").trim().to_string())
}
