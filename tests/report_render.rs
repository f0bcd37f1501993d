//! The three renderers over one realistic set of findings: text snapshots (plain and
//! coloured), the JSON shape from interface.md, and the leapp report validated against
//! leapp's own schemas 1.2.0 and 1.1.0 by two validators (the `jsonschema` crate and
//! Python's `jsonschema`, the one leapp's ecosystem uses), with keys stable across runs.
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use postfix_preupgrade::finding::{Finding, FixInfo, Link, Related, Severity};
use postfix_preupgrade::policy;
use postfix_preupgrade::report::{
    self, InstanceInfo, LeappSchema, ReleaseInfo, ReportMeta, ToolInfo,
};
use serde_json::Value;

fn shared_data() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data"))
}

fn meta() -> ReportMeta {
    ReportMeta {
        tool: ToolInfo {
            name: "postfix-preupgrade".into(),
            version: "0.1.0".into(),
        },
        // 2026-11-27T18:00:00.123456Z
        generated_at: UNIX_EPOCH
            + Duration::from_secs(1_795_802_400)
            + Duration::from_micros(123_456),
        hostname: "mail1.example.com".into(),
        source: ReleaseInfo {
            os: Some("rhel".into()),
            release: Some("9.4".into()),
            postfix_version: Some("3.5.9".into()),
        },
        target: ReleaseInfo {
            os: Some("rhel".into()),
            release: Some("10".into()),
            postfix_version: Some("3.8.5".into()),
        },
        instances: vec![
            InstanceInfo {
                name: "-".into(),
                config_directory: "/etc/postfix".into(),
            },
            InstanceInfo {
                name: "postfix-out".into(),
                config_directory: "/etc/postfix-out".into(),
            },
        ],
        assumptions: vec!["the target ships Postfix 3.8.5 (from the rhel10 profile)".into()],
        output: None,
    }
}

/// Findings as the engine would hand them over: keyed, policy applied, sorted.
fn findings() -> Vec<Finding> {
    let mut bdb = Finding::new(
        "berkeley-db-map",
        Severity::High,
        "Berkeley DB table on a target without Berkeley DB",
    );
    bdb.summary = "RHEL 10 builds Postfix without Berkeley DB: hash: and btree: tables cannot be opened,\nand mail that needs them is deferred.".into();
    bdb.location.file = Some("/etc/postfix/main.cf".into());
    bdb.location.line = Some(12);
    bdb.location.end_line = Some(13);
    bdb.location.parameter = Some("virtual_alias_maps".into());
    bdb.location.text = Some(
        "virtual_alias_maps = hash:/etc/postfix/virtual,\n    proxy:btree:/etc/postfix/more".into(),
    );
    // these are the file's lines: what the engine would quote
    bdb.location.lines = bdb.location.text.clone();
    bdb.related = vec![
        Related::file("/etc/postfix/virtual"),
        Related::package("postfix-lmdb"),
    ];
    bdb.remediation.hint = "Convert the tables to lmdb: and rebuild them with postmap.".into();
    bdb.remediation.commands = vec![
        vec![
            "postfix-preupgrade".into(),
            "fix".into(),
            "--only".into(),
            "berkeley-db-map".into(),
        ],
        vec!["postmap".into(), "lmdb:/etc/postfix/virtual".into()],
    ];
    bdb.fix = FixInfo::safe();
    bdb.links = vec![Link {
        url: "https://www.postfix.org/LMDB_README.html".into(),
        title: "Postfix LMDB support".into(),
    }];

    let mut smtps = Finding::new(
        "smtps-service-renamed",
        Severity::Low,
        "The smtps service is named submissions upstream",
    );
    smtps.summary =
        "Postfix 3.8.5 knows the port name smtps (known_tcp_ports), so the service keeps working."
            .into();
    smtps.location.file = Some("/etc/postfix/master.cf".into());
    smtps.location.line = Some(17);
    smtps.location.end_line = Some(19);
    smtps.location.service = Some("smtps/inet".into());
    smtps.location.text = Some("smtps     inet  n       -       n       -       -       smtpd\n  -o syslog_name=postfix/smtps\n  -o smtpd_tls_wrappermode=yes".into());
    // these are the file's lines: what the engine would quote
    smtps.location.lines = smtps.location.text.clone();
    smtps.fix = FixInfo::review();

    let mut compat = Finding::new(
        "compatibility-level",
        Severity::Medium,
        "compatibility_level is below the target's stock level",
    );
    compat.summary = "Defaults that change for this host: smtputf8_enable.".into();
    compat.remediation.hint =
        "Review the listed defaults, then set compatibility_level = 3.6.".into();
    compat.remediation.commands = vec![vec![
        "postconf".into(),
        "-c".into(),
        "/etc/postfix".into(),
        "compatibility_level=3.6".into(),
    ]];

    let mut unknown = Finding::new(
        "unknown-parameter",
        Severity::Medium,
        "Parameter unknown to Postfix 3.8.5",
    );
    unknown.summary = "rhel_ipv6_normalize existed only in RHEL 8's Postfix.".into();
    unknown.location.file = Some("/etc/postfix-out/main.cf".into());
    unknown.location.line = Some(40);
    unknown.location.parameter = Some("rhel_ipv6_normalize".into());
    unknown.location.text = Some("rhel_ipv6_normalize = yes".into());
    // these are the file's lines: what the engine would quote
    unknown.location.lines = unknown.location.text.clone();
    unknown.remediation.hint = "Remove the line; it's ignored with a warning.".into();
    unknown.remediation.commands = vec![vec![
        "postconf".into(),
        "-c".into(),
        "/etc/postfix-out".into(),
        "-X".into(),
        "rhel_ipv6_normalize".into(),
    ]];

    let mut rpmnew = Finding::new(
        "rpmnew-pending",
        Severity::Info,
        "A .rpmnew file waits to be merged",
    );
    rpmnew.summary =
        "/etc/postfix/main.cf.rpmnew holds the stock file of an earlier update.".into();
    rpmnew.location.file = Some("/etc/postfix/main.cf.rpmnew".into());
    rpmnew.related = vec![Related::file("/etc/postfix/main.cf.rpmnew")];

    let mut all: Vec<Finding> = [bdb, smtps, compat, unknown, rpmnew]
        .into_iter()
        .map(|f| {
            let mut f = f.with_default_key();
            policy::apply(&mut f);
            f
        })
        .collect();
    all.sort_by(postfix_preupgrade::engine::report_order);
    all
}

fn load(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema_file(schema: LeappSchema) -> PathBuf {
    shared_data().join(match schema {
        LeappSchema::V120 => "leapp/report-schema-v120.json",
        LeappSchema::V110 => "leapp/report-schema-v110.json",
    })
}

/// Errors from the Rust validator (empty when valid).
fn rust_errors(schema: LeappSchema, doc: &Value) -> Vec<String> {
    let v = jsonschema::validator_for(&load(schema_file(schema))).expect("leapp schema compiles");
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Python's jsonschema on the same document: Ok, or its error text.
fn python_validate(schema: LeappSchema, doc: &Value) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leapp-report.json");
    std::fs::write(&path, serde_json::to_vec(doc).unwrap()).unwrap();
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             jsonschema.Draft7Validator.check_schema(schema)\n\
             jsonschema.Draft7Validator(schema).validate(json.load(open(sys.argv[2])))",
        ])
        .arg(schema_file(schema))
        .arg(&path)
        .output()
        .expect("python3 is needed by this test (with python3-jsonschema)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named"),
        "python3-jsonschema is needed by this test: {stderr}"
    );
    if out.status.success() {
        Ok(())
    } else {
        Err(stderr.into_owned())
    }
}

#[test]
fn text_report_snapshot() {
    insta::assert_snapshot!(
        "text_plain",
        report::text::render(&meta(), &findings(), false)
    );
}

#[test]
fn text_report_with_output_and_no_findings_snapshot() {
    let mut m = meta();
    m.output = Some("/var/log/postfix-preupgrade.txt".into());
    m.assumptions.clear();
    m.instances.truncate(1);
    insta::assert_snapshot!("text_clean", report::text::render(&m, &[], false));
}

#[test]
fn text_report_colours_only_when_asked() {
    let plain = report::text::render(&meta(), &findings(), false);
    let coloured = report::text::render(&meta(), &findings(), true);
    assert!(!plain.contains('\x1b'));
    assert!(
        coloured.contains("\x1b[1;31m[high, inhibitor]\x1b[0m"),
        "{coloured}"
    );
    // Stripping the escapes gives the plain report back: colour adds nothing else.
    let mut stripped = String::new();
    let mut rest = coloured.as_str();
    while let Some(i) = rest.find('\x1b') {
        stripped.push_str(&rest[..i]);
        let j = rest[i..].find('m').unwrap();
        rest = &rest[i + j + 1..];
    }
    stripped.push_str(rest);
    assert_eq!(stripped, plain);
}

#[test]
fn text_report_groups_inhibitors_first_and_quotes_commands() {
    let text = report::text::render(&meta(), &findings(), false);
    let pos = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("missing {s:?} in\n{text}"))
    };
    assert!(pos("== Inhibitors (1) ==") < pos("== Medium (2) =="));
    assert!(pos("== Medium (2) ==") < pos("== Low (1) =="));
    assert!(pos("== Low (1) ==") < pos("== Info (1) =="));
    assert!(
        !text.contains("== High"),
        "the only high finding is an inhibitor"
    );
    pos("  at /etc/postfix/main.cf:12-13 (parameter virtual_alias_maps)");
    pos("    | virtual_alias_maps = hash:/etc/postfix/virtual,");
    pos("    $ postmap lmdb:/etc/postfix/virtual");
    pos("    $ postconf -c /etc/postfix compatibility_level=3.6");
    // wrapped at 80 columns: compare with the line breaks taken out
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(joined.contains(
        "Automatic fix (needs review): postfix-preupgrade fix --unsafe --only smtps-service-renamed"
    ));
    pos("The upgrade is inhibited: 1 finding(s)");
}

#[test]
fn json_report_shape() {
    let fs = findings();
    let v = report::json::to_value(&meta(), &fs);
    let printed: Value = serde_json::from_str(&report::json::render(&meta(), &fs)).unwrap();
    assert_eq!(v, printed);
    let obj = v.as_object().unwrap();
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    for k in [
        "tool",
        "generated_at",
        "hostname",
        "source",
        "target",
        "instances",
        "findings",
        "summary",
    ] {
        assert!(keys.contains(&k), "missing {k}");
    }
    assert_eq!(
        v["tool"],
        serde_json::json!({"name": "postfix-preupgrade", "version": "0.1.0"})
    );
    assert_eq!(v["generated_at"], "2026-11-27T18:00:00Z");
    assert_eq!(
        v["source"],
        serde_json::json!({"os": "rhel", "release": "9.4", "postfix_version": "3.5.9"})
    );
    assert_eq!(
        v["instances"][1],
        serde_json::json!({"name": "postfix-out", "config_directory": "/etc/postfix-out"})
    );
    assert_eq!(
        v["summary"],
        serde_json::json!({"inhibitors": 1, "high": 1, "medium": 2, "low": 1, "info": 1})
    );
    let f0 = &v["findings"][0];
    let fkeys: Vec<&str> = f0.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = vec![
        "id",
        "key",
        "severity",
        "inhibitor",
        "title",
        "summary",
        "location",
        "related",
        "remediation",
        "fix",
        "links",
    ];
    want.sort();
    assert_eq!(fkeys, want);
    assert_eq!(f0["id"], "berkeley-db-map");
    assert_eq!(f0["severity"], "high");
    assert_eq!(f0["inhibitor"], true);
    assert_eq!(f0["location"]["line"], 12);
    assert_eq!(f0["location"]["end_line"], 13);
    assert_eq!(f0["location"]["service"], Value::Null);
    assert_eq!(
        f0["related"][1],
        serde_json::json!({"scheme": "package", "title": "postfix-lmdb"})
    );
    assert_eq!(
        f0["remediation"]["commands"][1],
        serde_json::json!(["postmap", "lmdb:/etc/postfix/virtual"])
    );
    assert_eq!(
        f0["fix"],
        serde_json::json!({"available": true, "applicability": "safe"})
    );
    assert_eq!(
        f0["links"][0]["url"],
        "https://www.postfix.org/LMDB_README.html"
    );
    let key = f0["key"].as_str().unwrap();
    assert_eq!(key.len(), 40);
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    let rpmnew = &v["findings"][4];
    assert_eq!(
        rpmnew["fix"],
        serde_json::json!({"available": false, "applicability": null})
    );
}

#[test]
fn json_report_snapshot() {
    insta::assert_snapshot!("json", report::json::render(&meta(), &findings()));
}

#[test]
fn leapp_report_valid_against_both_schemas_with_both_validators() {
    let fs = findings();
    for schema in [LeappSchema::V120, LeappSchema::V110] {
        let run_id = report::leapp::new_run_id().unwrap();
        let text = report::leapp::render(&meta(), &fs, schema, &run_id);
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc, report::leapp::to_value(&meta(), &fs, schema, &run_id));
        assert_eq!(
            rust_errors(schema, &doc),
            Vec::<String>::new(),
            "{schema:?}"
        );
        python_validate(schema, &doc).unwrap_or_else(|e| panic!("{schema:?}: {e}"));
        // The empty report is valid too.
        let empty: Value =
            serde_json::from_str(&report::leapp::render(&meta(), &[], schema, &run_id)).unwrap();
        assert!(rust_errors(schema, &empty).is_empty());
        python_validate(schema, &empty).unwrap();
    }
}

#[test]
fn validators_reject_a_broken_leapp_report() {
    // The validators are real: a wrong severity, a command given as a string, and a
    // missing required field are each refused by both.
    let run_id = report::leapp::new_run_id().unwrap();
    let good = report::leapp::to_value(&meta(), &findings(), LeappSchema::V120, &run_id);
    let breakages: [fn(&mut Value); 3] = [
        |d| d["entries"][0]["severity"] = "fatal".into(),
        |d| {
            d["entries"][0]["detail"]["remediations"][1]["context"] =
                "postfix-preupgrade fix".into()
        },
        |d| {
            d["entries"][2].as_object_mut().unwrap().remove("actor");
        },
    ];
    for (i, brk) in breakages.iter().enumerate() {
        let mut bad = good.clone();
        brk(&mut bad);
        for schema in [LeappSchema::V120, LeappSchema::V110] {
            assert!(
                !rust_errors(schema, &bad).is_empty(),
                "breakage {i} {schema:?}"
            );
            assert!(
                python_validate(schema, &bad).is_err(),
                "breakage {i} {schema:?}"
            );
        }
    }
    // An inhibitor flag outside the 1.1.0 enum is refused by the 1.1.0 schema.
    let mut v110 = report::leapp::to_value(&meta(), &findings(), LeappSchema::V110, &run_id);
    v110["entries"][0]["flags"] = serde_json::json!(["blocker"]);
    assert!(!rust_errors(LeappSchema::V110, &v110).is_empty());
    assert!(python_validate(LeappSchema::V110, &v110).is_err());
}

#[test]
fn leapp_entry_fields() {
    let fs = findings();
    let run_id = "0c3d2f1e-8a6b-4c5d-9e7f-112233445566";
    let v = report::leapp::to_value(&meta(), &fs, LeappSchema::V120, run_id);
    assert_eq!(v["leapp_run_id"], run_id);
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), fs.len());
    let e = &entries[0];
    assert_eq!(e["title"], fs[0].title.as_str());
    assert_eq!(e["severity"], "high");
    assert_eq!(e["audience"], "sysadmin");
    assert_eq!(
        e["groups"],
        serde_json::json!(["email", "services", "inhibitor"])
    );
    assert!(e.get("flags").is_none() && e.get("tags").is_none());
    assert_eq!(e["key"], fs[0].key.as_str());
    assert_eq!(e["actor"], "postfix_preupgrade_check");
    assert_eq!(e["hostname"], "mail1.example.com");
    assert_eq!(e["timeStamp"], "2026-11-27T18:00:00.123456Z");
    let id = e["id"].as_str().unwrap();
    assert_eq!(id.len(), 64);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(e["summary"].as_str().unwrap().ends_with(
        "Location: /etc/postfix/main.cf, line 12-13: virtual_alias_maps = hash:/etc/postfix/virtual, \\     proxy:btree:/etc/postfix/more"
    ));
    assert_eq!(
        e["detail"]["related_resources"],
        serde_json::json!([
            {"scheme": "file", "title": "/etc/postfix/main.cf"},
            {"scheme": "file", "title": "/etc/postfix/virtual"},
            {"scheme": "package", "title": "postfix-lmdb"}
        ])
    );
    assert_eq!(
        e["detail"]["remediations"],
        serde_json::json!([
            {"type": "hint", "context": "Convert the tables to lmdb: and rebuild them with postmap."},
            {"type": "command", "context": ["postfix-preupgrade", "fix", "--only", "berkeley-db-map"]},
            {"type": "command", "context": ["postmap", "lmdb:/etc/postfix/virtual"]}
        ])
    );
    assert_eq!(
        e["detail"]["external"],
        serde_json::json!([{"url": "https://www.postfix.org/LMDB_README.html", "title": "Postfix LMDB support"}])
    );
    // Non-inhibitors: just email and services. The rpmnew entry names its file once.
    assert_eq!(
        entries[1]["groups"],
        serde_json::json!(["email", "services"])
    );
    assert_eq!(
        entries[4]["detail"]["related_resources"],
        serde_json::json!([{"scheme": "file", "title": "/etc/postfix/main.cf.rpmnew"}])
    );
    // 1.1.0: flags only on inhibitors, the groups as tags.
    let old = report::leapp::to_value(&meta(), &fs, LeappSchema::V110, run_id);
    assert_eq!(old["entries"][0]["flags"], serde_json::json!(["inhibitor"]));
    assert_eq!(
        old["entries"][0]["tags"],
        serde_json::json!(["email", "services"])
    );
    assert!(old["entries"][0].get("groups").is_none());
    assert!(old["entries"][1].get("flags").is_none());
    // Ids are unique within a run.
    let mut ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), entries.len());
}

#[test]
fn leapp_keys_stable_across_runs_and_schemas_ids_not() {
    let keys_ids = |schema| {
        // A fresh set of findings and a fresh run id each time, as two runs would have.
        let run_id = report::leapp::new_run_id().unwrap();
        let v = report::leapp::to_value(&meta(), &findings(), schema, &run_id);
        let e = v["entries"].as_array().unwrap().clone();
        (
            run_id,
            e.iter()
                .map(|x| x["key"].as_str().unwrap().to_string())
                .collect::<Vec<_>>(),
            e.iter()
                .map(|x| x["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>(),
        )
    };
    let (r1, k1, i1) = keys_ids(LeappSchema::V120);
    let (r2, k2, i2) = keys_ids(LeappSchema::V120);
    let (_, k3, _) = keys_ids(LeappSchema::V110);
    assert_ne!(r1, r2);
    assert_eq!(k1, k2);
    assert_eq!(k1, k3);
    assert!(i1.iter().zip(&i2).all(|(a, b)| a != b));
    // The leapp key is the JSON report's key.
    let json = report::json::to_value(&meta(), &findings());
    let jk: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(k1, jk);
}

/// `findings()` plus the same Berkeley DB problem in 59 more places (master.cf `-o`
/// overrides, a table each), as a hosting relay has it.
fn findings_with_repeats() -> Vec<Finding> {
    let mut all = findings();
    let bdb = all
        .iter()
        .find(|f| f.id == "berkeley-db-map")
        .unwrap()
        .clone();
    for i in 0..59 {
        let mut f = bdb.clone();
        let table = format!("/etc/postfix/cust/c{i}.access");
        f.summary = format!(
            "`hash:{table}` (10.0.0.{i}:smtp/inet -o smtpd_client_restrictions) is a Berkeley DB table.\n{}",
            bdb.summary
        );
        f.location.file = Some("/etc/postfix/master.cf".into());
        f.location.line = Some(30 + 3 * i);
        f.location.end_line = Some(30 + 3 * i);
        f.location.service = Some(format!("10.0.0.{i}:smtp/inet").into());
        f.location.text = Some(
            format!("  -o {{ smtpd_client_restrictions = check_client_access hash:{table} }}")
                .into(),
        );
        f.related = vec![
            Related::file(table.clone()),
            Related::package("postfix-lmdb"),
        ];
        f.remediation.commands[1] = vec!["postmap".into(), format!("lmdb:{table}").into()];
        f.key = String::new();
        all.push(f.with_default_key());
    }
    // the same problem where no fix applies: a group of its own (the leapp actor defers
    // a whole entry to the fix or none of it)
    for i in 0..11 {
        let mut f = bdb.clone();
        f.location.line = Some(400 + i);
        f.location.end_line = Some(400 + i);
        f.fix = FixInfo::none();
        f.key = String::new();
        all.push(f.with_default_key());
    }
    // up to GROUP_ABOVE places, each is an entry of its own as before
    let smtps = all
        .iter()
        .find(|f| f.id == "smtps-service-renamed")
        .unwrap()
        .clone();
    for i in 0..report::leapp::GROUP_ABOVE - 1 {
        let mut f = smtps.clone();
        f.location.line = Some(500 + i);
        f.key = String::new();
        all.push(f.with_default_key());
    }
    all
}

#[test]
fn leapp_groups_one_problem_found_in_many_places() {
    let fs = findings_with_repeats();
    let run_id = "0c3d2f1e-8a6b-4c5d-9e7f-112233445566";
    let v = report::leapp::to_value(&meta(), &fs, LeappSchema::V120, run_id);
    let entries = v["entries"].as_array().unwrap();
    // the 60 fixable Berkeley DB places are one entry, the 11 unfixable ones another;
    // the other findings read as without them, and the 10 smtps places stay 10 entries
    let plain = report::leapp::to_value(&meta(), &findings(), LeappSchema::V120, run_id);
    let plain = plain["entries"].as_array().unwrap();
    let n = plain.len();
    assert_eq!(entries.len(), n + 1 + report::leapp::GROUP_ABOVE - 1);
    assert_eq!(entries[1..n], plain[1..]);
    assert_eq!(
        entries[n]["title"],
        "Berkeley DB table on a target without Berkeley DB (11 places)"
    );
    // fs: findings(), then 59 fixable, 11 unfixable and 9 smtps places
    assert_eq!(entries[n]["key"], fs[n + 59].key.as_str());
    for (i, e) in entries[n + 1..].iter().enumerate() {
        assert_eq!(
            e["title"],
            "The smtps service is named submissions upstream"
        );
        assert_eq!(e["key"], fs[n + 70 + i].key.as_str());
    }

    let e = &entries[0];
    assert_eq!(
        e["title"],
        "Berkeley DB table on a target without Berkeley DB (60 places)"
    );
    assert_eq!(
        e["groups"],
        serde_json::json!(["email", "services", "inhibitor"])
    );
    let summary = e["summary"].as_str().unwrap();
    // the explanation once, then the places (capped, with the count)
    assert!(
        summary.starts_with(
            "RHEL 10 builds Postfix without Berkeley DB: hash: and btree: tables cannot be opened,\nand mail that needs them is deferred.\nFound in 60 places, the first 20 listed:\n- /etc/postfix/main.cf, line 12-13: virtual_alias_maps = hash:/etc/postfix/virtual, \\     proxy:btree:/etc/postfix/more\n- /etc/postfix/master.cf, line 30: `hash:/etc/postfix/cust/c0.access` (10.0.0.0:smtp/inet -o smtpd_client_restrictions) is a Berkeley DB table.\n"
        ),
        "{summary}"
    );
    assert_eq!(summary.matches("is deferred.").count(), 1, "{summary}");
    assert_eq!(summary.matches("\n- ").count(), 21, "{summary}");
    assert!(summary
        .contains("\n- and 40 more: `postfix-preupgrade check --format json` lists every place."));
    // files and the package once each, capped: main.cf, virtual, postfix-lmdb, master.cf
    // and 59 tables
    assert_eq!(
        e["detail"]["related_resources"].as_array().unwrap().len(),
        report::leapp::RESOURCES_SHOWN
    );
    assert!(
        summary.ends_with("\nRelated resources: the first 50 of 63."),
        "{summary}"
    );
    // one hint (all places share it), a note on the per-place commands, the fix command
    // once, the first per-place commands
    let rem = e["detail"]["remediations"].as_array().unwrap();
    assert_eq!(
        rem[0]["context"],
        "Convert the tables to lmdb: and rebuild them with postmap."
    );
    assert_eq!(
        rem[1]["context"],
        "1 hints and 61 commands in all, one set per place; `postfix-preupgrade check --format json` gives each place's."
    );
    assert_eq!(
        rem[2]["context"],
        serde_json::json!(["postfix-preupgrade", "fix", "--only", "berkeley-db-map"])
    );
    assert_eq!(rem.len(), 2 + report::leapp::COMMANDS_SHOWN);
    assert_eq!(e["detail"]["external"].as_array().unwrap().len(), 1);
    // the key of its first place (a JSON finding key, which the leapp actor maps to the
    // check), stable across runs and schemas; valid for leapp's tooling
    assert_eq!(e["key"], fs[0].key.as_str());
    for schema in [LeappSchema::V120, LeappSchema::V110] {
        let other = report::leapp::new_run_id().unwrap();
        let doc = report::leapp::to_value(&meta(), &fs, schema, &other);
        assert_eq!(doc["entries"][0]["key"], e["key"]);
        assert_eq!(
            rust_errors(schema, &doc),
            Vec::<String>::new(),
            "{schema:?}"
        );
        python_validate(schema, &doc).unwrap_or_else(|e| panic!("{schema:?}: {e}"));
    }
}

/// The JSON report of a check found in many places lists its fixed texts once under
/// `checks`; every finding still is one record per place and reads back as it was.
#[test]
fn json_lists_what_repeats_once_per_check() {
    let fs = findings_with_repeats();
    let v = report::json::to_value(&meta(), &fs);
    let checks = v["checks"].as_object().expect("a checks object");
    // only the check found in more than GROUP_ABOVE places (smtps: 10 places, no)
    assert_eq!(checks.keys().collect::<Vec<_>>(), ["berkeley-db-map"]);
    let bdb = &checks["berkeley-db-map"];
    let out = v["findings"].as_array().unwrap();
    assert_eq!(out.len(), fs.len());
    let mut left_out = 0;
    for (f, o) in fs.iter().zip(out) {
        assert_eq!(o["key"], f.key.as_str());
        // put back together from checks[id] where a field is missing
        let shared = &v["checks"][f.id.as_str()];
        let (title, summary) = match o.get("title") {
            Some(t) => (
                t.as_str().unwrap().to_string(),
                o["summary"].as_str().unwrap().to_string(),
            ),
            None => {
                left_out += 1;
                let own = o["summary"].as_str().unwrap();
                let expl = shared["explanation"].as_str().unwrap_or("");
                let summary = match (own.is_empty(), expl.is_empty()) {
                    (true, _) => expl.to_string(),
                    (false, true) => own.to_string(),
                    (false, false) => format!("{own}\n{expl}"),
                };
                (shared["title"].as_str().unwrap().to_string(), summary)
            }
        };
        assert_eq!(title, f.title);
        assert_eq!(summary, f.summary);
        let hint = o["remediation"].get("hint").unwrap_or(&shared["hint"]);
        assert_eq!(hint, f.remediation.hint.as_str());
        let links = o.get("links").unwrap_or(&shared["links"]);
        assert_eq!(links, &serde_json::to_value(&f.links).unwrap());
    }
    assert!(left_out >= 70, "{left_out}");
    insta::assert_snapshot!("json_many_places", report::json::render(&meta(), &fs));
    assert_eq!(
        bdb["title"],
        "Berkeley DB table on a target without Berkeley DB"
    );
    // a host with a few findings: no checks object, every finding whole, as before
    let plain = report::json::to_value(&meta(), &findings());
    assert!(plain.get("checks").is_none());
    assert!(plain["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("title").is_some() && f.get("links").is_some()));
}

/// The text report prints a problem found in many places once, then one line per place;
/// what repeats in few places reads as before.
#[test]
fn text_lists_a_problem_found_in_many_places_once() {
    let fs = findings_with_repeats();
    let text = report::text::render(&meta(), &fs, false);
    assert_eq!(
        text.matches("(the same problem at 60 places, listed below)")
            .count(),
        1
    );
    assert_eq!(
        text.matches("(the same problem at 11 places, listed below)")
            .count(),
        1
    );
    assert_eq!(text.matches("  Places (60):").count(), 1);
    for i in 0..59 {
        let line = format!(
            // file:line, parameter and service, the text as written
            "    /etc/postfix/master.cf:{}  virtual_alias_maps 10.0.0.{i}:smtp/inet  -o {{ smtpd_client_restrictions = check_client_access hash:/etc/postfix/cust/c{i}.access }}",
            30 + 3 * i
        );
        assert_eq!(text.matches(&line).count(), 1, "{line}\n{text}");
    }
    // the smtps finding at 10 places stays one block listing each place in full
    assert!(text.contains("(the same at 10 places)"), "{text}");
    insta::assert_snapshot!("text_many_places", text);
}
