# hebb: the two commands are `make sim` (the main job) and `make test` (the whole suite).
CARGO ?= cargo

.PHONY: all setup sim test lint tb rtl synth bench clean

all: sim

## Install verilator, yosys, iverilog, g++, nextpnr-ice40 when missing (apt-get as root), or name them.
setup:
	@sim/install-tools.sh

## The main job on the embedded default design (the plastic core): render RTL into out/plastic_core,
## co-simulate Verilator RTL and cycle model in lockstep, write and diff both VCDs,
## write the resource report.
sim: setup
	$(CARGO) run --release --quiet -- run

## Everything CI runs: formatting, clippy, and every test (Verilator, Yosys, Icarus included).
test: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --quiet -- -D warnings
	$(CARGO) test --quiet

## Lint and synthesize every unit's default design (the unit list comes from hebb):
## verilator -Wall, iverilog -g2005, Yosys iCE40 and xc7.
lint: setup
	$(CARGO) build --release --quiet
	./target/release/hebb lint --all

## Replay the reference vectors through the default RTL under Icarus Verilog
## (testbenches/rstdp_lane_w16_t12_r8_l4_d4_tb.v, expectations from the vector file itself).
tb: setup
	$(CARGO) run --release --quiet -- testbench tests/data/vectors/rstdp/default_16_12_8_4_4.jsonl --run --out out/testbench

## Regenerate rtl/, constraints/ and testbenches/ (the test suite fails while they are stale).
rtl:
	HEBB_UPDATE_RTL=1 $(CARGO) test --quiet --test rtl_sync

## The default design's resource report: Yosys (iCE40 hx8k-ct256, xc7), nextpnr-ice40
## place and route (Fmax, critical path), constraints at 90 % of Fmax, in out/synth/;
## and on the UP5K it is sized for (synth_ice40 -dsp, nextpnr --up5k) in out/synth-up5k/.
synth: setup
	$(CARGO) run --release --quiet -- synth --pnr --out out/synth
	$(CARGO) run --release --quiet -- synth --pnr --part up5k-sg48 --target ice40 --out out/synth-up5k

## Benchmarks: step model, cycle model and lockstep throughput, with their ratios.
bench: setup
	$(CARGO) bench

clean:
	rm -rf out
	$(CARGO) clean
