//! The estimate's LUT mapper against ABC's, the one Yosys runs: on the
//! logic of every calibration set (`logic_blif`, xc7 library), hebb's
//! cover and `yosys-abc -c "strash; if"` must count the same LUTs. Yosys
//! (`tests/calibration.rs`) restructures before it maps; this test holds
//! the mapper alone to an independent implementation of the same
//! algorithm, so a change to its ranks, tie-breaks or passes shows here
//! first.

use hebb::hdl::estimate::{Flow, logic_blif, logic_cover};
use hebb::tools::gates::abc_if_luts;

#[test]
fn the_mapper_covers_as_abc_if_does() {
    let designs = hebb::calibration::designs().unwrap();
    let mut equal = 0;
    let mut failures = Vec::new();
    for (label, design) in &designs {
        let module = design.module().unwrap();
        let (ours, library) = logic_cover(&module, Flow::Xilinx7);
        let abc = abc_if_luts(&logic_blif(&module, Flow::Xilinx7), &library)
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        let error = (ours as f64 - abc as f64) / abc.max(1) as f64;
        println!(
            "{label:<60} hebb {ours:>5} abc if {abc:>5} {:+5.1}%",
            100.0 * error
        );
        if ours == abc {
            equal += 1;
        }
        if error.abs() > 0.12 {
            failures.push(format!("{label}: {ours} LUTs for ABC's {abc}"));
        }
    }
    println!("{equal} of {} covers equal to ABC's", designs.len());
    // Measured when the mapper followed `if` pass by pass: 17 of 25
    // equal, the widest gaps 16 LUTs for 18 and 244 for 229 (ties broken
    // in a different node order).
    if equal < 17 {
        failures.push(format!("only {equal} covers equal to ABC's (were 17)"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
