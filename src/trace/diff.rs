//! `hebb vcd-diff`: compares two VCDs signal by signal, matched by
//! hierarchical name (identifier codes, declaration order and scope nesting
//! of other signals don't matter), with times normalised across timescales.
//!
//! Both files are streamed side by side in time order: memory is bounded by
//! the number of signals (each holding its current value, at most
//! [`MAX_WIDTH`] bits), never by the length of the files. A file that is not
//! a valid VCD for this purpose is an error naming the file and the line:
//! time going backwards, a timescale other than 1, 10 or 100 of a unit, two
//! identifier codes under one hierarchical name, a width over [`MAX_WIDTH`],
//! a value wider than its declaration, or no signals at all.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The widest signal `vcd-diff` accepts, in bits (a wider declaration is an error).
pub const MAX_WIDTH: u32 = 65_536;
/// The longest hierarchical name accepted, in bytes.
pub const MAX_NAME: usize = 65_536;
/// The longest token (a value with its `b` prefix, a name, a number) read.
const MAX_TOKEN: usize = MAX_WIDTH as usize + 64;

/// The first time two traces of one signal disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    pub signal: String,
    /// In the finer of the two files' time units (the report's `timescale`).
    pub time: u128,
    pub expected: String,
    pub actual: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffReport {
    pub timescale: String,
    pub compared: usize,
    pub divergences: Vec<Divergence>,
    pub width_mismatches: Vec<(String, u32, u32)>,
    pub only_in_golden: Vec<String>,
    pub only_in_dut: Vec<String>,
}

impl DiffReport {
    /// True when at least one signal was compared and nothing differs.
    pub fn agrees(&self) -> bool {
        self.compared > 0
            && self.divergences.is_empty()
            && self.width_mismatches.is_empty()
            && self.only_in_golden.is_empty()
            && self.only_in_dut.is_empty()
    }
}

impl fmt::Display for DiffReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.divergences {
            writeln!(
                f,
                "DIVERGE {} at {} {}: expected {} actual {}",
                d.signal, d.time, self.timescale, d.expected, d.actual
            )?;
        }
        for (name, golden, dut) in &self.width_mismatches {
            writeln!(f, "WIDTH   {name}: golden {golden} bits, dut {dut} bits")?;
        }
        for name in &self.only_in_golden {
            writeln!(f, "ONLY-IN-GOLDEN {name}")?;
        }
        for name in &self.only_in_dut {
            writeln!(f, "ONLY-IN-DUT    {name}")?;
        }
        let verdict = if self.agrees() { "agree" } else { "DIFFER" };
        write!(
            f,
            "{verdict}: {} signals compared, {} diverge, {} only in golden, {} only in dut",
            self.compared,
            self.divergences.len() + self.width_mismatches.len(),
            self.only_in_golden.len(),
            self.only_in_dut.len()
        )
    }
}

/// Femtoseconds per unit for the six VCD units.
fn fs_per(unit: &str) -> Option<u128> {
    Some(match unit {
        "s" => 1_000_000_000_000_000,
        "ms" => 1_000_000_000_000,
        "us" => 1_000_000_000,
        "ns" => 1_000_000,
        "ps" => 1_000,
        "fs" => 1,
        _ => return None,
    })
}

fn whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Splits a VCD into whitespace-separated tokens, counting lines, holding at
/// most one buffer and one token (of at most [`MAX_TOKEN`] bytes).
struct Lexer<R> {
    src: R,
    path: PathBuf,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    eof: bool,
    started: bool,
    line: usize,
    tok: Vec<u8>,
    tok_line: usize,
}

impl<R: Read> Lexer<R> {
    fn new(path: &Path, src: R) -> Self {
        Lexer {
            src,
            path: path.into(),
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
            started: false,
            line: 1,
            tok: Vec::new(),
            tok_line: 1,
        }
    }

    fn error_at(&self, line: usize, message: impl Into<String>) -> Error {
        Error::Parse {
            path: self.path.clone(),
            line,
            message: message.into(),
        }
    }

    /// An error at the current token's line.
    fn error(&self, message: impl Into<String>) -> Error {
        self.error_at(self.tok_line, message)
    }

    /// Reads more input after the buffer is used up; false at the end of the file.
    fn fill(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        self.pos = 0;
        self.len = 0;
        // The first fill reads at least 3 bytes (if there are), to see a byte-order mark whole.
        let want = if self.started { 1 } else { 3 };
        while self.len < want {
            match self.src.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(&self.path, e)),
            }
        }
        if !self.started {
            self.started = true;
            if self.buf[..self.len].starts_with(b"\xef\xbb\xbf") {
                self.pos = 3;
            }
        }
        Ok(self.pos < self.len)
    }

    /// Reads the next token into `self.tok`; false at the end of the file.
    fn next(&mut self) -> Result<bool> {
        self.tok.clear();
        loop {
            if self.pos == self.len && !self.fill()? {
                return Ok(!self.tok.is_empty());
            }
            let b = self.buf[self.pos];
            if whitespace(b) {
                if !self.tok.is_empty() {
                    // Leave the newline for the next call to count.
                    return Ok(true);
                }
                self.pos += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                continue;
            }
            if self.tok.is_empty() {
                self.tok_line = self.line;
            }
            // Copy the whole run of non-space bytes in the buffer at once.
            let run = self.buf[self.pos..self.len]
                .iter()
                .position(|&b| whitespace(b))
                .map_or(self.len, |n| self.pos + n);
            if self.tok.len() + (run - self.pos) > MAX_TOKEN {
                return Err(self.error(format!(
                    "a token longer than {MAX_TOKEN} bytes (values are limited to {MAX_WIDTH} bits)"
                )));
            }
            self.tok.extend_from_slice(&self.buf[self.pos..run]);
            self.pos = run;
        }
    }

    /// The next token, which must exist: `inside` says what the file ended in.
    fn expect(&mut self, inside: &str) -> Result<()> {
        if self.next()? {
            Ok(())
        } else {
            Err(self.error_at(self.line, format!("the file ends inside {inside}")))
        }
    }

    fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.tok).map_err(|_| self.error("a token that is not UTF-8 text"))
    }

    /// Skips to the `$end` that closes a text command such as `$comment`.
    fn skip_to_end(&mut self, command: &str) -> Result<()> {
        let line = self.tok_line;
        loop {
            if !self.next()? {
                return Err(self.error_at(line, format!("{command} is never closed by $end")));
            }
            if self.tok.ends_with(b"$end") {
                return Ok(());
            }
        }
    }
}

/// One identifier code of a trace: its width, the first name declared for it
/// (for messages), its current value, and the compared pairs it feeds.
struct Code {
    /// The identifier code as written.
    code: String,
    width: u32,
    name: String,
    /// Bits in their shortest form (see [`canonical`]), or `r`/`s` and the text of a real or string.
    value: Vec<u8>,
    changed: bool,
    pairs: Vec<usize>,
}

/// A VCD being read: its header, then its value changes one time at a time.
struct Trace<R> {
    lex: Lexer<R>,
    fs_per_unit: u128,
    unit_name: String,
    /// Hierarchical name -> index into `codes`.
    names: BTreeMap<String, usize>,
    codes: Vec<Code>,
    by_code: HashMap<Vec<u8>, usize>,
    /// The time (in units) whose changes are being applied.
    time: u64,
    /// The next time with changes, `None` at the end of the file.
    next: Option<u64>,
    /// Codes changed since `take_changed`.
    changed: Vec<usize>,
}

/// Bits are left-extended with 0 (or x / z when that is the first bit) to
/// their declared width. Dropping a first bit that this extension would put
/// back gives one shortest form per value, so values compare without being
/// extended.
fn canonical(bits: &mut Vec<u8>) {
    let fill = |b: u8| if b == b'x' || b == b'z' { b } else { b'0' };
    let drop = bits
        .windows(2)
        .position(|w| w[0] != fill(w[1]))
        .unwrap_or(bits.len().saturating_sub(1));
    bits.drain(..drop);
}

/// A value as `width` bits, MSB first (reals and strings as written).
fn expand(value: &[u8], width: u32) -> String {
    let text = String::from_utf8_lossy(value);
    match value.first() {
        Some(b'r' | b's') => text.into_owned(),
        first => {
            let fill = match first {
                Some(b'x') => 'x',
                Some(b'z') => 'z',
                _ => '0',
            };
            let pad = (width as usize).saturating_sub(value.len());
            std::iter::repeat_n(fill, pad).collect::<String>() + &text
        }
    }
}

impl<R: Read> Trace<R> {
    /// Reads the header, up to and including `$enddefinitions $end`.
    fn open(path: &Path, src: R) -> Result<Self> {
        let mut t = Trace {
            lex: Lexer::new(path, src),
            fs_per_unit: fs_per("s").unwrap(),
            unit_name: "1s".into(),
            names: BTreeMap::new(),
            codes: Vec::new(),
            by_code: HashMap::new(),
            time: 0,
            next: Some(0),
            changed: Vec::new(),
        };
        let mut timescale_line = None;
        // The current scope as a name prefix, and where each open scope starts in it.
        let mut prefix = String::new();
        let mut scopes: Vec<usize> = Vec::new();
        // Where each name was declared, for the message about a second declaration.
        let mut declared_at: HashMap<usize, usize> = HashMap::new();
        loop {
            if !t.lex.next()? {
                return Err(t
                    .lex
                    .error_at(t.lex.line, "the file ends before $enddefinitions"));
            }
            let line = t.lex.tok_line;
            match t.lex.tok.as_slice() {
                b"$comment" | b"$date" | b"$version" => {
                    let command = t.lex.text()?.to_string();
                    t.lex.skip_to_end(&command)?;
                }
                b"$timescale" => {
                    if let Some(first) = timescale_line {
                        return Err(t.lex.error(format!(
                            "a second $timescale (the first is at line {first})"
                        )));
                    }
                    timescale_line = Some(line);
                    let mut spec = String::new();
                    loop {
                        t.lex.expect("$timescale")?;
                        if t.lex.tok == b"$end" {
                            break;
                        }
                        if spec.len() > 16 {
                            return Err(t.lex.error("$timescale is not closed by $end"));
                        }
                        spec += t.lex.text()?;
                    }
                    let digits = spec
                        .find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(spec.len());
                    let (count, unit) = spec.split_at(digits);
                    let fs = fs_per(unit).ok_or_else(|| {
                        t.lex.error_at(
                            line,
                            format!("$timescale {spec}: the unit must be s, ms, us, ns, ps or fs"),
                        )
                    })?;
                    let count: u128 = match count {
                        "1" => 1,
                        "10" => 10,
                        "100" => 100,
                        _ => {
                            return Err(t.lex.error_at(
                                line,
                                format!("$timescale {spec}: the number must be 1, 10 or 100"),
                            ));
                        }
                    };
                    t.fs_per_unit = fs * count;
                    t.unit_name = spec;
                }
                b"$scope" => {
                    t.lex.expect("$scope")?; // the scope type
                    t.lex.expect("$scope")?;
                    let name = t.lex.text()?.to_string();
                    t.lex.expect("$scope")?;
                    if t.lex.tok != b"$end" {
                        return Err(t.lex.error("$scope TYPE NAME is not closed by $end"));
                    }
                    scopes.push(prefix.len());
                    prefix += &name;
                    prefix.push('.');
                    if prefix.len() > MAX_NAME {
                        return Err(t
                            .lex
                            .error_at(line, format!("a scope name longer than {MAX_NAME} bytes")));
                    }
                }
                b"$upscope" => {
                    t.lex.expect("$upscope")?;
                    if t.lex.tok != b"$end" {
                        return Err(t.lex.error("$upscope is not closed by $end"));
                    }
                    let Some(len) = scopes.pop() else {
                        return Err(t.lex.error_at(line, "$upscope without an open $scope"));
                    };
                    prefix.truncate(len);
                }
                b"$var" => t.var(line, &prefix, &mut declared_at)?,
                b"$enddefinitions" => {
                    t.lex.expect("$enddefinitions")?;
                    if t.lex.tok != b"$end" {
                        return Err(t.lex.error("$enddefinitions is not closed by $end"));
                    }
                    if !scopes.is_empty() {
                        return Err(t.lex.error_at(
                            line,
                            format!("$enddefinitions with {} $scope(s) still open", scopes.len()),
                        ));
                    }
                    if t.names.is_empty() {
                        return Err(t
                            .lex
                            .error_at(line, "no signals declared: nothing to compare"));
                    }
                    return Ok(t);
                }
                _ => {
                    let tok = String::from_utf8_lossy(&t.lex.tok).into_owned();
                    return Err(t.lex.error(format!(
                        "`{}` where a header command ($scope, $var, $timescale, ...) was expected",
                        tok.chars().take(64).collect::<String>()
                    )));
                }
            }
        }
    }

    /// `$var TYPE WIDTH CODE NAME [INDEX] $end`.
    fn var(
        &mut self,
        line: usize,
        prefix: &str,
        declared_at: &mut HashMap<usize, usize>,
    ) -> Result<()> {
        let lex = &mut self.lex;
        lex.expect("$var")?; // the variable type
        lex.expect("$var")?;
        let width: u32 = lex
            .text()?
            .parse()
            .ok()
            .filter(|w| (1..=MAX_WIDTH).contains(w))
            .ok_or_else(|| {
                lex.error(format!(
                    "$var width `{}`: vcd-diff takes widths from 1 to {MAX_WIDTH} bits",
                    String::from_utf8_lossy(&lex.tok)
                ))
            })?;
        lex.expect("$var")?;
        let code = lex.tok.clone();
        lex.expect("$var")?;
        if code == b"$end" || lex.tok == b"$end" {
            return Err(lex.error_at(line, "$var without an identifier code and a name"));
        }
        let mut name = format!("{prefix}{}", lex.text()?);
        lex.expect("$var")?;
        if lex.tok.starts_with(b"[") {
            // A bit select names its bit; a range is the vector itself.
            let index = lex.text()?;
            if !index.contains(':') {
                name += index;
            }
            lex.expect("$var")?;
        }
        if lex.tok != b"$end" {
            return Err(lex.error("$var TYPE WIDTH CODE NAME [INDEX] is not closed by $end"));
        }
        if name.len() > MAX_NAME {
            return Err(lex.error_at(line, format!("a name longer than {MAX_NAME} bytes")));
        }
        let index = match self.by_code.get(&code) {
            Some(&i) => {
                if self.codes[i].width != width {
                    return Err(lex.error_at(
                        line,
                        format!(
                            "identifier code {} declared {} bits wide for {} and {width} bits for {name}",
                            String::from_utf8_lossy(&code),
                            self.codes[i].width,
                            self.codes[i].name
                        ),
                    ));
                }
                i
            }
            None => {
                self.codes.push(Code {
                    code: String::from_utf8_lossy(&code).into_owned(),
                    width,
                    name: name.clone(),
                    value: b"x".to_vec(),
                    changed: false,
                    pairs: Vec::new(),
                });
                self.by_code.insert(code, self.codes.len() - 1);
                self.codes.len() - 1
            }
        };
        match self.names.get(&name) {
            // The same signal declared again (a scope opened twice): one signal.
            Some(&i) if i == index => {}
            Some(&i) => {
                let first = declared_at.get(&i).copied().unwrap_or(0);
                return Err(lex.error_at(
                    line,
                    format!(
                        "{name} is declared with identifier code {} at line {first} and {} here: two signals under one name cannot be compared",
                        self.codes[i].code, self.codes[index].code
                    ),
                ));
            }
            None => {
                declared_at.entry(index).or_insert(line);
                self.names.insert(name, index);
            }
        }
        Ok(())
    }

    /// Applies every value change up to the next later timestamp (or the end of the file).
    fn run_block(&mut self) -> Result<()> {
        let Some(now) = self.next else { return Ok(()) };
        self.time = now;
        loop {
            if !self.lex.next()? {
                self.next = None;
                return Ok(());
            }
            let line = self.lex.tok_line;
            let (kind, rest) = (self.lex.tok[0], &self.lex.tok[1..]);
            match kind {
                b'#' => {
                    let t: u64 = std::str::from_utf8(rest)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| {
                            self.lex
                                .error("a timestamp `#N` needs N a whole number below 2^64")
                        })?;
                    if t < self.time {
                        return Err(self
                            .lex
                            .error(format!("time goes backwards: #{t} after #{}", self.time)));
                    }
                    if t > self.time {
                        self.next = Some(t);
                        return Ok(());
                    }
                }
                b'0' | b'1' | b'x' | b'X' | b'z' | b'Z' => {
                    let value = vec![kind.to_ascii_lowercase()];
                    if rest.is_empty() {
                        self.lex.expect("a value change")?;
                    } else {
                        self.lex.tok.drain(..1);
                    }
                    self.set_bits(line, value, 1)?;
                }
                b'b' | b'B' => {
                    let mut value = rest.to_ascii_lowercase();
                    if let Some(bad) = value
                        .iter()
                        .find(|b| !matches!(b, b'0' | b'1' | b'x' | b'z'))
                    {
                        return Err(self.lex.error(format!(
                            "`{}` in a vector value (bits are 0, 1, x or z)",
                            String::from_utf8_lossy(&[*bad])
                        )));
                    }
                    if value.is_empty() {
                        return Err(self.lex.error("an empty vector value"));
                    }
                    canonical(&mut value);
                    let written = rest.len();
                    self.lex.expect("a value change")?;
                    self.set_bits(line, value, written)?;
                }
                b'r' | b'R' => {
                    let v: f64 = std::str::from_utf8(rest)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| self.lex.error("a real value `rN` needs N a number"))?;
                    self.lex.expect("a value change")?;
                    self.set_text(line, format!("r{v}").into_bytes())?;
                }
                b's' | b'S' => {
                    let mut value = b"s".to_vec();
                    value.extend_from_slice(rest);
                    self.lex.expect("a value change")?;
                    self.set_text(line, value)?;
                }
                b'$' => match self.lex.tok.as_slice() {
                    b"$dumpvars" | b"$dumpall" | b"$dumpon" | b"$dumpoff" | b"$end" => {}
                    b"$comment" => self.lex.skip_to_end("$comment")?,
                    _ => {
                        let tok = String::from_utf8_lossy(&self.lex.tok).into_owned();
                        return Err(self.lex.error(format!(
                            "`{}` after $enddefinitions",
                            tok.chars().take(64).collect::<String>()
                        )));
                    }
                },
                _ => {
                    let tok = String::from_utf8_lossy(&self.lex.tok).into_owned();
                    return Err(self.lex.error(format!(
                        "`{}` where a timestamp or a value change was expected",
                        tok.chars().take(64).collect::<String>()
                    )));
                }
            }
        }
    }

    /// Sets the code in `self.lex.tok` to bits (in shortest form) written with `written` bits.
    fn set_bits(&mut self, line: usize, value: Vec<u8>, written: usize) -> Result<()> {
        let i = self.code(line)?;
        let code = &self.codes[i];
        if written > code.width as usize {
            return Err(self.lex.error_at(
                line,
                format!(
                    "a {written}-bit value for {}, declared {} bits wide",
                    code.name, code.width
                ),
            ));
        }
        self.store(i, value);
        Ok(())
    }

    /// Sets the code in `self.lex.tok` to a real or string value (compared as written).
    fn set_text(&mut self, line: usize, value: Vec<u8>) -> Result<()> {
        let i = self.code(line)?;
        self.store(i, value);
        Ok(())
    }

    /// The index of the code in `self.lex.tok`.
    fn code(&self, line: usize) -> Result<usize> {
        self.by_code.get(&self.lex.tok).copied().ok_or_else(|| {
            self.lex.error_at(
                line,
                format!(
                    "value change for undeclared identifier code {}",
                    String::from_utf8_lossy(&self.lex.tok)
                ),
            )
        })
    }

    fn store(&mut self, i: usize, value: Vec<u8>) {
        let code = &mut self.codes[i];
        code.value = value;
        if !code.changed {
            code.changed = true;
            self.changed.push(i);
        }
    }

    /// The compared pairs fed by codes changed since the last call.
    fn take_changed(&mut self, dirty: &mut [bool], out: &mut Vec<usize>) {
        for i in self.changed.drain(..) {
            let code = &mut self.codes[i];
            code.changed = false;
            for &p in &code.pairs {
                if !dirty[p] {
                    dirty[p] = true;
                    out.push(p);
                }
            }
        }
    }
}

/// Diffs `golden` against `dut`.
pub fn diff_files(golden: &Path, dut: &Path) -> Result<DiffReport> {
    let g = File::open(golden).map_err(|e| Error::io(golden, e))?;
    let d = File::open(dut).map_err(|e| Error::io(dut, e))?;
    diff_readers(golden, g, dut, d)
}

/// Diffs two VCDs read from `golden` and `dut`, named in messages by the paths given.
pub fn diff_readers(
    golden_path: &Path,
    golden: impl Read,
    dut_path: &Path,
    dut: impl Read,
) -> Result<DiffReport> {
    let mut g = Trace::open(golden_path, golden)?;
    let mut d = Trace::open(dut_path, dut)?;
    let mut report = DiffReport {
        timescale: if d.fs_per_unit < g.fs_per_unit {
            d.unit_name.clone()
        } else {
            g.unit_name.clone()
        },
        ..DiffReport::default()
    };
    let finer = g.fs_per_unit.min(d.fs_per_unit);
    // The compared signals: (name, golden code, dut code).
    let mut pairs: Vec<(String, usize, usize)> = Vec::new();
    for (name, &gi) in &g.names {
        let Some(&di) = d.names.get(name) else {
            report.only_in_golden.push(name.clone());
            continue;
        };
        report.compared += 1;
        let (gw, dw) = (g.codes[gi].width, d.codes[di].width);
        if gw != dw {
            report.width_mismatches.push((name.clone(), gw, dw));
            continue;
        }
        g.codes[gi].pairs.push(pairs.len());
        d.codes[di].pairs.push(pairs.len());
        pairs.push((name.clone(), gi, di));
    }
    report.only_in_dut = d
        .names
        .keys()
        .filter(|n| !g.names.contains_key(*n))
        .cloned()
        .collect();

    let mut dirty = vec![false; pairs.len()];
    let mut diverged = vec![false; pairs.len()];
    let mut to_compare = Vec::new();
    loop {
        let (tg, td) = (
            g.next.map(|t| t as u128 * g.fs_per_unit),
            d.next.map(|t| t as u128 * d.fs_per_unit),
        );
        let now = match (tg, td) {
            (None, None) => break,
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap(),
        };
        if tg == Some(now) {
            g.run_block()?;
        }
        if td == Some(now) {
            d.run_block()?;
        }
        g.take_changed(&mut dirty, &mut to_compare);
        d.take_changed(&mut dirty, &mut to_compare);
        for p in to_compare.drain(..) {
            dirty[p] = false;
            let (name, gi, di) = &pairs[p];
            let (gc, dc) = (&g.codes[*gi], &d.codes[*di]);
            if !diverged[p] && gc.value != dc.value {
                diverged[p] = true;
                report.divergences.push(Divergence {
                    signal: name.clone(),
                    time: now / finer,
                    expected: expand(&gc.value, gc.width),
                    actual: expand(&dc.value, dc.width),
                });
            }
        }
    }
    // Earliest divergence first: that is where to start looking.
    report
        .divergences
        .sort_by(|a, b| a.time.cmp(&b.time).then(a.signal.cmp(&b.signal)));
    Ok(report)
}
