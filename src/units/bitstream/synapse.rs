//! The AND synapse: `post = pre AND (rand < weight)`, the weight held in a
//! fixed-point register and encoded by the synapse's own generator.

use askama::Template;
use serde::Serialize;

use super::source::{Generator, GeneratorView, Source, SourceTables, generator_nets};
use crate::design::{CycleModel, Design, Signal, mask, verilog_literal};
use crate::error::{ParamError, Result};
use crate::netlist::{Logic, NetModel, Values, signal_table, unit_nets};

pub const MODULE: &str = "sc_synapse";

/// Validated parameters of one synapse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SynapseParams {
    width: u32,
    weight_source: Source,
    reset_weight: u64,
}

impl SynapseParams {
    pub fn new(width: u32, weight_source: Source, reset_weight: u64) -> Result<Self, ParamError> {
        weight_source.validate("weight_source", "width", width)?;
        ParamError::check_range("reset_weight", reset_weight.into(), 0, mask(width).into())?;
        Ok(SynapseParams {
            width,
            weight_source,
            reset_weight,
        })
    }
    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn weight_source(&self) -> Source {
        self.weight_source
    }
    pub fn reset_weight(&self) -> u64 {
        self.reset_weight
    }
}

/// One cycle's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SynapseInputs {
    pub en: bool,
    pub pre: bool,
    pub update_weight: bool,
    pub weight_value: u64,
}

/// What the synapse shows during a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynapseOutputs {
    pub post: bool,
    pub weight_bit: bool,
    pub weight: u64,
}

/// The step model: one call per cycle.
#[derive(Debug, Clone)]
pub struct SynapseStep {
    generator: Generator,
    weight: u64,
    width: u32,
}

impl SynapseStep {
    pub fn new(params: &SynapseParams) -> Self {
        SynapseStep {
            generator: Generator::new(params.width, params.weight_source).expect("validated"),
            weight: params.reset_weight,
            width: params.width,
        }
    }
    pub fn outputs(&self, inputs: &SynapseInputs) -> SynapseOutputs {
        let weight_bit = self.generator.bit(self.weight);
        SynapseOutputs {
            post: inputs.pre && weight_bit,
            weight_bit,
            weight: self.weight,
        }
    }
    /// The clock edge: a weight update lands now, the generator advances when enabled.
    pub fn step(&mut self, inputs: &SynapseInputs) {
        if inputs.update_weight {
            self.weight = inputs.weight_value & mask(self.width);
        }
        if inputs.en {
            self.generator.advance();
        }
    }
}

unit_nets! {
    /// The synapse's nets, in declaration order.
    SynapseNet {
        ClkI => "clk_i", Input;
        RstNi => "rst_ni", Input;
        EnI => "en_i", Input;
        PreI => "pre_i", Input;
        UpdateWeightI => "update_weight_i", Input;
        WeightValueI => "weight_value_i", Input;
        PostO => "post_o", Output;
        WeightBitO => "weight_bit_o", Output;
        WeightO => "weight_o", Output;
        ResetWeight => "RESET_WEIGHT", Constant;
        ResetState => "RESET_STATE", Constant;
        WeightQ => "weight_q", Register;
        GenStateQ => "gen_state_q", Register;
        GenStateNext => "gen_state_next", Comb;
        GenRand => "gen_rand", Comb;
        WeightBit => "weight_bit", Comb;
        PostBit => "post_bit", Comb;
        WeightD => "weight_d", Comb;
        GenStateD => "gen_state_d", Comb;
    }
}

#[derive(Debug, Clone)]
pub struct SynapseLogic {
    params: SynapseParams,
    tables: SourceTables,
}

impl Logic for SynapseLogic {
    type Net = SynapseNet;

    fn width(&self, net: SynapseNet) -> u32 {
        use SynapseNet::*;
        match net {
            ClkI | RstNi | EnI | PreI | UpdateWeightI | PostO | WeightBitO | WeightBit
            | PostBit => 1,
            _ => self.params.width,
        }
    }

    fn constants(&self, v: &mut Values<SynapseNet>) {
        v.set(SynapseNet::ResetWeight, self.params.reset_weight);
        v.set(
            SynapseNet::ResetState,
            self.params.weight_source.reset_state(),
        );
    }

    fn reset(&self, v: &mut Values<SynapseNet>) {
        v.set(SynapseNet::WeightQ, v.get(SynapseNet::ResetWeight));
        v.set(SynapseNet::GenStateQ, v.get(SynapseNet::ResetState));
    }

    fn settle(&self, v: &mut Values<SynapseNet>) {
        use SynapseNet::*;
        let (state_q, weight_q) = (v.get(GenStateQ), v.get(WeightQ));
        let (next, rand) = generator_nets(&self.tables, state_q);
        v.set(GenStateNext, next);
        v.set(GenRand, rand);
        let weight_bit = rand < weight_q;
        v.set(WeightBit, weight_bit.into());
        v.set(PostBit, u64::from(v.flag(PreI) && weight_bit));
        let weight_d = if v.flag(UpdateWeightI) {
            v.get(WeightValueI)
        } else {
            weight_q
        };
        v.set(WeightD, weight_d);
        v.set(GenStateD, if v.flag(EnI) { next } else { state_q });
        v.set(PostO, v.get(PostBit));
        v.set(WeightBitO, weight_bit.into());
        v.set(WeightO, weight_q);
    }

    fn registers(&self) -> &'static [(SynapseNet, SynapseNet)] {
        use SynapseNet::*;
        &[(WeightQ, WeightD), (GenStateQ, GenStateD)]
    }
}

/// The synapse as a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synapse {
    pub params: SynapseParams,
}

impl Synapse {
    pub fn new(params: SynapseParams) -> Self {
        Synapse { params }
    }
    fn logic(&self) -> SynapseLogic {
        SynapseLogic {
            params: self.params,
            tables: SourceTables::new(self.params.width, self.params.weight_source),
        }
    }
}

#[derive(Template)]
#[template(path = "bitstream/synapse.v")]
struct SynapseVerilog {
    version: &'static str,
    module: &'static str,
    n: u32,
    source: String,
    reset_weight: u64,
    reset_weight_literal: String,
    reset_state: String,
    generators: Vec<GeneratorView>,
}

impl Design for Synapse {
    fn top_module(&self) -> &'static str {
        MODULE
    }

    fn describe(&self) -> String {
        let p = &self.params;
        format!(
            "{MODULE} N={} weight_source={} reset_weight={}",
            p.width,
            p.weight_source.describe(),
            p.reset_weight
        )
    }

    fn render_rtl(&self) -> Result<String> {
        let p = &self.params;
        let text = SynapseVerilog {
            version: env!("CARGO_PKG_VERSION"),
            module: MODULE,
            n: p.width,
            source: p.weight_source.describe(),
            reset_weight: p.reset_weight,
            reset_weight_literal: verilog_literal(p.width, p.reset_weight),
            reset_state: verilog_literal(p.width, p.weight_source.reset_state()),
            generators: vec![GeneratorView::new("gen", p.width, p.weight_source)],
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
