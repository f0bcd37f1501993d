//! `show main` / `show master` against postconf: the recorded corpus oracle and the real
//! Debian `/usr/sbin/postconf` on our own fixtures. Rejected files: same line.
use std::path::{Path, PathBuf};
use std::process::Command;

use postfix_preupgrade::config::{show_main, show_master, MainCf, MasterCf, Reporter, Severity};

fn data() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data"))
}

fn read_or_empty(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}

/// Compare our `show main` with postconf -n on the names postconf prints (it leaves
/// out parameters it does not know and adds config_directory itself).
fn main_agrees(ours: &str, theirs: &str, main_src: &MainCf) -> Result<(), String> {
    for line in theirs.lines() {
        let name = line.split(" =").next().unwrap_or("");
        if name == "config_directory" && main_src.get(name).is_none() {
            continue;
        }
        if !ours.lines().any(|l| l == line) {
            let mine = ours.lines().find(|l| l.split(" =").next() == Some(name));
            return Err(format!("postconf: {line:?}\nours:     {mine:?}"));
        }
    }
    Ok(())
}

/// First fatal (file, line, message) of ours, main.cf first like postconf.
fn first_fatal(main: &MainCf, master: &MasterCf) -> Option<(&'static str, usize, String)> {
    let f = |d: Vec<postfix_preupgrade::config::Diagnostic>| {
        d.into_iter()
            .find(|d| d.severity == Severity::Fatal && d.reporter == Reporter::Postconf)
    };
    f(main.diagnostics())
        .map(|d| ("main.cf", d.line, d.message))
        .or_else(|| f(master.diagnostics()).map(|d| ("master.cf", d.line, d.message)))
}

/// Parse postconf's fatal line: (file, line or 0, message).
fn postconf_fatal(stderr: &str) -> Option<(String, usize, String)> {
    let l = stderr.lines().find(|l| l.contains("fatal: "))?;
    let msg = &l[l.find("fatal: ").unwrap() + 7..];
    // postconf's field checks of master.cf name neither file nor line
    let file = if msg.contains("master.cf") || msg.starts_with("invalid ") {
        "master.cf"
    } else if msg.contains("main.cf") {
        "main.cf"
    } else {
        "?"
    };
    let line = msg
        .find("line ")
        .map(|i| {
            msg[i + 5..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
        })
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let text = match msg.find(": line ").or_else(|| msg.find(", line ")) {
        Some(_) => msg
            .split_once("line ")
            .and_then(|x| x.1.split_once(": "))
            .map(|x| x.1)
            .unwrap_or("")
            .to_string(),
        None => msg.to_string(),
    };
    Some((file.to_string(), line, text))
}

#[test]
fn corpus_agrees_with_recorded_postconf() {
    let corpus = data().join("corpus");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap_or_else(|e| panic!("{}: {e}", corpus.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let (mut n_ok, mut n_all, mut m_ok, mut m_all, mut r_ok, mut r_all) = (0, 0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    for d in &dirs {
        let name = d.file_name().unwrap().to_string_lossy().into_owned();
        let main = MainCf::parse(&read_or_empty(&d.join("main.cf")));
        let master = MasterCf::parse(&read_or_empty(&d.join("master.cf")));
        let warnings = std::fs::read_to_string(d.join("oracle.warnings.txt")).unwrap();
        let accepted = warnings.contains("== postconf -n (exit 0)");
        if !accepted {
            r_all += 1;
            let theirs = postconf_fatal(&warnings).expect("a rejected entry has a fatal line");
            let ours = first_fatal(&main, &master);
            match ours {
                Some((file, line, msg))
                    if file == theirs.0
                        && (theirs.1 == 0 || theirs.1 == line)
                        && msg == theirs.2 =>
                {
                    r_ok += 1
                }
                other => failures.push(format!(
                    "{name}: rejected by postconf as {theirs:?}, ours {other:?}"
                )),
            }
            continue;
        }
        if let Some(f) = first_fatal(&main, &master) {
            failures.push(format!("{name}: postconf accepts it, we say fatal {f:?}"));
        }
        n_all += 1;
        let on = std::fs::read_to_string(d.join("oracle.postconf-n.txt")).unwrap();
        match main_agrees(&show_main(&main), &on, &main) {
            Ok(()) => n_ok += 1,
            Err(e) => failures.push(format!("{name}: -n differs\n{e}")),
        }
        m_all += 1;
        let om = std::fs::read_to_string(d.join("oracle.postconf-M.txt")).unwrap();
        let ours = show_master(&master);
        if ours == om {
            m_ok += 1;
        } else {
            let diff = ours
                .lines()
                .zip(om.lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("ours:     {a:?}\npostconf: {b:?}"))
                .unwrap_or_else(|| {
                    format!("{} vs {} lines", ours.lines().count(), om.lines().count())
                });
            failures.push(format!("{name}: -M differs\n{diff}"));
        }
    }
    println!(
        "corpus: postconf -n agreement {n_ok}/{n_all}, -M {m_ok}/{m_all}, rejected files same line {r_ok}/{r_all}"
    );
    assert!(n_all > 20, "corpus too small: {n_all}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn postconf(dir: &Path, flag: &str) -> (bool, String, String) {
    let out = Command::new("/usr/sbin/postconf")
        .arg("-c")
        .arg(dir)
        .arg(flag)
        .output()
        .unwrap_or_else(|e| panic!("the real postconf is needed (apt-get install postfix): {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fixtures_agree_with_real_postconf() {
    let root = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/config"
    ));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let (mut n_ok, mut m_ok, mut r_ok, mut acc, mut rej) = (0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    for d in &dirs {
        let name = d.file_name().unwrap().to_string_lossy().into_owned();
        let main = MainCf::parse(&read_or_empty(&d.join("main.cf")));
        let master = MasterCf::parse(&read_or_empty(&d.join("master.cf")));
        let (ok_n, out_n, err_n) = postconf(d, "-n");
        if !ok_n {
            rej += 1;
            let theirs = postconf_fatal(&err_n).unwrap_or_else(|| panic!("{name}: {err_n}"));
            match first_fatal(&main, &master) {
                Some((f, l, m)) if f == theirs.0 && l == theirs.1 && m == theirs.2 => r_ok += 1,
                other => failures.push(format!("{name}: postconf {theirs:?}, ours {other:?}")),
            }
            continue;
        }
        acc += 1;
        match main_agrees(&show_main(&main), &out_n, &main) {
            Ok(()) => n_ok += 1,
            Err(e) => failures.push(format!("{name}: -n\n{e}")),
        }
        let (_, out_m, _) = postconf(d, "-M");
        if show_master(&master) == out_m {
            m_ok += 1;
        } else {
            failures.push(format!(
                "{name}: -M\nours:\n{}postconf:\n{out_m}",
                show_master(&master)
            ));
        }
    }
    println!("fixtures vs /usr/sbin/postconf: -n {n_ok}/{acc}, -M {m_ok}/{acc}, rejected same line {r_ok}/{rej}");
    assert!(acc >= 3 && rej >= 2);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn stock_configs_agree_with_real_postconf() {
    let stock = data().join("stock");
    let mut dirs = Vec::new();
    for e in walkdir::WalkDir::new(&stock)
        .follow_links(true)
        .into_iter()
        .filter_map(|e| e.ok())
    {
        if e.file_type().is_dir()
            && e.path().join("main.cf").is_file()
            && e.path().join("master.cf").is_file()
        {
            dirs.push(e.into_path());
        }
    }
    dirs.sort();
    let (mut n_ok, mut m_ok) = (0, 0);
    let mut failures = Vec::new();
    for d in &dirs {
        let main = MainCf::parse(&std::fs::read(d.join("main.cf")).unwrap());
        let master = MasterCf::parse(&std::fs::read(d.join("master.cf")).unwrap());
        let (ok, out_n, err) = postconf(d, "-n");
        assert!(
            ok,
            "{}: postconf rejects a stock config: {err}",
            d.display()
        );
        match main_agrees(&show_main(&main), &out_n, &main) {
            Ok(()) => n_ok += 1,
            Err(e) => failures.push(format!("{}: -n\n{e}", d.display())),
        }
        let (_, out_m, _) = postconf(d, "-M");
        if show_master(&master) == out_m {
            m_ok += 1;
        } else {
            failures.push(format!("{}: -M differs", d.display()));
        }
    }
    println!(
        "stock vs /usr/sbin/postconf: -n {n_ok}/{}, -M {m_ok}/{}",
        dirs.len(),
        dirs.len()
    );
    assert!(dirs.len() >= 10);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `postconf -d` as a defaults lookup (real postconf, empty config directory).
fn postconf_defaults() -> std::collections::HashMap<String, String> {
    let dir = std::env::temp_dir().join(format!("pfx-config-defaults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.cf"), b"").unwrap();
    std::fs::write(dir.join("master.cf"), b"").unwrap();
    let (ok, out, err) = postconf(&dir, "-d");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(ok, "postconf -d: {err}");
    out.lines()
        .filter_map(|l| {
            l.split_once(" = ")
                .or_else(|| l.strip_suffix(" =").map(|n| (n, "")))
        })
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn expansion_agrees_with_postconf_x() {
    use postfix_preupgrade::config::Expander;
    let defaults = postconf_defaults();
    let corpus = data().join("corpus");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let (mut same, mut total) = (0, 0);
    let mut failures = Vec::new();
    for d in &dirs {
        let warnings = std::fs::read_to_string(d.join("oracle.warnings.txt")).unwrap();
        if !warnings.contains("== postconf -n (exit 0)") || !d.join("main.cf").is_file() {
            continue;
        }
        let main = MainCf::parse(&read_or_empty(&d.join("main.cf")));
        let (ok, out, _) = postconf(d, "-xn");
        assert!(ok);
        // postconf -c sets config_directory itself
        let dir = d.display().to_string();
        let lookup = |n: &str| {
            if n == "config_directory" {
                Some(dir.clone())
            } else {
                defaults.get(n).cloned()
            }
        };
        let ex = Expander::new(&main, &lookup);
        for line in out.lines() {
            let (name, theirs) = line.split_once(" =").unwrap();
            if name == "config_directory" {
                continue;
            }
            let exp = ex.param(name);
            // not comparable: "raw" parameters postconf -x leaves unexpanded (a `$` is
            // left), and defaults computed per process or from the host's interfaces
            let machine = ["process_id", "mynetworks"];
            if theirs.contains('$')
                || exp
                    .used
                    .iter()
                    .any(|u| machine.contains(&u.as_str()) && main.get(u).is_none())
            {
                continue;
            }
            total += 1;
            let ours = exp.value;
            let ours = ours.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
            if ours == theirs.trim_start() {
                same += 1;
            } else {
                failures.push(format!(
                    "{}: {name}\n  ours:     {ours:?}\n  postconf: {:?}",
                    d.display(),
                    theirs.trim_start()
                ));
            }
        }
    }
    // -o overrides: postconf -Px expands them with the service's other overrides
    let (mut o_same, mut o_total) = (0, 0);
    for d in &dirs {
        let warnings = std::fs::read_to_string(d.join("oracle.warnings.txt")).unwrap();
        if !warnings.contains("== postconf -n (exit 0)") || !d.join("master.cf").is_file() {
            continue;
        }
        let main = MainCf::parse(&read_or_empty(&d.join("main.cf")));
        let master = MasterCf::parse(&read_or_empty(&d.join("master.cf")));
        let dir = d.display().to_string();
        let lookup = |n: &str| {
            if n == "config_directory" {
                Some(dir.clone())
            } else {
                defaults.get(n).cloned()
            }
        };
        let (ok, out, _) = postconf(d, "-Px");
        assert!(ok);
        for line in out.lines() {
            let (key, theirs) = line.split_once(" =").unwrap();
            let (id, name) = key.rsplit_once('/').unwrap();
            let svc = master
                .get(id)
                .unwrap_or_else(|| panic!("{}: no {id}", d.display()));
            let exp = Expander::new(&main, &lookup).with_service(svc).param(name);
            if theirs.contains('$') || exp.used.iter().any(|u| u == "process_id") {
                continue;
            }
            o_total += 1;
            let ours = exp
                .value
                .split_ascii_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if ours == theirs.trim_start() {
                o_same += 1;
            } else {
                failures.push(format!(
                    "{}: {key}\n  ours:     {ours:?}\n  postconf: {:?}",
                    d.display(),
                    theirs.trim_start()
                ));
            }
        }
    }
    println!("postconf -xn expansion agreement {same}/{total}, -Px {o_same}/{o_total}");
    assert!(total > 300, "{total}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
