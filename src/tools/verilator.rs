//! Verilates a design into a shared library and drives it through a small C ABI.
//!
//! The Verilator runtime is compiled once per Verilator version; each design
//! is verilated and compiled once per distinct RTL (content-addressed cache),
//! then loaded with `dlopen`. Models are compiled at -O2: at -O0 they run ~15x slower.

use std::collections::HashMap;
use std::ffi::{CString, c_void};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use askama::Template;

use super::{cache, run};
use crate::design::{Design, Signal, mask};
use crate::error::{Error, Result};

/// How designs are verilated: with VCD tracing, every net readable from the
/// shim (lockstep compares all of them), and memories left out of the trace
/// (the cycle model's VCD has no memory words, and Verilator would trace
/// only those of 32 words or fewer).
const VERILATE_FLAGS: &[&str] = &[
    "--cc",
    "--trace",
    "--trace-max-array",
    "0",
    "--public-flat-rw",
];

const RUNTIME_SOURCES: &[&str] = &[
    "verilated.cpp",
    "verilated_vcd_c.cpp",
    "verilated_threads.cpp",
];
const DEFINES: &[&str] = &[
    "-DVM_COVERAGE=0",
    "-DVM_SC=0",
    "-DVM_TRACE=1",
    "-DVM_TRACE_FST=0",
    "-DVM_TRACE_VCD=1",
];
const CXXFLAGS: &[&str] = &[
    "-O2",
    "-fPIC",
    "-std=gnu++17",
    "-faligned-new",
    "-fvisibility=hidden",
    "-w",
];

struct ShimSignal {
    name: String,
    /// The member of Verilator's root class: `<top>__DOT__<inst>__DOT__<net>`.
    member: String,
    width: u32,
    is_input: bool,
}

#[derive(Template)]
#[template(path = "verilator_shim.cpp")]
struct Shim<'a> {
    version: &'static str,
    module: &'a str,
    signals: Vec<ShimSignal>,
}

/// `verilator --version` and `$VERILATOR_ROOT`, read once.
fn verilator_install() -> Result<&'static (String, PathBuf)> {
    static INSTALL: OnceLock<std::result::Result<(String, PathBuf), String>> = OnceLock::new();
    INSTALL
        .get_or_init(|| {
            let version = super::version("verilator", "--version").map_err(|e| e.to_string())?;
            let out = run("verilator", &["--getenv", "VERILATOR_ROOT"], Path::new("."))
                .map_err(|e| e.to_string())?;
            let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            Ok((version, root))
        })
        .as_ref()
        .map_err(|e| Error::Other(e.clone()))
}

/// The g++ arguments every compile shares: optimisation, defines, Verilator's include folders.
fn cxx_args(root: &Path) -> Vec<String> {
    let mut args: Vec<String> = CXXFLAGS
        .iter()
        .chain(DEFINES)
        .map(|s| s.to_string())
        .collect();
    args.push(format!("-I{}", root.join("include").display()));
    args.push(format!("-I{}", root.join("include/vltstd").display()));
    args
}

/// What a cached build depends on besides its sources: Verilator and the compile flags.
fn toolchain_key(version: &str) -> String {
    format!("{version}{DEFINES:?}{CXXFLAGS:?}")
}

/// The Verilator runtime objects, compiled once per Verilator version.
fn runtime_objects() -> Result<Vec<PathBuf>> {
    let (version, root) = verilator_install()?;
    let key = cache::key(&[toolchain_key(version).as_bytes()]);
    let dir = cache::entry("verilator-runtime", &key, |scratch| {
        for source in RUNTIME_SOURCES {
            let src = root.join("include").join(source);
            let obj = source.replace(".cpp", ".o");
            let mut args = cxx_args(root);
            args.extend(["-c".into(), src.display().to_string(), "-o".into(), obj]);
            run(
                "g++",
                &args.iter().map(String::as_str).collect::<Vec<_>>(),
                scratch,
            )?;
        }
        Ok(())
    })?;
    Ok(RUNTIME_SOURCES
        .iter()
        .map(|s| dir.join(s.replace(".cpp", ".o")))
        .collect())
}

/// The C++ files Verilator generated, from `V<top>_classes.mk`.
fn generated_sources(obj_dir: &Path, module: &str) -> Result<Vec<String>> {
    let mk = obj_dir.join(format!("V{module}_classes.mk"));
    let text = fs::read_to_string(&mk).map_err(|e| Error::io(&mk, e))?;
    let mut sources = Vec::new();
    let mut in_list = false;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = [
            "VM_CLASSES_FAST",
            "VM_CLASSES_SLOW",
            "VM_SUPPORT_FAST",
            "VM_SUPPORT_SLOW",
        ]
        .iter()
        .find_map(|v| line.strip_prefix(v))
        {
            in_list = rest.trim_start().starts_with("+=");
            continue;
        }
        if in_list {
            let name = line.trim_end_matches('\\').trim();
            if name.is_empty() {
                in_list = false;
            } else {
                sources.push(format!("{name}.cpp"));
            }
        }
    }
    Ok(sources)
}

/// A verilated design, compiled and loaded.
pub struct VerilatedLibrary {
    library: libloading::Library,
    /// The design's signal table: the shim's signal indices.
    pub signals: Vec<Signal>,
}

/// Verilates `design` (or finds it in the cache) and loads it.
pub fn load(design: &dyn Design) -> Result<Arc<VerilatedLibrary>> {
    let rtl = design.render_rtl()?;
    let module = design.top_module();
    let signals = design.signals()?;
    let shim = Shim {
        version: env!("CARGO_PKG_VERSION"),
        module: &module,
        signals: signals
            .iter()
            .map(|p| ShimSignal {
                name: p.name.clone(),
                member: format!("{module}__DOT__{}", p.name.replace('.', "__DOT__")),
                width: p.width,
                is_input: p.is_input(),
            })
            .collect(),
    }
    .render()?
        + "\n";
    let (version, root) = verilator_install()?;
    let toolchain = toolchain_key(version);
    let flags = VERILATE_FLAGS.join(" ");
    let mut parts: Vec<&[u8]> = vec![toolchain.as_bytes(), flags.as_bytes(), shim.as_bytes()];
    for file in &rtl {
        parts.push(file.module.as_bytes());
        parts.push(file.text.as_bytes());
    }
    let key = cache::key(&parts);

    static LOADED: OnceLock<Mutex<HashMap<String, Arc<VerilatedLibrary>>>> = OnceLock::new();
    let loaded = LOADED.get_or_init(Default::default);
    // Holding the lock while building keeps one process from building a design twice.
    let mut loaded = loaded.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(lib) = loaded.get(&key) {
        return Ok(lib.clone());
    }

    let runtime = runtime_objects()?;
    let dir = cache::entry("verilated", &key, |scratch| {
        let mut rtl_files = Vec::new();
        for file in &rtl {
            let name = file.file_name();
            fs::write(scratch.join(&name), &file.text)
                .map_err(|e| Error::io(scratch.join(&name), e))?;
            rtl_files.push(name);
        }
        fs::write(scratch.join("shim.cpp"), &shim)
            .map_err(|e| Error::io(scratch.join("shim.cpp"), e))?;
        let mut args = VERILATE_FLAGS.to_vec();
        args.extend(["--Mdir", "obj", "--top-module", &module]);
        args.extend(rtl_files.iter().map(String::as_str));
        run("verilator", &args, scratch)?;
        let obj = scratch.join("obj");
        let all: String = generated_sources(&obj, &module)?
            .iter()
            .map(|s| format!("#include \"{s}\"\n"))
            .collect();
        fs::write(obj.join("hebb_all.cpp"), all)
            .map_err(|e| Error::io(obj.join("hebb_all.cpp"), e))?;
        let mut args = cxx_args(root);
        args.extend([
            "-Iobj".into(),
            "-shared".into(),
            "-o".into(),
            "libmodel.so".into(),
            "obj/hebb_all.cpp".into(),
            "shim.cpp".into(),
        ]);
        args.extend(runtime.iter().map(|p| p.display().to_string()));
        args.extend(["-pthread".into(), "-latomic".into()]);
        run(
            "g++",
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            scratch,
        )?;
        Ok(())
    })?;

    let so = dir.join("libmodel.so");
    // SAFETY: the library is one hebb just built from its own shim; loading it runs only C++ static initialisers of the Verilator runtime.
    let library = unsafe { libloading::Library::new(&so) }.map_err(|e| Error::Tool {
        tool: "dlopen".into(),
        message: format!("{}: {e}", so.display()),
    })?;
    let lib = Arc::new(VerilatedLibrary { library, signals });
    loaded.insert(key, lib.clone());
    Ok(lib)
}

type NewFn = unsafe extern "C" fn() -> *mut c_void;
type FreeFn = unsafe extern "C" fn(*mut c_void);
type SetFn = unsafe extern "C" fn(*mut c_void, u32, u64);
type EvalFn = unsafe extern "C" fn(*mut c_void);
type GetAllFn = unsafe extern "C" fn(*mut c_void, *mut u64);
type OpenVcdFn = unsafe extern "C" fn(*mut c_void, *const std::ffi::c_char) -> i32;
type DumpFn = unsafe extern "C" fn(*mut c_void, u64);
type VcdErrorFn = unsafe extern "C" fn(*mut c_void) -> i32;

/// One instance of a Verilated design.
pub struct VerilatedSim {
    lib: Arc<VerilatedLibrary>,
    handle: *mut c_void,
    set_fn: SetFn,
    get_all_fn: GetAllFn,
    eval_fn: EvalFn,
    dump_fn: DumpFn,
    vcd_error_fn: VcdErrorFn,
    close_vcd_fn: VcdErrorFn,
    /// The VCD being written, named in its write errors.
    vcd_path: Option<PathBuf>,
}

// SAFETY: each handle owns its own VerilatedContext and model; it is used from one thread at a time.
unsafe impl Send for VerilatedSim {}

impl VerilatedSim {
    pub fn new(lib: Arc<VerilatedLibrary>) -> Result<Self> {
        // SAFETY: the symbols have exactly these signatures in sim/verilator_shim.cpp.
        unsafe {
            let symbol_error = |e: libloading::Error| Error::Tool {
                tool: "dlsym".into(),
                message: e.to_string(),
            };
            let new_fn: NewFn = *lib
                .library
                .get::<NewFn>(b"hebb_sim_new")
                .map_err(symbol_error)?;
            let set_fn: SetFn = *lib
                .library
                .get::<SetFn>(b"hebb_sim_set")
                .map_err(symbol_error)?;
            let eval_fn: EvalFn = *lib
                .library
                .get::<EvalFn>(b"hebb_sim_eval")
                .map_err(symbol_error)?;
            let get_all_fn: GetAllFn = *lib
                .library
                .get::<GetAllFn>(b"hebb_sim_get_all")
                .map_err(symbol_error)?;
            let dump_fn: DumpFn = *lib
                .library
                .get::<DumpFn>(b"hebb_sim_dump")
                .map_err(symbol_error)?;
            let vcd_error_fn: VcdErrorFn = *lib
                .library
                .get::<VcdErrorFn>(b"hebb_sim_vcd_error")
                .map_err(symbol_error)?;
            let close_vcd_fn: VcdErrorFn = *lib
                .library
                .get::<VcdErrorFn>(b"hebb_sim_close_vcd")
                .map_err(symbol_error)?;
            let handle = new_fn();
            Ok(VerilatedSim {
                lib,
                handle,
                set_fn,
                get_all_fn,
                eval_fn,
                dump_fn,
                vcd_error_fn,
                close_vcd_fn,
                vcd_path: None,
            })
        }
    }

    pub fn signals(&self) -> &[Signal] {
        &self.lib.signals
    }

    /// Sets the input at `index` of the signal table, masked to its width.
    pub fn set(&mut self, index: usize, value: u64) {
        let width = self.lib.signals[index].width;
        // SAFETY: the handle is live until drop.
        unsafe { (self.set_fn)(self.handle, index as u32, value & mask(width)) }
    }

    /// Every signal's value, in signal-table order, into `out` (one per signal).
    pub fn get_all(&self, out: &mut [u64]) {
        assert_eq!(out.len(), self.lib.signals.len(), "one value per signal");
        // SAFETY: the shim writes exactly one value per signal of the table `out` is sized to.
        unsafe { (self.get_all_fn)(self.handle, out.as_mut_ptr()) }
    }

    pub fn eval(&mut self) {
        // SAFETY: as above.
        unsafe { (self.eval_fn)(self.handle) }
    }

    /// Starts tracing every signal into a VCD at `path`.
    pub fn open_vcd(&mut self, path: &Path) -> Result<()> {
        use std::os::unix::ffi::OsStrExt;
        let c_path = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| Error::Other(format!("path has a NUL byte: {}", path.display())))?;
        // SAFETY: the symbol has this signature; the string outlives the call.
        let status = unsafe {
            let open: OpenVcdFn = *self
                .lib
                .library
                .get::<OpenVcdFn>(b"hebb_sim_open_vcd")
                .map_err(|e| Error::Tool {
                    tool: "dlsym".into(),
                    message: e.to_string(),
                })?;
            open(self.handle, c_path.as_ptr())
        };
        self.vcd_path = Some(path.to_path_buf());
        // The shim's file records why it could not open (an errno).
        self.vcd_result()?;
        if status != 0 {
            return Err(Error::Tool {
                tool: "verilator".into(),
                message: format!("could not open VCD {}", path.display()),
            });
        }
        Ok(())
    }

    /// Samples every signal into the VCD at `time` (ps); fails with the
    /// first error writing it (a full disk), naming the file.
    pub fn dump(&mut self, time: u64) -> Result<()> {
        // SAFETY: as above.
        unsafe { (self.dump_fn)(self.handle, time) }
        self.vcd_result()
    }

    /// The first error writing the VCD so far, naming the file.
    pub fn vcd_result(&self) -> Result<()> {
        // SAFETY: as above.
        let errno = unsafe { (self.vcd_error_fn)(self.handle) };
        self.errno_result(errno)
    }

    /// Flushes and closes the VCD; the file is complete once this returns Ok.
    pub fn close_vcd(&mut self) -> Result<()> {
        // SAFETY: as above.
        let errno = unsafe { (self.close_vcd_fn)(self.handle) };
        self.errno_result(errno)
    }

    fn errno_result(&self, errno: i32) -> Result<()> {
        match (errno, &self.vcd_path) {
            (0, _) | (_, None) => Ok(()),
            (errno, Some(path)) => Err(Error::io(path, std::io::Error::from_raw_os_error(errno))),
        }
    }
}

impl Drop for VerilatedSim {
    fn drop(&mut self) {
        // SAFETY: the handle came from hebb_sim_new and is freed once; freeing closes the VCD.
        unsafe {
            if let Ok(free) = self.lib.library.get::<FreeFn>(b"hebb_sim_free") {
                free(self.handle);
            }
        }
    }
}
