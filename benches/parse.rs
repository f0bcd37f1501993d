//! Parse/expand timings (plain std::time): a master.cf with 5000 services and a main.cf
//! with a 5 MB line. Run with `cargo bench --bench parse`.
use std::time::Instant;

use postfix_preupgrade::config::{expand, map_refs, show_master, MainCf, MasterCf};

fn time<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    println!("{what:<48} {:>10.3} ms", t.elapsed().as_secs_f64() * 1e3);
    r
}

fn main() {
    let mut master = String::new();
    for i in 0..5000 {
        master.push_str(&format!(
            "svc{i}      unix  -       -       n       -       -       smtp\n  -o syslog_name=postfix/svc{i}\n  -o {{ smtp_helo_name = host{i}.example }}\n"
        ));
    }
    let m = time("parse master.cf, 5000 services", || {
        MasterCf::parse(master.as_bytes())
    });
    assert_eq!(m.services().len(), 5000);
    time("show_master, 5000 services", || show_master(&m));
    let mut edited = m.clone();
    time("set_override on the last of 5000 services", || {
        edited
            .set_override("svc4999/unix", "smtp_helo_timeout", "5")
            .unwrap()
    });

    let mut main = String::from("myhostname = a.example\nbig = ");
    while main.len() < 5 << 20 {
        main.push_str("hash:/etc/postfix/x $myhostname, ");
    }
    main.push('\n');
    let c = time("parse main.cf with a 5 MB line", || {
        MainCf::parse(main.as_bytes())
    });
    let none = |_: &str| None;
    let e = time("expand the 5 MB value", || expand(&c, &none, "$big"));
    println!("  expanded length {} bytes", e.value.len());
    let mut continued = String::from("big_maps = x\n");
    for _ in 0..100_000 {
        continued.push_str("  hash:/etc/postfix/table,\n");
    }
    let c2 = time("parse main.cf, 100000 continuation lines", || {
        MainCf::parse(continued.as_bytes())
    });
    let refs = time("map_refs over 100000 references", || {
        map_refs(&c2, None, &none)
    });
    assert_eq!(refs.len(), 100_000);
}
