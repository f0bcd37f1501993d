//! The fleet view as one self-contained HTML page to attach to a change ticket: no network
//! (no external stylesheet, font, image or script), inline CSS that also prints (severity
//! shown as letters, not only colour; table headers repeat on each page), and tables that
//! sort by a click on a header with a few lines of inline script (the page reads the same
//! without it). Every text from a report is HTML-escaped.
use std::fmt::Write;

use super::{FixLevel, Fleet, Seen, Status};
use crate::finding::Severity;
use crate::report::escape::escape_controls;

/// `s` safe as HTML text and as a quoted attribute value; control characters shown escaped.
pub fn escape(s: &str) -> String {
    let s = escape_controls(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn sev_letter(s: Severity) -> &'static str {
    match s {
        Severity::High => "H",
        Severity::Medium => "M",
        Severity::Low => "L",
        Severity::Info => "I",
    }
}

/// Sort key of a severity (higher sorts first when descending).
fn sev_rank(s: Severity, inhibitor: bool) -> u8 {
    let base = match s {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
    };
    base + if inhibitor { 4 } else { 0 }
}

fn fix_text(f: FixLevel) -> &'static str {
    match f {
        FixLevel::Safe => "safe",
        FixLevel::AfterUpgrade => "safe, part after the upgrade",
        FixLevel::Review => "needs review",
        FixLevel::None => "none",
    }
}

const STYLE: &str = r#"
:root { --fg: #1b1b1b; --muted: #555; --line: #c8c8c8; --head: #eef0f3;
  --blocked: #b3261e; --ready: #1e7a34; --failed: #7a4b00;
  --high: #f6c7c3; --medium: #fbe2b6; --low: #fdf3c4; --info: #e4ecf7; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--fg); margin: 1.5rem auto; max-width: 80rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: .92em; }
.meta, .note { color: var(--muted); margin: .25rem 0; }
.tiles { display: flex; gap: .75rem; flex-wrap: wrap; margin: 1rem 0; }
.tile { border: 1px solid var(--line); border-left-width: 6px; border-radius: 4px;
  padding: .5rem 1rem; min-width: 9rem; }
.tile .n { display: block; font-size: 1.8rem; font-weight: 700; }
.tile.blocked { border-left-color: var(--blocked); }
.tile.ready { border-left-color: var(--ready); }
.tile.failed { border-left-color: var(--failed); }
.tile.total { border-left-color: var(--muted); }
table { border-collapse: collapse; margin: .25rem 0 1rem; width: auto; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--head); }
th[aria-sort] { cursor: pointer; user-select: none; }
th[aria-sort]::after { content: " \2195"; color: var(--muted); }
th[aria-sort="ascending"]::after { content: " \25B2"; }
th[aria-sort="descending"]::after { content: " \25BC"; }
td.num, th.num { text-align: right; }
.status { font-weight: 700; text-transform: uppercase; font-size: .85em; }
.status.blocked { color: var(--blocked); }
.status.ready { color: var(--ready); }
.status.failed { color: var(--failed); }
.wide { overflow-x: auto; }
.matrix th.checkcol { vertical-align: bottom; padding: .4rem .2rem; }
.matrix th.checkcol span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
  font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: 600; font-size: .85em; }
.matrix th[aria-sort].checkcol::after { display: block; text-align: center; }
.matrix tfoot th, .matrix tfoot td { background: var(--head); font-weight: 600; }
.matrix td.cell { text-align: center; font-family: ui-monospace, "DejaVu Sans Mono", monospace; min-width: 3rem; }
.matrix td.empty { color: #aaa; }
.sev-high { background: var(--high); }
.sev-medium { background: var(--medium); }
.sev-low { background: var(--low); }
.sev-info { background: var(--info); }
td.inhibitor { font-weight: 700; outline: 2px solid var(--blocked); outline-offset: -3px; }
.fix-safe { color: var(--ready); font-weight: 600; }
.fix-review { color: var(--failed); font-weight: 600; }
.fix-none { color: var(--muted); }
.legend span { display: inline-block; padding: 0 .4rem; margin-right: .25rem; border: 1px solid var(--line); }
@media print {
  body { font-size: 9pt; margin: 0; max-width: none; }
  .noprint { display: none; }
  h2 { break-after: avoid; }
  tr, .tile { break-inside: avoid; }
  thead { display: table-header-group; }
  th[aria-sort]::after { content: ""; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// Sort a table by the clicked header: numbers (`data-sort` or the text) as numbers,
/// everything else as text; a second click reverses. Nothing is loaded from anywhere.
const SCRIPT: &str = r#"
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.querySelectorAll("thead th");
  heads.forEach(function (th, col) {
    th.setAttribute("aria-sort", "none");
    th.tabIndex = 0;
    function key(row) {
      var td = row.children[col];
      if (!td) return "";
      var v = td.hasAttribute("data-sort") ? td.getAttribute("data-sort") : td.textContent.trim();
      return v !== "" && !isNaN(v) ? Number(v) : v.toLowerCase();
    }
    function sort() {
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", dir);
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), r = 0;
        if (typeof x === typeof y) r = x < y ? -1 : x > y ? 1 : 0;
        else r = typeof x === "number" ? -1 : 1;
        return dir === "ascending" ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
});
"#;

fn seen_table(out: &mut String, id: &str, class: &str, what: &str, seen: &[Seen]) {
    let _ = writeln!(
        out,
        "<table class=\"sortable\" id=\"{id}\"><thead><tr><th>{what}</th><th class=\"num\">Hosts</th><th>Which</th></tr></thead><tbody>"
    );
    for s in seen {
        let _ = writeln!(
            out,
            "<tr class=\"{class}\"><td class=\"mono\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&s.name),
            s.hosts.len(),
            escape(&s.hosts.join(", "))
        );
    }
    let _ = writeln!(out, "</tbody></table>");
}

/// Render the fleet view as a self-contained HTML page.
pub fn render(fleet: &Fleet) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let s = &fleet.summary;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"postfix-preupgrade {}\">\n\
         <title>Postfix upgrade readiness: {} hosts, {} blocked</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&fleet.tool.version),
        s.total,
        s.blocked
    );
    let _ = writeln!(out, "<h1>Postfix upgrade readiness: fleet report</h1>");
    let _ = writeln!(
        out,
        "<p class=\"meta\">Generated {} by postfix-preupgrade {} from {} report file(s).</p>",
        escape(&fleet.generated_at),
        escape(&fleet.tool.version),
        fleet.hosts.len() + fleet.skipped.len()
    );
    let _ = writeln!(out, "<div class=\"tiles\" id=\"summary\">");
    for (class, n, label) in [
        ("total", s.total, "hosts"),
        ("blocked", s.blocked, "blocked"),
        ("ready", s.ready, "ready"),
        ("failed", s.failed, "failed to report"),
    ] {
        let _ = writeln!(
            out,
            "<div class=\"tile {class}\"><span class=\"n\" id=\"count-{class}\">{n}</span>{label}</div>"
        );
    }
    let _ = writeln!(out, "</div>");
    let _ = writeln!(
        out,
        "<p class=\"note noprint\">Click a column header to sort a table.</p>"
    );

    // Hosts
    let _ = writeln!(out, "<h2 id=\"hosts-title\">Hosts</h2>");
    let _ = writeln!(
        out,
        "<table class=\"sortable\" id=\"hosts\"><thead><tr><th>Host</th><th>Status</th>\
         <th class=\"num\">Inhibitors</th><th class=\"num\">High</th><th class=\"num\">Medium</th>\
         <th class=\"num\">Low</th><th class=\"num\">Info</th><th>Upgrade path</th>\
         <th>Postfix</th><th>Report</th></tr></thead><tbody>"
    );
    for h in &fleet.hosts {
        let status = h.status.as_str();
        let rank = match h.status {
            Status::Blocked => 0,
            Status::Ready => 1,
            Status::Failed => 2,
        };
        let shown_status = match h.status {
            Status::Failed => "failed to report",
            other => other.as_str(),
        };
        let (path, postfix) = match (&h.source, &h.target) {
            (Some(a), Some(b)) => (
                format!(
                    "{} \u{2192} {}",
                    super::release_label(a),
                    super::release_label(b)
                ),
                format!(
                    "{} \u{2192} {}",
                    a.postfix_version.as_deref().unwrap_or("?"),
                    b.postfix_version.as_deref().unwrap_or("?")
                ),
            ),
            _ => (h.error.clone().unwrap_or_default(), String::new()),
        };
        let _ = write!(
            out,
            "<tr class=\"host\" data-status=\"{status}\"><td>{}</td>\
             <td class=\"status {status}\" data-sort=\"{rank}\">{shown_status}</td>",
            escape(&h.host)
        );
        if h.status == Status::Failed {
            let _ = write!(
                out,
                "<td class=\"num\"></td><td class=\"num\"></td><td class=\"num\"></td>\
                 <td class=\"num\"></td><td class=\"num\"></td><td colspan=\"2\">{}</td>",
                escape(&path)
            );
        } else {
            let c = &h.counts;
            let _ = write!(
                out,
                "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"mono\">{}</td>",
                c.inhibitors,
                c.high,
                c.medium,
                c.low,
                c.info,
                escape(&path),
                escape(&postfix)
            );
        }
        let base = std::path::Path::new(&h.file)
            .file_name()
            .map(|b| b.to_string_lossy().into_owned())
            .unwrap_or_else(|| h.file.clone());
        let _ = writeln!(
            out,
            "<td class=\"mono\" title=\"{}\">{}</td></tr>",
            escape(&h.file),
            escape(&base)
        );
    }
    let _ = writeln!(out, "</tbody></table>");

    // Matrix: one row per host that reported (blocked first), one column per check (those
    // that block hosts first), a last row with the hosts each check affects. Check names
    // stand upright in narrow columns, so hundreds of hosts make a long table, not a wide one.
    let _ = writeln!(out, "<h2 id=\"matrix-title\">Checks \u{d7} hosts</h2>");
    let _ = writeln!(
        out,
        "<p class=\"legend\">Each cell: the highest severity of the check's findings on the host \
         (<span class=\"sev-high\">H</span>high <span class=\"sev-medium\">M</span>medium \
         <span class=\"sev-low\">L</span>low <span class=\"sev-info\">I</span>info), \
         <b>!</b> when it inhibits the upgrade, then the number of findings. Blocked hosts and \
         the checks that block them come first; click a check to sort the hosts by it.</p>"
    );
    if fleet.checks.is_empty() {
        let _ = writeln!(out, "<p id=\"no-checks\">No check fired on any host.</p>");
    } else {
        let _ = write!(
            out,
            "<div class=\"wide\"><table class=\"sortable matrix\" id=\"matrix\"><thead><tr><th>Host</th><th>Status</th>"
        );
        for c in &fleet.checks {
            let _ = write!(
                out,
                "<th class=\"checkcol\" data-check=\"{}\" title=\"{}\"><span>{}</span></th>",
                escape(&c.id),
                escape(&c.title),
                escape(&c.id)
            );
        }
        let _ = writeln!(out, "</tr></thead><tbody>");
        let by_host = super::cells_by_host(fleet);
        for h in fleet.hosts.iter().filter(|h| h.status != Status::Failed) {
            let status = h.status.as_str();
            let _ = write!(
                out,
                "<tr class=\"matrix-host\" data-status=\"{status}\"><td>{}</td><td class=\"status {status}\" data-sort=\"{}\">{status}</td>",
                escape(&h.host),
                u8::from(h.status != Status::Blocked)
            );
            for (c, cells) in fleet.checks.iter().zip(&by_host) {
                match cells.get(h.host.as_str()) {
                    Some(x) => {
                        let _ = write!(
                            out,
                            "<td class=\"cell sev-{}{}\" data-sort=\"{}\" title=\"{}: {} finding(s), {}{}; fix: {}\">{}{}{}</td>",
                            x.severity,
                            if x.inhibitor { " inhibitor" } else { "" },
                            // descending severity first: a smaller key sorts first
                            1000 - (u32::from(sev_rank(x.severity, x.inhibitor)) * 100
                                + x.findings.min(99) as u32),
                            escape(&c.id),
                            x.findings,
                            x.severity,
                            if x.inhibitor { ", inhibitor" } else { "" },
                            fix_text(x.fix),
                            sev_letter(x.severity),
                            if x.inhibitor { "!" } else { "" },
                            x.findings
                        );
                    }
                    None => {
                        let _ = write!(
                            out,
                            "<td class=\"cell empty\" data-sort=\"1000\">\u{b7}</td>"
                        );
                    }
                }
            }
            let _ = writeln!(out, "</tr>");
        }
        let _ = write!(
            out,
            "</tbody><tfoot><tr class=\"affected-total\"><th colspan=\"2\">Hosts affected</th>"
        );
        for c in &fleet.checks {
            let _ = write!(
                out,
                "<td class=\"num\" data-check=\"{}\"><a href=\"#check-{}\">{}</a></td>",
                escape(&c.id),
                escape(&c.id),
                c.hosts
            );
        }
        let _ = write!(
            out,
            "</tr><tr class=\"blocked-total\"><th colspan=\"2\">Hosts it blocks</th>"
        );
        for c in &fleet.checks {
            let _ = write!(
                out,
                "<td class=\"num\" data-check=\"{}\">{}</td>",
                escape(&c.id),
                c.blocked_hosts
            );
        }
        let _ = writeln!(out, "</tr></tfoot></table></div>");
    }

    // Per check
    if !fleet.checks.is_empty() {
        let _ = writeln!(
            out,
            "<h2 id=\"checks-title\">Per check: hosts affected and what <code>fix</code> can do</h2>"
        );
        let _ = writeln!(
            out,
            "<p class=\"note\">Fix <b>safe</b>: <code>postfix-preupgrade fix -y</code> clears it; \
             <b>needs review</b>: <code>fix --unsafe</code> after reading the plan; \
             <b>none</b>: at least one finding there needs a person.</p>"
        );
    }
    for c in &fleet.checks {
        let _ = writeln!(
            out,
            "<section class=\"check-detail\" id=\"check-{}\"><h3><code>{}</code> \u{2014} {}</h3>",
            escape(&c.id),
            escape(&c.id),
            escape(&c.title)
        );
        let _ = writeln!(
            out,
            "<p>{} host(s), {} blocked by it, {} finding(s); highest severity {}; fix: {} safe{}, {} needs review, {} none.</p>",
            c.hosts,
            c.blocked_hosts,
            c.findings,
            c.severity,
            c.fix.safe,
            super::after_upgrade_note(c.fix.after_upgrade),
            c.fix.review,
            c.fix.none
        );
        let _ = writeln!(
            out,
            "<table class=\"sortable\"><thead><tr><th>Host</th><th>Severity</th><th>Inhibitor</th>\
             <th class=\"num\">Findings</th><th>Fix</th></tr></thead><tbody>"
        );
        for x in &c.cells {
            let _ = writeln!(
                out,
                "<tr class=\"affected\" data-fix=\"{fix}\"><td>{}</td><td class=\"sev-{sev}\" data-sort=\"{}\">{sev}</td>\
                 <td>{}</td><td class=\"num\">{}</td><td class=\"fix-{fix}\">{}</td></tr>",
                escape(&x.host),
                sev_rank(x.severity, false),
                if x.inhibitor { "yes" } else { "no" },
                x.findings,
                fix_text(x.fix),
                sev = x.severity,
                fix = x.fix.as_str(),
            );
        }
        let _ = writeln!(out, "</tbody></table></section>");
    }

    let _ = writeln!(out, "<h2 id=\"paths-title\">Upgrade paths</h2>");
    seen_table(
        &mut out,
        "paths",
        "path",
        "Upgrade path",
        &fleet.upgrade_paths,
    );
    let _ = writeln!(out, "<h2 id=\"versions-title\">Postfix versions</h2>");
    seen_table(
        &mut out,
        "postfix-versions",
        "postfix-version",
        "Installed \u{2192} target",
        &fleet.postfix_versions,
    );
    let _ = writeln!(out, "<h2 id=\"tools-title\">Tool versions</h2>");
    seen_table(
        &mut out,
        "tool-versions",
        "tool-version",
        "postfix-preupgrade",
        &fleet.tool_versions,
    );

    if !fleet.skipped.is_empty() {
        let _ = writeln!(
            out,
            "<h2 id=\"skipped-title\">Skipped files</h2>\n<p class=\"note\">Not host reports: read by nobody above.</p>"
        );
        let _ = writeln!(
            out,
            "<table class=\"sortable\" id=\"skipped\"><thead><tr><th>File</th><th>Why</th></tr></thead><tbody>"
        );
        for sk in &fleet.skipped {
            let _ = writeln!(
                out,
                "<tr class=\"skipped\"><td class=\"mono\">{}</td><td>{}</td></tr>",
                escape(&sk.file),
                escape(&sk.reason)
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</script>\x1b"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;\\x1b"
        );
    }
}
