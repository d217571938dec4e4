//! The decoder: counts ones over windows of L enabled cycles; estimate = count / L.

use askama::Template;
use serde::Serialize;

use crate::design::{CycleModel, Design, Signal, mask, verilog_literal};
use crate::error::{ParamError, Result};
use crate::netlist::{Logic, NetModel, Values, bits_for, signal_table, unit_nets};

pub const MODULE: &str = "sc_decoder";

/// Supported window lengths.
pub const WINDOW: (u64, u64) = (1, 1 << 24);

/// Validated decoder parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DecoderParams {
    window: u64,
}

impl DecoderParams {
    pub fn new(window: u64) -> Result<Self, ParamError> {
        ParamError::check_range("window", window.into(), WINDOW.0.into(), WINDOW.1.into())?;
        Ok(DecoderParams { window })
    }
    pub fn window(&self) -> u64 {
        self.window
    }
    /// Width of the counts: holds L.
    pub fn count_bits(&self) -> u32 {
        bits_for(self.window)
    }
    /// Width of the position counter: holds L - 1.
    pub fn position_bits(&self) -> u32 {
        bits_for(self.window - 1)
    }
}

/// What the decoder shows during a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecoderOutputs {
    pub count: u64,
    pub valid: bool,
}

/// The step model: one call per cycle.
#[derive(Debug, Clone)]
pub struct DecoderStep {
    window: u64,
    position: u64,
    running: u64,
    out: DecoderOutputs,
}

impl DecoderStep {
    pub fn new(params: &DecoderParams) -> Self {
        DecoderStep {
            window: params.window,
            position: 0,
            running: 0,
            out: DecoderOutputs::default(),
        }
    }
    pub fn outputs(&self) -> DecoderOutputs {
        self.out
    }
    /// The clock edge with this cycle's inputs.
    pub fn step(&mut self, en: bool, bit: bool) {
        self.out.valid = false;
        if !en {
            return;
        }
        self.running += u64::from(bit);
        self.position += 1;
        if self.position == self.window {
            self.out = DecoderOutputs {
                count: self.running,
                valid: true,
            };
            self.position = 0;
            self.running = 0;
        }
    }
}

unit_nets! {
    /// The decoder's nets, in declaration order.
    DecoderNet {
        ClkI => "clk_i", Input;
        RstNi => "rst_ni", Input;
        EnI => "en_i", Input;
        BitI => "bit_i", Input;
        CountO => "count_o", Output;
        ValidO => "valid_o", Output;
        LastPosition => "LAST_POSITION", Constant;
        PositionQ => "position_q", Register;
        CountQ => "count_q", Register;
        ResultQ => "result_q", Register;
        ValidQ => "valid_q", Register;
        CountSum => "count_sum", Comb;
        WindowEnd => "window_end", Comb;
        PositionD => "position_d", Comb;
        CountD => "count_d", Comb;
        ResultD => "result_d", Comb;
        ValidD => "valid_d", Comb;
    }
}

#[derive(Debug, Clone)]
pub struct DecoderLogic {
    params: DecoderParams,
}

impl Logic for DecoderLogic {
    type Net = DecoderNet;

    fn width(&self, net: DecoderNet) -> u32 {
        use DecoderNet::*;
        match net {
            ClkI | RstNi | EnI | BitI | ValidO | ValidQ | WindowEnd | ValidD => 1,
            LastPosition | PositionQ | PositionD => self.params.position_bits(),
            CountO | CountQ | ResultQ | CountSum | CountD | ResultD => self.params.count_bits(),
        }
    }

    fn constants(&self, v: &mut Values<DecoderNet>) {
        v.set(DecoderNet::LastPosition, self.params.window - 1);
    }

    fn reset(&self, v: &mut Values<DecoderNet>) {
        use DecoderNet::*;
        for net in [PositionQ, CountQ, ResultQ, ValidQ] {
            v.set(net, 0);
        }
    }

    fn settle(&self, v: &mut Values<DecoderNet>) {
        use DecoderNet::*;
        let (position_q, count_q, result_q) = (v.get(PositionQ), v.get(CountQ), v.get(ResultQ));
        let count_sum = count_q + v.get(BitI);
        v.set(CountSum, count_sum);
        let window_end = position_q == v.get(LastPosition);
        v.set(WindowEnd, window_end.into());
        let (mut position_d, mut count_d, mut result_d, mut valid_d) =
            (position_q, count_q, result_q, 0);
        if v.flag(EnI) {
            if window_end {
                (position_d, count_d, result_d, valid_d) = (0, 0, v.get(CountSum), 1);
            } else {
                position_d = (position_q + 1) & mask(self.params.position_bits());
                count_d = v.get(CountSum);
            }
        }
        v.set(PositionD, position_d);
        v.set(CountD, count_d);
        v.set(ResultD, result_d);
        v.set(ValidD, valid_d);
        v.set(CountO, result_q);
        v.set(ValidO, v.get(ValidQ));
    }

    fn registers(&self) -> &'static [(DecoderNet, DecoderNet)] {
        use DecoderNet::*;
        &[
            (PositionQ, PositionD),
            (CountQ, CountD),
            (ResultQ, ResultD),
            (ValidQ, ValidD),
        ]
    }
}

/// The decoder as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoder {
    pub params: DecoderParams,
}

impl Decoder {
    pub fn new(params: DecoderParams) -> Self {
        Decoder { params }
    }
    fn logic(&self) -> DecoderLogic {
        DecoderLogic {
            params: self.params,
        }
    }
}

#[derive(Template)]
#[template(path = "bitstream/decoder.v")]
struct DecoderVerilog {
    version: &'static str,
    module: &'static str,
    window: u64,
    c: u32,
    k: u32,
    last_position: String,
    bit_extended: String,
    k_zero: String,
    k_one: String,
    c_zero: String,
}

/// A one-bit `expr` zero-extended to `width` bits, as Verilog text.
pub(crate) fn zero_extend(expr: &str, width: u32) -> String {
    extend(expr, 1, width)
}

/// A `from`-bit `expr` zero-extended to `to` bits, as Verilog text.
pub(crate) fn extend(expr: &str, from: u32, to: u32) -> String {
    if to <= from {
        expr.to_string()
    } else {
        format!("{{{}'d0, {expr}}}", to - from)
    }
}

impl Design for Decoder {
    fn top_module(&self) -> &'static str {
        MODULE
    }

    fn describe(&self) -> String {
        format!("{MODULE} L={}", self.params.window)
    }

    fn render_rtl(&self) -> Result<String> {
        let p = &self.params;
        let (c, k) = (p.count_bits(), p.position_bits());
        let text = DecoderVerilog {
            version: env!("CARGO_PKG_VERSION"),
            module: MODULE,
            window: p.window,
            c,
            k,
            last_position: verilog_literal(k, p.window - 1),
            bit_extended: zero_extend("bit_i", c),
            k_zero: verilog_literal(k, 0),
            k_one: verilog_literal(k, 1),
            c_zero: verilog_literal(c, 0),
        }
        .render()?;
        Ok(crate::verilog::finish(&text))
    }

    fn cycle_model(&self) -> Box<dyn CycleModel> {
        Box::new(NetModel::new(self.logic()))
    }

    fn signals(&self) -> Vec<Signal> {
        signal_table(&self.logic())
    }
}
