//! A self-checking Verilog testbench and its hex stimulus, from a reference
//! vector file: the RTL checked against the file's own expectations in any
//! Verilog-2005 simulator, with no hebb model in the loop.

use askama::Template;

use crate::design::verilog_literal;
use crate::error::Result;

use super::RstdpLane;
use super::params::LaneParams;
use super::vectors::VectorFile;
use crate::design::Design;

#[derive(Template)]
#[template(path = "rstdp_lane/rstdp_lane_tb.v")]
struct LaneTestbench<'a> {
    version: &'static str,
    module: &'a str,
    source: &'a str,
    hex_name: &'a str,
    w: u32,
    t: u32,
    r: u32,
    l: u32,
    d: u32,
    entries: usize,
    entry_bits: u32,
    payload_bits: u32,
    r_zero: String,
    w_zero: String,
}

/// Bits of one entry before padding to whole hex digits.
fn payload_bits(p: &LaneParams) -> u32 {
    32 + 3 + p.reward_bits() + p.weight_bits() + 3 * p.trace_bits()
}

/// `(testbench file name, testbench, hex file name, hex)` for `file`.
pub fn render(file: &VectorFile) -> Result<(String, String, String, String)> {
    let p = &file.params;
    let module = RstdpLane::new(*p).top_module();
    let payload = payload_bits(p);
    let entry_bits = payload.div_ceil(4) * 4;
    // Names come from the input file, never from its contents, and are reduced
    // to safe characters: they become a file name in the output folder and a
    // Verilog string.
    let safe = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let stem = file
        .path
        .file_stem()
        .map(|n| safe(&n.to_string_lossy()))
        .filter(|s| !s.is_empty() && !s.starts_with('.'))
        .unwrap_or_else(|| "vectors".into());
    let hex_name = format!("{stem}.hex");
    let mut hex = String::new();
    let mut entries = 0;
    // Fields are concatenated MSB first as bit strings: an entry can exceed 128 bits.
    let mut push = |fields: &[(u128, u32)]| {
        let mut bits = "0".repeat((entry_bits - payload) as usize);
        for &(value, width) in fields {
            bits.extend(
                (0..width)
                    .rev()
                    .map(|b| if (value >> b) & 1 == 1 { '1' } else { '0' }),
            );
        }
        for nibble in bits.as_bytes().chunks(4) {
            let digit = nibble
                .iter()
                .fold(0u32, |acc, &b| (acc << 1) | u32::from(b == b'1'));
            hex.push(char::from_digit(digit, 16).expect("a nibble"));
        }
        hex.push('\n');
        entries += 1;
    };
    let (w, t, r) = (p.weight_bits(), p.trace_bits(), p.reward_bits());
    for segment in &file.segments {
        push(&[
            (segment.line as u128, 32),
            (1, 1),
            (0, 1),
            (0, 1),
            (0, r),
            (p.saturate_weight(segment.initial_weight) as u128, w),
            (0, t),
            (0, t),
            (0, t),
        ]);
        for step in &segment.steps {
            let e = &step.expected;
            push(&[
                (step.line as u128, 32),
                (0, 1),
                (step.pre as u128, 1),
                (step.post as u128, 1),
                (p.saturate_reward(step.reward) as u128, r),
                (e.weight as u128, w),
                (e.pre_trace as u128, t),
                (e.post_trace as u128, t),
                (e.eligibility as u64 as u128, t),
            ]);
        }
    }
    let source = file
        .path
        .file_name()
        .map(|n| safe(&n.to_string_lossy()))
        .unwrap_or_default();
    let tb = LaneTestbench {
        version: env!("CARGO_PKG_VERSION"),
        module: &module,
        source: &source,
        hex_name: &hex_name,
        w,
        t,
        r,
        l: p.learning_shift(),
        d: p.trace_decay_shift(),
        entries,
        entry_bits,
        payload_bits: payload,
        r_zero: verilog_literal(r, 0),
        w_zero: verilog_literal(w, 0),
    }
    .render()?;
    Ok((
        format!("{module}_tb.v"),
        crate::verilog::finish(&tb),
        hex_name,
        hex,
    ))
}
