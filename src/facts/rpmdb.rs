//! The installed Postfix: version, `postfix` and `postfix-*` packages, and the files the
//! `postfix` package owns, read from the rpm database under the root.
//!
//! Order: (1) `rpmdb.sqlite` (RHEL 9/10) read directly, each header parsed with the `rpm`
//! crate; (2) a Berkeley DB database (RHEL 7/8) queried with `rpm --root R -qa` when `rpm`
//! is on the PATH; (3) on the running system only, `postconf -d mail_version`; (4) the
//! profile's version, recorded as an assumption. `--postfix-version` overrides the version.
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use rpm::{FileFlags, PackageMetadata};
use sha2::Digest;

use super::version::PostfixVersion;
use crate::error::{Error, Result};
use crate::root::Root;

/// Where rpm keeps its database on RHEL (a symlink to /usr/lib/sysimage/rpm on newer ones).
pub const RPM_DBPATHS: [&str; 2] = ["/var/lib/rpm", "/usr/lib/sysimage/rpm"];

/// Where the installed version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionSource {
    /// `--postfix-version`
    Override,
    /// The package header in `rpmdb.sqlite`
    RpmdbSqlite,
    /// `rpm --root R -q` on a Berkeley DB database
    RpmQuery,
    /// `postconf -d mail_version` on the running system
    Postconf,
    /// Assumed: the version the source release ships
    Profile,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Package {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    pub arch: String,
}

impl Package {
    /// `name-[epoch:]version-release.arch`
    pub fn nevra(&self) -> String {
        match self.epoch {
            Some(e) => format!(
                "{}-{e}:{}-{}.{}",
                self.name, self.version, self.release, self.arch
            ),
            None => format!(
                "{}-{}-{}.{}",
                self.name, self.version, self.release, self.arch
            ),
        }
    }
}

/// A file as the package header records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackageFile {
    /// Absolute path on the inspected system.
    pub path: PathBuf,
    /// `md5`, `sha256`, ... (the header's FILEDIGESTALGO).
    pub digest_algo: String,
    /// Hex digest of the packaged content (None for directories, links, ghosts).
    pub digest: Option<String>,
    /// `%config`
    pub config: bool,
    /// `%config(noreplace)`
    pub noreplace: bool,
    /// `%ghost`
    pub ghost: bool,
}

/// What the rpm database says about Postfix.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RpmDb {
    /// `RpmdbSqlite` or `RpmQuery`.
    pub source: VersionSource,
    /// The database directory, as a system path.
    pub db_path: PathBuf,
    /// `postfix` and every `postfix-*` package, sorted by name.
    pub packages: Vec<Package>,
    /// The files of the `postfix` package.
    pub postfix_files: Vec<PackageFile>,
    /// Headers the parser could not read (skipped), with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable_headers: Vec<String>,
}

impl RpmDb {
    /// The `postfix` package itself.
    pub fn postfix(&self) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == "postfix")
    }
}

fn is_postfix_package(name: &str) -> bool {
    name == "postfix" || name.starts_with("postfix-")
}

/// The rpm database directory under the root that holds a database, with its backend.
fn find_db(root: &Root) -> Result<Option<(PathBuf, bool)>> {
    for dir in RPM_DBPATHS {
        let sqlite = Path::new(dir).join("rpmdb.sqlite");
        if root.exists(&sqlite) {
            return Ok(Some((PathBuf::from(dir), true)));
        }
        if root.exists(Path::new(dir).join("Packages")) {
            return Ok(Some((PathBuf::from(dir), false)));
        }
    }
    Ok(None)
}

/// Parse one header blob as rpm stores it in its database (the header without its magic):
/// a lead, an empty signature header and the header magic are put in front so the `rpm`
/// crate's package parser reads it.
pub fn parse_header_blob(blob: &[u8]) -> std::result::Result<PackageMetadata, rpm::Error> {
    let mut buf = Vec::with_capacity(96 + 16 + 8 + blob.len());
    // Lead: magic, format 3.0, binary package; the rest is unused by the parser.
    buf.extend_from_slice(&[0xed, 0xab, 0xee, 0xdb, 3, 0]);
    buf.resize(96, 0);
    // Empty signature header: magic, version 1, 4 reserved bytes, 0 entries, 0 bytes.
    buf.extend_from_slice(&[0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
    buf.extend_from_slice(&[0; 8]);
    // Main header magic, then the stored index and data.
    buf.extend_from_slice(&[0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
    buf.extend_from_slice(blob);
    PackageMetadata::parse(&mut Cursor::new(buf))
}

fn algo_name(a: rpm::DigestAlgorithm) -> &'static str {
    match a {
        rpm::DigestAlgorithm::Md5 => "md5",
        rpm::DigestAlgorithm::Sha2_256 => "sha256",
        rpm::DigestAlgorithm::Sha2_384 => "sha384",
        rpm::DigestAlgorithm::Sha2_512 => "sha512",
        rpm::DigestAlgorithm::Sha2_224 => "sha224",
        rpm::DigestAlgorithm::Sha3_256 => "sha3-256",
        rpm::DigestAlgorithm::Sha3_512 => "sha3-512",
    }
}

/// RPM's numeric FILEDIGESTALGO values (as `rpm -q --qf %{FILEDIGESTALGO}` prints them).
fn algo_from_number(n: u32) -> &'static str {
    match n {
        1 => "md5",
        2 => "sha1",
        8 => "sha256",
        9 => "sha384",
        10 => "sha512",
        11 => "sha224",
        12 => "sha3-256",
        14 => "sha3-512",
        _ => "unknown",
    }
}

fn package_of(meta: &PackageMetadata) -> std::result::Result<Package, rpm::Error> {
    Ok(Package {
        name: meta.get_name()?.to_string(),
        epoch: meta.get_epoch().ok(),
        version: meta.get_version()?.to_string(),
        release: meta.get_release()?.to_string(),
        arch: meta.get_arch().unwrap_or("noarch").to_string(),
    })
}

fn files_of(meta: &PackageMetadata) -> std::result::Result<Vec<PackageFile>, rpm::Error> {
    let mut out = Vec::new();
    for e in meta.get_file_entries()? {
        let flags = e.flags();
        let (algo, digest) = match e.digest() {
            Some(d) if !d.as_hex().is_empty() => (algo_name(d.algorithm()), Some(d.as_hex())),
            _ => (
                algo_name(
                    meta.get_file_digest_algorithm()
                        .unwrap_or(rpm::DigestAlgorithm::Md5),
                ),
                None,
            ),
        };
        out.push(PackageFile {
            path: e.path(),
            digest_algo: algo.to_string(),
            digest: digest.map(str::to_string),
            config: flags.contains(FileFlags::CONFIG),
            noreplace: flags.contains(FileFlags::NOREPLACE),
            ghost: flags.contains(FileFlags::GHOST),
        });
    }
    Ok(out)
}

/// Read `postfix*` packages from `DIR/rpmdb.sqlite` under the root (RHEL 9/10).
pub fn read_sqlite(root: &Root, db_dir: &Path) -> Result<RpmDb> {
    let sys = db_dir.join("rpmdb.sqlite");
    let err = |m: String| Error::Other(format!("{}: {m}", sys.display()));
    // Opened through a handle inside the root (a regular file, never a FIFO or a link out
    // of the root), and given to SQLite as that descriptor, read-only and immutable: no
    // lock, no `-shm`/`-wal` file is created in the inspected image. (A write-ahead log
    // that rpm left un-checkpointed is not read; rpm checkpoints when it closes.)
    let file = root.open(&sys)?;
    use rusqlite::OpenFlags;
    use std::os::fd::AsRawFd;
    let uri = format!("file:/proc/self/fd/{}?immutable=1", file.as_raw_fd());
    let conn = rusqlite::Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| err(format!("cannot open the rpm database: {e}")))?;
    // rpm's Name index finds the few postfix headers without parsing every header; a
    // database without it is scanned whole.
    let mut stmt = conn
        .prepare(
            "SELECT hnum, blob FROM Packages WHERE hnum IN \
             (SELECT hnum FROM Name WHERE key = 'postfix' OR key GLOB 'postfix-*')",
        )
        .or_else(|_| conn.prepare("SELECT hnum, blob FROM Packages"))
        .map_err(|e| err(format!("not an rpm sqlite database: {e}")))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .map_err(|e| err(e.to_string()))?;
    let mut packages = Vec::new();
    let mut postfix_files = Vec::new();
    let mut unreadable = Vec::new();
    for row in rows {
        let (hnum, blob) = row.map_err(|e| err(e.to_string()))?;
        let meta = match parse_header_blob(&blob) {
            Ok(m) => m,
            Err(e) => {
                unreadable.push(format!("header {hnum}: {e}"));
                continue;
            }
        };
        let Ok(name) = meta.get_name() else { continue };
        if !is_postfix_package(name) {
            continue;
        }
        let pkg = package_of(&meta).map_err(|e| err(format!("package header {hnum}: {e}")))?;
        if pkg.name == "postfix" {
            postfix_files = files_of(&meta)
                .map_err(|e| err(format!("package header {hnum} (postfix): {e}")))?;
        }
        packages.push(pkg);
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(RpmDb {
        source: VersionSource::RpmdbSqlite,
        db_path: db_dir.to_path_buf(),
        packages,
        postfix_files,
        unreadable_headers: unreadable,
    })
}

fn run(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| Error::Other(format!("{what}: cannot run: {e}")))?;
    if !out.status.success() {
        // rpm prints warnings before its errors: keep the errors, on one line.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        let msg = if errors.is_empty() {
            stderr.trim().replace('\n', "; ")
        } else {
            errors.join("; ")
        };
        return Err(Error::Other(format!("{what}: {}: {msg}", out.status)));
    }
    String::from_utf8(out.stdout).map_err(|_| Error::Other(format!("{what}: output not UTF-8")))
}

/// Query `postfix*` packages with the real `rpm` (`rpm --root R --dbpath DIR -qa`), for
/// databases this tool does not read itself (Berkeley DB on RHEL 7/8). `rpm_bin` is the
/// rpm program to run. The database directory is resolved inside the root first, so a
/// link in it cannot point rpm outside the root.
pub fn query_rpm(root: &Root, db_dir: &Path, rpm_bin: &Path) -> Result<RpmDb> {
    let host_db = root.resolve(db_dir)?;
    let dbpath = root
        .system_path(&host_db)
        .ok_or_else(|| Error::Other(format!("{}: resolves outside the root", db_dir.display())))?;
    let what = format!("rpm --root {} -qa", root.dir().display());
    let base = |cmd: &mut Command| {
        cmd.arg("--root")
            .arg(root.dir())
            .arg("--dbpath")
            .arg(&dbpath)
            .env("LC_ALL", "C");
    };
    let mut cmd = Command::new(rpm_bin);
    base(&mut cmd);
    cmd.args([
        "-qa",
        "--qf",
        "%{NAME}\\t%|EPOCH?{%{EPOCH}}:{}|\\t%{VERSION}\\t%{RELEASE}\\t%|ARCH?{%{ARCH}}:{noarch}|\\n",
        "postfix",
        "postfix-*",
    ]);
    let text = run(&mut cmd, &what)?;
    let mut packages = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 5 {
            return Err(Error::Other(format!(
                "{what}: unexpected output line {line:?}"
            )));
        }
        if !is_postfix_package(f[0]) {
            continue;
        }
        packages.push(Package {
            name: f[0].to_string(),
            epoch: f[1].parse().ok(),
            version: f[2].to_string(),
            release: f[3].to_string(),
            arch: f[4].to_string(),
        });
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    let mut postfix_files = Vec::new();
    if packages.iter().any(|p| p.name == "postfix") {
        let mut cmd = Command::new(rpm_bin);
        base(&mut cmd);
        cmd.args([
            "-q",
            "--qf",
            "%|FILEDIGESTALGO?{%{FILEDIGESTALGO}}:{1}|\\n[%{FILEFLAGS}\\t%{FILEDIGESTS}\\t%{FILENAMES}\\n]",
            "postfix",
        ]);
        let what = format!("rpm --root {} -q postfix", root.dir().display());
        let text = run(&mut cmd, &what)?;
        let mut lines = text.lines();
        // With several postfix packages installed, the first one's files are used.
        let algo = lines
            .next()
            .and_then(|l| l.trim().parse::<u32>().ok())
            .map(algo_from_number)
            .unwrap_or("md5");
        for line in lines {
            let f: Vec<&str> = line.splitn(3, '\t').collect();
            if f.len() != 3 {
                break; // the next package's header line
            }
            let Ok(flags) = f[0].parse::<u32>() else {
                break;
            };
            let flags = FileFlags::from_bits_truncate(flags);
            postfix_files.push(PackageFile {
                path: PathBuf::from(f[2]),
                digest_algo: algo.to_string(),
                digest: (!f[1].is_empty()).then(|| f[1].to_string()),
                config: flags.contains(FileFlags::CONFIG),
                noreplace: flags.contains(FileFlags::NOREPLACE),
                ghost: flags.contains(FileFlags::GHOST),
            });
        }
    }
    Ok(RpmDb {
        source: VersionSource::RpmQuery,
        db_path: dbpath,
        packages,
        postfix_files,
        unreadable_headers: Vec::new(),
    })
}

/// `postconf -d mail_version` of the running system. Only for the root `/`.
pub fn postconf_version(postconf: &Path) -> Result<PostfixVersion> {
    let text = run(
        Command::new(postconf).args(["-d", "mail_version"]),
        "postconf -d mail_version",
    )?;
    let v = text
        .trim()
        .strip_prefix("mail_version")
        .and_then(|r| r.trim_start().strip_prefix('='))
        .ok_or_else(|| {
            Error::Other(format!(
                "postconf -d mail_version: unexpected output {:?}",
                text.trim()
            ))
        })?;
    PostfixVersion::parse(v)
}

/// Find a program on the PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The installed Postfix as far as it could be determined.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InstalledPostfix {
    pub version: PostfixVersion,
    pub version_source: VersionSource,
    /// The rpm database read, if any.
    pub rpmdb: Option<RpmDb>,
}

impl InstalledPostfix {
    pub fn packages(&self) -> &[Package] {
        self.rpmdb.as_ref().map(|d| &d.packages[..]).unwrap_or(&[])
    }

    pub fn postfix_files(&self) -> &[PackageFile] {
        self.rpmdb
            .as_ref()
            .map(|d| &d.postfix_files[..])
            .unwrap_or(&[])
    }

    /// Whether a package (`postfix-lmdb`, ...) is installed; None when no database was read.
    pub fn has_package(&self, name: &str) -> Option<bool> {
        self.rpmdb
            .as_ref()
            .map(|d| d.packages.iter().any(|p| p.name == name))
    }
}

/// Programs the detection may run; tests point these at real binaries of their choice.
#[derive(Debug, Clone, Default)]
pub struct Tools {
    /// `rpm` (None: not on the PATH)
    pub rpm: Option<PathBuf>,
    /// `postconf` (None: not on the PATH); only ever run when the root is `/`
    pub postconf: Option<PathBuf>,
}

impl Tools {
    /// `rpm` and `postconf` from the PATH.
    pub fn from_path() -> Tools {
        Tools {
            rpm: which("rpm"),
            postconf: which("postconf"),
        }
    }
}

/// Detect the installed Postfix in the documented order. `fallback` is the version the
/// source release ships; every step that fails or is skipped adds an assumption string.
pub fn detect(
    root: &Root,
    version_override: Option<PostfixVersion>,
    fallback: PostfixVersion,
    tools: &Tools,
    assumptions: &mut Vec<String>,
) -> InstalledPostfix {
    let mut rpmdb = None;
    match find_db(root) {
        Ok(Some((dir, true))) => match read_sqlite(root, &dir) {
            Ok(db) => rpmdb = Some(db),
            Err(e) => assumptions.push(format!("rpm database not readable: {e}")),
        },
        Ok(Some((dir, false))) => match &tools.rpm {
            Some(rpm) => match query_rpm(root, &dir, rpm) {
                Ok(db) => rpmdb = Some(db),
                Err(e) => assumptions.push(format!(
                    "Berkeley DB rpm database {} could not be queried: {e}",
                    dir.join("Packages").display()
                )),
            },
            None => assumptions.push(format!(
                "rpm database {} is Berkeley DB and rpm is not on the PATH: packages unknown",
                dir.join("Packages").display()
            )),
        },
        Ok(None) => assumptions.push(format!(
            "no rpm database under {} ({}): packages unknown",
            root.dir().display(),
            RPM_DBPATHS.join(", ")
        )),
        Err(e) => assumptions.push(format!("rpm database: {e}")),
    }
    if let Some(db) = &rpmdb {
        if !db.unreadable_headers.is_empty() {
            assumptions.push(format!(
                "{}: {} package header(s) could not be read and were skipped ({})",
                db.db_path.join("rpmdb.sqlite").display(),
                db.unreadable_headers.len(),
                db.unreadable_headers.join("; ")
            ));
        }
        // No postfix package: policy::postfix_absent says so (and no check runs).
    }
    if let Some(v) = version_override {
        return InstalledPostfix {
            version: v,
            version_source: VersionSource::Override,
            rpmdb,
        };
    }
    if let Some(db) = &rpmdb {
        if let Some(p) = db.postfix() {
            match PostfixVersion::parse(&p.version) {
                Ok(v) => {
                    return InstalledPostfix {
                        version: v,
                        version_source: db.source,
                        rpmdb,
                    }
                }
                Err(e) => assumptions.push(format!("{}: {e}", p.nevra())),
            }
        }
    }
    if root.is_host() {
        match &tools.postconf {
            Some(pc) => match postconf_version(pc) {
                Ok(v) => {
                    return InstalledPostfix {
                        version: v,
                        version_source: VersionSource::Postconf,
                        rpmdb,
                    }
                }
                Err(e) => assumptions.push(e.to_string()),
            },
            None => assumptions.push("postconf is not on the PATH".to_string()),
        }
    }
    assumptions.push(format!(
        "Postfix version assumed to be {fallback}, the version the source release ships \
         (give --postfix-version to override)"
    ));
    InstalledPostfix {
        version: fallback,
        version_source: VersionSource::Profile,
        rpmdb,
    }
}

/// A config file compared with the package, as `rpm -V` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileState {
    /// Content matches the packaged digest: the upgrade replaces it with the target's file.
    Unmodified,
    /// Content differs: a `noreplace` file is kept and the new one lands as `.rpmnew`.
    Modified,
    /// No package (that was read) owns it.
    NotOwned,
    /// The package owns it but it is not on disk.
    Missing,
    /// The state cannot be determined (no database, or an unsupported digest).
    Unknown,
}

/// The state of one config file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConfigFileState {
    pub path: PathBuf,
    pub state: FileState,
    /// `%config(noreplace)` in the package.
    pub noreplace: bool,
    /// Why the state is `Unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn hex_digest(algo: &str, data: &[u8]) -> Option<String> {
    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
    Some(match algo {
        "sha256" => hex(&sha2::Sha256::digest(data)),
        "sha384" => hex(&sha2::Sha384::digest(data)),
        "sha512" => hex(&sha2::Sha512::digest(data)),
        "sha224" => hex(&sha2::Sha224::digest(data)),
        "sha1" => hex(&sha1::Sha1::digest(data)),
        _ => return None,
    })
}

/// Compare a file of the inspected system with what the `postfix` package recorded.
pub fn verify_file(root: &Root, installed: &InstalledPostfix, path: &Path) -> ConfigFileState {
    let mut st = ConfigFileState {
        path: path.to_path_buf(),
        state: FileState::Unknown,
        noreplace: false,
        note: None,
    };
    if installed.rpmdb.is_none() {
        st.note = Some("no rpm database was read".to_string());
        return st;
    }
    let Some(pf) = installed.postfix_files().iter().find(|f| f.path == path) else {
        st.state = FileState::NotOwned;
        return st;
    };
    st.noreplace = pf.noreplace;
    let data = match root.read(path) {
        Ok(d) => d,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            st.state = FileState::Missing;
            return st;
        }
        Err(e) => {
            st.note = Some(e.to_string());
            return st;
        }
    };
    let Some(want) = &pf.digest else {
        st.note = Some("the package records no digest for it".to_string());
        return st;
    };
    match hex_digest(&pf.digest_algo, &data) {
        Some(got) if got.eq_ignore_ascii_case(want) => st.state = FileState::Unmodified,
        Some(_) => st.state = FileState::Modified,
        None => {
            st.note = Some(format!(
                "digest algorithm {} is not supported",
                pf.digest_algo
            ))
        }
    }
    st
}

/// Existing `.rpmnew` / `.rpmsave` files in a config directory (two levels deep, to see
/// `dynamicmaps.cf.d`), as sorted system paths.
pub fn leftover_rpm_files(root: &Root, config_dir: &Path) -> Result<Vec<PathBuf>> {
    let Ok(dir) = root.open_dir(config_dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let is_leftover = |n: &std::ffi::OsStr| {
        let n = n.to_string_lossy();
        n.ends_with(".rpmnew") || n.ends_with(".rpmsave")
    };
    for (name, t) in dir.entries()? {
        if is_leftover(&name) {
            out.push(config_dir.join(&name));
        } else if t == rustix::fs::FileType::Directory {
            // one level down (dynamicmaps.cf.d), through a handle that never follows a link
            let Ok(sub) = dir.subdir(&name) else { continue };
            for (n, _) in sub.entries()? {
                if is_leftover(&n) {
                    out.push(config_dir.join(&name).join(n));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}
