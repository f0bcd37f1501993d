//! Issue 10's wording and layout rules for the text report, through the real binary:
//! snapshots on three hosts of different sizes (a one-problem fixture, the el9-story
//! fixture, and a large real-world corpus config read from ../shared/data/corpus), and
//! properties every report must have:
//! - prose is wrapped at 80 columns when stdout is not a terminal; only quoted config
//!   lines (`|`), commands (`$`) and the one-line info entries may be longer;
//! - `|` is only ever followed by the file's own bytes at the cited lines;
//! - a problem found in more than ten places is listed one line per place, unwrapped;
//! - info findings are one line each unless `-v`;
//! - control characters from the config never reach the output raw.
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn check(root: &Path, extra: &[&str]) -> (String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .env_remove("LEAPP_UPGRADE_PATH_TARGET_RELEASE")
        .env("NO_COLOR", "1")
        .arg("--root")
        .arg(root)
        .args(["--color", "never", "--target", "10"])
        .args(extra)
        .arg("check")
        .output()
        .expect("run postfix-preupgrade");
    let text = String::from_utf8(out.stdout).expect("utf-8 report");
    (text, out.status.code())
}

/// The report with the root's path and the run's timestamp normalised.
fn normalised(root: &Path, text: &str) -> String {
    let text = text.replace(&root.display().to_string(), "[ROOT]");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if let Some(open) = lines[0].rfind('(') {
        lines[0] = format!("{}([generated_at])", &lines[0][..open]);
    }
    lines.join("\n") + "\n"
}

/// A RHEL 9 root holding a corpus entry's main.cf and master.cf (at a path of fixed
/// length: see [`support::fixed_length_root`]).
fn corpus_root(entry: &str) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/corpus")
        .join(entry);
    let dir = support::fixed_length_root(None);
    let root = dir.path();
    std::fs::create_dir_all(root.join("etc/postfix")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\n",
    )
    .unwrap();
    std::fs::write(root.join("etc/hostname"), "mail.example.org\n").unwrap();
    for f in ["main.cf", "master.cf"] {
        let bytes =
            std::fs::read(src.join(f)).unwrap_or_else(|e| panic!("{}: {e}", src.join(f).display()));
        std::fs::write(root.join("etc/postfix").join(f), bytes).unwrap();
    }
    dir
}

/// Every property of a text report on `root`; returns it.
fn checked_report(root: &Path) -> String {
    let (text, code) = check(root, &[]);
    assert!(matches!(code, Some(0) | Some(1)), "exit {code:?}:\n{text}");
    assert!(!text.contains('\x1b'), "a raw escape reached the output");
    let mut last_at: Option<(PathBuf, usize)> = None;
    let mut quoted = 0;
    // inside `  Places (N):` of a problem found in many places: one line per place
    let mut places = false;
    for line in text.lines() {
        let width = line.chars().count();
        places = line.starts_with("  Places (") || (places && line.starts_with("    "));
        // a single word longer than the line (a long path) cannot be wrapped; a place
        // line quotes config text, never wrapped either
        let exempt = line.starts_with("    | ")
            || line.starts_with("    $ ")
            || line.starts_with("[info] ")
            || (places && line.starts_with("    "))
            || !line.trim_start().contains(' ');
        assert!(
            exempt || width <= 80,
            "line of {width} columns:\n{line}\nin\n{text}"
        );
        // `  at FILE:LINE[-END]`: the quoted lines below must be the file's own
        if let Some(at) = line.strip_prefix("  at /") {
            let loc = at.split(' ').next().unwrap_or("");
            last_at = loc.rsplit_once(':').and_then(|(file, l)| {
                let start = l.split('-').next()?.parse().ok()?;
                Some((PathBuf::from(format!("/{file}")), start))
            });
            quoted = 0;
        }
        if let Some(q) = line.strip_prefix("    | ") {
            let (file, start) = last_at
                .clone()
                .unwrap_or_else(|| panic!("a quote without a place: {line}\n{text}"));
            let host = root.join(file.strip_prefix("/").unwrap());
            let bytes = std::fs::read(&host).unwrap_or_else(|e| panic!("{}: {e}", host.display()));
            let content = String::from_utf8_lossy(&bytes);
            let want = content
                .split('\n')
                .nth(start - 1 + quoted)
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .unwrap_or_else(|| panic!("{}: no line {}", file.display(), start + quoted));
            assert_eq!(q, want, "quote of {}:{}", file.display(), start + quoted);
            quoted += 1;
        }
    }
    text
}

#[test]
fn small_host_snapshot() {
    let dir = support::fixed_length_root(Some(&support::fixture_root("issue10-alias-default")));
    let text = checked_report(dir.path());
    insta::assert_snapshot!("small_host", normalised(dir.path(), &text));
}

#[test]
fn medium_host_snapshot() {
    let dir = support::fixed_length_root(Some(&support::fixture_root("el9-story")));
    let text = checked_report(dir.path());
    insta::assert_snapshot!("medium_host", normalised(dir.path(), &text));
}

#[test]
fn large_host_snapshot() {
    let dir = corpus_root("fonylew-freebsd-mailgateway");
    let text = checked_report(dir.path());
    assert!(text.lines().count() > 150, "not a large report");
    insta::assert_snapshot!("large_host", normalised(dir.path(), &text));
}

#[test]
fn every_corpus_report_keeps_the_layout_rules() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/corpus");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if !(p.join("main.cf").is_file() && p.join("master.cf").is_file()) {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        checked_report(corpus_root(&name).path());
        n += 1;
    }
    assert!(n >= 20, "{n} corpus entries");
}

#[test]
fn info_findings_are_one_line_unless_verbose() {
    let root = support::fixture_root("el9-story");
    let (text, _) = check(&root, &[]);
    let info = text.split("== Info").nth(1).expect("an info group");
    let body: Vec<&str> = info.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert!(body.len() >= 2, "{info}");
    for l in &body[..body.len() - 1] {
        assert!(l.starts_with("[info] "), "{l}");
    }
    assert!(body.last().unwrap().contains("-v"), "{info}");
    let (verbose, _) = check(&root, &["-v"]);
    let vinfo = verbose.split("== Info").nth(1).unwrap();
    assert!(
        vinfo.contains("  What to do:") || vinfo.contains("  Key: "),
        "{vinfo}"
    );
}

#[test]
fn control_characters_from_the_config_are_escaped() {
    let root = support::scratch("report_text_layout", "escape");
    std::fs::create_dir_all(root.join("etc/postfix")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/postfix/main.cf"),
        "alias_maps = hash:/etc/ali\x1b]0;pwned\x07ases\nmy\x1b[2Jparam = x\n",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/postfix/master.cf"),
        "smtp inet n - n - - smtpd\n",
    )
    .unwrap();
    let (text, _) = check(&root, &["-v"]);
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    assert!(text.contains("\\x1b"), "{text}");
}

/// Two findings that say the same thing at two places are one block; several commands
/// printed under an earlier finding are not printed again.
#[test]
fn the_same_thing_is_said_once() {
    use postfix_preupgrade::finding::{Finding, Severity};
    use postfix_preupgrade::report::{self, text::TextOptions};
    let mk = |line: usize| {
        let mut f = Finding::new("master-internal-services", Severity::Low, "same title");
        f.location.file = Some("/etc/postfix/master.cf".into());
        f.location.line = Some(line);
        f.location.lines = Some(format!("line {line} as written").into());
        f.summary = "the same summary".into();
        f.remediation.commands = (0..4)
            .map(|i| {
                vec![
                    "postconf".into(),
                    "-F".into(),
                    format!("svc{i}/unix/chroot=y").into(),
                ]
            })
            .collect();
        f.key = format!("{line:040}");
        f
    };
    let mut other = mk(9);
    other.id = "compatibility-level".into();
    other.title = "another title".into();
    let fs = vec![mk(3), mk(5), other];
    let meta = report::ReportMeta {
        tool: report::ToolInfo::this(),
        generated_at: std::time::SystemTime::UNIX_EPOCH,
        hostname: "h".into(),
        source: Default::default(),
        target: Default::default(),
        instances: Vec::new(),
        assumptions: Vec::new(),
        output: None,
    };
    let text = report::text::render_with(&meta, &fs, &TextOptions::new(false));
    assert_eq!(text.matches("same title").count(), 1, "{text}");
    assert!(text.contains("  (the same at 2 places)"), "{text}");
    assert!(text.contains("    | line 3 as written") && text.contains("    | line 5 as written"));
    assert_eq!(
        text.matches("$ postconf -F svc0/unix/chroot=y").count(),
        1,
        "{text}"
    );
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        joined.contains(
            "(4 command(s), as listed under master-internal-services at \
             /etc/postfix/master.cf:3 above)"
        ),
        "{text}"
    );
}
