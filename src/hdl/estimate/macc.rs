//! A multi-operand sum as Yosys 0.23 lowers a `$macc` cell without a DSP
//! (`maccmap`, called by the generic techmap): the operands' bits are sorted
//! into columns by weight, summands are drawn from the columns one bit each,
//! rows of full adders (3:2 compressors, LUT logic) reduce them to two, and
//! one `$alu` (a carry chain, built by the caller) adds the last two.
//!
//! `alumacc` makes a `$macc` of every soft multiplier and of every sum of
//! more than two operands, so the shape of this reduction, not a ripple of
//! chained adders, is what Yosys maps.

use super::aig::{Aig, FALSE, Lit};

/// A bit in a column. Yosys keeps a column as a set of signal bits: the
/// same bit added twice moves to the next column as one bit. Bits of the
/// operands are compared as signals (`Operand`); every bit a gate of the
/// lowering makes is a signal of its own (`Made`), even where the graph
/// folds it to a constant, because Yosys sorts the columns before `opt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bit {
    Operand(Lit),
    Made(u64, Lit),
}

impl Bit {
    fn lit(self) -> Lit {
        match self {
            Bit::Operand(lit) | Bit::Made(_, lit) => lit,
        }
    }
}

/// The columns of a `$macc` of `width` result bits.
pub struct Columns {
    columns: Vec<Vec<Bit>>,
    made: u64,
}

impl Columns {
    pub fn new(width: usize) -> Columns {
        Columns {
            columns: vec![Vec::new(); width],
            made: 0,
        }
    }

    fn width(&self) -> usize {
        self.columns.len()
    }

    fn made(&mut self, lit: Lit) -> Bit {
        self.made += 1;
        Bit::Made(self.made, lit)
    }

    fn add_bit(&mut self, bit: Bit, position: usize) {
        if position >= self.width() || bit == Bit::Operand(FALSE) {
            return;
        }
        let column = &mut self.columns[position];
        if let Some(k) = column.iter().position(|&b| b == bit) {
            column.remove(k);
            self.add_bit(bit, position + 1);
        } else {
            column.push(bit);
        }
    }

    /// A row of bits by weight.
    fn add_row(&mut self, row: Vec<Bit>) {
        for (position, bit) in row.into_iter().enumerate() {
            self.add_bit(bit, position);
        }
    }

    /// `bits`, zero- or sign-extended to the result width.
    fn extended(&self, bits: &[Lit], signed: bool) -> Vec<Lit> {
        let fill = match bits.last() {
            Some(&top) if signed => top,
            _ => FALSE,
        };
        (0..self.width())
            .map(|k| bits.get(k).copied().unwrap_or(fill))
            .collect()
    }

    /// An addend (a subtrahend comes inverted, with a one-bit addend 1).
    pub fn add_operand(&mut self, bits: &[Lit], signed: bool) {
        let row = self
            .extended(bits, signed)
            .into_iter()
            .map(Bit::Operand)
            .collect();
        self.add_row(row);
    }

    /// A product, one row of AND gates per bit of the narrower operand. A
    /// signed product's last row is `-a` at that bit's weight: `~a & b`
    /// plus `b` itself.
    pub fn add_product(&mut self, aig: &mut Aig, a: &[Lit], b: &[Lit], signed: bool) {
        let (a, b) = if a.len() < b.len() { (b, a) } else { (a, b) };
        let mut shifted = self.extended(a, signed);
        let b = &b[..b.len().min(self.width())];
        for (i, &select) in b.iter().enumerate() {
            if signed && i + 1 == b.len() {
                let negated: Vec<Lit> = (0..self.width())
                    .map(|k| if k < i { FALSE } else { shifted[k] ^ 1 })
                    .collect();
                self.add_partial_products(aig, &negated, select);
                self.add_bit(Bit::Operand(select), i);
            } else {
                self.add_partial_products(aig, &shifted, select);
                shifted.pop();
                shifted.insert(0, FALSE);
            }
        }
    }

    /// A row of AND gates `bits & select`, each output a signal of its own.
    fn add_partial_products(&mut self, aig: &mut Aig, bits: &[Lit], select: Lit) {
        let row = bits
            .iter()
            .map(|&p| {
                let lit = aig.and(p, select);
                self.made(lit)
            })
            .collect();
        self.add_row(row);
    }

    /// Reduces the columns to at most two summands of `width` bits, full
    /// adders in the graph; the caller adds the two with a carry chain.
    pub fn reduce(mut self, aig: &mut Aig) -> Vec<Vec<Lit>> {
        let width = self.width();
        let mut summands: Vec<Vec<Lit>> = Vec::new();
        // Bits of weight 2^i that ride as 2^i carry-ins of the compressor rows.
        let mut tree_bits: Vec<Lit> = Vec::new();
        loop {
            let mut summand = vec![FALSE; width];
            let mut any = false;
            for (k, column) in self.columns.iter_mut().enumerate() {
                if !column.is_empty() {
                    summand[k] = column.remove(0).lit();
                    any = true;
                }
            }
            if !any {
                break;
            }
            summands.push(summand);
            // n summands leave n - 2 carry-in slots in the compressor rows.
            let mut free = summands.len().saturating_sub(2) - tree_bits.len();
            for i in 0..width {
                if (1usize << i.min(63)) > free {
                    break;
                }
                while !self.columns[i].is_empty() && (1 << i) <= free {
                    let bit = self.columns[i].remove(0).lit();
                    tree_bits.extend(std::iter::repeat_n(bit, 1 << i));
                    free -= 1 << i;
                }
            }
        }
        while summands.len() > 2 {
            let mut next = Vec::new();
            let mut rest = summands.into_iter();
            loop {
                let group: Vec<Vec<Lit>> = rest.by_ref().take(3).collect();
                if group.len() < 3 {
                    next.extend(group);
                    break;
                }
                let mut sum = Vec::with_capacity(width);
                let mut carry = vec![tree_bits.pop().unwrap_or(FALSE)];
                let columns = group[0].iter().zip(&group[1]).zip(&group[2]);
                for (k, ((&p, &q), &r)) in columns.enumerate() {
                    let half = aig.xor(p, q);
                    sum.push(aig.xor(half, r));
                    if k + 1 < width {
                        carry.push(aig.majority(p, q, r));
                    }
                }
                next.push(sum);
                next.push(carry);
            }
            summands = next;
        }
        summands
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hdl::estimate::aig::TRUE;

    fn constant(value: i64, width: usize) -> Vec<Lit> {
        (0..width).map(|k| ((value >> k) & 1) as Lit).collect()
    }

    /// The value of rows of constant bits, added modulo 2^width.
    fn total(rows: &[Vec<Lit>], width: usize) -> i64 {
        let sum: i64 = rows
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(k, &bit)| {
                        assert!(bit <= TRUE, "a row of constants folds to constants");
                        i64::from(bit) << k
                    })
                    .sum::<i64>()
            })
            .sum();
        sum & ((1 << width) - 1)
    }

    #[test]
    fn products_reduce_to_two_rows_that_add_to_the_product() {
        for signed in [false, true] {
            for (wa, wb) in [(4, 3), (5, 2), (3, 3), (6, 1)] {
                let width = wa + wb;
                for a in 0..1i64 << wa {
                    for b in 0..1i64 << wb {
                        let (x, y) = if signed {
                            (a << (64 - wa) >> (64 - wa), b << (64 - wb) >> (64 - wb))
                        } else {
                            (a, b)
                        };
                        let mut aig = Aig::new();
                        let mut columns = Columns::new(width);
                        columns.add_product(&mut aig, &constant(a, wa), &constant(b, wb), signed);
                        let rows = columns.reduce(&mut aig);
                        assert!(rows.len() <= 2);
                        assert_eq!(
                            total(&rows, width),
                            (x * y) & ((1 << width) - 1),
                            "{a} * {b}, {wa}x{wb} bits, signed {signed}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn sums_of_many_operands_reduce_to_two_rows_that_add_to_the_sum() {
        let width = 6;
        let operands = [13, 7, 63, 1, 22, 5, 40];
        for count in 1..=operands.len() {
            let mut aig = Aig::new();
            let mut columns = Columns::new(width);
            for &v in &operands[..count] {
                columns.add_operand(&constant(v, width), false);
            }
            let rows = columns.reduce(&mut aig);
            let expected: i64 = operands[..count].iter().sum();
            assert_eq!(total(&rows, width), expected & 63, "{count} operands");
        }
    }
}
