//! `tls-weak-certificate`: TLS certificates, keys and settings that the target's default
//! crypto policy refuses or that the target's Postfix ignores.
//!
//! Certificates and keys come from `smtpd_tls_{cert,key,dcert,dkey,eccert,eckey}_file`,
//! `smtpd_tls_chain_files`, the `smtp_`/`lmtp_` equivalents and `smtpd_tls_dh1024_param_file`,
//! in main.cf and in each master.cf service's `-o` overrides, read inside the root and
//! parsed with `x509-parser`. The severity of a certificate that will not load follows
//! what the service loses: a server with `smtpd_tls_security_level = encrypt` or
//! `smtpd_tls_wrappermode = yes` (and a client with mandatory TLS) stops delivering, one
//! with `may` only stops offering TLS, one without TLS loses nothing.
//!
//! Settings: `*_tls_protocols` / `*_tls_mandatory_protocols` that name protocol versions
//! below the policy's minimum (ignored) or leave none at or above it (every handshake
//! fails), `export`/`low` cipher grades and `tls_export_cipherlist`/`tls_low_cipherlist`,
//! which Postfix 3.8 ignores, and custom cipher lists naming ciphers the policy refuses.
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use x509_parser::der_parser::ber::BerObject;
use x509_parser::der_parser::parse_der;
use x509_parser::pem::Pem;
use x509_parser::prelude::X509Certificate;
use x509_parser::public_key::PublicKey;

use crate::checks::{Check, CheckDocs};
use crate::config::{Expander, Service};
use crate::facts::{CryptoPolicy, Facts, Instance, PostfixVersion};
use crate::finding::{Finding, Link, Related, Severity};

pub struct TlsWeakCertificate;

const ID: &str = "tls-weak-certificate";

/// Which Postfix component uses a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Server,
    Client(&'static str),
}

impl Role {
    fn prefix(self) -> &'static str {
        match self {
            Role::Server => "smtpd",
            Role::Client(p) => p,
        }
    }
}

/// What breaks when a certificate fails to load, worst first in [`Impact::severity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Impact {
    /// TLS is not enabled where the certificate is configured.
    Unused,
    /// Opportunistic TLS: TLS stops being offered/used, mail still flows in plaintext.
    Degrades,
    /// Mandatory TLS (or wrapper mode): mail stops.
    Stops,
}

impl Impact {
    fn load_failure(self) -> Severity {
        match self {
            Impact::Stops => Severity::High,
            Impact::Degrades => Severity::Medium,
            Impact::Unused => Severity::Info,
        }
    }
    /// For problems that do not stop the certificate from loading but make verifying
    /// peers refuse it (expired, self-signed SHA-1).
    fn verify_failure(self) -> Severity {
        match self {
            Impact::Stops => Severity::Medium,
            Impact::Degrades => Severity::Low,
            Impact::Unused => Severity::Info,
        }
    }
    fn words(self) -> &'static str {
        match self {
            Impact::Stops => {
                "TLS is mandatory there (security level encrypt or stronger, or wrapper \
                 mode): mail over it stops"
            }
            Impact::Degrades => {
                "TLS is opportunistic there (security level may): TLS stops being used and \
                 mail falls back to plaintext, or is deferred by peers that insist on TLS"
            }
            Impact::Unused => "TLS is not enabled there, so nothing is lost today",
        }
    }
}

/// Where a certificate/key setting comes from.
#[derive(Debug, Clone)]
struct Place {
    file: String,
    line: Option<usize>,
    service: Option<String>,
    parameter: String,
    text: String,
}

/// One certificate + key pair (or chain file) in use, with the worst impact over the
/// services that use it.
#[derive(Debug, Clone)]
struct Use {
    role: Role,
    cert: String,
    key: String,
    chain: bool,
    place: Place,
    impact: Impact,
}

/// The security level of a role in a context, as an impact of a broken certificate.
fn impact_of(role: Role, ex: &Expander) -> Impact {
    let p = role.prefix();
    let level = ex.param(&format!("{p}_tls_security_level")).value;
    let level = level.trim();
    let yes = |n: &str| ex.param(n).value.trim().eq_ignore_ascii_case("yes");
    match role {
        Role::Server => {
            if level == "encrypt" || yes("smtpd_tls_wrappermode") {
                return Impact::Stops;
            }
            if level == "may" {
                return Impact::Degrades;
            }
            if level.is_empty() {
                if yes("smtpd_enforce_tls") {
                    return Impact::Stops;
                }
                if yes("smtpd_use_tls") {
                    return Impact::Degrades;
                }
            }
            Impact::Unused
        }
        Role::Client(_) => {
            if yes(&format!("{p}_tls_wrappermode")) {
                return Impact::Stops;
            }
            match level {
                "encrypt" | "dane-only" | "fingerprint" | "verify" | "secure" => Impact::Stops,
                "may" | "dane" => Impact::Degrades,
                "" if yes(&format!("{p}_enforce_tls")) => Impact::Stops,
                "" if yes(&format!("{p}_use_tls")) => Impact::Degrades,
                _ => Impact::Unused,
            }
        }
    }
}

/// Where `name` is set in this context: the service's `-o` or main.cf.
fn place_of(inst: &Instance, svc: Option<&Service>, name: &str, value: &str) -> Place {
    if let Some(s) = svc {
        if let Some(o) = s.overrides.iter().rev().find(|o| o.name == name) {
            return Place {
                file: inst.master_cf_path().display().to_string(),
                line: Some(o.line),
                service: Some(s.id()),
                parameter: name.to_string(),
                text: value.to_string(),
            };
        }
    }
    let p = inst.main().get(name);
    Place {
        file: inst.main_cf_path().display().to_string(),
        line: p.map(|p| p.line),
        service: None,
        parameter: name.to_string(),
        text: value.to_string(),
    }
}

fn split_files(v: &str) -> Vec<String> {
    v.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Certificate uses of one role in one context (main.cf alone, or one service).
fn uses_in(inst: &Instance, svc: Option<&Service>, role: Role, ex: &Expander, out: &mut Vec<Use>) {
    let p = role.prefix();
    let impact = impact_of(role, ex);
    let chain_param = format!("{p}_tls_chain_files");
    let chain = split_files(&ex.param(&chain_param).value);
    // postconf(5): a non-empty *_tls_chain_files replaces the legacy cert/key settings.
    let legacy = chain.is_empty();
    for f in chain {
        out.push(Use {
            role,
            cert: f.clone(),
            key: f.clone(),
            chain: true,
            place: place_of(inst, svc, &chain_param, &f),
            impact,
        });
    }
    for (c, k) in [("cert", "key"), ("dcert", "dkey"), ("eccert", "eckey")] {
        if !legacy {
            break;
        }
        let cp = format!("{p}_tls_{c}_file");
        let kp = format!("{p}_tls_{k}_file");
        let cert = ex.param(&cp).value.trim().to_string();
        if cert.is_empty() {
            continue;
        }
        let mut key = ex.param(&kp).value.trim().to_string();
        if key.is_empty() {
            key = cert.clone();
        }
        out.push(Use {
            role,
            cert: cert.clone(),
            key,
            chain: false,
            place: place_of(inst, svc, &cp, &cert),
            impact,
        });
    }
}

/// Every certificate use of an instance, merged by (role, cert, key) keeping the worst
/// impact (and the place where that impact arises).
fn cert_uses(facts: &Facts, inst: &Instance) -> Vec<Use> {
    let defaults = facts.defaults_for(inst);
    let main_ex = Expander::new(inst.main(), &defaults);
    let roles = [Role::Server, Role::Client("smtp"), Role::Client("lmtp")];
    // merged as they are found (a host with thousands of services has thousands of uses of
    // a few certificates: only the few are kept)
    let mut merged: BTreeMap<(Role, String, String), Use> = BTreeMap::new();
    let mut merge = |found: &mut Vec<Use>| {
        for u in found.drain(..) {
            let k = (u.role, u.cert.clone(), u.key.clone());
            match merged.get_mut(&k) {
                Some(old) if u.impact > old.impact => *old = u,
                Some(_) => {}
                None => {
                    merged.insert(k, u);
                }
            }
        }
    };
    let mut found = Vec::new();
    match inst.master() {
        Some(m) => {
            for s in m.services() {
                let role = match s.command.as_str() {
                    "smtpd" => Role::Server,
                    "smtp" => Role::Client("smtp"),
                    "lmtp" => Role::Client("lmtp"),
                    _ => continue,
                };
                // The smtp(8) client started as "lmtp" reads lmtp_ parameters.
                let role = match (role, s.name.as_str()) {
                    (Role::Client(_), "lmtp") => Role::Client("lmtp"),
                    (r, _) => r,
                };
                let ex = Expander::new(inst.main(), &defaults).with_service(s);
                uses_in(inst, Some(s), role, &ex, &mut found);
                merge(&mut found);
            }
        }
        None => {
            for r in roles {
                uses_in(inst, None, r, &main_ex, &mut found);
                merge(&mut found);
            }
        }
    }
    merged.into_values().collect()
}

/// A PEM file's objects.
struct PemFile {
    certs: Vec<(Vec<u8>, bool)>,
    keys: Vec<(String, Vec<u8>)>,
    encrypted_key: bool,
}

fn read_pem(bytes: &[u8]) -> Result<PemFile, String> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = PemFile {
        certs: Vec::new(),
        keys: Vec::new(),
        encrypted_key: text.contains("Proc-Type: 4,ENCRYPTED"),
    };
    let mut after_key = true;
    for pem in Pem::iter_from_buffer(bytes) {
        let pem = match pem {
            Ok(p) => p,
            Err(x509_parser::error::PEMError::MissingHeader) => break,
            Err(e) => return Err(format!("not valid PEM: {e}")),
        };
        match pem.label.as_str() {
            "CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                out.certs.push((pem.contents, after_key));
                after_key = false;
            }
            "ENCRYPTED PRIVATE KEY" => {
                out.encrypted_key = true;
                after_key = true;
            }
            l if l.ends_with("PRIVATE KEY") => {
                out.keys.push((pem.label.clone(), pem.contents));
                after_key = true;
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Big-endian integer bytes without leading zeros.
fn strip_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&x| x == 0).count();
    &b[n..]
}

fn bits_of(b: &[u8]) -> usize {
    let b = strip_zeros(b);
    match b.first() {
        Some(&f) => b.len() * 8 - f.leading_zeros() as usize,
        None => 0,
    }
}

/// The public part of a private key, to compare with a certificate's.
#[derive(Debug, PartialEq, Eq)]
enum KeyPublic {
    /// RSA modulus without leading zeros.
    Rsa(Vec<u8>),
    /// EC public point as stored.
    Ec(Vec<u8>),
    /// A key whose public part this check cannot derive (Ed25519, EC without the
    /// optional public key, ...).
    Unknown,
}

fn seq<'a>(o: &'a BerObject<'a>) -> Option<&'a Vec<BerObject<'a>>> {
    o.as_sequence().ok()
}

fn rsa_pkcs1(der: &[u8]) -> Option<KeyPublic> {
    let (_, o) = parse_der(der).ok()?;
    let items = seq(&o)?;
    let n = items.get(1)?.as_slice().ok()?;
    Some(KeyPublic::Rsa(strip_zeros(n).to_vec()))
}

fn ec_sec1(der: &[u8]) -> Option<KeyPublic> {
    let (_, o) = parse_der(der).ok()?;
    let items = seq(&o)?;
    for it in items.iter().skip(2) {
        if it.header.class() == x509_parser::der_parser::ber::Class::ContextSpecific
            && it.header.tag().0 == 1
        {
            let inner = it.as_slice().ok()?;
            let (_, bs) = parse_der(inner).ok()?;
            return Some(KeyPublic::Ec(bs.as_bitstring().ok()?.data.to_vec()));
        }
    }
    Some(KeyPublic::Unknown)
}

fn pkcs8(der: &[u8]) -> Option<KeyPublic> {
    let (_, o) = parse_der(der).ok()?;
    let items = seq(&o)?;
    let alg = seq(items.get(1)?)?.first()?.as_oid().ok()?.to_id_string();
    let inner = items.get(2)?.as_slice().ok()?;
    match alg.as_str() {
        "1.2.840.113549.1.1.1" => rsa_pkcs1(inner),
        "1.2.840.10045.2.1" => ec_sec1(inner),
        _ => Some(KeyPublic::Unknown),
    }
}

fn key_public(label: &str, der: &[u8]) -> Option<KeyPublic> {
    match label {
        "RSA PRIVATE KEY" => rsa_pkcs1(der),
        "EC PRIVATE KEY" => ec_sec1(der),
        "PRIVATE KEY" => pkcs8(der),
        _ => Some(KeyPublic::Unknown),
    }
}

fn cert_public(c: &X509Certificate) -> KeyPublic {
    match c.public_key().parsed() {
        Ok(PublicKey::RSA(k)) => KeyPublic::Rsa(strip_zeros(k.modulus).to_vec()),
        Ok(PublicKey::EC(p)) => KeyPublic::Ec(p.data().to_vec()),
        _ => KeyPublic::Unknown,
    }
}

/// (algorithm name, bits) of a certificate's key when the policy's minimum applies.
fn rsa_like_bits(c: &X509Certificate) -> Option<(&'static str, usize)> {
    match c.public_key().parsed() {
        Ok(PublicKey::RSA(k)) => Some(("RSA", bits_of(k.modulus))),
        Ok(PublicKey::DSA(y)) => {
            // The key size is that of the prime p in the parameters (SEQUENCE { p, q, g });
            // the public value y may be a few bits shorter.
            let p_bits = c
                .public_key()
                .algorithm
                .parameters
                .as_ref()
                .and_then(|a| parse_der(a.data).ok())
                .and_then(|(_, p)| p.as_slice().ok().map(bits_of));
            Some(("DSA", p_bits.unwrap_or(strip_zeros(y).len() * 8)))
        }
        _ => None,
    }
}

const SHA1_SIGNATURES: &[&str] = &[
    "1.2.840.113549.1.1.5", // sha1WithRSAEncryption
    "1.3.14.3.2.29",        // sha1WithRSASignature (OIW)
    "1.2.840.10045.4.1",    // ecdsa-with-SHA1
    "1.2.840.10040.4.3",    // dsa-with-sha1
];

/// One problem with one certificate use.
struct Problem {
    kind: &'static str,
    severity: Severity,
    title: String,
    detail: String,
    hint: String,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn subject(c: &X509Certificate) -> String {
    let s = c.subject().to_string();
    if s.is_empty() {
        "(empty subject)".into()
    } else {
        s
    }
}

fn date(t: i64) -> String {
    // Days since the epoch to a civil date (Howard Hinnant's algorithm).
    let days = t.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

/// Problems of one certificate use under the target's policy.
fn examine(facts: &Facts, u: &Use, crypto: &CryptoPolicy) -> Vec<Problem> {
    let mut out = Vec::new();
    let source_crypto = facts.upgrade_path.source_profile().crypto;
    let tgt = &facts.target;
    let mk = |kind, severity, title: String, detail: String, hint: String| Problem {
        kind,
        severity,
        title,
        detail,
        hint,
    };
    // `what` is "certificate" or "private key": the openssl command that shows it
    // differs (x509 for certificates, pkey for keys)
    // a chain file (smtpd_tls_chain_files) holds keys and certificates: neither word
    let unreadable = |what: &str, path: &str, why: String| {
        let what = if u.chain {
            "key and certificate file"
        } else {
            what
        };
        let tool = match what {
            "certificate" => format!("x509 -in {path} -noout -text"),
            "private key" => format!("pkey -in {path} -noout -text"),
            _ => format!("storeutl -noout -text {path}"),
        };
        mk(
            "unreadable",
            Severity::Info,
            format!("TLS {what} {path} could not be checked"),
            format!("{path} could not be read or parsed ({why}), so it was not checked."),
            format!("Check it on the host: `openssl {tool}`."),
        )
    };
    let cert_bytes = match facts.root.read(&u.cert) {
        Ok(b) => b,
        Err(e) => return vec![unreadable("certificate", &u.cert, e.to_string())],
    };
    let pem = match read_pem(&cert_bytes) {
        Ok(p) => p,
        Err(e) => return vec![unreadable("certificate", &u.cert, e)],
    };
    if pem.certs.is_empty() {
        if !pem.keys.is_empty() || pem.encrypted_key {
            // a private key where a certificate is expected: say what it is
            return vec![mk(
                "unreadable",
                Severity::Info,
                format!("{} holds a private key, not a certificate", u.cert),
                format!(
                    "{} is named where Postfix expects a certificate, but it holds only a \
                     private key (no PEM CERTIFICATE block), so no certificate was checked.",
                    u.cert
                ),
                format!(
                    "Check which file holds the certificate (`openssl pkey -in {} -noout` \
                     shows the key): the certificate file goes in the *_cert_file setting.",
                    u.cert
                ),
            )];
        }
        return vec![unreadable(
            "certificate",
            &u.cert,
            "no PEM CERTIFICATE block".into(),
        )];
    }
    let mut parsed = Vec::new();
    for (der, ee) in &pem.certs {
        match x509_parser::parse_x509_certificate(der) {
            Ok((_, c)) => parsed.push((c, *ee)),
            Err(e) => return vec![unreadable("certificate", &u.cert, e.to_string())],
        }
    }
    let already = |refused_on_source: bool| {
        if refused_on_source {
            " The source release's policy refuses it already."
        } else {
            ""
        }
    };
    let load_sev = u.impact.load_failure();
    let now = now();
    for (c, ee) in &parsed {
        let who = format!(
            "{}certificate \"{}\" in {}",
            if *ee { "" } else { "chain " },
            subject(c),
            u.cert
        );
        if let Some((alg, bits)) = rsa_like_bits(c) {
            if bits > 0 && (bits as u32) < crypto.min_rsa_bits {
                let on_src = source_crypto.is_some_and(|s| (bits as u32) < s.min_rsa_bits);
                out.push(mk(
                    "key-too-small",
                    load_sev,
                    format!(
                        "{bits}-bit {alg} key in {}: {tgt}'s crypto policy needs {} bits",
                        u.cert, crypto.min_rsa_bits
                    ),
                    format!(
                        "The {who} has a {bits}-bit {alg} key. {tgt}'s DEFAULT crypto policy \
                         refuses keys under {} bits, so OpenSSL will not load the \
                         certificate (\"{} key too small\") and Postfix cannot use TLS with \
                         it. {}.{}",
                        crypto.min_rsa_bits,
                        if *ee { "ee" } else { "ca" },
                        u.impact.words(),
                        already(on_src)
                    ),
                    "Issue a new certificate with an RSA key of at least 2048 bits (or an \
                     ECDSA P-256 key) and install it before the upgrade."
                        .into(),
                ));
            }
        }
        let sig = c.signature_algorithm.algorithm.to_id_string();
        if !crypto.sha1_signatures && SHA1_SIGNATURES.contains(&sig.as_str()) {
            let self_signed = c.subject().as_raw() == c.issuer().as_raw();
            let on_src = source_crypto.is_some_and(|s| !s.sha1_signatures);
            if self_signed {
                out.push(mk(
                    "sha1-self-signed",
                    u.impact.verify_failure(),
                    format!("self-signed certificate {} is signed with SHA-1", u.cert),
                    format!(
                        "The {who} is self-signed with a SHA-1 signature. OpenSSL still loads \
                         a self-signed certificate, but peers that verify it refuse SHA-1 \
                         signatures, as {tgt}'s DEFAULT crypto policy does.{}",
                        already(on_src)
                    ),
                    "Re-issue the certificate with a SHA-256 signature.".into(),
                ));
            } else {
                out.push(mk(
                    "sha1-signature",
                    load_sev,
                    format!("certificate in {} is signed with SHA-1", u.cert),
                    format!(
                        "The {who} carries a SHA-1 signature, which {tgt}'s DEFAULT crypto \
                         policy refuses: OpenSSL will not load it (\"ca md too weak\") and \
                         Postfix cannot use TLS with it. {}.{}",
                        u.impact.words(),
                        already(on_src)
                    ),
                    "Obtain a certificate (and chain) signed with SHA-256 or better.".into(),
                ));
            }
        }
        let (nb, na) = (
            c.validity().not_before.timestamp(),
            c.validity().not_after.timestamp(),
        );
        if na < now {
            out.push(mk(
                "expired",
                u.impact.verify_failure(),
                format!("certificate in {} expired on {}", u.cert, date(na)),
                format!(
                    "The {who} expired on {}. Postfix still loads it, but every peer that \
                     verifies certificates (mail clients on submission ports, MTAs with \
                     DANE or verify policies) refuses the connection. This is not caused by \
                     the upgrade, but it is found now.",
                    date(na)
                ),
                "Renew the certificate.".into(),
            ));
        } else if nb > now {
            out.push(mk(
                "not-yet-valid",
                u.impact.verify_failure(),
                format!("certificate in {} is not valid before {}", u.cert, date(nb)),
                format!(
                    "The {who} is not valid before {}; verifying peers refuse it until then.",
                    date(nb)
                ),
                "Check the certificate dates and the system clock.".into(),
            ));
        }
    }
    // The private key must match the end-entity certificate.
    let key_owned;
    let key_pem: &PemFile = if u.key == u.cert {
        &pem
    } else {
        match facts
            .root
            .read(&u.key)
            .map_err(|e| e.to_string())
            .and_then(|b| read_pem(&b))
        {
            Ok(k) => {
                key_owned = k;
                &key_owned
            }
            Err(e) => {
                out.push(unreadable("private key", &u.key, e));
                return out;
            }
        }
    };
    if key_pem.encrypted_key {
        out.push(mk(
            "encrypted-key",
            load_sev,
            format!("private key {} is encrypted", u.key),
            format!(
                "{} holds a passphrase-protected private key. Postfix cannot ask for a \
                 passphrase, so it cannot load the key. {}.",
                u.key,
                u.impact.words()
            ),
            "Store the key unencrypted (mode 0600, owned by root).".into(),
        ));
        return out;
    }
    let ee: Vec<&X509Certificate> = parsed.iter().filter(|(_, e)| *e).map(|(c, _)| c).collect();
    if key_pem.keys.is_empty() {
        out.push(unreadable(
            "private key",
            &u.key,
            "no PEM PRIVATE KEY block".to_string(),
        ));
        return out;
    }
    // Chain files pair each key with the certificate after it; separate files pair the
    // one key with the first certificate.
    for (i, (label, der)) in key_pem.keys.iter().enumerate() {
        let Some(cert) = ee.get(i).or(if u.chain { None } else { ee.first() }) else {
            break;
        };
        let Some(kp) = key_public(label, der) else {
            out.push(unreadable(
                "private key",
                &u.key,
                format!("{label} is not valid DER"),
            ));
            continue;
        };
        let cp = cert_public(cert);
        if kp == KeyPublic::Unknown || cp == KeyPublic::Unknown {
            continue;
        }
        if kp != cp {
            out.push(mk(
                "key-mismatch",
                load_sev,
                format!(
                    "private key {} does not match certificate {}",
                    u.key, u.cert
                ),
                format!(
                    "The private key in {} is not the key of certificate \"{}\" in {}: \
                     OpenSSL refuses the pair (\"key values mismatch\") and Postfix cannot \
                     use TLS with it. {}. This is broken on the source release too.",
                    u.key,
                    subject(cert),
                    u.cert,
                    u.impact.words()
                ),
                "Install the key that belongs to the certificate (compare `openssl x509 \
                 -noout -pubkey` with `openssl pkey -pubout`)."
                    .into(),
            ));
        }
        if !u.chain {
            break;
        }
    }
    out
}

/// Protocol names Postfix knows, oldest first.
const PROTOCOLS: [&str; 6] = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

fn proto_index(name: &str) -> Option<usize> {
    PROTOCOLS.iter().position(|p| p.eq_ignore_ascii_case(name))
}

/// The protocols a `*_tls_protocols` value enables (Postfix's tls_protocol_mask), and
/// the ones it names positively (an inclusion or a `>=`/`<=` bound).
fn protocols(value: &str) -> ([bool; 6], Vec<usize>) {
    let mut included = [false; 6];
    let mut any_include = false;
    let mut excluded = [false; 6];
    let mut named = Vec::new();
    let (mut lo, mut hi) = (0usize, PROTOCOLS.len() - 1);
    for tok in value
        .split(|c: char| c == ',' || c == ':' || c.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
    {
        if let Some(n) = tok.strip_prefix('!') {
            if let Some(i) = proto_index(n) {
                excluded[i] = true;
            }
        } else if let Some(n) = tok.strip_prefix(">=") {
            if let Some(i) = proto_index(n) {
                lo = lo.max(i);
                named.push(i);
            }
        } else if let Some(n) = tok.strip_prefix("<=") {
            if let Some(i) = proto_index(n) {
                hi = hi.min(i);
                named.push(i);
            }
        } else if let Some(i) = proto_index(tok) {
            included[i] = true;
            any_include = true;
            named.push(i);
        }
    }
    let mut on = [false; 6];
    for i in 0..PROTOCOLS.len() {
        on[i] = (!any_include || included[i]) && !excluded[i] && i >= lo && i <= hi;
    }
    (on, named)
}

const PROTOCOL_PARAMS: &[&str] = &[
    "smtpd_tls_protocols",
    "smtpd_tls_mandatory_protocols",
    "smtp_tls_protocols",
    "smtp_tls_mandatory_protocols",
    "lmtp_tls_protocols",
    "lmtp_tls_mandatory_protocols",
    "tlsproxy_tls_protocols",
    "tlsproxy_tls_mandatory_protocols",
    "tlsproxy_client_protocols",
    "tlsproxy_client_mandatory_protocols",
];

const GRADE_PARAMS: &[&str] = &[
    "smtpd_tls_ciphers",
    "smtpd_tls_mandatory_ciphers",
    "smtp_tls_ciphers",
    "smtp_tls_mandatory_ciphers",
    "lmtp_tls_ciphers",
    "lmtp_tls_mandatory_ciphers",
    "tlsproxy_tls_ciphers",
    "tlsproxy_tls_mandatory_ciphers",
];

/// Postfix 3.6 dropped export-grade DH: `*_dh512_param_file` is ignored from then on.
const DH512_IGNORED_SINCE: PostfixVersion = PostfixVersion::new(3, 6, 0);

/// Postfix 3.8 ignores these cipher lists and maps the grades to `medium`.
const GRADES_IGNORED_SINCE: PostfixVersion = PostfixVersion::new(3, 8, 0);

/// Cipher-list words naming ciphers the target's OpenSSL no longer provides at the
/// policy's security level (RC4, export and single-DES suites, MD5 MACs, no encryption).
/// 3DES is not among them: the policy disables it only in its own cipher string, which a
/// custom Postfix list replaces.
const REFUSED_CIPHER_WORDS: &[&str] =
    &["RC4", "DES", "EXP", "EXPORT", "LOW", "MD5", "eNULL", "NULL"];

/// Every written value of a setting: main.cf, then each service's `-o`.
fn settings<'a>(inst: &'a Instance, names: &[&str]) -> Vec<(Place, &'a str)> {
    let mut out = Vec::new();
    for p in inst.main().effective() {
        if names.contains(&p.name.as_str()) {
            out.push((place_of(inst, None, &p.name, &p.value), p.value.as_str()));
        }
    }
    if let Some(m) = inst.master() {
        for s in m.services() {
            for o in &s.overrides {
                if names.contains(&o.name.as_str()) && s.override_value(&o.name) == Some(&o.value) {
                    out.push((place_of(inst, Some(s), &o.name, &o.value), o.value.as_str()));
                }
            }
        }
    }
    out
}

fn setting_findings(facts: &Facts, inst: &Instance, crypto: &CryptoPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    let tgt = &facts.target;
    let min = proto_index(crypto.min_tls).unwrap_or(4);
    for (place, value) in settings(inst, PROTOCOL_PARAMS) {
        let (on, named) = protocols(value);
        let usable = (min..PROTOCOLS.len()).any(|i| on[i]);
        if !usable {
            let mut f = finding(
                &place,
                "protocols-none-usable",
                Severity::High,
                format!("{} leaves no TLS protocol {tgt} allows", place.parameter),
            );
            f.summary = format!(
                "{} = {value} enables only protocol versions below {}, the lowest {tgt}'s \
                 DEFAULT crypto policy accepts: every TLS handshake that uses this setting \
                 fails.",
                place.parameter, crypto.min_tls
            );
            f.remediation.hint = format!(
                "Set {} = >={} (Postfix 3.6 and later) or remove it to use the default.",
                place.parameter, crypto.min_tls
            )
            .into();
            out.push(f);
        } else {
            let below: Vec<&str> = named
                .iter()
                .filter(|&&i| i < min)
                .map(|&i| PROTOCOLS[i])
                .collect();
            if !below.is_empty() {
                let mut f = finding(
                    &place,
                    "protocols-ignored",
                    Severity::Low,
                    format!("{} names protocol versions {tgt} refuses", place.parameter),
                );
                f.summary = format!(
                    "{} = {value} names {}, below {}, the lowest version {tgt}'s DEFAULT \
                     crypto policy accepts. OpenSSL ignores them there: peers that only speak \
                     those versions can no longer use TLS with this host.",
                    place.parameter,
                    below.join(", "),
                    crypto.min_tls
                );
                f.remediation.hint = format!(
                    "Remove the old versions from {} (or leave it at its default).",
                    place.parameter
                )
                .into();
                out.push(f);
            }
        }
    }
    let target_v = facts.upgrade_path.target_postfix_version();
    let crosses_38 =
        facts.postfix.version < GRADES_IGNORED_SINCE && target_v >= GRADES_IGNORED_SINCE;
    if crosses_38 {
        for (place, value) in settings(inst, GRADE_PARAMS) {
            let v = value.trim().to_ascii_lowercase();
            if v == "export" || v == "low" {
                let mut f = finding(
                    &place,
                    "grade-mapped-to-medium",
                    Severity::Low,
                    format!(
                        "{} = {v} becomes medium on Postfix {target_v}",
                        place.parameter
                    ),
                );
                f.summary = format!(
                    "Postfix 3.8 and later treat the \"{v}\" cipher grade as \"medium\": {} \
                     = {value} no longer allows weaker ciphers on {tgt} (Postfix {target_v}). \
                     Peers that could only negotiate {v}-grade ciphers lose TLS.",
                    place.parameter
                );
                f.remediation.hint = format!(
                    "Set {} = medium (the default) or remove it.",
                    place.parameter
                )
                .into();
                out.push(f);
            }
        }
        for (place, value) in settings(inst, &["tls_export_cipherlist", "tls_low_cipherlist"]) {
            let mut f = finding(
                &place,
                "cipherlist-ignored",
                Severity::Low,
                format!("{} is ignored by Postfix {target_v}", place.parameter),
            );
            f.summary = format!(
                "{} = {value} is ignored by Postfix 3.8 and later ({tgt} ships {target_v}): \
                 the export and low grades use the medium cipher list.",
                place.parameter
            );
            f.remediation.hint =
                format!("Remove {} from the configuration.", place.parameter).into();
            out.push(f);
        }
    }
    if facts.postfix.version < DH512_IGNORED_SINCE && target_v >= DH512_IGNORED_SINCE {
        let names = [
            "smtpd_tls_dh512_param_file",
            "tlsproxy_tls_dh512_param_file",
        ];
        for (place, value) in settings(inst, &names) {
            if value.trim().is_empty() {
                continue;
            }
            let mut f = finding(
                &place,
                "dh512-ignored",
                Severity::Info,
                format!("{} is ignored by Postfix {target_v}", place.parameter),
            );
            f.summary = format!(
                "{} = {value}: Postfix 3.6 and later no longer support export-grade \
                 Diffie-Hellman key exchange and silently ignore this parameter ({tgt} ships \
                 {target_v}). Nothing stops working: the export ciphers it served are gone \
                 from OpenSSL already.",
                place.parameter
            );
            f.remediation.hint =
                format!("Remove {} from the configuration.", place.parameter).into();
            out.push(f);
        }
    }
    for (place, value) in settings(inst, &["tls_medium_cipherlist", "tls_high_cipherlist"]) {
        let refused: Vec<&str> = value
            .split([':', ',', ' ', '\t'])
            .filter(|t| !t.is_empty() && !t.starts_with(['!', '-']))
            .map(|t| t.trim_start_matches('+'))
            .filter(|t| {
                !t.contains("CBC3")
                    && t.split(['+', '-']).any(|w| {
                        REFUSED_CIPHER_WORDS
                            .iter()
                            .any(|r| w.eq_ignore_ascii_case(r))
                    })
            })
            .collect();
        if refused.is_empty() {
            continue;
        }
        let mut f = finding(
            &place,
            "cipherlist-refused",
            Severity::Low,
            format!("{} enables ciphers {tgt} refuses", place.parameter),
        );
        f.summary = format!(
            "{} = {value} asks for {}, which {tgt}'s OpenSSL no longer provides at its \
             DEFAULT crypto policy's security level: they are dropped, so the list does not \
             mean what it says, and peers that needed them lose TLS. Postfix recommends \
             leaving the cipher lists at their defaults.",
            place.parameter,
            refused.join(", ")
        );
        f.remediation.hint =
            format!("Remove {} to use the default cipher list.", place.parameter).into();
        out.push(f);
    }
    out
}

fn finding(place: &Place, kind: &str, severity: Severity, title: String) -> Finding {
    let mut f = Finding::new(ID, severity, title);
    f.location.file = Some(place.file.clone());
    f.location.line = place.line;
    f.location.end_line = place.line;
    f.location.service = place.service.clone().map(Into::into);
    f.location.parameter = Some(place.parameter.clone().into());
    f.location.text = Some(place.text.clone().into());
    f.key = Finding::key_from(
        ID,
        &[
            &place.file,
            place.service.as_deref().unwrap_or(""),
            &place.parameter,
            &place.text,
            kind,
        ],
    );
    f.related.push(Related::file(place.file.clone()));
    f.links.push(Link {
        url: "https://www.postfix.org/TLS_README.html".into(),
        title: "Postfix TLS Support".into(),
    });
    f
}

impl Check for TlsWeakCertificate {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "TLS certificate, key or setting refused by the target's crypto policy"
    }
    fn default_severity(&self) -> Severity {
        Severity::High
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "Reads the certificates and keys named by smtpd_tls_cert_file / \
                   _key_file, smtpd_tls_chain_files, the dcert/eccert variants and the smtp_ \
                   and lmtp_ equivalents (main.cf and master.cf -o), and \
                   smtpd_tls_dh1024_param_file. Reports RSA/DSA/DH keys under the target \
                   policy's minimum size, SHA-1 signatures where the policy refuses them, \
                   expired certificates, encrypted keys and keys that do not match their \
                   certificate. Also reports *_tls_protocols settings that name versions the \
                   policy refuses or leave none it accepts, export/low cipher grades and \
                   tls_export/low_cipherlist (ignored from Postfix 3.8), \
                   *_dh512_param_file (ignored from 3.6), and custom cipher lists asking for \
                   ciphers the target's OpenSSL no longer provides.",
            why: "Postfix loads the system OpenSSL configuration, so RHEL's DEFAULT crypto \
                  policy applies to it: TLS 1.2 or later, RSA and DH keys of 2048 bits or \
                  more, and from RHEL 9 no SHA-1 signatures. A certificate OpenSSL refuses \
                  to load leaves Postfix without TLS. Where TLS is mandatory (security level \
                  encrypt, wrapper-mode port 465) mail stops (high); where it is \
                  opportunistic (may) TLS silently disappears (medium).",
            fix: "Replace the certificate or key (RSA 2048+ or ECDSA, SHA-256 signatures) \
                  before the upgrade; remove protocol and cipher settings the target \
                  ignores, or return them to their defaults.",
            references: &[
                (
                    "https://www.postfix.org/TLS_README.html",
                    "Postfix TLS Support",
                ),
                (
                    "https://www.postfix.org/postconf.5.html#smtpd_tls_protocols",
                    "postconf(5): smtpd_tls_protocols",
                ),
                (
                    "https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/9/html/security_hardening/using-the-system-wide-cryptographic-policies_security-hardening",
                    "RHEL 9: Using system-wide cryptographic policies",
                ),
                (
                    "https://www.postfix.org/announcements/postfix-3.8.0.html",
                    "Postfix 3.8.0: export and low cipher grades are treated as medium",
                ),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let Some(crypto) = facts.upgrade_path.target_crypto() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for inst in &facts.instances {
            for u in cert_uses(facts, inst) {
                for p in examine(facts, &u, &crypto) {
                    let mut f = finding(&u.place, p.kind, p.severity, p.title);
                    f.key = Finding::key_from(
                        ID,
                        &[
                            &u.place.file,
                            u.place.service.as_deref().unwrap_or(""),
                            &u.place.parameter,
                            &u.cert,
                            &u.key,
                            p.kind,
                        ],
                    );
                    f.summary = p.detail;
                    f.remediation.hint = p.hint.into();
                    f.related.push(Related::file(u.cert.clone()));
                    if u.key != u.cert {
                        f.related.push(Related::file(u.key.clone()));
                    }
                    out.push(f);
                }
            }
            out.extend(dh_findings(facts, inst, &crypto));
            out.extend(setting_findings(facts, inst, &crypto));
        }
        out
    }
}

/// `smtpd_tls_dh1024_param_file` with a group under the policy's minimum: Postfix warns
/// and falls back to its built-in group.
fn dh_findings(facts: &Facts, inst: &Instance, crypto: &CryptoPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    for (place, value) in settings(inst, &["smtpd_tls_dh1024_param_file"]) {
        let defaults = facts.defaults_for(inst);
        let path = Expander::new(inst.main(), &defaults)
            .expand(value)
            .value
            .trim()
            .to_string();
        if !path.starts_with('/') {
            continue;
        }
        let Ok(bytes) = facts.root.read(&path) else {
            continue;
        };
        let Some(bits) = Pem::iter_from_buffer(&bytes)
            .filter_map(Result::ok)
            .find(|p| p.label == "DH PARAMETERS" || p.label == "X9.42 DH PARAMETERS")
            .and_then(|p| {
                let (_, o) = parse_der(&p.contents).ok()?;
                let prime = seq(&o)?.first()?.as_slice().ok()?;
                Some(bits_of(prime))
            })
        else {
            continue;
        };
        if (bits as u32) >= crypto.min_dh_bits {
            continue;
        }
        let mut f = finding(
            &place,
            "dh-too-small",
            Severity::Low,
            format!("{bits}-bit DH parameters in {path}"),
        );
        f.summary = format!(
            "{path} holds a {bits}-bit Diffie-Hellman group; {}'s DEFAULT crypto policy \
             refuses groups under {} bits. Postfix logs a warning and uses its built-in \
             group instead, so the file has no effect.",
            facts.target, crypto.min_dh_bits
        );
        f.remediation.hint = format!(
            "Remove {} (Postfix's built-in groups are fine) or generate a 2048-bit group \
             with `openssl dhparam -out {path} 2048`.",
            place.parameter
        )
        .into();
        f.related.push(Related::file(path));
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(v: &str) -> Vec<&'static str> {
        let (m, _) = protocols(v);
        (0..6).filter(|&i| m[i]).map(|i| PROTOCOLS[i]).collect()
    }

    #[test]
    fn protocol_masks_follow_postfix() {
        assert_eq!(on("!SSLv2, !SSLv3").len(), 4);
        assert_eq!(on("TLSv1 TLSv1.1"), vec!["TLSv1", "TLSv1.1"]);
        assert_eq!(on(">=TLSv1.2"), vec!["TLSv1.2", "TLSv1.3"]);
        assert_eq!(on("!SSLv2:!SSLv3:!TLSv1:!TLSv1.1").len(), 2);
        assert_eq!(on("<=TLSv1.1").len(), 4);
        assert_eq!(protocols("TLSv1, TLSv1.2").1, vec![2, 4]);
    }

    #[test]
    fn dates_and_bits() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(bits_of(&[0, 0x80, 0]), 16);
        assert_eq!(bits_of(&[0x01, 0xff]), 9);
    }
}
