//! The embedded parameter tables are current and answer exactly what the per-version
//! lists in shared/data/params say.
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use postfix_preupgrade::facts::params;
use postfix_preupgrade::facts::PostfixVersion;

fn shared_params() -> PathBuf {
    let p = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/params"
    ));
    assert!(
        p.is_dir(),
        "{}: missing (the shared data beside the clone)",
        p.display()
    );
    p.to_path_buf()
}

#[test]
fn generated_tables_are_up_to_date() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("facts_params_gen");
    let _ = fs::remove_dir_all(&out);
    fs::create_dir_all(&out).unwrap();
    let gen = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/gen.sh");
    let st = Command::new("bash")
        .arg(&gen)
        .arg(shared_params())
        .arg(&out)
        .status()
        .expect("run bash data/gen.sh");
    assert!(st.success(), "data/gen.sh failed");
    for f in ["params.tsv", "defaults.tsv"] {
        let fresh = fs::read_to_string(out.join(f)).unwrap();
        let committed =
            fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(f)).unwrap();
        assert!(
            fresh == committed,
            "data/{f} is stale: run data/gen.sh and commit the result"
        );
    }
}

#[test]
fn tables_match_every_listed_version() {
    for v in params::VERSIONS {
        let text = fs::read_to_string(shared_params().join(format!("defaults-{v}.tsv"))).unwrap();
        let mut listed = Vec::new();
        for line in text.lines() {
            let (name, value) = line.split_once('\t').unwrap();
            // documented but removed upstream (data/removed.tsv): listed, not known
            if params::removed(&v, name).is_some() {
                assert!(!params::known(&v, name), "{v}: removed {name} known");
                continue;
            }
            assert!(params::known(&v, name), "{v}: {name} not known");
            assert_eq!(
                params::default(&v, name),
                Some(value),
                "{v}: default of {name}"
            );
            listed.push(name);
        }
        listed.sort_unstable();
        assert_eq!(params::names(&v), listed, "{v}: names differ");
    }
}

#[test]
fn unlisted_versions_use_the_nearest_one_below() {
    let v359 = PostfixVersion::new(3, 5, 9);
    let v358 = PostfixVersion::new(3, 5, 8);
    assert_eq!(params::names(&v359), params::names(&v358));
    // 2.11.11 is listed in shared/data but not in the tables: it answers as 2.10.1
    let v2 = PostfixVersion::new(2, 11, 11);
    assert_eq!(params::table_version(&v2), PostfixVersion::new(2, 10, 1));
    assert!(!params::known(&v2, "compatibility_level"));
}
