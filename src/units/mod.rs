//! hebb's hardware units, one folder each (parameters, step model,
//! description, and tooling of its own), and the registry that names them.
//! Adding a unit: its folder, and one line in `UNITS`.

pub mod lif_population;
pub mod plastic_core;
pub mod rstdp_array;
pub mod rstdp_lane;
pub mod rstdp_lane_pair;
pub mod sc_decoder;
pub mod sc_dot_product;
pub mod sc_sng;
pub mod sc_stdp;
pub mod sc_synapse;

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::design::Design;
use crate::error::{Error, ParamError, Result};
use crate::params::{ParamValues, defaults_table};

/// One documented parameter key of a unit.
#[derive(Debug, Clone, Copy)]
pub struct ParamKey {
    pub key: &'static str,
    /// What values are allowed, as `hebb units` prints it.
    pub allowed: &'static str,
    pub meaning: &'static str,
}

/// A kind of unit: its name, its keys, and how a parameter set becomes a design.
pub trait UnitKind: Sync {
    /// The `--unit` name, also the prefix of its module names.
    fn name(&self) -> &'static str;
    fn summary(&self) -> &'static str;
    fn keys(&self) -> &'static [ParamKey];
    /// The default parameters, as a TOML table (key = default value).
    fn defaults(&self) -> Result<toml::Table>;
    /// The design of these parameter values over the defaults; an unknown
    /// key, a wrong type or a value out of range is an error naming it.
    fn design(&self, values: &ParamValues) -> Result<Box<dyn Design>>;
}

/// A unit whose raw parameters are the serde struct `R`, validated by `build`.
pub struct Unit<R> {
    pub name: &'static str,
    pub summary: &'static str,
    pub keys: &'static [ParamKey],
    pub build: fn(R) -> Result<Box<dyn Design>, ParamError>,
    pub raw: PhantomData<fn() -> R>,
}

impl<R: Serialize + DeserializeOwned + Default> UnitKind for Unit<R> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn keys(&self) -> &'static [ParamKey] {
        self.keys
    }
    fn defaults(&self) -> Result<toml::Table> {
        defaults_table(&R::default())
    }
    fn design(&self, values: &ParamValues) -> Result<Box<dyn Design>> {
        let raw: R = values.resolve(self.name)?;
        (self.build)(raw).map_err(|e| values.locate(e))
    }
}

/// Every unit hebb can generate, in the order `hebb units` lists them.
pub static UNITS: &[&dyn UnitKind] = &[
    &rstdp_lane::KIND,
    &rstdp_lane_pair::KIND,
    &rstdp_array::KIND,
    &lif_population::KIND,
    &plastic_core::KIND,
    &sc_sng::KIND,
    &sc_synapse::KIND,
    &sc_decoder::KIND,
    &sc_dot_product::KIND,
    &sc_stdp::KIND,
];

/// The embedded default design of the main job (`hebb run`, `make sim`).
pub const DEFAULT_UNIT: &str = plastic_core::UNIT;

/// The unit named `name`.
pub fn unit(name: &str) -> Result<&'static dyn UnitKind> {
    UNITS
        .iter()
        .copied()
        .find(|u| u.name() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = UNITS.iter().map(|u| u.name()).collect();
            Error::Other(format!(
                "unknown unit `{name}`: allowed {}",
                names.join(", ")
            ))
        })
}

/// The default design of `name` (what `rtl/` holds).
pub fn default_design(name: &str) -> Result<Box<dyn Design>> {
    unit(name)?.design(&ParamValues::default())
}

/// Six hex digits of the SHA-256 of `raw`'s JSON: the part of a module name
/// that pins the parameters its readable parts leave out.
pub fn params_digest<R: Serialize>(raw: &R) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(raw).expect("parameters serialize to JSON");
    Sha256::digest(&json)[..3]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A source in a module name: `sobol2`, `lfsr1` (primary, seed 1),
/// `lfsrr5a5` (reciprocal, seed 0x5a5).
pub fn source_key(source: crate::stochastic::Source) -> String {
    use crate::stochastic::{Polynomial, Source};
    match source {
        Source::Sobol { dimension } => format!("sobol{dimension}"),
        Source::Lfsr {
            polynomial: Polynomial::Primary,
            seed,
        } => format!("lfsr{seed:x}"),
        Source::Lfsr {
            polynomial: Polynomial::Reciprocal,
            seed,
        } => format!("lfsrr{seed:x}"),
    }
}
