//! A stochastic number generator as an RTL unit: one generator and the
//! comparator `rand < value`.

use askama::Template;
use serde::Serialize;

use super::source::{Generator, GeneratorView, Source, SourceTables, generator_nets};
use crate::design::{CycleModel, Design, Signal, verilog_literal};
use crate::error::{ParamError, Result};
use crate::netlist::{Logic, NetModel, Values, signal_table, unit_nets};

pub const MODULE: &str = "sc_sng";

/// Validated parameters of one SNG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SngParams {
    width: u32,
    source: Source,
}

impl SngParams {
    pub fn new(width: u32, source: Source) -> Result<Self, ParamError> {
        source.validate("source", "width", width)?;
        Ok(SngParams { width, source })
    }
    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn source(&self) -> Source {
        self.source
    }
}

/// The step model: one call per cycle.
#[derive(Debug, Clone)]
pub struct SngStep {
    generator: Generator,
}

/// What the SNG shows during a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SngOutputs {
    pub bit: bool,
    pub rand: u64,
}

impl SngStep {
    pub fn new(params: &SngParams) -> Self {
        SngStep {
            generator: Generator::new(params.width, params.source).expect("validated"),
        }
    }
    /// The outputs this cycle for `value`.
    pub fn outputs(&self, value: u64) -> SngOutputs {
        SngOutputs {
            bit: self.generator.bit(value),
            rand: self.generator.rand(),
        }
    }
    /// The clock edge: the generator advances when enabled.
    pub fn step(&mut self, en: bool) {
        if en {
            self.generator.advance();
        }
    }
}

unit_nets! {
    /// The SNG's nets, in declaration order.
    SngNet {
        ClkI => "clk_i", Input;
        RstNi => "rst_ni", Input;
        EnI => "en_i", Input;
        ValueI => "value_i", Input;
        BitO => "bit_o", Output;
        RandO => "rand_o", Output;
        ResetState => "RESET_STATE", Constant;
        GenStateQ => "gen_state_q", Register;
        GenStateNext => "gen_state_next", Comb;
        GenRand => "gen_rand", Comb;
        StreamBit => "stream_bit", Comb;
        GenStateD => "gen_state_d", Comb;
    }
}

#[derive(Debug, Clone)]
pub struct SngLogic {
    params: SngParams,
    tables: SourceTables,
}

impl Logic for SngLogic {
    type Net = SngNet;

    fn width(&self, net: SngNet) -> u32 {
        use SngNet::*;
        match net {
            ClkI | RstNi | EnI | BitO | StreamBit => 1,
            _ => self.params.width,
        }
    }

    fn constants(&self, v: &mut Values<SngNet>) {
        v.set(SngNet::ResetState, self.params.source.reset_state());
    }

    fn reset(&self, v: &mut Values<SngNet>) {
        v.set(SngNet::GenStateQ, v.get(SngNet::ResetState));
    }

    fn settle(&self, v: &mut Values<SngNet>) {
        use SngNet::*;
        let state_q = v.get(GenStateQ);
        let (next, rand) = generator_nets(&self.tables, state_q);
        v.set(GenStateNext, next);
        v.set(GenRand, rand);
        v.set(StreamBit, u64::from(rand < v.get(ValueI)));
        v.set(GenStateD, if v.flag(EnI) { next } else { state_q });
        v.set(BitO, v.get(StreamBit));
        v.set(RandO, rand);
    }

    fn registers(&self) -> &'static [(SngNet, SngNet)] {
        &[(SngNet::GenStateQ, SngNet::GenStateD)]
    }
}

/// The SNG as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sng {
    pub params: SngParams,
}

impl Sng {
    pub fn new(params: SngParams) -> Self {
        Sng { params }
    }
    fn logic(&self) -> SngLogic {
        SngLogic {
            params: self.params,
            tables: SourceTables::new(self.params.width, self.params.source),
        }
    }
}

#[derive(Template)]
#[template(path = "bitstream/sng.v")]
struct SngVerilog {
    version: &'static str,
    module: &'static str,
    n: u32,
    source: String,
    reset_state: String,
    generators: Vec<GeneratorView>,
}

impl Design for Sng {
    fn top_module(&self) -> &'static str {
        MODULE
    }

    fn describe(&self) -> String {
        format!(
            "{MODULE} N={} source={}",
            self.params.width,
            self.params.source.describe()
        )
    }

    fn render_rtl(&self) -> Result<String> {
        let p = &self.params;
        let text = SngVerilog {
            version: env!("CARGO_PKG_VERSION"),
            module: MODULE,
            n: p.width,
            source: p.source.describe(),
            reset_state: verilog_literal(p.width, p.source.reset_state()),
            generators: vec![GeneratorView::new("gen", p.width, p.source)],
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
