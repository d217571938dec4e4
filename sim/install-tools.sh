#!/usr/bin/env bash
# Makes sure the external tools hebb drives are on PATH: verilator (lockstep
# co-simulation), g++ (compiles Verilated models), yosys (synthesis gates and
# resource counts), iverilog (Verilog-2005 parse check), nextpnr-ice40 (place
# and route for Fmax; Debian's package depends on fpga-icestorm-chipdb, the
# iCE40 chip database it needs), icepack (fpga-icestorm: the bitstream the
# generated .core's synth target ends in), fusesoc (runs the generated .core files'
# lint, sim and synth targets; from PyPI). On Debian as root the missing ones
# are installed with apt-get (fusesoc with pip); otherwise they are named
# with the command that installs them, and the script fails. Nothing is
# skipped.
set -euo pipefail

FUSESOC_VERSION=2.4.7

install_fusesoc() {
  command -v fusesoc >/dev/null 2>&1 && return 0
  if ! python3 -m pip --version >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "hebb: installing python3-pip (apt-get)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
    else
      echo "hebb: fusesoc is missing and so is pip; install with: sudo apt-get install -y python3-pip && python3 -m pip install fusesoc==$FUSESOC_VERSION" >&2
      exit 1
    fi
  fi
  echo "hebb: installing fusesoc $FUSESOC_VERSION (pip)"
  # Debian's own Python refuses pip installs beside its packages (PEP 668).
  python3 -m pip install --quiet "fusesoc==$FUSESOC_VERSION" 2>/dev/null ||
    python3 -m pip install --quiet --break-system-packages "fusesoc==$FUSESOC_VERSION"
  hash -r
  command -v fusesoc >/dev/null 2>&1 || { echo "hebb: fusesoc is still missing after pip install (is pip's bin folder on PATH?)" >&2; exit 1; }
}

declare -A package=([verilator]=verilator [yosys]=yosys [iverilog]=iverilog [g++]=g++ [make]=make [nextpnr-ice40]=nextpnr-ice40 [icepack]=fpga-icestorm)
missing=()
for tool in verilator yosys iverilog g++ make nextpnr-ice40 icepack; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -eq 0 ]; then
  install_fusesoc
  exit 0
fi

packages=()
for tool in "${missing[@]}"; do packages+=("${package[$tool]}"); done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "hebb: installing ${packages[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  for tool in "${missing[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "hebb: $tool is still missing after apt-get install" >&2; exit 1; }
  done
  install_fusesoc
else
  echo "hebb: missing tools: ${missing[*]}" >&2
  echo "hebb: install them with: sudo apt-get install -y ${packages[*]}" >&2
  exit 1
fi
