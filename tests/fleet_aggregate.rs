//! `postfix-preupgrade aggregate` run as a program over reports made by the same binary on
//! fixture roots, plus the files a fleet directory really collects: truncated, foreign,
//! empty, binary, a leapp report, an earlier fleet report, a failure record, reports of an
//! older tool version. Counts are computed here from the input reports and compared with
//! all three output formats.
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_postfix-preupgrade");
const SRC: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(BIN)
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("run postfix-preupgrade")
}

/// `check --format FORMAT` on a root, with `hostname` written into a copy of it.
fn check(root: &Path, hostname: &str, format: &str, scratch: &Path) -> Vec<u8> {
    let copy = scratch.join("roots").join(hostname);
    support::copy_tree(root, &copy);
    std::fs::write(copy.join("etc/hostname"), format!("{hostname}\n")).unwrap();
    let out = run(&[
        &"--root",
        &copy,
        &"--color",
        &"never",
        &"check",
        &"--format",
        &format,
    ]);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn aggregate(format: &str, paths: &[&Path]) -> (Output, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(["aggregate", "--format", format]).args(paths);
    let out = cmd.output().unwrap();
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    (out, text)
}

struct Expected {
    blocked: usize,
    ready: usize,
    failed: usize,
    /// check id → hosts it fires on
    checks: BTreeMap<String, BTreeSet<String>>,
}

fn expected_from(reports: &[Value], failures: usize) -> Expected {
    let mut e = Expected {
        blocked: 0,
        ready: 0,
        failed: failures,
        checks: BTreeMap::new(),
    };
    for r in reports {
        let findings = r["findings"].as_array().unwrap();
        if findings.iter().any(|f| f["inhibitor"] == true) {
            e.blocked += 1;
        } else {
            e.ready += 1;
        }
        for f in findings {
            e.checks
                .entry(f["id"].as_str().unwrap().to_string())
                .or_default()
                .insert(r["hostname"].as_str().unwrap().to_string());
        }
    }
    e
}

/// A fleet directory: three real reports, a failure record and every kind of bad file.
fn make_fleet(dir: &Path) -> (PathBuf, Vec<Value>) {
    let hosts = dir.join("hosts");
    std::fs::create_dir_all(&hosts).unwrap();
    let mut reports = Vec::new();
    for (root, name) in [
        (
            Path::new(SRC).join("examples/rhel9-mailhost"),
            "mx1.example.com",
        ),
        (support::fixture_root("el9-migrated"), "mx2.example.com"),
        (support::fixture_root("fleet-el8-nis"), "relay1.example.org"),
    ] {
        let bytes = check(&root, name, "json", dir);
        reports.push(serde_json::from_slice::<Value>(&bytes).unwrap());
        std::fs::write(hosts.join(format!("{name}.json")), &bytes).unwrap();
        if name == "mx1.example.com" {
            // the same report cut short, as a full disk or a killed transfer leaves it
            std::fs::write(hosts.join("truncated.json"), &bytes[..bytes.len() / 2]).unwrap();
        }
    }
    let leapp = check(
        &support::fixture_root("el9-migrated"),
        "leapp-host",
        "leapp",
        dir,
    );
    std::fs::write(hosts.join("leapp.json"), leapp).unwrap();
    std::fs::write(
        hosts.join("broken.json"),
        json!({"tool": {"name": "postfix-preupgrade", "version": null},
               "hostname": "broken.example.com",
               "error": "postfix-preupgrade: error: /etc/os-release: No such file or directory (exit status 2)"})
        .to_string(),
    )
    .unwrap();
    std::fs::write(hosts.join("empty.json"), "").unwrap();
    std::fs::write(
        hosts.join("foreign.json"),
        r#"{"name": "other-tool", "ok": true}"#,
    )
    .unwrap();
    std::fs::write(hosts.join("garbage.json"), b"\xff\xfe\x00binary\x01").unwrap();
    std::fs::write(hosts.join("list.json"), "[1, 2, 3]").unwrap();
    // not *.json: not read from a directory
    std::fs::write(hosts.join("summary.tsv"), "host\tinhibitors\n").unwrap();
    (hosts, reports)
}

const BAD: [(&str, &str); 6] = [
    ("empty.json", "empty file"),
    ("foreign.json", "foreign JSON"),
    ("garbage.json", "not JSON"),
    ("leapp.json", "a leapp report"),
    ("list.json", "foreign JSON: a list"),
    ("truncated.json", "truncated JSON"),
];

#[test]
fn counts_agree_in_text_json_and_html_and_bad_files_are_skipped_by_name() {
    let dir = support::scratch("fleet", "aggregate-counts");
    let (hosts, reports) = make_fleet(&dir);
    let e = expected_from(&reports, 1);
    assert_eq!(
        (e.blocked, e.ready, e.failed),
        (2, 1, 1),
        "the fixture fleet"
    );

    // JSON
    let (out, text) = aggregate("json", &[&hosts]);
    assert_eq!(out.status.code(), Some(1), "blocked hosts: exit 1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let agg: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(agg["kind"], "fleet");
    assert_eq!(
        agg["summary"],
        json!({"total": 4, "ready": e.ready, "blocked": e.blocked, "failed": e.failed})
    );
    let skipped: BTreeMap<String, String> = agg["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let file = Path::new(s["file"].as_str().unwrap());
            (
                file.file_name().unwrap().to_string_lossy().into_owned(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        skipped.keys().map(String::as_str).collect::<Vec<_>>(),
        BAD.iter().map(|b| b.0).collect::<Vec<_>>(),
        "{skipped:?}"
    );
    for (file, why) in BAD {
        assert!(skipped[file].starts_with(why), "{file}: {}", skipped[file]);
        assert!(
            stderr.contains(&format!("skipped {}", hosts.join(file).display())),
            "stderr names {file}: {stderr}"
        );
    }
    let failed: Vec<&Value> = agg["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["host"], "broken.example.com");
    assert!(failed[0]["error"]
        .as_str()
        .unwrap()
        .contains("/etc/os-release"));
    let got: BTreeMap<String, BTreeSet<String>> = agg["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let cells: BTreeSet<String> = c["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["host"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(c["hosts"], cells.len(), "{c}");
            (c["id"].as_str().unwrap().to_string(), cells)
        })
        .collect();
    assert_eq!(got, e.checks);
    // the matrix puts the checks that block hosts first
    let first = &agg["checks"][0];
    assert!(first["blocked_hosts"].as_u64().unwrap() > 0, "{first}");
    let seen = |key: &str| -> Vec<String> {
        agg[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        seen("upgrade_paths"),
        ["rhel 9.4 -> rhel 10", "rhel 8.10 -> rhel 9"]
    );
    assert_eq!(
        seen("postfix_versions"),
        ["3.5.9 -> 3.8.5", "3.5.8 -> 3.5.9"]
    );

    // Text
    let (out, text) = aggregate("text", &[&hosts]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text.lines().nth(1),
        Some(
            format!(
                "4 hosts: {} blocked, {} ready, {} failed to report",
                e.blocked, e.ready, e.failed
            )
            .as_str()
        ),
        "{text}"
    );
    for (file, _) in BAD {
        assert!(
            text.contains(&format!("{}: ", hosts.join(file).display())),
            "{text}"
        );
    }
    // the matrix: a numbered legend line per check with its host count, then one row per
    // reporting host with a cell per check ('.' where the check does not fire)
    let mut legend: Vec<String> = Vec::new();
    for line in text.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() > 2 && t[0] == format!("[{}]", legend.len() + 1) {
            let id = t[1].to_string();
            assert_eq!(t[2], e.checks[&id].len().to_string(), "{line}");
            legend.push(id);
        }
    }
    assert_eq!(
        legend.iter().cloned().collect::<BTreeSet<_>>(),
        e.checks.keys().cloned().collect::<BTreeSet<_>>()
    );
    for r in &reports {
        let host = r["hostname"].as_str().unwrap();
        let row: Vec<&str> = text
            .lines()
            .filter_map(|l| {
                let t: Vec<&str> = l.split_whitespace().collect();
                (t.first() == Some(&host) && t.len() == legend.len() + 2).then_some(t)
            })
            .next()
            .unwrap_or_else(|| panic!("no matrix row for {host}:\n{text}"));
        for (i, id) in legend.iter().enumerate() {
            assert_eq!(
                row[i + 2] != ".",
                e.checks[id].contains(host),
                "{host} x {id}: {row:?}"
            );
        }
    }

    // HTML
    let (out, html) = aggregate("html", &[&hosts]);
    assert_eq!(out.status.code(), Some(1));
    for (class, n) in [
        ("total", 4),
        ("blocked", e.blocked),
        ("ready", e.ready),
        ("failed", e.failed),
    ] {
        assert!(
            html.contains(&format!("id=\"count-{class}\">{n}</span>")),
            "count-{class} != {n}"
        );
    }
    assert_eq!(html.matches("<tr class=\"host\"").count(), 4);
    assert_eq!(
        html.matches("<th class=\"checkcol\"").count(),
        e.checks.len()
    );
    assert_eq!(html.matches("<tr class=\"matrix-host\"").count(), 3);
    assert_eq!(html.matches("<tr class=\"skipped\"").count(), BAD.len());
    // self-contained: nothing is fetched from anywhere
    for needle in ["src=", "href=\"http", "@import", "url("] {
        assert!(!html.contains(needle), "the page loads something: {needle}");
    }
}

#[test]
fn reports_of_different_tool_versions_merge_by_check_id() {
    let dir = support::scratch("fleet", "aggregate-versions");
    let new = check(
        &Path::new(SRC).join("examples/rhel9-mailhost"),
        "new.example.com",
        "json",
        &dir,
    );
    let mut old: Value = serde_json::from_slice(&new).unwrap();
    old["tool"]["version"] = json!("0.0.9");
    old["hostname"] = json!("old.example.com");
    for f in old["findings"].as_array_mut().unwrap() {
        f["title"] = json!("title from 0.0.9");
        // an older version without the fix object and with an extra field
        f.as_object_mut().unwrap().remove("fix");
        f["legacy_field"] = json!(1);
    }
    // a newer version that knows a check this one does not
    let mut newer: Value = serde_json::from_slice(&new).unwrap();
    newer["tool"]["version"] = json!("0.10.0");
    newer["hostname"] = json!("newer.example.com");
    newer["findings"].as_array_mut().unwrap().push(json!({
        "id": "future-check", "severity": "medium", "inhibitor": false,
        "title": "A check from the future", "fix": {"available": true, "applicability": "safe"}
    }));
    let files: Vec<PathBuf> = [
        ("new", new.clone()),
        ("old", serde_json::to_vec(&old).unwrap()),
        ("newer", serde_json::to_vec(&newer).unwrap()),
    ]
    .into_iter()
    .map(|(n, b)| {
        let p = dir.join(format!("{n}.json"));
        std::fs::write(&p, b).unwrap();
        p
    })
    .collect();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (out, text) = aggregate("json", &paths);
    assert_eq!(out.status.code(), Some(1));
    let agg: Value = serde_json::from_str(&text).unwrap();
    let ids: Vec<&str> = agg["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "one row per check id: {ids:?}");
    assert!(unique.contains("future-check"));
    let bdb = agg["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "berkeley-db-map")
        .unwrap();
    assert_eq!(bdb["hosts"], 3, "{bdb}");
    // the title of the newest version that reported it
    assert_ne!(bdb["title"], "title from 0.0.9");
    // the old report has no fix object: nothing to promise there
    let old_cell = bdb["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["host"] == "old.example.com")
        .unwrap();
    assert_eq!(old_cell["fix"], "none");
    assert_eq!(bdb["fix"], json!({"safe": 2, "review": 0, "none": 1}));
    let versions: Vec<&str> = agg["tool_versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions.iter().copied().collect::<BTreeSet<_>>(),
        ["0.0.9", "0.1.0", "0.10.0"].into()
    );
}

#[test]
fn ready_fleet_exits_0_and_missing_paths_never_abort() {
    let dir = support::scratch("fleet", "aggregate-exit");
    let ready = check(
        &support::fixture_root("el9-migrated"),
        "mx2.example.com",
        "json",
        &dir,
    );
    let file = dir.join("mx2.json");
    std::fs::write(&file, &ready).unwrap();
    let out_file = dir.join("out/fleet.html");
    std::fs::create_dir_all(out_file.parent().unwrap()).unwrap();
    let out = run(&[
        &"aggregate",
        &"--format",
        &"html",
        &"--output",
        &out_file,
        &file,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let html = std::fs::read_to_string(&out_file).unwrap();
    assert!(html.contains("id=\"count-ready\">1</span>"));

    // a path that does not exist and an empty directory: named, skipped, the rest merged
    let empty = dir.join("empty-dir");
    std::fs::create_dir_all(&empty).unwrap();
    let missing = dir.join("no-such-dir");
    let (out, text) = aggregate("json", &[&file, &missing, &empty]);
    assert_eq!(out.status.code(), Some(1), "skipped files: not known ready");
    let agg: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(agg["summary"]["ready"], 1);
    let files: Vec<&str> = agg["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [missing.display().to_string(), empty.display().to_string()]
    );

    // nothing at all given: a usage error
    let out = run(&[&"aggregate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn duplicate_host_names_stay_apart_and_html_escapes_report_text() {
    let dir = support::scratch("fleet", "aggregate-escape");
    let mut r: Value = serde_json::from_slice(&check(
        &Path::new(SRC).join("examples/rhel9-mailhost"),
        "mx1.example.com",
        "json",
        &dir,
    ))
    .unwrap();
    r["hostname"] = json!("<script>alert(1)</script>&\"x\"");
    r["findings"][0]["title"] = json!("<img src=x onerror=alert(2)>");
    for name in ["a.json", "b.json"] {
        std::fs::write(dir.join(name), serde_json::to_vec(&r).unwrap()).unwrap();
    }
    let (_, html) = aggregate("html", &[&dir.join("a.json"), &dir.join("b.json")]);
    assert!(!html.contains("<script>alert"), "unescaped host name");
    assert!(!html.contains("<img"), "unescaped title");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;x&quot; (a.json)"));
    assert_eq!(html.matches("<tr class=\"host\"").count(), 2);
    let (_, text) = aggregate("json", &[&dir.join("a.json"), &dir.join("b.json")]);
    let agg: Value = serde_json::from_str(&text).unwrap();
    let names: BTreeSet<&str> = agg["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // a file named twice, and again inside a named directory, is still one host
    let a = dir.join("a.json");
    let (_, text) = aggregate("json", &[&a, &a, &dir]);
    let agg: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(agg["summary"]["total"], 2, "{agg}");
}
