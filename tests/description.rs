//! The description layer on its own: construction errors name the net at
//! fault (widths above all: no silent truncation), and the constructs the
//! coming units need (block-RAM memories) render, lint, synthesize to block
//! RAM and co-simulate against Verilator.

use std::sync::Arc;

use hebb::cosim::Lockstep;
use hebb::design::Design;
use hebb::error::Result;
use hebb::hdl::{Module, ModuleBuilder, Statement, lit, mux, zero};
use hebb::resources::Target;
use hebb::trace::diff_files;

fn builder() -> ModuleBuilder {
    ModuleBuilder::new("width_check", vec!["a test description".into()])
}

#[test]
fn an_expression_of_the_wrong_width_is_a_construction_error_naming_the_net() {
    let mut m = builder();
    let a = m.input("a_i", 8, "");
    let b = m.input("b_i", 8, "");
    let sum = m.output("sum_o", 8, "");
    let wide = m.wire("wide_sum", 9, "");
    m.assign(wide, a.zext(9) + b.zext(9));
    // 9 bits into an 8-bit net: would truncate silently in Verilog.
    m.assign(sum, wide);
    let e = m.finish().unwrap_err();
    assert_eq!(e.subject, "assign to `sum_o`", "{e}");
    assert!(e.to_string().contains("9 bits, the net 8"), "{e}");
}

#[test]
fn mismatched_operands_are_reported_at_the_net_they_drive() {
    let mut m = builder();
    let a = m.input("a_i", 8, "");
    let b = m.input("b_i", 4, "");
    let y = m.output("y_o", 8, "");
    m.assign(y, a + b);
    let e = m.finish().unwrap_err();
    assert!(
        e.to_string().contains("`y_o`") && e.to_string().contains("8 and 4 bits"),
        "{e}"
    );
}

#[test]
fn other_construction_errors_name_what_is_wrong() {
    // A slice out of range.
    let mut m = builder();
    let a = m.input("a_i", 8, "");
    let y = m.output("y_o", 4, "");
    m.assign(y, a.slice(9, 6));
    assert!(m.finish().unwrap_err().to_string().contains("slice [9:6]"));

    // A signed operator below an unsigned one.
    let mut m = builder();
    let a = m.input("a_i", 8, "");
    let y = m.output("y_o", 8, "");
    m.assign(y, a.sext(8).mul_signed(a.sext(8)) + a);
    assert!(
        m.finish()
            .unwrap_err()
            .to_string()
            .contains("signed operator")
    );

    // A process target without a default would infer a latch.
    let mut m = builder();
    let a = m.input("a_i", 1, "");
    let y = m.output("y_o", 1, "");
    let y_d = m.comb("y_d", 1, "");
    m.process(vec![Statement::when(
        a,
        vec![Statement::assign(y_d, lit(1, 1))],
        vec![],
    )]);
    m.assign(y, y_d);
    let e = m.finish().unwrap_err();
    assert!(
        e.to_string().contains("`y_d`") && e.to_string().contains("latch"),
        "{e}"
    );

    // An undriven net and a net driven twice.
    let mut m = builder();
    let a = m.input("a_i", 1, "");
    let _y = m.output("y_o", 1, "");
    assert!(
        m.finish()
            .unwrap_err()
            .to_string()
            .contains("`y_o`: is never driven")
    );
    let mut m = builder();
    let y = m.output("y_o", 1, "");
    let x = a_or_zero(&mut m);
    m.assign(y, x);
    m.assign(y, lit(1, 0));
    assert!(m.finish().unwrap_err().to_string().contains("two drivers"));
    let _ = a;

    // A name that is not a Verilog identifier, and one declared twice.
    let mut m = builder();
    m.input("3bad", 1, "");
    assert!(
        m.finish()
            .unwrap_err()
            .to_string()
            .contains("not a Verilog identifier")
    );
    let mut m = builder();
    m.input("a_i", 1, "");
    m.input("a_i", 1, "");
    assert!(
        m.finish()
            .unwrap_err()
            .to_string()
            .contains("declared twice")
    );
}

fn a_or_zero(m: &mut ModuleBuilder) -> hebb::hdl::Expr {
    let a = m.input("x_i", 1, "");
    mux(a, lit(1, 1), lit(1, 0))
}

/// A dual-port RAM of 2^`address_bits` words: the form the synapse arrays use.
struct Ram {
    address_bits: u32,
    width: u32,
}

impl Design for Ram {
    fn describe(&self) -> String {
        format!("test ram {}x{}", 1u64 << self.address_bits, self.width)
    }
    fn top_module(&self) -> String {
        format!("test_ram_a{}_w{}", self.address_bits, self.width)
    }
    fn module(&self) -> Result<Arc<Module>> {
        let (a, w) = (self.address_bits, self.width);
        let mut m = ModuleBuilder::new(self.top_module(), vec!["a test memory".into()]);
        let _clk = m.input("clk_i", 1, "");
        let rst = m.input("rst_ni", 1, "");
        let we = m.input("write_enable_i", 1, "");
        let write_address = m.input("write_address_i", a, "");
        let write_data = m.input("write_data_i", w, "");
        let read_address = m.input("read_address_i", a, "");
        let read_data = m.output("read_data_o", w, "");
        let reads_o = m.output("reads_o", 8, "reads since reset");
        m.section(&["A read counter, so the module has a reset register too."]);
        let reads_q = m.register("reads_q", 8, zero(8), "");
        m.clocked(vec![(reads_q, reads_q + lit(8, 1))], None);
        let data = m.memory(
            "words",
            w,
            a,
            "synapse-style storage",
            we.into(),
            write_address.into(),
            write_data.into(),
            vec![("read_data_q", read_address.into())],
        );
        m.section(&[]);
        m.assign(read_data, data[0]);
        m.assign(reads_o, mux(rst, reads_q, zero(8)));
        Ok(Arc::new(m.finish()?))
    }
}

#[test]
fn a_memory_infers_block_ram_and_cosimulates() {
    let ram = Ram {
        address_bits: 8,
        width: 16,
    };
    hebb::tools::gates::verilator_lint(&ram).unwrap();
    hebb::tools::gates::iverilog_2005(&ram).unwrap();
    let ice40 = hebb::tools::gates::yosys_synth(&ram, Target::Ice40).unwrap();
    assert!(
        ice40.cells.keys().any(|c| c.starts_with("SB_RAM40_4K")),
        "{:?}",
        ice40.cells
    );
    let estimate = ram.estimate(Target::Ice40).unwrap();
    assert_eq!(estimate.brams, ice40.resources().brams);
    let xc7 = hebb::tools::gates::yosys_synth(&ram, Target::Xilinx7).unwrap();
    assert_eq!(
        ram.estimate(Target::Xilinx7).unwrap().brams,
        xc7.resources().brams,
        "{:?}",
        xc7.cells
    );

    let dir = tempfile::tempdir().unwrap();
    let (golden, dut) = (dir.path().join("golden.vcd"), dir.path().join("rtl.vcd"));
    let mut sim = Lockstep::with_rtl(&ram).unwrap();
    sim.record_vcds(&ram.top_module(), &golden, Some(&dut))
        .unwrap();
    // Random writes and reads, same-address read-during-write included.
    for (cycle, inputs) in ram.stimulus(3000, 5).unwrap().into_iter().enumerate() {
        let mut inputs = inputs;
        if cycle % 7 == 0 {
            inputs[3] = inputs[5];
        }
        sim.clock(&inputs).unwrap();
    }
    sim.finish().unwrap();
    let diff = diff_files(&golden, &dut).unwrap();
    assert!(diff.agrees(), "{diff}");
}

/// Yosys 0.23 maps 512 words of 56 bits on xc7 to one RAMB36E1 in 72-bit
/// simple dual port mode and wires its second parity write bits (word bits
/// 44, 53, 62, 71) to the first ones (8, 17, 26, 35): the netlist stores
/// copies of bits 8 and 17 where the RTL stores 44 and 53, and the synthesis
/// result names the cell and those bits. 36-bit words take a RAMB18E1 with
/// both parity halves of its own, and nothing is reported.
#[test]
fn a_block_ram_yosys_miswires_is_reported_with_its_bits() {
    let wide = Ram {
        address_bits: 9,
        width: 56,
    };
    let synth = hebb::tools::gates::yosys_synth(&wide, Target::Xilinx7).unwrap();
    assert!(
        synth.cells.contains_key("RAMB36E1"),
        "one 72-bit block: {:?}",
        synth.cells
    );
    assert_eq!(
        synth.netlist_defects.len(),
        1,
        "{:?}",
        synth.netlist_defects
    );
    let defect = &synth.netlist_defects[0];
    assert!(
        defect.contains("words.0.0") && defect.contains("its bits 8, 17 in its bits 44, 53"),
        "{defect}"
    );
    let narrow = Ram {
        address_bits: 9,
        width: 36,
    };
    let synth = hebb::tools::gates::yosys_synth(&narrow, Target::Xilinx7).unwrap();
    assert!(synth.cells.contains_key("RAMB18E1"), "{:?}", synth.cells);
    assert!(
        synth.netlist_defects.is_empty(),
        "{:?}",
        synth.netlist_defects
    );
    // iCE40 block RAM has no parity halves to miswire.
    let ice40 = hebb::tools::gates::yosys_synth(&wide, Target::Ice40).unwrap();
    assert!(ice40.netlist_defects.is_empty());
}
