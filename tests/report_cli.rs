//! `checks` and `explain` through the real binary: output, exit codes, error messages.
use std::process::Command;

use postfix_preupgrade::checks::CHECKS;

fn bin(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

#[test]
fn checks_lists_every_registered_check() {
    let out = bin(&["checks"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let head = lines.next().unwrap();
    assert!(head.starts_with("ID") && head.ends_with("TITLE"), "{text}");
    for c in CHECKS {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("{} ", c.id())) && l.ends_with(c.title())),
            "{} missing:\n{text}",
            c.id()
        );
    }
    if CHECKS.is_empty() {
        assert_eq!(lines.next(), Some("(no checks are registered)"));
    }
}

#[test]
fn explain_unknown_id_exits_2_and_lists_valid_ids() {
    let out = bin(&["explain", "no-such-check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("unknown check id 'no-such-check'"), "{err}");
    assert!(err.contains("valid ids:"), "{err}");
    for c in CHECKS {
        assert!(err.contains(c.id()), "{err}");
    }
}

#[test]
fn explain_every_registered_check() {
    for c in CHECKS {
        let out = bin(&["explain", c.id()]);
        assert_eq!(out.status.code(), Some(0), "{}", c.id());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.starts_with(&format!("{}: {}\n", c.id(), c.title())));
        for head in ["What it looks for:", "Why it matters:", "How it is fixed:"] {
            assert!(text.contains(head), "{}: {head}", c.id());
        }
    }
}
