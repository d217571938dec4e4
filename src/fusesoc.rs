//! FuseSoC packaging: `hebb generate` writes `rtl/<module>.core` (CAPI2)
//! beside the RTL, naming the RTL files (children first) and the
//! constraints, with `lint` (Verilator), `sim` (Icarus) and `synth`
//! (Yosys/nextpnr for iCE40) targets.

use askama::Template;

use crate::constraints::Clock;
use crate::design::Design;
use crate::error::Result;
use crate::tools::nextpnr::Ice40Part;

/// The VLNV of a design's core: `hebb:units:<module>:<hebb version>`.
pub fn core_name(design: &dyn Design) -> String {
    format!(
        "hebb:units:{}:{}",
        design.top_module(),
        env!("CARGO_PKG_VERSION")
    )
}

#[derive(Template)]
#[template(path = "fusesoc/unit.core")]
struct Core<'a> {
    version: &'static str,
    name: &'a str,
    description: &'a str,
    description_yaml: &'a str,
    top: &'a str,
    rtl_files: &'a [String],
    /// (path relative to the core file, FuseSoC file type).
    constraint_files: &'a [(String, &'static str)],
    part: &'static str,
    has_pcf: bool,
    nextpnr_options: &'a str,
    yosys_options: &'static str,
}

/// A string as a YAML double-quoted scalar.
fn yaml_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            c if c.is_control() => out += &format!("\\x{:02x}", c as u32),
            c => out.push(c),
        }
    }
    out + "\""
}

/// `(file name, text)` of the `.core` file that sits in `rtl/` beside the
/// RTL files `rtl_files` (children first); `constraints` are the file names
/// written into `constraints/`, `part` the iCE40 part of the `synth` target.
pub fn render_core(
    design: &dyn Design,
    rtl_files: &[String],
    constraints: &[String],
    clock: &Clock,
    part: Ice40Part,
) -> Result<(String, String)> {
    let top = design.top_module();
    let name = core_name(design);
    let description = design.describe();
    let constraint_files: Vec<(String, &'static str)> = constraints
        .iter()
        .map(|f| {
            let kind = match f.rsplit_once('.').map(|(_, ext)| ext) {
                Some("sdc") => "SDC",
                Some("xdc") => "xdc",
                Some("pcf") => "PCF",
                _ => "user",
            };
            (format!("../constraints/{f}"), kind)
        })
        .collect();
    let (device, package) = part
        .name()
        .split_once('-')
        .expect("iCE40 part names are device-package");
    let nextpnr_options = format!(
        "--{device}, --package, {package}, --freq, {}",
        clock.freq_mhz
    );
    let text = Core {
        version: env!("CARGO_PKG_VERSION"),
        name: &name,
        description: &description,
        description_yaml: &yaml_quote(&description),
        top: &top,
        rtl_files,
        constraint_files: &constraint_files,
        part: part.name(),
        has_pcf: constraints.iter().any(|f| f.ends_with(".pcf")),
        nextpnr_options: &nextpnr_options,
        yosys_options: part.yosys_options(),
    }
    .render()?
        + "\n";
    Ok((format!("{top}.core"), text))
}

#[cfg(test)]
mod tests {
    use super::yaml_quote;

    #[test]
    fn quotes_yaml() {
        assert_eq!(yaml_quote("a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\"");
    }
}
