//! Finishing touches on rendered Verilog, so generated RTL reads like
//! hand-written RTL: declarations aligned in columns, one final newline.
//!
//! Templates compute widths, so a declaration's range is as wide as its
//! digits (`[7:0]` or `[31:0]`); aligning by hand in every template would
//! put padding logic in each of them. This pass aligns every run of
//! consecutive declarations (ports, `localparam`, `reg`, `wire`) at the same
//! indentation: keyword, range, name, then `=` values and `//` comments.

/// Aligns declaration runs and ends the text with exactly one newline
/// (askama drops the template's last one; Verilator -Wall wants it).
pub fn finish(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end_matches('\n').split('\n').collect();
    let mut out = String::with_capacity(text.len() + 256);
    let mut i = 0;
    while i < lines.len() {
        let Some(first) = Declaration::parse(lines[i]) else {
            out.push_str(lines[i].trim_end());
            out.push('\n');
            i += 1;
            continue;
        };
        let mut run = vec![first];
        while let Some(next) = lines.get(i + run.len()).and_then(|l| Declaration::parse(l)) {
            if next.indent != run[0].indent {
                break;
            }
            run.push(next);
        }
        i += run.len();
        for line in align(&run) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
struct Declaration<'a> {
    indent: &'a str,
    /// `input  wire`, `output wire`, `reg`, `wire`, `localparam` (direction words normalised).
    keyword: String,
    range: &'a str,
    name: &'a str,
    /// What follows the name: `,`, `;`, `= value;` (without leading spaces).
    rest: &'a str,
    comment: Option<&'a str>,
}

impl<'a> Declaration<'a> {
    fn parse(line: &'a str) -> Option<Self> {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let (code, comment) = match body.find("//") {
            Some(at) => (body[..at].trim_end(), Some(body[at..].trim_end())),
            None => (body.trim_end(), None),
        };
        let mut words = code.split_whitespace();
        let first = words.next()?;
        let (keyword, after) = match first {
            "input" | "output" | "inout" => {
                let kind = words.next()?;
                if kind != "wire" && kind != "reg" {
                    return None;
                }
                (format!("{first:<6} {kind}"), skip_words(code, 2)?)
            }
            "reg" | "wire" | "localparam" => (first.to_string(), skip_words(code, 1)?),
            _ => return None,
        };
        let after = after.trim_start();
        let (range, after) = if after.starts_with('[') {
            let end = after.find(']')? + 1;
            (&after[..end], after[end..].trim_start())
        } else {
            ("", after)
        };
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(after.len());
        if name_len == 0 {
            return None;
        }
        let (name, rest) = after.split_at(name_len);
        let rest = rest.trim_start();
        // Only whole declarations: a name followed by `,`, `;`, `= ...;` or nothing (the last port).
        if !(rest.is_empty() || rest == "," || rest == ";" || rest.starts_with('=')) {
            return None;
        }
        Some(Declaration {
            indent,
            keyword,
            range,
            name,
            rest,
            comment,
        })
    }
}

/// `code` after its first `n` whitespace-separated words.
fn skip_words(code: &str, n: usize) -> Option<&str> {
    let mut rest = code;
    for _ in 0..n {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    Some(rest)
}

fn align(run: &[Declaration]) -> Vec<String> {
    let width = |f: &dyn Fn(&Declaration) -> usize| run.iter().map(f).max().unwrap_or(0);
    let keyword_w = width(&|d| d.keyword.len());
    let range_w = width(&|d| d.range.len());
    let name_w = width(&|d| {
        if d.rest.starts_with('=') {
            d.name.len()
        } else {
            0
        }
    });
    let codes: Vec<String> = run
        .iter()
        .map(|d| {
            let mut code = format!("{}{:<keyword_w$}", d.indent, d.keyword);
            if range_w > 0 {
                code.push_str(&format!(" {:<range_w$}", d.range));
            }
            if d.rest.starts_with('=') {
                code.push_str(&format!(" {:<name_w$} {}", d.name, d.rest));
            } else {
                code.push_str(&format!(" {}{}", d.name, d.rest));
            }
            code
        })
        .collect();
    let code_w = run
        .iter()
        .zip(&codes)
        .filter(|(d, _)| d.comment.is_some())
        .map(|(_, c)| c.len())
        .max()
        .unwrap_or(0);
    run.iter()
        .zip(codes)
        .map(|(d, code)| match d.comment {
            Some(comment) => format!("{code:<code_w$} {comment}"),
            None => code,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_ports_params_and_comments_and_leaves_other_lines_alone() {
        let text = "module m (\n  input  wire clk_i, // clock\n  input wire [7:0] a_i,\n  output wire [15:0] b_o // result\n);\n  localparam [3:0] A = 4'h1;\n  localparam [31:0] LONGER = 32'h2;\n  assign b_o = {a_i, a_i};\nendmodule";
        let expected = "module m (\n  input  wire        clk_i, // clock\n  input  wire [7:0]  a_i,\n  output wire [15:0] b_o    // result\n);\n  localparam [3:0]  A      = 4'h1;\n  localparam [31:0] LONGER = 32'h2;\n  assign b_o = {a_i, a_i};\nendmodule\n";
        assert_eq!(finish(text), expected);
    }

    #[test]
    fn is_idempotent() {
        let text = "  reg  [7:0] a_q;\n  reg         b_q;\n  wire [10:0] c;\n";
        assert_eq!(finish(&finish(text)), finish(text));
    }
}
