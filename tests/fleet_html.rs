//! The fleet report's HTML page in a real browser: Debian's headless Chromium loads the file
//! (network off), takes a screenshot (kept as `<target>/tmp/fleet/html/fleet.png` to look
//! at) and dumps the DOM after the page's script ran; the DOM's counts must be the JSON
//! aggregate's.
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_postfix-preupgrade");
const SRC: &str = env!("CARGO_MANIFEST_DIR");

/// Headless Chromium with a fresh profile and nothing that talks to the network.
fn chromium(dir: &Path, args: &[String]) -> std::process::Output {
    let chromium = support::tool("chromium");
    let profile = tempfile::tempdir_in(dir).unwrap();
    let out = Command::new(support::tool("timeout"))
        .arg("120")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A small fleet: two blocked hosts, a ready one, one that failed to report, a truncated
/// file.
fn fleet_dir(dir: &Path) -> PathBuf {
    let hosts = dir.join("hosts");
    std::fs::create_dir_all(&hosts).unwrap();
    for (root, name) in [
        (
            Path::new(SRC).join("examples/rhel9-mailhost"),
            "mx1.example.com",
        ),
        (support::fixture_root("el9-migrated"), "mx2.example.com"),
        (support::fixture_root("fleet-el8-nis"), "relay1.example.org"),
    ] {
        let copy = dir.join("roots").join(name);
        support::copy_tree(&root, &copy);
        std::fs::write(copy.join("etc/hostname"), format!("{name}\n")).unwrap();
        let out = Command::new(BIN)
            .arg("--root")
            .arg(&copy)
            .args(["check", "--format", "json"])
            .output()
            .unwrap();
        std::fs::write(hosts.join(format!("{name}.json")), &out.stdout).unwrap();
        if name == "mx2.example.com" {
            std::fs::write(hosts.join("cut.json"), &out.stdout[..200]).unwrap();
        }
    }
    std::fs::write(
        hosts.join("broken.json"),
        json!({"tool": {"name": "postfix-preupgrade", "version": null},
               "hostname": "broken.example.com",
               "error": "postfix-preupgrade: error: /etc/os-release: No such file or directory (exit status 2)"})
        .to_string(),
    )
    .unwrap();
    hosts
}

fn aggregate(format: &str, hosts: &Path, out: &Path) {
    let st = Command::new(BIN)
        .args(["--quiet", "aggregate", "--format", format, "--output"])
        .arg(out)
        .arg(hosts)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(1), "a fleet with blocked hosts exits 1");
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let n = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (n(16), n(20))
}

#[test]
fn chromium_renders_the_fleet_page_with_the_json_counts() {
    let dir = support::scratch("fleet", "html");
    let hosts = fleet_dir(&dir);
    let html = dir.join("fleet.html");
    let json_file = dir.join("fleet.json");
    aggregate("html", &hosts, &html);
    aggregate("json", &hosts, &json_file);
    let agg: Value = serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
    let page = std::fs::read_to_string(&html).unwrap();
    let url = format!("file://{}", html.display());

    // Screenshot
    let png = dir.join("fleet.png");
    chromium(
        &dir,
        &[
            "--window-size=1280,1800".into(),
            format!("--screenshot={}", png.display()),
            url.clone(),
        ],
    );
    let bytes = std::fs::read(&png).expect("chromium wrote the screenshot");
    assert_eq!(png_size(&bytes), (1280, 1800));
    // a blank page compresses to a few KiB; tables and text do not
    assert!(
        bytes.len() > 40_000,
        "screenshot looks empty: {} bytes",
        bytes.len()
    );

    // DOM after the script ran
    let out = chromium(&dir, &["--dump-dom".into(), url]);
    let dom = String::from_utf8(out.stdout).unwrap();
    assert!(dom.contains("</html>"), "no DOM dumped:\n{dom}");
    let count = |needle: &str| dom.matches(needle).count();
    let s = &agg["summary"];
    for status in ["blocked", "ready", "failed"] {
        assert_eq!(
            count(&format!("<tr class=\"host\" data-status=\"{status}\"")),
            s[status].as_u64().unwrap() as usize,
            "{status} rows"
        );
        assert!(dom.contains(&format!("id=\"count-{status}\">{}</span>", s[status])));
    }
    assert!(dom.contains(&format!("id=\"count-total\">{}</span>", s["total"])));
    let checks = agg["checks"].as_array().unwrap();
    assert_eq!(count("<th class=\"checkcol\""), checks.len());
    let reported = s["blocked"].as_u64().unwrap() + s["ready"].as_u64().unwrap();
    assert_eq!(count("<tr class=\"matrix-host\""), reported as usize);
    let cells: usize = checks
        .iter()
        .map(|c| c["cells"].as_array().unwrap().len())
        .sum();
    let inhibiting: u64 = checks
        .iter()
        .map(|c| c["blocked_hosts"].as_u64().unwrap())
        .sum();
    assert_eq!(count("<td class=\"cell sev-"), cells, "matrix cells");
    assert_eq!(
        count(" inhibitor\" data-sort="),
        inhibiting as usize,
        "inhibiting cells"
    );
    assert_eq!(
        count("<td class=\"cell "),
        checks.len() * reported as usize,
        "a full matrix: one cell per check and reporting host"
    );
    assert_eq!(count("<tr class=\"affected\""), cells);
    for c in checks {
        let id = c["id"].as_str().unwrap();
        assert!(dom.contains(&format!(
            "<td class=\"num\" data-check=\"{id}\"><a href=\"#check-{id}\">{}</a></td>",
            c["hosts"]
        )));
        assert!(dom.contains(&format!(
            "<td class=\"num\" data-check=\"{id}\">{}</td>",
            c["blocked_hosts"]
        )));
    }
    for level in ["safe", "review", "none"] {
        let n: u64 = checks
            .iter()
            .map(|c| c["fix"][level].as_u64().unwrap())
            .sum();
        assert_eq!(
            count(&format!("<tr class=\"affected\" data-fix=\"{level}\"")),
            n as usize,
            "fix {level}"
        );
    }
    assert_eq!(
        count("<tr class=\"skipped\""),
        agg["skipped"].as_array().unwrap().len()
    );
    assert_eq!(
        count("<tr class=\"path\""),
        agg["upgrade_paths"].as_array().unwrap().len()
    );
    assert_eq!(
        count("<tr class=\"postfix-version\""),
        agg["postfix_versions"].as_array().unwrap().len()
    );
    // The script ran: every header of every (sortable) table got aria-sort and a tab stop.
    let headers: usize = page
        .split("<thead>")
        .skip(1)
        .map(|t| {
            let head = &t[..t.find("</thead>").unwrap()];
            head.matches("<th>").count() + head.matches("<th ").count()
        })
        .sum();
    assert!(headers > 20);
    assert_eq!(page.matches("aria-sort=\"none\"").count(), 0);
    assert_eq!(
        count("aria-sort=\"none\""),
        headers,
        "the sort script did not run"
    );
}

/// Clicking a header sorts its table: numbers as numbers, text as text, a second click
/// reverses. A copy of the page gets a driver script after the page's own (scripts run in
/// order) that clicks headers and writes the resulting column values into the DOM.
#[test]
fn chromium_sorts_a_table_by_the_clicked_header() {
    let dir = support::scratch("fleet", "html-sort");
    let hosts = fleet_dir(&dir);
    let html = dir.join("fleet.html");
    aggregate("html", &hosts, &html);
    let page = std::fs::read_to_string(&html).unwrap();
    let driver = r#"<script>
function column(table, col) {
  return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.children[col].textContent.trim(); });
}
var out = {};
var hosts = document.getElementById("hosts");
var th = hosts.querySelectorAll("thead th");
th[2].click(); out.inhibitors_up = column(hosts, 2);
th[2].click(); out.inhibitors_down = column(hosts, 2);
th[0].click(); out.hosts_up = column(hosts, 0);
out.aria = th[0].getAttribute("aria-sort");
th[1].click(); out.status_up = column(hosts, 1);
var matrix = document.getElementById("matrix");
var nis = matrix.querySelector('thead th[data-check="nis-map"]');
nis.click(); out.by_nis = column(matrix, 0);
nis.click(); out.by_nis_reversed = column(matrix, 0);
var pre = document.createElement("pre");
pre.id = "sort-result";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
</body>"#;
    assert!(page.contains("</body>"));
    let driven = dir.join("driven.html");
    std::fs::write(&driven, page.replace("</body>", driver)).unwrap();
    let out = chromium(
        &dir,
        &["--dump-dom".into(), format!("file://{}", driven.display())],
    );
    let dom = String::from_utf8(out.stdout).unwrap();
    let start = dom
        .find("<pre id=\"sort-result\">")
        .unwrap_or_else(|| panic!("the driver did not run:\n{dom}"))
        + "<pre id=\"sort-result\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let result: Value = serde_json::from_str(&dom[start..end].replace("&quot;", "\"")).unwrap();
    let strings = |k: &str| -> Vec<String> {
        result[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    // Inhibitors: numbers ascending (the failed host's empty cell sorts after numbers),
    // then the reverse.
    let up = strings("inhibitors_up");
    let nums: Vec<u32> = up
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(nums, {
        let mut n = nums.clone();
        n.sort();
        n
    });
    assert_eq!(nums, [0, 1, 2], "{up:?}");
    let mut down = strings("inhibitors_down");
    down.reverse();
    assert_eq!(down, up);
    // Host names as text; the status column puts blocked hosts first again.
    assert_eq!(
        strings("hosts_up"),
        [
            "broken.example.com",
            "mx1.example.com",
            "mx2.example.com",
            "relay1.example.org"
        ]
    );
    assert_eq!(
        strings("status_up"),
        ["blocked", "blocked", "ready", "failed to report"]
    );
    assert_eq!(result["aria"], "ascending");
    // A click on a check's column puts the hosts where it fires (worst first) on top.
    assert_eq!(strings("by_nis")[0], "relay1.example.org");
    assert_eq!(strings("by_nis_reversed")[2], "relay1.example.org");
}
