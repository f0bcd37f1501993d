#![no_main]
//! main.cf parser: never panics, round-trips, expansion and map scanning terminate.
use libfuzzer_sys::fuzz_target;
use postfix_preupgrade::config::{expand, map_refs, show_main, MainCf};

fuzz_target!(|data: &[u8]| {
    let m = MainCf::parse(data);
    assert_eq!(m.to_bytes(), data);
    let _ = m.diagnostics();
    let _ = show_main(&m);
    let none = |_: &str| None;
    for p in m.params().iter().take(50) {
        let _ = expand(&m, &none, &p.value);
    }
    let _ = map_refs(&m, None, &none);
});
