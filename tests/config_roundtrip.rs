//! Round-trip: `to_bytes(parse(x)) == x` for every file under ../shared/data, for
//! arbitrary bytes and for mutated real configs; parsing never panics.
use std::path::PathBuf;

use postfix_preupgrade::config::{map_refs, show_main, show_master, MainCf, MasterCf};
use proptest::prelude::*;

fn data() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data"))
}

fn all_files() -> Vec<PathBuf> {
    walkdir::WalkDir::new(data())
        .follow_links(true)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

fn exercise(bytes: &[u8]) {
    let m = MainCf::parse(bytes);
    assert_eq!(m.to_bytes(), bytes);
    let s = MasterCf::parse(bytes);
    assert_eq!(s.to_bytes(), bytes);
    let _ = (
        m.diagnostics(),
        s.diagnostics(),
        show_main(&m),
        show_master(&s),
    );
    let _ = map_refs(&m, Some(&s), &|_| None);
}

#[test]
fn every_shared_data_file_round_trips() {
    let files = all_files();
    assert!(
        files.len() > 100,
        "shared data missing: {}",
        data().display()
    );
    for f in &files {
        let b = std::fs::read(f).unwrap();
        let m = MainCf::parse(&b);
        assert_eq!(m.to_bytes(), b, "{}", f.display());
        let s = MasterCf::parse(&b);
        assert_eq!(s.to_bytes(), b, "{}", f.display());
    }
    println!("round-trip: {} files", files.len());
}

fn real_configs() -> Vec<Vec<u8>> {
    all_files()
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n == "main.cf" || n == "master.cf")
        })
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_round_trip(b in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&b);
    }

    #[test]
    fn config_like_bytes_round_trip(parts in proptest::collection::vec(
        prop_oneof![
            Just(&b"\n"[..]), Just(&b"\r\n"[..]), Just(&b" "[..]), Just(&b"\t"[..]),
            Just(&b"#"[..]), Just(&b"="[..]), Just(&b"{"[..]), Just(&b"}"[..]),
            Just(&b"$"[..]), Just(&b"-o"[..]), Just(&b"a"[..]), Just(&b":"[..]),
            Just(&b"\0"[..]), Just(&b"\xe9"[..]), Just(&b"hash:/x"[..]), Just(&b"${a?{b}:{c}}"[..]),
            Just(&b"smtp inet n - n - - smtpd"[..]), Just(&b"proxy:unionmap:{"[..]),
        ], 0..80)) {
        exercise(&parts.concat());
    }

    #[test]
    fn mutated_real_configs_round_trip(pick in any::<prop::sample::Index>(),
                                       edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..20)) {
        let configs = real_configs();
        let mut b = configs[pick.index(configs.len())].clone();
        for (at, byte, op) in edits {
            if b.is_empty() { b.push(byte); continue; }
            let i = at.index(b.len());
            match op {
                0 => b[i] = byte,
                1 => b.insert(i, byte),
                _ => { b.remove(i); }
            }
        }
        exercise(&b);
    }
}

#[test]
fn five_megabyte_line_round_trips() {
    let mut b = b"myhostname = a\nbig = ".to_vec();
    b.extend(std::iter::repeat_n(b'x', 5 << 20));
    b.extend_from_slice(b"\n  \xe9\0 tail");
    let m = MainCf::parse(&b);
    assert_eq!(m.to_bytes(), b);
    // the continuation joins as written, Latin-1 turns lossy, the NUL ends the text
    let v = m.value("big").unwrap();
    assert_eq!(v.len(), (5 << 20) + 2 + '\u{fffd}'.len_utf8());
    assert!(v.ends_with("x  \u{fffd}"));
    let s = MasterCf::parse(&b);
    assert_eq!(s.to_bytes(), b);
}
