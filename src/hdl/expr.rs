//! Expressions over nets, with their widths fixed and checked as they are built.
//!
//! Every operator states the widths it accepts: arithmetic, bitwise operators
//! and multiplexer arms take operands of one width and give that width;
//! comparisons and reductions give one bit. Widening is always explicit
//! (`zext`, `sext`, `concat`), narrowing is a `slice` of a net. Because every
//! operand already has the width of its context, Verilog's context-width rules
//! never widen anything behind the description's back: the rendered RTL and
//! the evaluator compute exactly the same bits.
//!
//! A malformed expression does not panic: it becomes `Node::Invalid` carrying
//! the reason, and assigning it to a net is a construction error naming that
//! net (`ModuleBuilder::finish` reports it).

use std::ops;

/// Widest net the description supports: the evaluator holds a value in a `u64`.
pub const MAX_WIDTH: u32 = 64;

/// A net of the module under construction: its index and its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Net {
    pub(crate) id: u32,
    pub(crate) width: u32,
}

impl Net {
    pub fn width(self) -> u32 {
        self.width
    }

    /// Bits `hi` down to `lo` (`net[hi:lo]`).
    pub fn slice(self, hi: u32, lo: u32) -> Expr {
        if hi < lo || hi >= self.width {
            return Expr::invalid(format!(
                "slice [{hi}:{lo}] of a {}-bit net is out of range",
                self.width
            ));
        }
        if lo == 0 && hi + 1 == self.width {
            return self.into();
        }
        Expr {
            node: Node::Slice {
                net: self.id,
                hi,
                lo,
            },
            width: hi - lo + 1,
        }
    }

    /// Bit `index` (`net[index]`).
    pub fn bit(self, index: u32) -> Expr {
        if index >= self.width {
            return Expr::invalid(format!(
                "bit {index} of a {}-bit net is out of range",
                self.width
            ));
        }
        if self.width == 1 {
            return self.into();
        }
        Expr {
            node: Node::Slice {
                net: self.id,
                hi: index,
                lo: index,
            },
            width: 1,
        }
    }

    /// The most significant bit (the sign of a two's-complement value).
    pub fn msb(self) -> Expr {
        self.bit(self.width - 1)
    }

    /// Sign extension to `width` bits: `{ {k{net[msb]}}, net }`. Verilog-2005
    /// cannot index an expression, so only a net can be sign-extended.
    pub fn sext(self, width: u32) -> Expr {
        if width < self.width {
            return Expr::invalid(format!(
                "sign extension of a {}-bit net to {width} bits narrows it",
                self.width
            ));
        }
        if width == self.width {
            return self.into();
        }
        Expr {
            node: Node::Sext(self.id, self.width),
            width,
        }
    }
}

/// An expression and its width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub(crate) node: Node,
    pub(crate) width: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `~a`
    Not,
    /// `|a`
    ReduceOr,
    /// `&a`
    ReduceAnd,
    /// `^a`
    ReduceXor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    /// Unsigned product, truncated to the operands' width.
    Mul,
    /// Two's-complement product (`$signed(a) * $signed(b)`), truncated to the
    /// operands' width; the low bits equal the unsigned product's.
    MulSigned,
    And,
    Or,
    Xor,
    Eq,
    Ne,
    /// Unsigned comparisons.
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinaryOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftOp {
    /// `a << k`
    Left,
    /// `a >> k` (logical)
    Right,
    /// `$signed(a) >>> k` (arithmetic: floor division by 2^k)
    RightArithmetic,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Const(u64),
    Net(u32),
    Slice {
        net: u32,
        hi: u32,
        lo: u32,
    },
    /// Zero extension of the operand to the expression's width.
    Zext(Box<Expr>),
    /// Sign extension of net `.0` (of width `.1`) to the expression's width.
    Sext(u32, u32),
    /// Operands most significant first.
    Concat(Vec<Expr>),
    Repeat(u32, Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Shift(ShiftOp, Box<Expr>, u32),
    /// `select ? then : otherwise`
    Mux(Box<Expr>, Box<Expr>, Box<Expr>),
    /// What went wrong building this expression.
    Invalid(String),
}

impl From<Net> for Expr {
    fn from(net: Net) -> Expr {
        Expr {
            node: Node::Net(net.id),
            width: net.width,
        }
    }
}

impl From<&Expr> for Expr {
    fn from(e: &Expr) -> Expr {
        e.clone()
    }
}

/// A `width`-bit constant. A value that does not fit is an invalid expression.
pub fn lit(width: u32, value: u64) -> Expr {
    if width == 0 || width > MAX_WIDTH {
        return Expr::invalid(format!(
            "a constant of {width} bits (allowed 1..={MAX_WIDTH})"
        ));
    }
    if value & !crate::design::mask(width) != 0 {
        return Expr::invalid(format!("constant {value:#x} does not fit {width} bits"));
    }
    Expr {
        node: Node::Const(value),
        width,
    }
}

/// `value * factor` for a constant factor, as shifts and adds of `value`
/// zero-extended to `width` bits (no multiplier is built).
pub fn times_constant(value: Expr, factor: u64, width: u32) -> Expr {
    let mut sum: Option<Expr> = None;
    for b in 0..64 {
        if factor >> b & 1 == 1 {
            let term = value.clone().zext(width) << b;
            sum = Some(match sum {
                Some(s) => s + term,
                None => term,
            });
        }
    }
    sum.unwrap_or_else(|| lit(width, 0))
}

/// `select ? then : otherwise`, both arms of one width, a one-bit select.
pub fn mux(select: impl Into<Expr>, then: impl Into<Expr>, otherwise: impl Into<Expr>) -> Expr {
    let (s, a, b) = (select.into(), then.into(), otherwise.into());
    if let Some(bad) = first_invalid(&[&s, &a, &b]) {
        return bad;
    }
    if s.width != 1 {
        return Expr::invalid(format!(
            "a multiplexer select of {} bits (needs 1)",
            s.width
        ));
    }
    if a.width != b.width {
        return Expr::invalid(format!(
            "multiplexer arms of {} and {} bits",
            a.width, b.width
        ));
    }
    let width = a.width;
    Expr {
        node: Node::Mux(Box::new(s), Box::new(a), Box::new(b)),
        width,
    }
}

/// `{a, b, ...}`, most significant first.
pub fn concat(parts: impl IntoIterator<Item = Expr>) -> Expr {
    let parts: Vec<Expr> = parts.into_iter().collect();
    if let Some(bad) = parts.iter().find(|p| p.is_invalid()) {
        return bad.clone();
    }
    let width: u32 = parts.iter().map(|p| p.width).sum();
    if parts.is_empty() || width > MAX_WIDTH {
        return Expr::invalid(format!(
            "a concatenation of {width} bits (allowed 1..={MAX_WIDTH})"
        ));
    }
    if parts.len() == 1 {
        return parts.into_iter().next().expect("one part");
    }
    Expr {
        node: Node::Concat(parts),
        width,
    }
}

fn first_invalid(exprs: &[&Expr]) -> Option<Expr> {
    exprs.iter().find(|e| e.is_invalid()).map(|e| (*e).clone())
}

impl Expr {
    pub(crate) fn invalid(reason: String) -> Expr {
        Expr {
            node: Node::Invalid(reason),
            width: 0,
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn is_invalid(&self) -> bool {
        matches!(self.node, Node::Invalid(_))
    }

    /// The reason, when this expression is invalid (the first one found).
    pub fn invalid_reason(&self) -> Option<&str> {
        match &self.node {
            Node::Invalid(reason) => Some(reason),
            _ => None,
        }
    }

    fn binary(self, op: BinaryOp, rhs: Expr) -> Expr {
        if let Some(bad) = first_invalid(&[&self, &rhs]) {
            return bad;
        }
        if self.width != rhs.width {
            return Expr::invalid(format!(
                "operands of {op:?} have {} and {} bits",
                self.width, rhs.width
            ));
        }
        let width = if op.is_comparison() { 1 } else { self.width };
        Expr {
            node: Node::Binary(op, Box::new(self), Box::new(rhs)),
            width,
        }
    }

    fn unary(self, op: UnaryOp) -> Expr {
        if self.is_invalid() {
            return self;
        }
        let width = if op == UnaryOp::Not { self.width } else { 1 };
        Expr {
            node: Node::Unary(op, Box::new(self)),
            width,
        }
    }

    fn shift(self, op: ShiftOp, amount: u32) -> Expr {
        if self.is_invalid() {
            return self;
        }
        let width = self.width;
        Expr {
            node: Node::Shift(op, Box::new(self), amount),
            width,
        }
    }

    /// Zero extension to `width` bits: `{k'b0, a}`.
    pub fn zext(self, width: u32) -> Expr {
        if self.is_invalid() {
            return self;
        }
        if width < self.width || width > MAX_WIDTH {
            return Expr::invalid(format!(
                "zero extension of {} bits to {width} bits",
                self.width
            ));
        }
        if width == self.width {
            return self;
        }
        Expr {
            node: Node::Zext(Box::new(self)),
            width,
        }
    }

    /// `{n{a}}`
    pub fn repeat(self, count: u32) -> Expr {
        if self.is_invalid() {
            return self;
        }
        if count == 0 || self.width * count > MAX_WIDTH {
            return Expr::invalid(format!(
                "{count} copies of {} bits (allowed 1..={MAX_WIDTH} bits)",
                self.width
            ));
        }
        if count == 1 {
            return self;
        }
        let width = self.width * count;
        Expr {
            node: Node::Repeat(count, Box::new(self)),
            width,
        }
    }

    pub fn eq(self, rhs: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::Eq, rhs.into())
    }
    pub fn ne(self, rhs: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::Ne, rhs.into())
    }
    pub fn lt(self, rhs: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::Lt, rhs.into())
    }
    pub fn le(self, rhs: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::Le, rhs.into())
    }
    pub fn gt(self, rhs: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::Gt, rhs.into())
    }
    pub fn ge(self, rhs: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::Ge, rhs.into())
    }
    /// Two's-complement product in the operands' width.
    pub fn mul_signed(self, rhs: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::MulSigned, rhs.into())
    }
    /// Arithmetic right shift by a constant (floor division by 2^k).
    pub fn sra(self, amount: u32) -> Expr {
        self.shift(ShiftOp::RightArithmetic, amount)
    }
    pub fn any(self) -> Expr {
        self.unary(UnaryOp::ReduceOr)
    }
    pub fn all(self) -> Expr {
        self.unary(UnaryOp::ReduceAnd)
    }
    pub fn parity(self) -> Expr {
        self.unary(UnaryOp::ReduceXor)
    }
}

/// Methods of `Expr` that read naturally on a net too.
impl Net {
    pub fn zext(self, width: u32) -> Expr {
        Expr::from(self).zext(width)
    }
    pub fn eq(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).eq(rhs)
    }
    pub fn ne(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).ne(rhs)
    }
    pub fn lt(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).lt(rhs)
    }
    pub fn le(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).le(rhs)
    }
    pub fn gt(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).gt(rhs)
    }
    pub fn ge(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).ge(rhs)
    }
    pub fn any(self) -> Expr {
        Expr::from(self).any()
    }
    pub fn all(self) -> Expr {
        Expr::from(self).all()
    }
    pub fn parity(self) -> Expr {
        Expr::from(self).parity()
    }
    pub fn repeat(self, count: u32) -> Expr {
        Expr::from(self).repeat(count)
    }
}

macro_rules! binary_operator {
    ($trait:ident, $method:ident, $op:ident) => {
        impl<R: Into<Expr>> ops::$trait<R> for Expr {
            type Output = Expr;
            fn $method(self, rhs: R) -> Expr {
                self.binary(BinaryOp::$op, rhs.into())
            }
        }
        impl<R: Into<Expr>> ops::$trait<R> for Net {
            type Output = Expr;
            fn $method(self, rhs: R) -> Expr {
                Expr::from(self).binary(BinaryOp::$op, rhs.into())
            }
        }
    };
}

binary_operator!(Add, add, Add);
binary_operator!(Sub, sub, Sub);
binary_operator!(Mul, mul, Mul);
binary_operator!(BitAnd, bitand, And);
binary_operator!(BitOr, bitor, Or);
binary_operator!(BitXor, bitxor, Xor);

macro_rules! shift_operator {
    ($trait:ident, $method:ident, $op:ident) => {
        impl ops::$trait<u32> for Expr {
            type Output = Expr;
            fn $method(self, amount: u32) -> Expr {
                self.shift(ShiftOp::$op, amount)
            }
        }
        impl ops::$trait<u32> for Net {
            type Output = Expr;
            fn $method(self, amount: u32) -> Expr {
                Expr::from(self).shift(ShiftOp::$op, amount)
            }
        }
    };
}

shift_operator!(Shl, shl, Left);
shift_operator!(Shr, shr, Right);

impl ops::Not for Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        self.unary(UnaryOp::Not)
    }
}

impl ops::Not for Net {
    type Output = Expr;
    fn not(self) -> Expr {
        Expr::from(self).unary(UnaryOp::Not)
    }
}

impl Expr {
    /// Every net this expression reads.
    pub(crate) fn reads(&self, out: &mut Vec<u32>) {
        match &self.node {
            Node::Const(_) | Node::Invalid(_) => {}
            Node::Net(n) | Node::Slice { net: n, .. } | Node::Sext(n, _) => out.push(*n),
            Node::Zext(a) | Node::Repeat(_, a) | Node::Unary(_, a) | Node::Shift(_, a, _) => {
                a.reads(out)
            }
            Node::Concat(parts) => parts.iter().for_each(|p| p.reads(out)),
            Node::Binary(_, a, b) => {
                a.reads(out);
                b.reads(out);
            }
            Node::Mux(s, a, b) => {
                s.reads(out);
                a.reads(out);
                b.reads(out);
            }
        }
    }

    /// Replaces every read of net `from` by `to` (same width), as fault
    /// injection and experiments do on a built description.
    pub(crate) fn substitute(&mut self, from: u32, to: &Expr) {
        match &mut self.node {
            Node::Net(n) if *n == from => *self = to.clone(),
            Node::Const(_) | Node::Invalid(_) | Node::Net(_) => {}
            Node::Slice { net, .. } | Node::Sext(net, _) => {
                if *net == from {
                    *self = Expr::invalid(
                        "a substituted net is sliced; substitute the slice's user instead".into(),
                    );
                }
            }
            Node::Zext(a) | Node::Repeat(_, a) | Node::Unary(_, a) | Node::Shift(_, a, _) => {
                a.substitute(from, to)
            }
            Node::Concat(parts) => parts.iter_mut().for_each(|p| p.substitute(from, to)),
            Node::Binary(_, a, b) => {
                a.substitute(from, to);
                b.substitute(from, to);
            }
            Node::Mux(s, a, b) => {
                s.substitute(from, to);
                a.substitute(from, to);
                b.substitute(from, to);
            }
        }
    }

    /// Signed operators are exact in Verilog only where no unsigned operand
    /// shares their expression: a `MulSigned` may stand at the root or under
    /// an arithmetic shift, an arithmetic shift only at the root.
    pub(crate) fn misplaced_signed_operator(&self, at_root: bool, under_sra: bool) -> bool {
        match &self.node {
            Node::Binary(BinaryOp::MulSigned, a, b) => {
                !(at_root || under_sra)
                    || a.misplaced_signed_operator(false, false)
                    || b.misplaced_signed_operator(false, false)
            }
            Node::Shift(ShiftOp::RightArithmetic, a, _) => {
                !at_root || a.misplaced_signed_operator(false, true)
            }
            Node::Const(_)
            | Node::Invalid(_)
            | Node::Net(_)
            | Node::Slice { .. }
            | Node::Sext(..) => false,
            Node::Zext(a) | Node::Repeat(_, a) | Node::Unary(_, a) | Node::Shift(_, a, _) => {
                a.misplaced_signed_operator(false, false)
            }
            Node::Concat(parts) => parts
                .iter()
                .any(|p| p.misplaced_signed_operator(false, false)),
            Node::Binary(_, a, b) => {
                a.misplaced_signed_operator(false, false)
                    || b.misplaced_signed_operator(false, false)
            }
            Node::Mux(s, a, b) => [s, a, b]
                .iter()
                .any(|e| e.misplaced_signed_operator(false, false)),
        }
    }
}
