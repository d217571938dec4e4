fn main() {
    let lane = hebb::units::rstdp_lane::RstdpLane::default();
    use hebb::design::Design;
    print!("{}", lane.render_rtl().unwrap());
}
