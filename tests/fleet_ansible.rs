//! The Ansible collection (contrib/ansible) installed with the real ansible-galaxy and its
//! fleet playbook run by the real ansible-playbook against four "hosts" on this machine
//! (local connections, each inspecting its own copy of a system root):
//!
//! - `mx1`: the RHEL 9 example mail host (`hash:` aliases, blocked on the way to RHEL 10),
//!   with a postfix-lmdb package in its rpm database so that `fix` can migrate it;
//! - `mx2`: an already-migrated RHEL 9 host (ready);
//! - `relay1`: a RHEL 8 relay with `nis:` aliases (blocked; its fix needs review);
//! - `broken`: a root without /etc/os-release: its check fails (exit 2).
//!
//! One test runs the playbook in order: a first run (installs), a second run (idempotent:
//! nothing changed), `--check --diff` with the fix enabled (a dry run: nothing changes on
//! disk), the fix enabled (files change, mx1 becomes ready), and the fix again with
//! `fail_on_inhibitor` (idempotent; blocked hosts fail). After each run the fetched reports
//! are compared with the binary run directly on the roots, and the fleet report (all three
//! formats) with counts computed here from the fetched reports.
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const SRC: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_postfix-preupgrade");
const HOSTS: [&str; 4] = ["mx1", "mx2", "relay1", "broken"];

struct Fleet {
    dir: PathBuf,
}

/// One ansible-playbook run: exit status, log and the PLAY RECAP per host.
struct Run {
    rc: i32,
    log: String,
    recap: BTreeMap<String, BTreeMap<String, u32>>,
}

impl Run {
    fn get(&self, host: &str, what: &str) -> u32 {
        *self
            .recap
            .get(host)
            .unwrap_or_else(|| panic!("{host} not in the recap:\n{}", self.log))
            .get(what)
            .unwrap_or_else(|| panic!("no {what} for {host} in the recap"))
    }
}

fn parse_recap(log: &str) -> BTreeMap<String, BTreeMap<String, u32>> {
    let mut out = BTreeMap::new();
    let Some(start) = log.find("PLAY RECAP") else {
        return out;
    };
    for line in log[start..].lines().skip(1) {
        let Some((host, counts)) = line.split_once(" : ") else {
            continue;
        };
        let map = counts
            .split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
            .collect();
        out.insert(host.trim().to_string(), map);
    }
    out
}

fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", p.display()))
}

impl Fleet {
    fn new() -> Fleet {
        support::tool("ansible-playbook");
        support::tool("ansible-galaxy");
        let dir = support::scratch("fleet", "ansible");
        let roots = dir.join("roots");
        let copy = |from: &Path, host: &str, hostname: &str| {
            let to = roots.join(host);
            support::copy_tree(from, &to);
            std::fs::write(to.join("etc/hostname"), format!("{hostname}\n")).unwrap();
        };
        copy(
            &Path::new(SRC).join("examples/rhel9-mailhost"),
            "mx1",
            "mx1.example.com",
        );
        copy(
            &support::fixture_root("el9-migrated"),
            "mx2",
            "mx2.example.com",
        );
        copy(
            &support::fixture_root("fleet-el8-nis"),
            "relay1",
            "relay1.example.org",
        );
        std::fs::create_dir_all(roots.join("broken")).unwrap();
        // mx1 has postfix-lmdb installed: fix can move its tables to lmdb (with this
        // machine's postmap/postalias, which support lmdb).
        let lmdb = support::build_rpm(
            &dir.join("rpms"),
            "postfix-lmdb",
            "3.5.9",
            "24.el9",
            &[support::PkgFile {
                path: "/usr/lib64/postfix/postfix-lmdb.so",
                contents: b"stand-in for the lmdb map plugin\n",
                config: false,
            }],
        );
        support::rpm_install(&roots.join("mx1"), &[lmdb]);

        install_collection(&dir);
        let mut inv = String::from("[mail]\n");
        for h in HOSTS {
            inv.push_str(&format!(
                "{h} postfix_preupgrade_root={}\n",
                roots.join(h).display()
            ));
        }
        inv.push_str(&format!(
            "[mail:vars]\nansible_connection=local\nansible_python_interpreter=/usr/bin/python3\n\
             postfix_preupgrade_binary={}/{{{{ inventory_hostname }}}}/postfix-preupgrade\n",
            dir.join("bin").display()
        ));
        std::fs::write(dir.join("inventory"), inv).unwrap();
        Fleet { dir }
    }

    fn env(dir: &Path) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("ANSIBLE_HOME", dir.join("home")),
            ("ANSIBLE_LOCAL_TEMP", dir.join("tmp")),
            ("ANSIBLE_COLLECTIONS_PATH", dir.join("collections")),
            ("ANSIBLE_NOCOLOR", "1".into()),
            ("ANSIBLE_FORCE_COLOR", "0".into()),
            ("ANSIBLE_RETRY_FILES_ENABLED", "0".into()),
        ]
    }

    fn run(&self, extra: &[&str]) -> Run {
        let out = Command::new("ansible-playbook")
            .arg("-i")
            .arg(self.dir.join("inventory"))
            .arg("postfix_preupgrade.upgrade.fleet")
            .args(["-e", "postfix_preupgrade_install=binary"])
            .arg("-e")
            .arg(format!("postfix_preupgrade_binary_src={BIN}"))
            .arg("-e")
            .arg(format!("postfix_preupgrade_aggregate_binary={BIN}"))
            .arg("-e")
            .arg(format!(
                "postfix_preupgrade_report_dir={}",
                self.reports().display()
            ))
            .args(extra)
            .envs(Self::env(&self.dir))
            .output()
            .expect("run ansible-playbook");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Run {
            rc: out.status.code().unwrap_or(-1),
            recap: parse_recap(&log),
            log,
        }
    }

    fn reports(&self) -> PathBuf {
        self.dir.join("reports")
    }

    fn root(&self, host: &str) -> PathBuf {
        self.dir.join("roots").join(host)
    }

    fn report(&self, host: &str) -> Value {
        read_json(&self.reports().join(format!("hosts/{host}.json")))
    }

    /// The report the binary gives when run directly on the host's root.
    fn direct_report(&self, host: &str) -> Value {
        let out = Command::new(BIN)
            .arg("--root")
            .arg(self.root(host))
            .args(["--color", "never", "check", "--format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Snapshot of every file under the roots (path → bytes): proves a run changed nothing.
    fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        walkdir::WalkDir::new(self.dir.join("roots"))
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
            .collect()
    }
}

/// The collection installed from contrib/ansible with the real ansible-galaxy into
/// `dir/collections` (no network: it has no dependencies).
fn install_collection(dir: &Path) {
    let out = Command::new(support::tool("ansible-galaxy"))
        .args(["collection", "install", "--force"])
        .arg(Path::new(SRC).join("contrib/ansible"))
        .arg("-p")
        .arg(dir.join("collections"))
        .envs(Fleet::env(dir))
        .output()
        .expect("run ansible-galaxy");
    assert!(
        out.status.success(),
        "ansible-galaxy collection install failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn finding_keys(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect()
}

fn inhibitors(report: &Value) -> usize {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["inhibitor"] == true)
        .count()
}

/// The fetched reports agree with the roots, and the fleet report (three formats) agrees
/// with counts computed here from the fetched reports. Returns the blocked hosts.
fn assert_reports_and_aggregate(fleet: &Fleet, run: &Run) -> BTreeSet<String> {
    let mut status: BTreeMap<&str, &str> = BTreeMap::new();
    let mut check_hosts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let hostnames: BTreeMap<&str, &str> = [
        ("mx1", "mx1.example.com"),
        ("mx2", "mx2.example.com"),
        ("relay1", "relay1.example.org"),
    ]
    .into_iter()
    .collect();
    for host in ["mx1", "mx2", "relay1"] {
        let r = fleet.report(host);
        assert_eq!(r["tool"]["name"], "postfix-preupgrade", "{host}: {r}");
        assert_eq!(r["hostname"], hostnames[host], "{host}");
        let direct = fleet.direct_report(host);
        assert_eq!(
            finding_keys(&r),
            finding_keys(&direct),
            "{host}: the fetched report is not what the root gives now\n{}",
            run.log
        );
        assert_eq!(r["target"], direct["target"], "{host}");
        status.insert(
            hostnames[host],
            if inhibitors(&r) > 0 {
                "blocked"
            } else {
                "ready"
            },
        );
        for f in r["findings"].as_array().unwrap() {
            check_hosts
                .entry(f["id"].as_str().unwrap().to_string())
                .or_default()
                .insert(hostnames[host].to_string());
        }
    }
    let expected_targets = [("mx1", "10"), ("mx2", "10"), ("relay1", "9")];
    for (host, target) in expected_targets {
        assert_eq!(fleet.report(host)["target"]["release"], target, "{host}");
    }
    // The broken host left a failure record naming why.
    let broken = fleet.report("broken");
    assert_eq!(broken["hostname"], "broken");
    let err = broken["error"].as_str().unwrap();
    assert!(err.contains("/etc/os-release"), "{err}");
    assert!(err.contains("exit status 2"), "{err}");
    status.insert("broken", "failed");

    let agg = read_json(&fleet.reports().join("fleet.json"));
    assert_eq!(agg["kind"], "fleet");
    let count = |s: &str| status.values().filter(|v| **v == s).count();
    let (blocked, ready, failed) = (count("blocked"), count("ready"), count("failed"));
    assert_eq!(agg["summary"]["total"], 4, "{agg}");
    assert_eq!(agg["summary"]["blocked"], blocked, "{agg}");
    assert_eq!(agg["summary"]["ready"], ready, "{agg}");
    assert_eq!(agg["summary"]["failed"], failed, "{agg}");
    assert_eq!(agg["skipped"], serde_json::json!([]), "{agg}");
    let hosts = agg["hosts"].as_array().unwrap();
    for h in hosts {
        let name = h["host"].as_str().unwrap();
        assert_eq!(h["status"], status[name], "{name}: {h}");
    }
    // blocked hosts first, failed last
    let order: Vec<&str> = hosts
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|s| ["blocked", "ready", "failed"].iter().position(|x| x == s));
    assert_eq!(order, sorted);
    // checks x hosts: exactly the hosts each check fires on in the fetched reports
    let got: BTreeMap<String, BTreeSet<String>> = agg["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["cells"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["host"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(got, check_hosts);

    let text = std::fs::read_to_string(fleet.reports().join("fleet.txt")).unwrap();
    let line = format!("4 hosts: {blocked} blocked, {ready} ready, {failed} failed to report");
    assert_eq!(text.lines().nth(1), Some(line.as_str()), "{text}");
    let html = std::fs::read_to_string(fleet.reports().join("fleet.html")).unwrap();
    for (class, n) in [
        ("total", 4),
        ("blocked", blocked),
        ("ready", ready),
        ("failed", failed),
    ] {
        let want = format!("id=\"count-{class}\">{n}</span>");
        assert!(html.contains(&want), "fleet.html lacks {want}");
    }
    status
        .into_iter()
        .filter(|(_, s)| *s == "blocked")
        .map(|(h, _)| h.to_string())
        .collect()
}

#[test]
fn fleet_playbook_first_run_idempotence_check_mode_and_fix() {
    let fleet = Fleet::new();
    let mailhosts = ["mx1", "mx2", "relay1"];

    // 1. First run: installs the binary on every host, fetches the reports, writes the
    //    fleet report; only the broken host fails (at the gate, after the fleet report).
    let run = fleet.run(&[]);
    assert_eq!(run.rc, 2, "only the broken host fails:\n{}", run.log);
    assert_eq!(run.get("broken", "failed"), 1, "{}", run.log);
    for h in mailhosts {
        assert_eq!(run.get(h, "failed"), 0, "{h}:\n{}", run.log);
        assert!(run.get(h, "changed") >= 1, "{h}: the install is a change");
        assert!(fleet
            .dir
            .join("bin")
            .join(h)
            .join("postfix-preupgrade")
            .is_file());
    }
    assert!(run
        .log
        .contains("4 hosts: 2 blocked, 1 ready, 1 failed to report"));
    let blocked = assert_reports_and_aggregate(&fleet, &run);
    assert_eq!(
        blocked,
        ["mx1.example.com", "relay1.example.org"]
            .map(String::from)
            .into()
    );
    let agg = read_json(&fleet.reports().join("fleet.json"));
    let cell = |check: &str, host: &str| -> Value {
        agg["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == check)
            .and_then(|c| {
                c["cells"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["host"] == host)
                    .cloned()
            })
            .unwrap_or_else(|| panic!("no {check} on {host}: {agg}"))
    };
    assert_eq!(cell("berkeley-db-map", "mx1.example.com")["fix"], "safe");
    assert_eq!(
        cell("berkeley-db-map", "mx1.example.com")["inhibitor"],
        true
    );
    assert_eq!(cell("nis-map", "relay1.example.org")["fix"], "review");

    // 2. Second run: idempotent, nothing changed anywhere.
    let before = fleet.snapshot();
    let run = fleet.run(&[]);
    assert_eq!(run.rc, 2, "{}", run.log);
    for h in HOSTS {
        assert_eq!(
            run.get(h, "changed"),
            0,
            "{h} changed on a second run:\n{}",
            run.log
        );
    }
    assert_eq!(run.get("localhost", "changed"), 0);
    assert_eq!(fleet.snapshot(), before);
    assert_reports_and_aggregate(&fleet, &run);

    // 3. Check mode with the fix enabled and --diff: fix --dry-run shows the diff, the
    //    hosts with something to fix report "changed", nothing changes on disk.
    let run = fleet.run(&["--check", "--diff", "-e", "postfix_preupgrade_fix=true"]);
    assert_eq!(run.rc, 2, "{}", run.log);
    for h in ["mx1", "relay1"] {
        assert_eq!(
            run.get(h, "changed"),
            1,
            "{h} has fixes to show:\n{}",
            run.log
        );
        assert_eq!(run.get(h, "failed"), 0, "{h}:\n{}", run.log);
    }
    assert!(run.log.contains("+++ /etc/postfix/main.cf"), "{}", run.log);
    assert!(run.log.contains("Dry run: nothing was changed."));
    assert!(
        run.log.contains("+smtpd_discard_ehlo_keywords = chunking"),
        "relay1's pin of the RHEL 8 default is in the diff:\n{}",
        run.log
    );
    assert_eq!(fleet.snapshot(), before, "check mode changed files");
    assert_reports_and_aggregate(&fleet, &run);

    // 4. The fix: files change, a backup is made, the re-check's report is kept. mx1's
    //    tables move to lmdb and it becomes ready; relay1's nis: needs review and stays.
    let run = fleet.run(&["-e", "postfix_preupgrade_fix=true"]);
    assert_eq!(run.rc, 2, "{}", run.log);
    for h in ["mx1", "relay1"] {
        assert_eq!(run.get(h, "changed"), 1, "{h} was fixed:\n{}", run.log);
        assert!(
            fleet
                .root(h)
                .join("var/lib/postfix-preupgrade/backups")
                .is_dir(),
            "{h}: no backup"
        );
    }
    let main_cf = std::fs::read_to_string(fleet.root("mx1").join("etc/postfix/main.cf")).unwrap();
    assert!(main_cf.contains("lmdb:/etc/aliases"), "{main_cf}");
    assert!(fleet.root("mx1").join("etc/aliases.lmdb").is_file());
    let blocked = assert_reports_and_aggregate(&fleet, &run);
    assert_eq!(blocked, ["relay1.example.org"].map(String::from).into());
    assert_eq!(inhibitors(&fleet.report("mx1")), 0);
    assert!(run
        .log
        .contains("4 hosts: 1 blocked, 2 ready, 1 failed to report"));

    // 5. The fix again, failing blocked hosts: nothing left to change; relay1 (still
    //    blocked) and broken fail, the ready hosts pass.
    let before = fleet.snapshot();
    let run = fleet.run(&[
        "-e",
        "postfix_preupgrade_fix=true",
        "-e",
        "postfix_preupgrade_fail_on_inhibitor=true",
    ]);
    assert_eq!(run.rc, 2, "{}", run.log);
    for h in HOSTS {
        assert_eq!(run.get(h, "changed"), 0, "{h}:\n{}", run.log);
    }
    assert_eq!(run.get("relay1", "failed"), 1, "{}", run.log);
    assert_eq!(run.get("broken", "failed"), 1, "{}", run.log);
    assert_eq!(run.get("mx1", "failed"), 0, "{}", run.log);
    assert_eq!(run.get("mx2", "failed"), 0, "{}", run.log);
    assert!(run.log.contains("finding(s) inhibit the upgrade"));
    assert_eq!(fleet.snapshot(), before, "a second fix changed files");
    assert_reports_and_aggregate(&fleet, &run);
}

/// Every variable of the role has a default, an argument spec (as ansible-doc reads it) and
/// a row in the role's README; every `postfix_preupgrade_*` name the tasks use is one of
/// them or set by the role itself; and Ansible validates a bad value before doing anything.
#[test]
fn role_variables_are_documented_and_validated() {
    let dir = support::scratch("fleet", "ansible-doc");
    install_collection(&dir);
    let role = Path::new(SRC).join("contrib/ansible/roles/postfix_preupgrade");
    let keys = |text: &str, indent: &str| -> BTreeSet<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix(indent))
            .filter_map(|l| l.split_once(':').map(|(k, _)| k))
            .filter(|k| k.starts_with("postfix_preupgrade_") && !k.contains(' '))
            .map(str::to_string)
            .collect()
    };
    let read =
        |p: PathBuf| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let defaults = keys(&read(role.join("defaults/main.yml")), "");
    assert!(defaults.len() >= 10, "{defaults:?}");

    let out = Command::new(support::tool("ansible-doc"))
        .args([
            "-t",
            "role",
            "-j",
            "postfix_preupgrade.upgrade.postfix_preupgrade",
        ])
        .envs(Fleet::env(&dir))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = &doc["postfix_preupgrade.upgrade.postfix_preupgrade"]["entry_points"];
    let options = |ep: &str| -> BTreeSet<String> {
        entry[ep]["options"]
            .as_object()
            .unwrap_or_else(|| panic!("no entry point {ep}: {doc}"))
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        options("main"),
        defaults,
        "argument_specs main vs defaults/main.yml"
    );
    for ep in ["aggregate", "gate"] {
        let o = options(ep);
        assert!(o.is_subset(&defaults), "{ep}: {o:?}");
    }
    for (name, spec) in entry["main"]["options"].as_object().unwrap() {
        let d = &spec["description"];
        assert!(
            d.as_str().is_some_and(|s| !s.is_empty())
                || d.as_array().is_some_and(|a| !a.is_empty()),
            "{name} has no description"
        );
    }
    let readme = read(role.join("README.md"));
    for v in &defaults {
        assert!(
            readme.contains(&format!("| `{v}` |")),
            "README.md lacks {v}"
        );
    }

    // Names the tasks and the playbook use: variables, or set by the role itself.
    let mut used = BTreeSet::new();
    let mut set = keys(&read(role.join("vars/main.yml")), "");
    set.insert("postfix_preupgrade_hosts".to_string()); // the playbook's host pattern
    let mut files: Vec<PathBuf> = std::fs::read_dir(role.join("tasks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(Path::new(SRC).join("contrib/ansible/playbooks/fleet.yml"));
    for f in files {
        let text = read(f);
        for (i, _) in text.match_indices("postfix_preupgrade_") {
            let name: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            used.insert(name);
        }
        for line in text.lines() {
            let t = line.trim_start();
            if let Some(r) = t.strip_prefix("register: ") {
                set.insert(r.trim().to_string());
            }
            // set_fact keys and task vars: an indented `name:` line
            if line.starts_with("    ") {
                set.extend(keys(t, ""));
            }
        }
    }
    let unknown: Vec<&String> = used
        .iter()
        .filter(|u| !defaults.contains(*u) && !set.contains(*u))
        .collect();
    assert!(
        unknown.is_empty(),
        "used but neither documented nor set by the role: {unknown:?}"
    );

    // Argument validation: a value outside the choices stops the role before any task.
    std::fs::write(
        dir.join("inventory"),
        "h ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n",
    )
    .unwrap();
    let out = Command::new(support::tool("ansible-playbook"))
        .arg("-i")
        .arg(dir.join("inventory"))
        .arg("postfix_preupgrade.upgrade.fleet")
        .args(["-e", "postfix_preupgrade_install=ftp"])
        .arg("-e")
        .arg(format!(
            "postfix_preupgrade_report_dir={}",
            dir.join("reports").display()
        ))
        .envs(Fleet::env(&dir))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{log}");
    assert!(log.contains("postfix_preupgrade_install"), "{log}");
    assert!(log.contains("must be one of"), "{log}");
    assert!(
        !dir.join("reports/hosts/h.json").exists(),
        "the role ran on: {log}"
    );
}
