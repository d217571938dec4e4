use hebb::design::Design;
fn main() {
    let lane = hebb::units::rstdp_lane::RstdpLane::default();
    let c = lane.compile().unwrap();
    eprintln!("sizes {:?}", c.program_sizes());
    let mut m = hebb::hdl::CompiledModel::new(c);
    let t = std::time::Instant::now();
    m.settle_repeatedly(10_000_000);
    eprintln!("{:.1} ns per settle", t.elapsed().as_nanos() as f64 / 1e7);
}
