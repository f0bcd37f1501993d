#![no_main]
//! master.cf parser: never panics, round-trips, edits keep the file parseable.
use libfuzzer_sys::fuzz_target;
use postfix_preupgrade::config::{show_master, MasterCf};

fuzz_target!(|data: &[u8]| {
    let m = MasterCf::parse(data);
    assert_eq!(m.to_bytes(), data);
    let _ = m.diagnostics();
    let _ = show_master(&m);
    if let Some(s) = m.services().first() {
        let id = s.id();
        let mut e = m.clone();
        let _ = e.set_override(&id, "syslog_name", "fuzz");
        let mut e = m.clone();
        let _ = e.rename_entry(&id, "renamed");
        let mut e = m.clone();
        let _ = e.remove_entry(&id);
    }
});
