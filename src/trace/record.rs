//! Writes a design's signals as a VCD with Verilator's layout: scope `TOP`
//! holds the ports, scope `TOP.<module>` every net of the top module and
//! `TOP.<module>.<instance>...` those of each instance, 1 ps timescale,
//! only changed values after the first dump.

use std::io::Write;

use vcd::{IdCode, ReferenceIndex, TimescaleUnit, Value, VarType};

use crate::design::Signal;

pub struct VcdRecorder<W: Write> {
    writer: vcd::Writer<W>,
    /// Identifier code of each signal; ports share theirs between the two scopes, as in Verilator's VCD.
    ids: Vec<IdCode>,
    widths: Vec<u32>,
    last: Vec<Option<u64>>,
}

impl<W: Write> VcdRecorder<W> {
    pub fn new(out: W, module: &str, signals: &[Signal]) -> std::io::Result<Self> {
        let mut writer = vcd::Writer::new(out);
        writer.version(concat!("hebb ", env!("CARGO_PKG_VERSION"), " cycle model"))?;
        writer.timescale(1, TimescaleUnit::PS)?;
        let index =
            |s: &Signal| (s.width > 1).then(|| ReferenceIndex::Range(s.width as i32 - 1, 0));
        let mut ids = vec![IdCode::FIRST; signals.len()];
        let mut next = IdCode::FIRST;
        writer.add_module("TOP")?;
        for (i, s) in signals.iter().enumerate().filter(|(_, s)| s.is_port()) {
            ids[i] = next;
            writer.var_def(VarType::Wire, s.width, next, &s.name, index(s))?;
            next = next.next();
        }
        writer.add_module(module)?;
        // The table lists each instance's nets together, parents before
        // children (depth first), so scopes open and close as a stack.
        let mut open: Vec<&str> = Vec::new();
        for (i, s) in signals.iter().enumerate() {
            let scope: Vec<&str> = match s.scope() {
                "" => Vec::new(),
                path => path.split('.').collect(),
            };
            let common = open.iter().zip(&scope).take_while(|(a, b)| a == b).count();
            while open.len() > common {
                writer.upscope()?;
                open.pop();
            }
            for part in &scope[common..] {
                writer.add_module(part)?;
                open.push(part);
            }
            if !s.is_port() {
                ids[i] = next;
                next = next.next();
            }
            writer.var_def(VarType::Wire, s.width, ids[i], s.local_name(), index(s))?;
        }
        for _ in open {
            writer.upscope()?;
        }
        writer.upscope()?;
        writer.upscope()?;
        writer.enddefinitions()?;
        Ok(VcdRecorder {
            writer,
            ids,
            widths: signals.iter().map(|s| s.width).collect(),
            last: vec![None; signals.len()],
        })
    }

    /// Records the values at `time` (ps); `value(i)` is signal i's value.
    pub fn sample(&mut self, time: u64, value: impl Fn(usize) -> u64) -> std::io::Result<()> {
        self.writer.timestamp(time)?;
        for i in 0..self.ids.len() {
            let v = value(i);
            if self.last[i] == Some(v) {
                continue;
            }
            self.last[i] = Some(v);
            let width = self.widths[i];
            if width == 1 {
                self.writer
                    .change_scalar(self.ids[i], if v & 1 == 1 { Value::V1 } else { Value::V0 })?;
            } else {
                let bits = (0..width).rev().map(|b| {
                    if (v >> b) & 1 == 1 {
                        Value::V1
                    } else {
                        Value::V0
                    }
                });
                self.writer.change_vector(self.ids[i], bits)?;
            }
        }
        Ok(())
    }

    /// Flushes the trace; the file is complete once this returns.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}
