//! The machinery every unit's cycle model shares: a named-net table per unit
//! (an enum, in RTL declaration order, ports first), net values truncated to
//! their widths as Verilog assignments truncate, and a clocked `eval` with the
//! asynchronous active-low reset of every template. A unit supplies only its
//! `Logic`: widths, constants, reset values, combinational settling, registers.

use std::marker::PhantomData;

use crate::design::{CycleModel, Signal, SignalKind, mask};

/// A unit's net enum (see `unit_nets!`).
pub trait NetId: Copy + Eq + std::fmt::Debug + 'static {
    const ALL: &'static [Self];
    fn name(self) -> &'static str;
    fn kind(self) -> SignalKind;
    fn index(self) -> usize;
}

/// Declares a unit's net enum: `Variant => "rtl_name", Kind;` in declaration order.
macro_rules! unit_nets {
    ($(#[$meta:meta])* $enum:ident { $($variant:ident => $name:literal, $kind:ident;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $enum { $($variant),* }

        impl $crate::netlist::NetId for $enum {
            const ALL: &'static [Self] = &[$(Self::$variant),*];
            fn name(self) -> &'static str {
                match self { $(Self::$variant => $name),* }
            }
            fn kind(self) -> $crate::design::SignalKind {
                match self { $(Self::$variant => $crate::design::SignalKind::$kind),* }
            }
            fn index(self) -> usize {
                self as usize
            }
        }
    };
}
pub(crate) use unit_nets;

/// A unit's RTL behaviour over its nets.
pub trait Logic: Clone + 'static {
    type Net: NetId;
    /// Width of `net` (only asked for present nets).
    fn width(&self, net: Self::Net) -> u32;
    /// Whether the RTL of these parameters declares `net`.
    fn present(&self, _net: Self::Net) -> bool {
        true
    }
    /// Sets the localparams.
    fn constants(&self, v: &mut Values<Self::Net>);
    /// Loads the register reset values (constants only).
    fn reset(&self, v: &mut Values<Self::Net>);
    /// Evaluates every combinational net (including outputs) from inputs and registers.
    fn settle(&self, v: &mut Values<Self::Net>);
    /// (q, d) pairs of every register; absent ones are skipped.
    fn registers(&self) -> &'static [(Self::Net, Self::Net)];
}

/// Net values, indexed by net, each kept within its width.
#[derive(Debug, Clone)]
pub struct Values<N> {
    values: Vec<u64>,
    widths: Vec<u32>,
    _net: PhantomData<N>,
}

impl<N: NetId> Values<N> {
    pub fn get(&self, net: N) -> u64 {
        self.values[net.index()]
    }
    pub fn flag(&self, net: N) -> bool {
        self.values[net.index()] & 1 == 1
    }
    /// Assigns `value` truncated to the net's width, as a Verilog assignment does.
    pub fn set(&mut self, net: N, value: u64) {
        let i = net.index();
        self.values[i] = value & mask(self.widths[i]);
    }
    pub fn width(&self, net: N) -> u32 {
        self.widths[net.index()]
    }
}

/// The signal table of `logic`: present nets in declaration order.
pub fn signal_table<L: Logic>(logic: &L) -> Vec<Signal> {
    present_nets(logic)
        .into_iter()
        .map(|n| Signal {
            name: n.name(),
            width: logic.width(n),
            kind: n.kind(),
        })
        .collect()
}

pub fn present_nets<L: Logic>(logic: &L) -> Vec<L::Net> {
    L::Net::ALL
        .iter()
        .copied()
        .filter(|n| logic.present(*n))
        .collect()
}

/// A cycle model built from a unit's `Logic`.
pub struct NetModel<L: Logic> {
    logic: L,
    signals: Vec<Signal>,
    nets: Vec<L::Net>,
    values: Values<L::Net>,
    clk: L::Net,
    rst_n: L::Net,
    clk_before: bool,
    rst_n_before: bool,
    in_reset: bool,
}

impl<L: Logic> NetModel<L> {
    pub fn new(logic: L) -> Self {
        let all = L::Net::ALL;
        let widths = all
            .iter()
            .map(|n| {
                if logic.present(*n) {
                    logic.width(*n)
                } else {
                    0
                }
            })
            .collect();
        let find = |name: &str| {
            *all.iter()
                .find(|n| n.name() == name)
                .expect("every unit has clk_i and rst_ni")
        };
        let mut model = NetModel {
            signals: signal_table(&logic),
            nets: present_nets(&logic),
            values: Values {
                values: vec![0; all.len()],
                widths,
                _net: PhantomData,
            },
            clk: find("clk_i"),
            rst_n: find("rst_ni"),
            logic,
            clk_before: false,
            rst_n_before: false,
            in_reset: false,
        };
        // Registers power up at zero, as Verilator's do; only an active
        // reset (a falling edge of rst_ni) loads the reset constants.
        model.logic.constants(&mut model.values);
        model.logic.settle(&mut model.values);
        model
    }

    pub fn get(&self, net: L::Net) -> u64 {
        self.values.get(net)
    }

    pub fn values(&self) -> &Values<L::Net> {
        &self.values
    }
}

impl<L: Logic> CycleModel for NetModel<L> {
    fn signals(&self) -> &[Signal] {
        &self.signals
    }

    fn set_input(&mut self, index: usize, value: u64) {
        let net = self.nets[index];
        debug_assert_eq!(net.kind(), SignalKind::Input);
        self.values.set(net, value);
    }

    fn eval(&mut self) {
        let clk = self.values.flag(self.clk);
        let rising = clk && !self.clk_before;
        self.clk_before = clk;
        let rst_n = self.values.flag(self.rst_n);
        let reset_falls = !rst_n && self.rst_n_before;
        self.rst_n_before = rst_n;
        if !rst_n {
            // `always @(posedge clk_i or negedge rst_ni)`: the reset branch runs
            // at a falling edge of rst_ni and at every rising clock while it is
            // low. Verilator starts rst_ni at 0, so rst_ni low from time 0 is no
            // edge: the reset lands at the first rising clock.
            if reset_falls || rising || self.in_reset {
                self.in_reset = true;
                self.logic.reset(&mut self.values);
            }
        } else if rising {
            self.in_reset = false;
            // Registers sample their inputs as settled before the edge.
            self.logic.settle(&mut self.values);
            for &(q, d) in self.logic.registers() {
                if self.logic.present(q) {
                    let next = self.values.get(d);
                    self.values.set(q, next);
                }
            }
        }
        self.logic.settle(&mut self.values);
    }

    fn value(&self, index: usize) -> u64 {
        self.values.get(self.nets[index])
    }
}

/// Bits needed to hold `value` (at least 1).
pub fn bits_for(value: u64) -> u32 {
    (64 - value.leading_zeros()).max(1)
}

/// Port vectors for `Lockstep::clock`, built by port name.
#[derive(Debug, Clone)]
pub struct PortVector {
    names: Vec<&'static str>,
    values: Vec<u64>,
}

impl PortVector {
    /// All inputs zero except `rst_ni` = 1.
    pub fn new(ports: &[Signal]) -> Self {
        let names: Vec<_> = ports.iter().map(|p| p.name).collect();
        let values = names.iter().map(|n| u64::from(*n == "rst_ni")).collect();
        PortVector { names, values }
    }

    pub fn index(&self, name: &str) -> usize {
        self.names
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("no port `{name}`"))
    }

    pub fn set(&mut self, name: &str, value: u64) -> &mut Self {
        let i = self.index(name);
        self.values[i] = value;
        self
    }

    pub fn values(&self) -> &[u64] {
        &self.values
    }
}
