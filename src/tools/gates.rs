//! Quality gates on rendered RTL: Verilator lint, Icarus as a Verilog-2005
//! parser, and Yosys synthesis for iCE40 and Xilinx 7-series.

use std::collections::BTreeMap;
use std::fs;

use super::run;
use crate::design::Design;
use crate::error::{Error, Result};
use crate::hdl::estimate::Flow;
use crate::resources::{Resources, Target};

/// The synthesis targets, under the name the gates use.
pub use crate::resources::Target as SynthTarget;

/// Cell counts after synthesis, by cell type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthResult {
    pub target: Target,
    pub cells: BTreeMap<String, u64>,
    /// Where the netlist Yosys wrote does not do what the RTL says (a
    /// known Yosys bug found in it), one sentence each: the cell counts
    /// stand, the netlist must not be built.
    pub netlist_defects: Vec<String>,
}

impl SynthResult {
    pub fn resources(&self) -> Resources {
        Resources::from_cells(self.target, &self.cells)
    }
}

fn gate_error(tool: &str, design: &dyn Design, findings: &str) -> Error {
    Error::Tool {
        tool: tool.into(),
        message: format!("rejects {}:\n{findings}", design.describe()),
    }
}

/// Writes the design's modules as `<module>.v` files in a fresh scratch
/// folder; returns the folder and the file names, children first.
fn scratch_rtl(design: &dyn Design) -> Result<(tempfile::TempDir, Vec<String>)> {
    let dir = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let mut names = Vec::new();
    for file in design.render_rtl()? {
        let name = file.file_name();
        fs::write(dir.path().join(&name), &file.text)
            .map_err(|e| Error::io(dir.path().join(&name), e))?;
        names.push(name);
    }
    Ok((dir, names))
}

/// `verilator --lint-only -Wall`: any warning fails.
pub fn verilator_lint(design: &dyn Design) -> Result<()> {
    let (dir, files) = scratch_rtl(design)?;
    let top = design.top_module();
    let mut args = vec!["--lint-only", "-Wall", "--top-module", &top];
    args.extend(files.iter().map(String::as_str));
    run("verilator", &args, dir.path())
        .map_err(|e| gate_error("verilator --lint-only -Wall", design, &e.to_string()))?;
    Ok(())
}

/// `iverilog -g2005 -Wall`: the RTL parses as plain Verilog-2005, without warnings.
pub fn iverilog_2005(design: &dyn Design) -> Result<()> {
    let (dir, files) = scratch_rtl(design)?;
    let mut args = vec!["-g2005", "-Wall", "-o", "/dev/null"];
    args.extend(files.iter().map(String::as_str));
    let out = run("iverilog", &args, dir.path())
        .map_err(|e| gate_error("iverilog -g2005", design, &e.to_string()))?;
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    if !text.trim().is_empty() {
        return Err(gate_error("iverilog -g2005", design, &text));
    }
    Ok(())
}

/// LUTs of `yosys-abc -c "read_lut L; read_blif F; strash; if"` on the
/// logic `blif` with the LUT library `lut_library`: ABC's mapper alone,
/// with none of the restructuring Yosys runs before it.
pub fn abc_if_luts(blif: &str, lut_library: &str) -> Result<u64> {
    let dir = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).map_err(|e| Error::io(path, e))
    };
    write("logic.blif", blif)?;
    write("luts.lib", lut_library)?;
    super::run(
        "yosys-abc",
        &[
            "-c",
            "read_lut luts.lib; read_blif logic.blif; strash; if; write_blif mapped.blif",
        ],
        dir.path(),
    )?;
    let mapped_path = dir.path().join("mapped.blif");
    let mapped = std::fs::read_to_string(&mapped_path).map_err(|e| Error::io(mapped_path, e))?;
    // A LUT is a `.names` of two inputs or more (with its output, three
    // names or more); one input is a buffer or an inverter of a port.
    Ok(mapped
        .replace("\\\n", " ")
        .lines()
        .filter(|line| line.starts_with(".names") && line.split_whitespace().count() >= 4)
        .count() as u64)
}

/// Yosys synthesis: fails on any warning and on any inferred latch; returns the cell counts.
pub fn yosys_synth(design: &dyn Design, target: Target) -> Result<SynthResult> {
    Ok(yosys_synth_in_scratch(design, target, "")?.1)
}

/// Yosys synthesis as the estimate's `flow` follows it (`synth_ice40 -dsp`
/// for [`Flow::Ice40Dsp`]).
pub fn yosys_synth_flow(design: &dyn Design, flow: Flow) -> Result<SynthResult> {
    yosys_synth_flow_read(design, flow, Reading::default())
}

/// How Yosys is handed a design's RTL. Every reading gives Yosys the same
/// logic; only the order in which names are made differs. Yosys orders the
/// operands of a comparison by a hash of its name numbers (`alumacc`), and
/// ABC sees its nodes in another order, so the counts of one design under
/// several readings show how far Yosys itself moves on logic it is given
/// unchanged (`examples/calibrate`, `tests/calibration.rs`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reading {
    /// A module of this many unused wires is read before the design, so
    /// every name of the design gets an index `renumber + 1` higher.
    pub renumber: usize,
    /// The design's files are read last first (the top module before the
    /// modules it instantiates); a design of one file reads as written.
    pub files_reversed: bool,
}

impl Reading {
    /// Names renumbered by `renumber` unused wires, files as written.
    pub fn renumbered(renumber: usize) -> Reading {
        Reading {
            renumber,
            files_reversed: false,
        }
    }

    /// Files read last first, names as they come.
    pub fn files_reversed() -> Reading {
        Reading {
            renumber: 0,
            files_reversed: true,
        }
    }
}

/// [`yosys_synth_flow`] with the RTL handed to Yosys as `reading` says.
pub fn yosys_synth_flow_read(
    design: &dyn Design,
    flow: Flow,
    reading: Reading,
) -> Result<SynthResult> {
    let (target, options) = match flow {
        Flow::Ice40 => (Target::Ice40, ""),
        Flow::Ice40Dsp => (Target::Ice40, "-dsp"),
        Flow::Xilinx7 => (Target::Xilinx7, ""),
    };
    Ok(synth_in_scratch(design, target, options, reading)?.1)
}

/// Yosys synthesis as [`yosys_synth`], with `options` appended to the
/// synthesis command (`-dsp`, `-json design.json`); returns the scratch
/// folder (holding any file the options wrote) with the cell counts.
pub(crate) fn yosys_synth_in_scratch(
    design: &dyn Design,
    target: Target,
    options: &str,
) -> Result<(tempfile::TempDir, SynthResult)> {
    synth_in_scratch(design, target, options, Reading::default())
}

/// The module of unused wires a renumbered [`Reading`] reads first;
/// `hierarchy -top` drops it after the design's names are made.
const RENUMBER_FILE: &str = "hebb_renumber.v";

fn synth_in_scratch(
    design: &dyn Design,
    target: Target,
    options: &str,
    reading: Reading,
) -> Result<(tempfile::TempDir, SynthResult)> {
    let (dir, mut files) = scratch_rtl(design)?;
    if reading.files_reversed {
        files.reverse();
    }
    if reading.renumber > 0 {
        let wires: String = (0..reading.renumber)
            .map(|i| format!("  wire renumber_{i};\n"))
            .collect();
        let path = dir.path().join(RENUMBER_FILE);
        fs::write(&path, format!("module hebb_renumber;\n{wires}endmodule\n"))
            .map_err(|e| Error::io(&path, e))?;
        files.insert(0, RENUMBER_FILE.to_string());
    }
    // synth_ice40 flattens by default; synth_xilinx is asked to, so `stat`
    // counts the whole design in one table.
    // xc7 also writes the netlist, to find the reset inverters (below).
    let flatten = match target {
        Target::Ice40 => "",
        Target::Xilinx7 => " -flatten",
    };
    let netlist = match target {
        Target::Ice40 => "",
        Target::Xilinx7 => "; write_json netlist.json",
    };
    let options = if options.is_empty() {
        String::new()
    } else {
        format!(" {options}")
    };
    let script = format!(
        "read_verilog {}; {}{flatten}{options} -top {}; tee -o stat.txt stat{netlist}",
        files.join(" "),
        target.yosys_command(),
        design.top_module()
    );
    run(
        "yosys",
        &["-q", "-l", "yosys.log", "-p", &script],
        dir.path(),
    )
    .map_err(|e| gate_error("yosys", design, &e.to_string()))?;
    let log = fs::read_to_string(dir.path().join("yosys.log"))
        .map_err(|e| Error::io(dir.path().join("yosys.log"), e))?;
    let findings: Vec<&str> = log
        .lines()
        // ABC's "network is combinational" is advice to ABC's own user, not a finding about the RTL.
        .filter(|l| {
            (l.contains("Warning")
                && !l.contains("The network is combinational")
                && !is_yosys_bram_port_resize(l)
                // The closing count of the warnings above, each judged on its own.
                && !l.starts_with("Warnings: "))
                || l.contains("Latch inferred")
        })
        .collect();
    if !findings.is_empty() {
        return Err(gate_error(
            &format!("yosys {}", target.yosys_command()),
            design,
            &findings.join("\n"),
        ));
    }
    let stat = fs::read_to_string(dir.path().join("stat.txt"))
        .map_err(|e| Error::io(dir.path().join("stat.txt"), e))?;
    let mut cells = parse_stat_cells(&stat);
    let mut netlist_defects = Vec::new();
    if target == Target::Xilinx7 {
        let path = dir.path().join("netlist.json");
        let json = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let unreadable = |e: serde_json::Error| Error::Tool {
            tool: "yosys write_json".into(),
            message: format!("{}: {e}", path.display()),
        };
        let netlist: serde_json::Value = serde_json::from_str(&json).map_err(unreadable)?;
        let resets = reset_inverters(&netlist);
        netlist_defects = misfed_parity_writes(&netlist);
        if resets > 0 {
            if let Some(inv) = cells.get_mut("INV") {
                *inv -= resets.min(*inv);
            }
            cells.insert(RESET_INVERTER.into(), resets);
        }
    }
    if let Some(latch) = cells
        .keys()
        .find(|c| c.contains("LATCH") || c.starts_with("LD") || c.contains("DLATCH"))
    {
        return Err(gate_error(
            &format!("yosys {}", target.yosys_command()),
            design,
            &format!("latch cell {latch} in the netlist"),
        ));
    }
    Ok((
        dir,
        SynthResult {
            target,
            cells,
            netlist_defects,
        },
    ))
}

/// The cell class of an xc7 INV that only drives flip-flops' asynchronous
/// clear or preset: Yosys 0.23 puts one before every FDCE/FDPE for an
/// active-low reset, where Vivado folds it into the flip-flop
/// (`IS_CLR_INVERTED`), so it is no LUT.
pub const RESET_INVERTER: &str = "INV_async_reset";

/// The modules of a Yosys JSON netlist that have cells, with their cells.
fn modules_with_cells(
    netlist: &serde_json::Value,
) -> impl Iterator<
    Item = (
        &serde_json::Value,
        &serde_json::Map<String, serde_json::Value>,
    ),
> {
    netlist["modules"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|module| Some((module, module["cells"].as_object()?)))
}

/// Per netlist bit, the (cell type, input pin) pairs that read it.
type Readers = BTreeMap<u64, Vec<(String, String)>>;

/// Every bit an input pin of a cell reads, with the (cell type, pin)
/// reading it, and the bits of the module's ports.
fn readers_and_ports(module: &serde_json::Value) -> (Readers, Vec<u64>) {
    let mut readers = Readers::new();
    for cell in module["cells"]
        .as_object()
        .into_iter()
        .flat_map(|c| c.values())
    {
        let kind = cell["type"].as_str().unwrap_or_default();
        let directions = &cell["port_directions"];
        for (port, bits) in cell["connections"].as_object().into_iter().flatten() {
            if directions[port] == "output" {
                continue;
            }
            for bit in bits
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| b.as_u64())
            {
                readers
                    .entry(bit)
                    .or_default()
                    .push((kind.to_string(), port.clone()));
            }
        }
    }
    let ports: Vec<u64> = module["ports"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .flat_map(|p| p["bits"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b.as_u64())
        .collect();
    (readers, ports)
}

/// RAMB36E1 cells in 72-bit simple dual port mode whose second parity
/// write bits (`DIPBDIP`, word bits 44, 53, 62, 71) are wired to the first
/// ones (`DIPADIP`, bits 8, 17, 26, 35) while something reads the second
/// ones back: Yosys 0.23's `brams_xc6v_map.v` tests `PORT_W_WIDTH == 71`
/// where 72 is meant (fixed in Yosys by YosysHQ/yosys#5833), so those
/// memory bits hold copies of other bits. Found in the netlist, not
/// assumed from the version: a Yosys without the bug reports nothing.
fn misfed_parity_writes(netlist: &serde_json::Value) -> Vec<String> {
    let mut defects = Vec::new();
    for (module, cells) in modules_with_cells(netlist) {
        let (readers, ports) = readers_and_ports(module);
        for (name, cell) in cells {
            let parameter = |p: &str| {
                cell["parameters"][p]
                    .as_str()
                    .and_then(|v| u64::from_str_radix(v, 2).ok())
                    .or_else(|| cell["parameters"][p].as_u64())
            };
            if cell["type"] != "RAMB36E1" || parameter("WRITE_WIDTH_B") != Some(72) {
                continue;
            }
            let pins = &cell["connections"];
            let first = pins["DIPADIP"].as_array().cloned().unwrap_or_default();
            let second = pins["DIPBDIP"].as_array().cloned().unwrap_or_default();
            // Two halves tied to the same constants are unused, not miswired.
            let carries_data = first.iter().any(serde_json::Value::is_u64);
            if first != second || !carries_data {
                continue;
            }
            // JSON bit lists run from bit 0: DOPBDOP[k] reads word bit 44 + 9k.
            let read_back: Vec<(usize, usize)> = pins["DOPBDOP"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .filter(|(_, b)| {
                    b.as_u64()
                        .is_some_and(|b| readers.contains_key(&b) || ports.contains(&b))
                })
                .map(|(k, _)| (44 + 9 * k, 8 + 9 * k))
                .collect();
            if read_back.is_empty() {
                continue;
            }
            let list = |bits: Vec<usize>| {
                bits.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            defects.push(format!(
                "RAMB36E1 `{}` (72-bit simple dual port) stores the data of its bits {} in its bits {}, \
                 which are read: Yosys wires DIPBDIP to DIPADIP (Yosys 0.23 `brams_xc6v_map.v` \
                 tests PORT_W_WIDTH == 71 where 72 is meant; fixed by YosysHQ/yosys#5833), so \
                 this netlist does not do what the RTL says there",
                name.trim_start_matches('\\'),
                list(read_back.iter().map(|&(_, from)| from).collect()),
                list(read_back.iter().map(|&(to, _)| to).collect()),
            ));
        }
    }
    defects
}

/// INV cells of a Yosys JSON netlist whose output only reaches CLR/PRE pins.
fn reset_inverters(netlist: &serde_json::Value) -> u64 {
    let mut count = 0;
    for (module, cells) in modules_with_cells(netlist) {
        let (readers, ports) = readers_and_ports(module);
        for cell in cells.values().filter(|c| c["type"] == "INV") {
            let Some(out) = cell["connections"]["O"][0].as_u64() else {
                continue;
            };
            let reads = readers.get(&out).map(Vec::as_slice).unwrap_or_default();
            if !reads.is_empty()
                && !ports.contains(&out)
                && reads
                    .iter()
                    .all(|(kind, port)| kind.starts_with("FD") && (port == "CLR" || port == "PRE"))
            {
                count += 1;
            }
        }
    }
    count
}

/// Yosys 0.23's own Xilinx block-RAM mapping instantiates its generic 64-bit
/// port model into RAMB18E1/RAMB36E1 and then warns that it resized those
/// ports ("Resizing cell port m.words.0.0.DIADI from 64 bits to 16 bits"):
/// a message about its library cell, not a truncation in the RTL (every BRAM
/// on xc7 prints it, hand-written RTL as well). Only these ports pass.
fn is_yosys_bram_port_resize(line: &str) -> bool {
    const BRAM_PORTS: &[&str] = &[
        "DIADI",
        "DIBDI",
        "DIPADIP",
        "DIPBDIP",
        "DOADO",
        "DOBDO",
        "DOPADOP",
        "DOPBDOP",
        "WEA",
        "WEBWE",
        "ADDRARDADDR",
        "ADDRBWRADDR",
    ];
    line.contains("Resizing cell port")
        && line
            .split_whitespace()
            .nth(4)
            .and_then(|cell_port| cell_port.rsplit('.').next())
            .is_some_and(|port| BRAM_PORTS.contains(&port))
}

/// Reads `<count> <cell>` rows (either order) after "Number of cells" in Yosys `stat` output.
fn parse_stat_cells(stat: &str) -> BTreeMap<String, u64> {
    let mut cells = BTreeMap::new();
    let mut in_cells = false;
    for line in stat.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if line.contains("Number of cells") {
            in_cells = true;
            continue;
        }
        if !in_cells {
            continue;
        }
        match words.as_slice() {
            [name, count] if count.parse::<u64>().is_ok() => {
                cells.insert(name.to_string(), count.parse().unwrap_or(0));
            }
            [count, name] if count.parse::<u64>().is_ok() => {
                cells.insert(name.to_string(), count.parse().unwrap_or(0));
            }
            _ => in_cells = !words.is_empty() && cells.is_empty(),
        }
    }
    cells
}
