//! The description layer: each unit describes its hardware once, as named
//! nets and what drives them, and everything else derives from that one
//! description: the Verilog (`verilog`), the cycle model (`sim`), the net
//! table for lockstep and VCDs, and the structural resource estimate
//! (`estimate`). See docs/architecture.md.

pub mod estimate;
pub mod expr;
pub mod module;
pub mod sim;
pub mod verilog;

pub use expr::{Expr, MAX_WIDTH, Net, concat, lit, mux, times_constant};
pub use module::{
    DescriptionError, Instance, Item, Memory, Module, ModuleBuilder, NetDecl, NetKind,
    RegisterGroup, Statement, is_identifier, zero,
};
pub use sim::{Compiled, CompiledModel};
