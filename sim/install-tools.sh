#!/usr/bin/env bash
# Makes sure the external tools hebb drives are on PATH: verilator (lockstep
# co-simulation), g++ (compiles Verilated models), yosys (synthesis gates and
# resource counts), iverilog (Verilog-2005 parse check), nextpnr-ice40 (place
# and route for Fmax; Debian's package depends on fpga-icestorm-chipdb, the
# iCE40 chip database it needs). On Debian as root
# the missing ones are installed with apt-get; otherwise they are named with
# the command that installs them, and the script fails. Nothing is skipped.
set -euo pipefail

declare -A package=([verilator]=verilator [yosys]=yosys [iverilog]=iverilog [g++]=g++ [make]=make [nextpnr-ice40]=nextpnr-ice40)
missing=()
for tool in verilator yosys iverilog g++ make nextpnr-ice40; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0

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
else
  echo "hebb: missing tools: ${missing[*]}" >&2
  echo "hebb: install them with: sudo apt-get install -y ${packages[*]}" >&2
  exit 1
fi
