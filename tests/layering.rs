//! Imports run one way (issue 12): every `crate::MODULE` path in `src/**/*.rs` (in `use`
//! lines, in expressions, in types, in test modules) names a module of a lower layer than
//! the file's own, or its own module. [`LAYERS`] is the order, top to bottom; the module
//! documentation of `src/lib.rs` lists the same layers, and a test below keeps the two
//! equal. A violation fails naming the file and line.
//!
//! Comments, doc comments and string literals are not code and are skipped: an
//! intra-doc link to a higher module creates no dependency. Paths through `super::` stay
//! inside a top-level module in this code base and are not followed.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, top to bottom. A module may use the modules of the layers below its own,
/// never one above it nor another module of its own layer.
const LAYERS: &[&[&str]] = &[
    &["cli"],
    &["commands"],
    &["fix", "aggregate"],
    &["verify"],
    &["report"],
    &["engine"],
    &["policy"],
    &["checks"],
    &["facts"],
    &["finding", "config", "root"],
    &["error"],
];

/// Files of the crate root that belong to no layer: they declare the modules and call
/// `cli`, and name nothing with `crate::`.
const ROOT_FILES: &[&str] = &["lib.rs", "main.rs"];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// `src` code with comments, string and char literals blanked out (newlines kept, so
/// line numbers stay right).
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        // line comment (also `///` and `//!`)
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
            continue;
        }
        // block comment, nested as Rust nests them
        if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            continue;
        }
        // raw string r"..." / r#"..."# (also br"...")
        let ident_before = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
        if c[i] == 'r' && !ident_before || (c[i] == 'b' && c.get(i + 1) == Some(&'r')) {
            let start = if c[i] == 'b' { i + 2 } else { i + 1 };
            let mut j = start;
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            if c.get(j) == Some(&'"') && (c[i] == 'r' || !ident_before) {
                let hashes = j - start;
                let mut k = j + 1;
                while k < c.len() {
                    if c[k] == '"' && (0..hashes).all(|h| c.get(k + 1 + h) == Some(&'#')) {
                        k += 1 + hashes;
                        break;
                    }
                    k += 1;
                }
                for &ch in &c[i..k.min(c.len())] {
                    blank(&mut out, ch);
                }
                i = k;
                continue;
            }
        }
        // string "..." (also b"...")
        if c[i] == '"' {
            blank(&mut out, c[i]);
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    blank(&mut out, c[i]);
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            if i < c.len() {
                out.push(' ');
                i += 1;
            }
            continue;
        }
        // char literal ('x', '\n', '\u{..}', '"'); otherwise a lifetime
        if c[i] == '\'' {
            let end = if c.get(i + 1) == Some(&'\\') {
                (i + 2..c.len()).find(|&k| c[k] == '\'')
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            if let Some(end) = end {
                for &ch in &c[i..=end] {
                    blank(&mut out, ch);
                }
                i = end + 1;
                continue;
            }
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Every `crate::MODULE` the code names: (line number, module). `crate::{a, b::c}` names
/// `a` and `b`.
fn crate_refs(src: &str) -> Vec<(usize, String)> {
    let code = code_only(src);
    let mut refs = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|ch| ch.is_alphanumeric() || ch == '_' || ch == '$') {
            continue; // `$crate::` in a macro, `mycrate::`
        }
        let line = code[..at].matches('\n').count() + 1;
        let rest = code[at + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // top-level items of the group, each up to a comma at depth 0
            let mut depth = 0;
            let mut item_start = 0;
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        push_item(&group[item_start..k], line, &mut refs);
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        push_item(&group[item_start..k], line, &mut refs);
                        item_start = k + 1;
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident_at(rest);
            if !name.is_empty() {
                refs.push((line, name.to_string()));
            }
        }
    }
    refs
}

fn push_item(item: &str, line: usize, refs: &mut Vec<(usize, String)>) {
    let name = ident_at(item.trim_start());
    if !name.is_empty() && name != "self" {
        refs.push((line, name.to_string()));
    }
}

/// The imports of `src` (the text of `file`, in top-level module `module`) that go
/// against [`LAYERS`], one message each naming the file and line.
fn violations(file: &str, module: &str, src: &str) -> Vec<String> {
    let Some(own) = layer_of(module) else {
        return vec![format!(
            "{file}: module `{module}` is in no layer: add it to LAYERS in tests/layering.rs \
             and to the list in src/lib.rs"
        )];
    };
    let mut out = Vec::new();
    for (line, name) in crate_refs(src) {
        if name == module {
            continue;
        }
        match layer_of(&name) {
            Some(l) if l > own => {}
            Some(l) => out.push(format!(
                "{file}:{line}: `{module}` (layer {}) uses `crate::{name}` (layer {}): \
                 imports must run down the layers {}",
                own + 1,
                l + 1,
                order()
            )),
            None => out.push(format!(
                "{file}:{line}: `crate::{name}` is in no layer: add it to LAYERS in \
                 tests/layering.rs and to the list in src/lib.rs"
            )),
        }
    }
    out
}

fn order() -> String {
    LAYERS
        .iter()
        .map(|l| l.join(", "))
        .collect::<Vec<_>>()
        .join(" → ")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level module a file under `src/` belongs to (`facts/rpmdb.rs` → `facts`);
/// `None` for the crate root's files and `src/bin/` (another crate).
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    if first == "bin" || ROOT_FILES.contains(&first.as_str()) {
        return None;
    }
    Some(first.trim_end_matches(".rs").to_string())
}

#[test]
fn imports_run_down_the_layers() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "found only {} files in src", files.len());
    let mut bad = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&src).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let shown = format!("src/{}", rel.display());
        match module_of(rel) {
            Some(module) => bad.extend(violations(&shown, &module, &text)),
            // the crate root may name anything, but names nothing today
            None => assert!(
                !rel.starts_with("bin") || crate_refs(&text).is_empty(),
                "{shown}: a binary names the library as postfix_preupgrade::, not crate::"
            ),
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the layers:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_module_has_a_layer_and_every_layer_a_module() {
    let mut on_disk = BTreeSet::new();
    for e in std::fs::read_dir(src_dir()).unwrap() {
        let rel = PathBuf::from(e.unwrap().file_name());
        if let Some(m) = module_of(&rel).filter(|m| !m.is_empty()) {
            if rel.extension().is_none_or(|x| x == "rs") {
                on_disk.insert(m);
            }
        }
    }
    let listed: BTreeSet<String> = LAYERS
        .iter()
        .flat_map(|l| l.iter().map(|m| m.to_string()))
        .collect();
    assert_eq!(on_disk, listed, "src/ modules vs LAYERS");
}

/// The numbered list in `src/lib.rs`'s module documentation, one layer per item, names
/// the modules in backquotes before the colon: `//! 3. `fix`, `verify`: ...`.
#[test]
fn lib_rs_documents_the_same_layers() {
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).unwrap();
    let mut documented: Vec<Vec<String>> = Vec::new();
    for line in lib.lines() {
        let Some(doc) = line.strip_prefix("//! ") else {
            continue;
        };
        let Some((num, rest)) = doc.split_once(". ") else {
            continue;
        };
        if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        assert_eq!(num, (documented.len() + 1).to_string(), "{line}");
        let head = rest.split(':').next().unwrap();
        documented.push(
            head.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect(),
        );
    }
    let expected: Vec<Vec<String>> = LAYERS
        .iter()
        .map(|l| l.iter().map(|m| m.to_string()).collect())
        .collect();
    assert_eq!(documented, expected, "the layers in src/lib.rs vs LAYERS");
}

#[test]
fn an_upward_import_is_reported_with_file_and_line() {
    let src = "//! facts\nuse std::path::Path;\n\nuse crate::cli::GlobalOpts;\n";
    let v = violations("src/facts/mod.rs", "facts", src);
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        v[0].starts_with("src/facts/mod.rs:4: `facts` (layer 9) uses `crate::cli` (layer 1)"),
        "{}",
        v[0]
    );
    // a path in an expression, a grouped use, and a peer of the same layer
    let src =
        "fn f() {\n    let x = crate::report::render();\n}\nuse crate::{config, engine::run};\n";
    let v = violations("src/policy.rs", "policy", src);
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(v[0].starts_with("src/policy.rs:2: "), "{}", v[0]);
    assert!(v[1].starts_with("src/policy.rs:4: ") && v[1].contains("crate::engine"));
    let v = violations("src/fix/mod.rs", "fix", "use crate::aggregate::Fleet;\n");
    assert_eq!(v.len(), 1, "a peer in the same layer: {v:?}");
}

#[test]
fn comments_strings_and_own_module_are_not_imports() {
    let src = r###"//! [`crate::cli`] documents it
/// see [`crate::commands`]
/* crate::cli */ fn f() -> char { let _ = "crate::cli"; let _ = r#"crate::cli"#; '"' }
fn g<'a>(x: &'a str) -> &'a str { crate::facts::id(x) }
macro_rules! m { () => { $crate::cli::run() } }
"###;
    assert_eq!(
        violations("src/facts/mod.rs", "facts", src),
        Vec::<String>::new()
    );
    assert_eq!(crate_refs(src), vec![(4, "facts".to_string())]);
}
