//! The pin harness: a design with more port bits than a package has I/O pins
//! cannot be placed as it is, yet its Fmax is what a user embedding it in a
//! larger design plans with. The harness registers every port: inputs come
//! from one scan chain fed by a single pin, outputs are registered and
//! folded into one parity pin, so every port bit stays live (nothing is
//! optimized away) and every path of the design is register to register.

use std::sync::Arc;

use crate::design::Design;
use crate::error::Result;
use crate::hdl::{Expr, Module, ModuleBuilder, NetKind, concat, zero};

/// `design` inside the pin harness; its top module is `<top>_pin_harness`.
pub struct PinHarness<'a> {
    pub design: &'a dyn Design,
}

impl PinHarness<'_> {
    /// Port bits of the design's top module (what would need a pin each).
    pub fn port_bits(design: &dyn Design) -> Result<u64> {
        Ok(design.ports()?.iter().map(|p| u64::from(p.width)).sum())
    }
}

impl Design for PinHarness<'_> {
    fn describe(&self) -> String {
        format!("{} in the pin harness", self.design.describe())
    }

    fn top_module(&self) -> String {
        format!("{}_pin_harness", self.design.top_module())
    }

    fn module(&self) -> Result<Arc<Module>> {
        let dut = self.design.module()?;
        let mut m = ModuleBuilder::new(
            self.top_module(),
            vec![
                format!("the pin harness of {}", self.design.top_module()),
                String::new(),
                "Every input of the design comes from a scan chain fed by scan_i, every".into(),
                "output is registered and folded into the parity on parity_o: three pins".into(),
                "and a clock, so place and route measures the design's own Fmax.".into(),
            ],
        );
        let clk = m.input("clk_i", 1, "");
        let rst = m.input("rst_ni", 1, "asynchronous, active low");
        let scan_i = m.input("scan_i", 1, "first bit of the input scan chain");
        let parity_o = m.output("parity_o", 1, "parity of every registered output");

        m.section(&["The input scan chain, one register per design input."]);
        let mut inputs: Vec<(String, Expr)> = vec![
            ("clk_i".to_string(), clk.into()),
            ("rst_ni".to_string(), rst.into()),
        ];
        let mut chain = Vec::new();
        for &port in &dut.ports {
            let decl = dut.net(port);
            if decl.kind != NetKind::Input || decl.name == "clk_i" || decl.name == "rst_ni" {
                continue;
            }
            let q = m.register(
                &format!("{}_q", decl.name),
                decl.width,
                zero(decl.width),
                "",
            );
            chain.push(q);
            inputs.push((decl.name.clone(), q.into()));
        }
        let mut shifts = Vec::new();
        let mut carry: Expr = scan_i.into();
        for &q in &chain {
            let next = if q.width() == 1 {
                carry.clone()
            } else {
                concat([q.slice(q.width() - 2, 0), carry.clone()])
            };
            shifts.push((q, next));
            carry = q.msb();
        }
        if !shifts.is_empty() {
            m.clocked(shifts, None);
        }

        let output_names: Vec<(String, String)> = dut
            .ports
            .iter()
            .map(|&p| dut.net(p))
            .filter(|d| d.kind == NetKind::Output)
            .map(|d| (d.name.clone(), format!("dut_{}", d.name)))
            .collect();
        let outputs = m.instance(
            "dut",
            dut.clone(),
            inputs
                .iter()
                .map(|(n, e)| (n.as_str(), e.clone()))
                .collect(),
            output_names
                .iter()
                .map(|(port, net)| (port.as_str(), net.as_str()))
                .collect(),
        );

        m.section(&["Registered outputs, each folded to its parity, then all parities."]);
        let mut regs = Vec::new();
        let mut all: Option<Expr> = None;
        for (net, (port, _)) in outputs.iter().zip(&output_names) {
            let q = m.register(&format!("{port}_q"), net.width(), zero(net.width()), "");
            let parity = m.register(&format!("{port}_parity_q"), 1, zero(1), "");
            regs.push((q, Expr::from(*net)));
            regs.push((parity, q.parity()));
            all = Some(match all {
                Some(a) => a ^ parity,
                None => parity.into(),
            });
        }
        let parity_q = m.register("parity_q", 1, zero(1), "");
        regs.push((parity_q, all.unwrap_or_else(|| zero(1))));
        m.clocked(regs, None);
        m.section(&[]);
        m.assign(parity_o, parity_q);
        Ok(Arc::new(m.finish()?))
    }
}
