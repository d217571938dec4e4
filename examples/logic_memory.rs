//! A memory in flip-flops read through a registered port, its read address
//! either a register or the multiplexer of two registers (as the arrays'
//! lanes read: the sweep's word or the host's): the estimate beside Yosys
//! for each depth and width in one flow. On xc7 Yosys 0.23 maps the
//! multiplexed address's read multiplexers to far more LUTs than the same
//! multiplexers with a register address (8 x 12 bits: 123 against 50),
//! which the estimate, whose cover keeps the address multiplexer as LUTs
//! of their own, does not follow (docs/architecture.md, "The estimate").
//! Run: `cargo run --release --example logic_memory -- <ice40|ice40-dsp|xc7>`.

use std::sync::Arc;

use hebb::design::Design;
use hebb::error::Result;
use hebb::hdl::estimate::{Flow, estimate};
use hebb::hdl::{Module, ModuleBuilder, mux, zero};
use hebb::tools::gates::yosys_synth_flow;

/// A design of one module built here.
struct Probe {
    module: Arc<Module>,
}

impl Design for Probe {
    fn describe(&self) -> String {
        self.module.name.clone()
    }
    fn top_module(&self) -> String {
        self.module.name.clone()
    }
    fn module(&self) -> Result<Arc<Module>> {
        Ok(self.module.clone())
    }
}

/// 2^`address_bits` words of `width` bits in flip-flops, read at `a_q`, or
/// with `multiplexed` at `s_q ? a_q : b_q`.
fn logic_memory(address_bits: u32, width: u32, multiplexed: bool) -> Arc<Module> {
    let mut m = ModuleBuilder::new("logic_memory", vec![]);
    let _clk = m.input("clk_i", 1, "");
    let _rst = m.input("rst_ni", 1, "");
    let write_enable = m.input("we_i", 1, "");
    let write_address = m.input("wa_i", address_bits, "");
    let select = m.input("s_i", 1, "");
    let a = m.input("a_i", address_bits, "");
    let b = m.input("b_i", address_bits, "");
    let write_data = m.input("wd_i", width, "");
    let read_data_o = m.output("rd_o", width, "");
    let a_q = m.register("a_q", address_bits, zero(address_bits), "");
    let b_q = m.register("b_q", address_bits, zero(address_bits), "");
    let s_q = m.register("s_q", 1, zero(1), "");
    m.clocked(
        vec![(a_q, a.into()), (b_q, b.into()), (s_q, select.into())],
        None,
    );
    let read_address = m.wire("read_address", address_bits, "");
    m.assign(
        read_address,
        if multiplexed {
            mux(s_q, a_q, b_q)
        } else {
            a_q.into()
        },
    );
    let reads = m.memory(
        "words",
        width,
        address_bits,
        "",
        write_enable.into(),
        write_address.into(),
        write_data.into(),
        vec![("read_q", read_address.into())],
    );
    m.assign(read_data_o, reads[0]);
    Arc::new(m.finish().expect("a valid module"))
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: logic_memory <ice40|ice40-dsp|xc7>";
    let flow = match std::env::args().nth(1).as_deref() {
        Some("ice40") => Flow::Ice40,
        Some("ice40-dsp") => Flow::Ice40Dsp,
        Some("xc7") => Flow::Xilinx7,
        _ => return Err(usage.into()),
    };
    println!("{}", flow.yosys_command());
    println!(
        "{:>5} {:>5}  {:<18} {:>8} {:>6}",
        "words", "width", "read address", "estimate", "yosys"
    );
    for address_bits in 2..=5 {
        for width in [1, 4, 12] {
            for multiplexed in [false, true] {
                let module = logic_memory(address_bits, width, multiplexed);
                let estimated = estimate(&module, flow).luts;
                let measured = yosys_synth_flow(&Probe { module }, flow)?.resources().luts;
                println!(
                    "{:>5} {width:>5}  {:<18} {estimated:>8} {measured:>6}",
                    1 << address_bits,
                    if multiplexed {
                        "multiplexer"
                    } else {
                        "register"
                    }
                );
            }
        }
    }
    Ok(())
}
