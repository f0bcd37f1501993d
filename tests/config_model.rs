//! The config model's semantics: expansion, map references, master.cf validation and edits.
use postfix_preupgrade::config::{
    expand, map_refs, ConfigFile, EditError, Expander, MainCf, MasterCf, Severity,
};

fn none(_: &str) -> Option<String> {
    None
}

#[test]
fn expansion_forms() {
    let m = MainCf::parse(b"a = A\nb = $a-${a}-$(a)\nempty =\ncyc = x$cyc\nc1 = $c2\nc2 = $c1\n");
    let e = |t: &str| expand(&m, &none, t).value;
    assert_eq!(e("$b"), "A-A-A");
    assert_eq!(
        e("${a?yes}|${empty?yes}|${a:no}|${empty:no}|${nope:no}"),
        "yes|||no|no"
    );
    assert_eq!(e("${a?{x}:{y}} ${empty?{x}:{y}}"), "x y");
    assert_eq!(
        e("${{$a} == {A} ? {eq} : {ne}} ${{$a} != {A} ? {eq} : {ne}}"),
        "eq ne"
    );
    assert_eq!(e("${{10} < {9} ? {lt} : {ge}}"), "ge");
    assert_eq!(e("$$a $"), "$a $");
    let x = expand(&m, &none, "$cyc $c1 $undefined");
    assert_eq!(x.value, "x  ");
    assert!(x.cycles.contains(&"cyc".to_string()) && x.cycles.contains(&"c1".to_string()));
    assert_eq!(x.undefined, vec!["undefined".to_string()]);
    assert!(x.used.contains(&"c2".to_string()));
    let defaults = |n: &str| (n == "myhostname").then(|| "host.example".to_string());
    assert_eq!(expand(&m, &defaults, "$myhostname").value, "host.example");
    assert!(!expand(&m, &none, "${a").errors.is_empty());
    // exponential definitions stop with an error instead of running forever
    let mut bomb = String::new();
    for i in 0..60 {
        bomb.push_str(&format!("p{i} = $p{} $p{}\n", i + 1, i + 1));
    }
    bomb.push_str("p60 = x\n");
    let b = MainCf::parse(bomb.as_bytes());
    let x = expand(&b, &none, "$p0");
    assert!(x
        .errors
        .iter()
        .any(|e| e.starts_with("expansion too large")));
}

#[test]
fn service_overrides_win_in_expansion() {
    let m = MainCf::parse(b"mua = permit_sasl_authenticated, reject\nsyslog_name = postfix\n");
    let s = MasterCf::parse(
        b"submission inet n - n - - smtpd\n  -o syslog_name=postfix/submission\n  -o r=$mua\n",
    );
    let svc = &s.services()[0];
    let ex = Expander::new(&m, &none).with_service(svc);
    assert_eq!(ex.param("syslog_name").value, "postfix/submission");
    assert_eq!(ex.param("r").value, "permit_sasl_authenticated, reject");
}

#[test]
fn map_references_with_origins() {
    let main = b"db = hash\n\
alias_maps = hash:/etc/aliases\n\
virtual_alias_maps = proxy:mysql:/etc/postfix/v.cf,\n  unionmap:{cidr:/etc/a.cidr, proxy:lmdb:/etc/b}\n\
virtual_maps = $db:/etc/postfix/virtual\n\
local_recipient_maps = proxy:unix:passwd.byname $alias_maps\n\
smtpd_recipient_restrictions = check_client_access\n    btree:/etc/access, check_policy_service unix:private/policy, restrict1\n\
smtpd_restriction_classes = restrict1\n\
restrict1 = check_sender_access inline:{a=OK}\n\
smtpd_milters = unix:/run/milter, inet:localhost:8891\n\
relayhost = [smtp.example]:25\n\
transport_maps = texthash:/etc/t\n";
    let m = MainCf::parse(main);
    let s = MasterCf::parse(b"smtp inet n - n - - smtpd\n  -o header_checks=pcre:/etc/h.pcre\n  -o smtpd_milters=unix:/x\n");
    let refs = map_refs(&m, Some(&s), &none);
    let find = |t: &str, p: &str| {
        refs.iter()
            .find(|r| r.map_type == t && r.parameter == p)
            .unwrap_or_else(|| panic!("no {t} in {p}: {refs:#?}"))
    };
    let a = find("hash", "alias_maps");
    assert_eq!(
        (a.name.as_str(), a.line, a.via.is_none()),
        ("/etc/aliases", 2, true)
    );
    let at = a.at.as_ref().unwrap();
    assert_eq!(
        (at.line, at.column, at.text.as_str()),
        (2, 13, "hash:/etc/aliases")
    );
    let my = find("mysql", "virtual_alias_maps");
    assert_eq!(my.wrappers, vec!["proxy"]);
    let lm = find("lmdb", "virtual_alias_maps");
    assert_eq!(lm.wrappers, vec!["unionmap", "proxy"]);
    assert_eq!(lm.line, 4);
    assert_eq!(lm.type_at.as_ref().unwrap().column, 36);
    let v = find("hash", "virtual_maps");
    assert_eq!(v.name, "/etc/postfix/virtual");
    let via = v.via.as_ref().unwrap();
    assert_eq!(
        (via.parameter.as_str(), via.line, v.line),
        ("db", Some(1), 5)
    );
    let ta = v.type_at.as_ref().unwrap();
    assert_eq!((ta.line, ta.column, ta.text.as_str()), (1, 5, "hash"));
    let u = find("unix", "local_recipient_maps");
    assert_eq!(
        (u.name.as_str(), u.wrappers.clone()),
        ("passwd.byname", vec!["proxy"])
    );
    let through = find("hash", "local_recipient_maps");
    assert_eq!(through.via.as_ref().unwrap().parameter, "alias_maps");
    assert_eq!(through.line, 6);
    assert_eq!(through.type_at.as_ref().unwrap().line, 2);
    assert_eq!(find("btree", "smtpd_recipient_restrictions").line, 8);
    assert_eq!(find("inline", "restrict1").name, "{a=OK}");
    let h = find("pcre", "header_checks");
    assert_eq!(
        (h.file, h.line, h.service.as_deref()),
        (ConfigFile::Master, 2, Some("smtp/inet"))
    );
    assert!(!refs
        .iter()
        .any(|r| r.parameter.ends_with("_milters") || r.parameter == "relayhost"));
    assert!(!refs.iter().any(|r| r.name.contains("private/policy")));
    assert!(refs.iter().any(|r| r.map_type == "texthash"));
}

#[test]
fn fix_type_where_written() {
    let mut m = MainCf::parse(b"db = hash\nvirtual_maps = $db:/v,\n   hash:/w\n");
    let refs = map_refs(&m, None, &none);
    for r in refs.iter().rev() {
        let t = r.type_at.as_ref().unwrap();
        m.replace_at(t.line, t.column, &t.text, "lmdb").unwrap();
    }
    assert_eq!(
        m.to_bytes(),
        b"db = lmdb\nvirtual_maps = $db:/v,\n   lmdb:/w\n"
    );
}

#[test]
fn master_validation_like_postfix() {
    let s = MasterCf::parse(
        b"smtp inet y - n - - smtpd\nx tcp n - n - - y\ny unix n - n 5x - y\nz unix n - n 5? 1x y\nshort unix -\n  - -\nq unix n q n - - y\n",
    );
    let d = s.diagnostics();
    let msgs: Vec<(usize, &str)> = d
        .iter()
        .filter(|d| d.severity == Severity::Fatal)
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert!(msgs[0]
        .1
        .contains("inet service \"smtp\" cannot be private"));
    assert_eq!(
        msgs[1],
        (2, "invalid type field \"tcp\" in \"x tcp n - n - - y\"")
    );
    assert_eq!(
        msgs[2].1,
        "invalid wakeup field \"5x\" in \"y unix n - n 5x - y\""
    );
    assert_eq!(
        msgs[3].1,
        "invalid process_limit field \"1x\" in \"z unix n - n 5? 1x y\""
    );
    assert_eq!(msgs[4], (5, "bad field count"));
    assert_eq!(d.iter().find(|d| d.line == 5).unwrap().end_line, 6);
    assert_eq!(
        msgs[5].1,
        "invalid unprivileged field \"q\" in \"q unix n q n - - y\""
    );
}

#[test]
fn master_fields_and_ipv6_names() {
    let s = MasterCf::parse(
        b"[::1]:2525 inet n - y - 10 smtpd -o{ a = b c } -v {x y}\n/run/s unix-dgram - - - - 0 c\n",
    );
    let a = &s.services()[0];
    assert_eq!(a.id(), "[::1]:2525/inet");
    assert_eq!(a.args(), vec!["-o", "a=b c", "-v", "x y"]);
    assert_eq!(
        (
            a.overrides[0].name.as_str(),
            a.overrides[0].value.as_str(),
            a.overrides[0].long_form
        ),
        ("a", "b c", true)
    );
    assert_eq!(s.services()[1].kind, "unix-dgram");
    assert_eq!(a.endpoint(), Some((Some("::1"), "2525")));
    assert_eq!(s.services()[1].endpoint(), None);
    let t =
        MasterCf::parse(b"smtp inet n - n - - smtpd\n127.0.0.1:submissions inet n - n - - smtpd\n");
    assert_eq!(t.services()[0].endpoint(), Some((None, "smtp")));
    assert_eq!(
        t.services()[1].endpoint(),
        Some((Some("127.0.0.1"), "submissions"))
    );
}

#[test]
fn master_edits_keep_layout() {
    let text = "# head\nsmtp      inet  n       -       n       -       -       smtpd\nsmtps     inet  n       -       n       -       -       smtpd\n  -o syslog_name=postfix/smtps\n  -o smtpd_tls_wrappermode=yes\nrelay     unix  -       -       n       -       -       smtp\n\t-o { smtp_helo_timeout = 5 }\n";
    let mut s = MasterCf::parse(text.as_bytes());
    s.rename_entry("smtps/inet", "submissions").unwrap();
    s.set_override("submissions/inet", "syslog_name", "postfix/submissions")
        .unwrap();
    s.set_override("submissions/inet", "smtpd_sasl_auth_enable", "yes")
        .unwrap();
    s.set_override("relay/unix", "smtp_connect_timeout", "10s")
        .unwrap();
    s.set_override("smtp/inet", "smtpd_tls_security_level", "may")
        .unwrap();
    s.remove_override("submissions/inet", "smtpd_tls_wrappermode")
        .unwrap();
    assert_eq!(
        String::from_utf8(s.to_bytes()).unwrap(),
        "# head\nsmtp      inet  n       -       n       -       -       smtpd -o smtpd_tls_security_level=may\nsubmissions inet  n       -       n       -       -       smtpd\n  -o syslog_name=postfix/submissions\n  -o smtpd_sasl_auth_enable=yes\nrelay     unix  -       -       n       -       -       smtp\n\t-o { smtp_helo_timeout = 5 }\n\t-o { smtp_connect_timeout = 10s }\n"
    );
    assert!(matches!(
        s.rename_entry("smtps/inet", "x"),
        Err(EditError::NoSuchService(_))
    ));
    assert!(matches!(
        s.remove_override("smtp/inet", "nope"),
        Err(EditError::NoSuchOverride(..))
    ));
    assert!(s.add_entry("bad entry").is_err());
    s.add_entry("new       unix  -       -       n       -       -       smtp")
        .unwrap();
    s.replace_entry(
        "relay/unix",
        "relay     unix  -       -       n       -       -       smtp",
    )
    .unwrap();
    s.remove_entry("smtp/inet").unwrap();
    let ids: Vec<String> = s.services().iter().map(|x| x.id()).collect();
    assert_eq!(ids, vec!["submissions/inet", "relay/unix", "new/unix"]);
    assert!(s.diagnostics().is_empty());
}
