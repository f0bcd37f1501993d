//! The man page and the shell completions against the code they describe.
//!
//! - drift: every command, option, possible value and default of the clap definition
//!   (`postfix_preupgrade::cli::Cli`) is in `man/postfix-preupgrade.8`, and nothing else is;
//!   its CHECKS section lists exactly the registry's checks (with their titles, as
//!   `postfix-preupgrade-gen man-checks` prints them);
//! - lint: `groff -man -ww -z` and `man --warnings -l` print nothing;
//! - completions: the generator's bash, zsh and fish scripts load in the real shells and
//!   bash completes the commands.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use postfix_preupgrade::checks::CHECKS;
use postfix_preupgrade::cli::Cli;

const MAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/man/postfix-preupgrade.8");
const GEN: &str = env!("CARGO_BIN_EXE_postfix-preupgrade-gen");

/// Run a real tool; panic with a clear message when it is not installed.
fn tool(name: &str) -> Command {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{name}` is not installed; it is needed by this test (scripts/test.sh installs it)"
    );
    Command::new(name)
}

/// Text of a roff line with the escapes this page uses removed: fonts, `\-`, `\&`, `\e`.
fn unroff(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('f') => {
                chars.next();
            }
            Some('-') => out.push('-'),
            Some('e') => out.push('\\'),
            Some('&') | None => {}
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    // Macro arguments: drop the macro name and the quotes around arguments.
    let text = match out.strip_prefix('.') {
        Some(rest) => rest.split_once(' ').map(|x| x.1).unwrap_or("").to_string(),
        None => out,
    };
    text.replace('"', "")
}

/// The page cut into `.SH` sections, each a list of raw lines.
fn sections(page: &str) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in page.lines() {
        if line.starts_with(".\\\"") {
            continue;
        }
        if let Some(name) = line.strip_prefix(".SH ") {
            current = name.trim_matches('"').to_string();
            assert!(
                map.insert(current.clone(), Vec::new()).is_none(),
                "{MAN}: section {current} twice"
            );
        } else if !current.is_empty() {
            map.get_mut(&current).unwrap().push(line.to_string());
        }
    }
    map
}

/// One `.TP` entry: its tag line (unroffed) and its paragraph (unroffed, joined).
#[derive(Debug)]
struct Entry {
    tag: String,
    body: String,
}

fn entries(lines: &[String]) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] == ".TP" {
            let tag = unroff(lines.get(i + 1).expect("tag after .TP"));
            let mut body = Vec::new();
            i += 2;
            while i < lines.len() && lines[i] != ".TP" && !lines[i].starts_with(".SS") {
                body.push(unroff(&lines[i]));
                i += 1;
            }
            out.push(Entry {
                tag,
                body: body.join(" "),
            });
        } else {
            i += 1;
        }
    }
    out
}

/// `.SS` subsections of a section: header text (unroffed) and lines.
fn subsections(lines: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in lines {
        if line.starts_with(".SS ") {
            out.push((unroff(line), Vec::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push(line.clone());
        }
    }
    out
}

/// The option words (`-x`, `--long`) in an entry's tag.
fn option_words(tag: &str) -> BTreeSet<String> {
    tag.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| w.starts_with('-') && w.len() > 1)
        .map(str::to_string)
        .collect()
}

fn expected_words(arg: &clap::Arg) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    if let Some(l) = arg.get_long() {
        words.insert(format!("--{l}"));
    }
    if let Some(s) = arg.get_short() {
        words.insert(format!("-{s}"));
    }
    words
}

/// Compare the options documented in `man_entries` with clap's `args`; return problems.
fn compare_options(scope: &str, args: &[&clap::Arg], man_entries: &[Entry]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut documented: Vec<(BTreeSet<String>, &Entry)> = man_entries
        .iter()
        .map(|e| (option_words(&e.tag), e))
        .collect();
    for arg in args {
        let words = expected_words(arg);
        let Some(pos) = documented.iter().position(|(w, _)| *w == words) else {
            problems.push(format!(
                "{scope}: option {words:?} is in src/cli.rs but not documented"
            ));
            continue;
        };
        let (_, entry) = documented.remove(pos);
        let text = format!("{} {}", entry.tag, entry.body);
        for value in arg.get_possible_values() {
            if value.is_hide_set() {
                continue;
            }
            let name = value.get_name();
            if !text
                .split(|c: char| c.is_whitespace() || ",;:()".contains(c))
                .any(|w| w == name)
            {
                problems.push(format!(
                    "{scope}: option {words:?}: value `{name}` is not documented"
                ));
            }
        }
        let takes_value = arg.get_action().takes_values();
        for default in arg.get_default_values().iter().filter(|_| takes_value) {
            let default = default.to_string_lossy();
            if !(text.contains("default") && text.contains(default.as_ref())) {
                problems.push(format!(
                    "{scope}: option {words:?}: default `{default}` is not documented"
                ));
            }
        }
    }
    for (words, _) in documented {
        problems.push(format!(
            "{scope}: option {words:?} is documented but not in src/cli.rs"
        ));
    }
    problems
}

fn is_help_or_version(arg: &clap::Arg) -> bool {
    matches!(arg.get_id().as_str(), "help" | "version")
}

#[test]
fn man_page_documents_exactly_the_cli() {
    let page = std::fs::read_to_string(MAN).unwrap_or_else(|e| panic!("{MAN}: {e}"));
    let secs = sections(&page);
    let mut cli = Cli::command();
    cli.build();
    let mut problems = Vec::new();

    // The title line names the crate's version.
    let th = page
        .lines()
        .find(|l| l.starts_with(".TH "))
        .expect(".TH line");
    if !th.contains(&format!(
        "\"postfix-preupgrade {}\"",
        env!("CARGO_PKG_VERSION")
    )) {
        problems.push(format!(
            ".TH does not name version {}: {th}",
            env!("CARGO_PKG_VERSION")
        ));
    }

    // Global options: the root command's options (help and version included).
    let globals: Vec<&clap::Arg> = cli.get_arguments().filter(|a| !a.is_positional()).collect();
    let global_ids: BTreeSet<&str> = globals.iter().map(|a| a.get_id().as_str()).collect();
    let global_section = secs.get("GLOBAL OPTIONS").expect("GLOBAL OPTIONS section");
    problems.extend(compare_options(
        "GLOBAL OPTIONS",
        &globals,
        &entries(global_section),
    ));

    // Commands: one .SS per subcommand, header "name POSITIONALS", then its options.
    let subs = subsections(secs.get("COMMANDS").expect("COMMANDS section"));
    let mut documented: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for (header, lines) in subs {
        let name = header.split_whitespace().next().unwrap_or("").to_string();
        assert!(
            documented.insert(name.clone(), (header, lines)).is_none(),
            "command {name} documented twice"
        );
    }
    for sub in cli.get_subcommands() {
        let name = sub.get_name();
        let Some((header, lines)) = documented.remove(name) else {
            problems.push(format!(
                "command `{name}` is in src/cli.rs but not documented"
            ));
            continue;
        };
        for pos in sub.get_positionals() {
            let value_name = pos
                .get_value_names()
                .and_then(|v| v.first().map(|s| s.to_string()))
                .unwrap_or_else(|| pos.get_id().as_str().to_uppercase())
                .replace('_', "-");
            let values: Vec<String> = pos
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_string())
                .collect();
            let want = if values.is_empty() {
                value_name
            } else {
                values.join("|")
            };
            let want = if pos.is_required_set() {
                want
            } else {
                format!("[{want}]")
            };
            if !header.split_whitespace().any(|w| w == want) {
                problems.push(format!(
                    "command `{name}`: header `{header}` lacks the argument `{want}`"
                ));
            }
        }
        let own: Vec<&clap::Arg> = sub
            .get_arguments()
            .filter(|a| !a.is_positional() && !is_help_or_version(a))
            .filter(|a| !global_ids.contains(a.get_id().as_str()))
            .collect();
        problems.extend(compare_options(
            &format!("command `{name}`"),
            &own,
            &entries(&lines),
        ));
    }
    for name in documented.keys() {
        problems.push(format!(
            "command `{name}` is documented but not in src/cli.rs"
        ));
    }

    // Synopsis names every command but help.
    let synopsis: String = secs["SYNOPSIS"]
        .iter()
        .map(|l| unroff(l))
        .collect::<Vec<_>>()
        .join(" ");
    for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = sub.get_name();
        if !synopsis
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .any(|w| w == name)
        {
            problems.push(format!("SYNOPSIS lacks command `{name}`"));
        }
    }

    // The exit codes of src/cli.rs are all in EXIT STATUS.
    use postfix_preupgrade::cli::exit;
    let codes: Vec<String> = entries(&secs["EXIT STATUS"])
        .iter()
        .map(|e| e.tag.clone())
        .collect();
    for code in [exit::OK, exit::INHIBITOR, exit::FAILURE, exit::PARTIAL_FIX] {
        if !codes.contains(&code.to_string()) {
            problems.push(format!("EXIT STATUS lacks {code}"));
        }
    }
    // And the environment interface.md names.
    let env: Vec<String> = entries(&secs["ENVIRONMENT"])
        .iter()
        .map(|e| e.tag.clone())
        .collect();
    for var in ["NO_COLOR", "LEAPP_UPGRADE_PATH_TARGET_RELEASE"] {
        if !env.iter().any(|e| e == var) {
            problems.push(format!("ENVIRONMENT lacks {var}"));
        }
    }

    assert!(
        problems.is_empty(),
        "{MAN} drifted from src/cli.rs:\n  {}",
        problems.join("\n  ")
    );
}

/// The CHECKS section's entries: (id, one-line description), both raw roff.
fn man_checks(page: &str) -> Vec<(String, String)> {
    let secs = sections(page);
    let lines = secs.get("CHECKS").expect("CHECKS section");
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line == ".TP" {
            let id = lines[i + 1].strip_prefix(".B ").unwrap_or_else(|| {
                panic!("CHECKS: `.B id` expected after .TP, got {}", lines[i + 1])
            });
            let text = lines.get(i + 2).expect("CHECKS: one line after the id");
            if let Some(next) = lines.get(i + 3) {
                assert!(
                    next == ".TP",
                    "CHECKS: check {id} must have exactly one line, then .TP, got {next}"
                );
            }
            out.push((id.to_string(), text.to_string()));
        }
    }
    out
}

#[test]
fn man_page_checks_match_the_registry() {
    let page = std::fs::read_to_string(MAN).unwrap_or_else(|e| panic!("{MAN}: {e}"));
    let documented = man_checks(&page);
    let ids: Vec<String> = documented.iter().map(|(id, _)| unroff(id)).collect();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "CHECKS lists an id twice: {ids:?}");

    let registry: Vec<&str> = CHECKS.iter().map(|c| c.id()).collect();
    // interface.md's required ids are all registered (tests/report_registry.rs).
    let expected: BTreeSet<String> = registry.iter().map(|s| s.to_string()).collect();
    let have: BTreeSet<String> = ids.iter().cloned().collect();
    let missing: Vec<_> = expected.difference(&have).collect();
    let extra: Vec<_> = have.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{MAN}: CHECKS drifted from the registry: missing {missing:?}, \
         not a check {extra:?}; regenerate with `cargo run --bin postfix-preupgrade-gen -- man-checks --write man/postfix-preupgrade.8`"
    );

    // Registered checks: exactly the generator's lines, in registry order.
    let out = Command::new(GEN)
        .arg("man-checks")
        .output()
        .expect("run generator");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generated = String::from_utf8(out.stdout).unwrap();
    let registered: Vec<String> = documented
        .iter()
        .filter(|(id, _)| registry.contains(&unroff(id).as_str()))
        .map(|(id, text)| format!(".TP\n.B {id}\n{text}\n"))
        .collect();
    assert_eq!(
        registered.concat(),
        generated,
        "{MAN}: CHECKS entries of registered checks differ from \
         `cargo run --bin postfix-preupgrade-gen -- man-checks --write man/postfix-preupgrade.8`"
    );
}

#[test]
fn man_checks_parser_catches_a_missing_and_an_extra_id() {
    let page = std::fs::read_to_string(MAN).unwrap();
    let ids: BTreeSet<String> = man_checks(&page).iter().map(|(id, _)| unroff(id)).collect();
    let broken = page.replace(".B nis\\-map\n", ".B nis\\-maps\n");
    let broken_ids: BTreeSet<String> = man_checks(&broken)
        .iter()
        .map(|(id, _)| unroff(id))
        .collect();
    assert!(ids.contains("nis-map") && !broken_ids.contains("nis-map"));
    assert!(broken_ids.contains("nis-maps"));
}

#[test]
fn man_page_drift_is_detected() {
    // The comparison itself must fail on a page that lost an option or grew one.
    let page = std::fs::read_to_string(MAN).unwrap();
    let secs = sections(&page);
    let mut cli = Cli::command();
    cli.build();
    let check = cli.find_subcommand("check").unwrap();
    let own: Vec<&clap::Arg> = check
        .get_arguments()
        .filter(|a| !a.is_positional() && !is_help_or_version(a))
        .filter(|a| !a.is_global_set() && a.get_id() != "root")
        .collect();
    let subs = subsections(&secs["COMMANDS"]);
    let lines = &subs
        .iter()
        .find(|(h, _)| h.starts_with("check "))
        .unwrap()
        .1;
    assert!(compare_options("check", &own, &entries(lines)).is_empty());
    let without_format: Vec<String> = lines
        .join("\n")
        .replace(
            ".BI \\-\\-format \" FORMAT\"",
            ".BI \\-\\-formats \" FORMAT\"",
        )
        .lines()
        .map(str::to_string)
        .collect();
    let problems = compare_options("check", &own, &entries(&without_format));
    assert_eq!(problems.len(), 2, "{problems:?}");
    let no_json: Vec<String> = lines
        .iter()
        .filter(|l| l.as_str() != ".B json")
        .cloned()
        .collect();
    let problems = compare_options("check", &own, &entries(&no_json));
    assert!(
        problems.iter().any(|p| p.contains("`json`")),
        "{problems:?}"
    );
}

#[test]
fn man_page_renders_without_warnings() {
    let out = tool("groff")
        .args(["-man", "-ww", "-z", MAN])
        .output()
        .expect("run groff");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "groff -man -ww -z: {stderr}"
    );

    // 80 columns: the terminal width man pages are written for (the leapp repository path
    // alone is 68 characters, so much narrower terminals warn "cannot adjust line").
    for width in ["80", "100"] {
        let out = tool("man")
            .args(["--warnings", "-l", MAN])
            .env("MANWIDTH", width)
            .env("LC_ALL", "C.UTF-8")
            .env_remove("MANPAGER")
            .env_remove("MAN_KEEP_FORMATTING")
            .env("PAGER", "cat")
            .output()
            .expect("run man");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "man --warnings -l (width {width}): {stderr}"
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for heading in [
            "NAME",
            "SYNOPSIS",
            "COMMANDS",
            "EXIT STATUS",
            "FILES",
            "CHECKS",
        ] {
            assert!(text.contains(heading), "rendered page lacks {heading}");
        }
    }
}

fn completions_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(GEN)
        .arg("completions")
        .arg(&dir)
        .output()
        .expect("run generator");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn bash_completion_completes_commands_and_options() {
    let dir = completions_dir("pkg-man-bash");
    let script = dir.join("postfix-preupgrade.bash");
    let complete = |words: &str| -> String {
        let n = words.split_whitespace().count() + usize::from(words.ends_with(' '));
        let probe = format!(
            "source {script:?} || exit 9\n\
             COMP_WORDS=({words} {blank})\nCOMP_CWORD={cword}\nCOMP_LINE='{words}'\nCOMP_POINT=${{#COMP_LINE}}\n\
             fn=$(complete -p postfix-preupgrade) || exit 8\nfn=${{fn##*-F }}\nfn=${{fn%% *}}\n\
             \"$fn\" postfix-preupgrade \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            blank = if words.ends_with(' ') { "''" } else { "" },
            cword = n - 1,
        );
        let out = tool("bash")
            .args(["--norc", "--noprofile", "-c", &probe])
            .output()
            .expect("run bash");
        assert!(
            out.status.success(),
            "bash: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let commands = complete("postfix-preupgrade che");
    let got: BTreeSet<&str> = commands.lines().collect();
    assert_eq!(got, BTreeSet::from(["check", "checks"]), "{commands}");
    let formats = complete("postfix-preupgrade check --format ");
    for f in ["text", "json", "leapp"] {
        assert!(
            formats.lines().any(|l| l == f),
            "--format completes {formats:?}"
        );
    }
    let fix = complete("postfix-preupgrade fix --dr");
    assert_eq!(fix.trim(), "--dry-run");
}

#[test]
fn zsh_and_fish_completions_load() {
    let dir = completions_dir("pkg-man-zsh-fish");
    let zsh = dir.join("_postfix-preupgrade");
    let out = tool("zsh")
        .args(["-f", "-c"])
        .arg(format!(
            "autoload -U compinit && compinit -u -d {:?} && source {zsh:?} && whence -w _postfix-preupgrade",
            dir.join("zcompdump")
        ))
        .output()
        .expect("run zsh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("function"),
        "zsh: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let fish = dir.join("postfix-preupgrade.fish");
    let out = tool("fish")
        .arg("-c")
        .arg(format!(
            "source {fish:?}; complete -C 'postfix-preupgrade che'; complete -C 'postfix-preupgrade check --format '"
        ))
        .env("HOME", &dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .output()
        .expect("run fish");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "fish: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let words: BTreeSet<&str> = stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    for w in ["check", "checks", "text", "json", "leapp"] {
        assert!(words.contains(w), "fish completes {w}: {stdout}");
    }
}
