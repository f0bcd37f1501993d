//! Facts about the inspected system: releases, the upgrade profile, installed Postfix,
//! instances and their parsed config files. Collected once; checks only read them.
pub mod params;
pub mod profile;
pub mod release;
pub mod rpmdb;
pub mod version;

use std::path::{Path, PathBuf};

pub use profile::{CryptoPolicy, Profile, Step, UpgradePath};
pub use release::Release;
pub use rpmdb::{
    ConfigFileState, FileState, InstalledPostfix, Package, PackageFile, RpmDb, Tools, VersionSource,
};
pub use version::PostfixVersion;

use crate::config::{MainCf, MasterCf};
use crate::error::Error;
use crate::root::Root;

/// The environment variable leapp uses for the target release.
pub const TARGET_ENV: &str = "LEAPP_UPGRADE_PATH_TARGET_RELEASE";

/// The primary config directory when `-c` is not given.
pub const DEFAULT_CONFIG_DIR: &str = "/etc/postfix";

/// What to collect facts about: the system under `root`, its primary config directory,
/// and what the caller says instead of detecting (the releases, the Postfix version).
/// The command line's global options map to this; nothing here is about output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The inspected system's `/` (like `rpm --root`).
    pub root: PathBuf,
    /// The primary Postfix config directory as the system sees it (default
    /// [`DEFAULT_CONFIG_DIR`]).
    pub config_dir: Option<PathBuf>,
    /// The release being upgraded to, as given (`rhel9`, `el9`, `9.6`, ...).
    pub target: Option<String>,
    /// The source release, overriding `/etc/os-release`.
    pub source: Option<String>,
    /// The installed Postfix version, overriding the rpm database and `postconf`.
    pub postfix_version: Option<String>,
}

impl Request {
    /// The system under `root`, everything else detected; set other fields with struct
    /// update syntax (`Request { target: .., ..Request::for_root(r) }`).
    pub fn for_root(root: impl Into<PathBuf>) -> Request {
        Request {
            root: root.into(),
            config_dir: None,
            target: None,
            source: None,
            postfix_version: None,
        }
    }
}

impl From<&Request> for Request {
    fn from(r: &Request) -> Request {
        r.clone()
    }
}

/// Where a release came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseOrigin {
    /// `--source` / `--target`
    Option,
    /// `/etc/os-release` under the root
    OsRelease,
    /// `LEAPP_UPGRADE_PATH_TARGET_RELEASE`
    Environment,
    /// The major release after the source
    NextMajor,
}

/// One Postfix instance (postmulti): the primary one and each of
/// `multi_instance_directories`.
#[derive(Debug, serde::Serialize)]
pub struct Instance {
    /// The instance name: `multi_instance_name` from its main.cf, else `-` for the
    /// primary instance (as `postmulti -l` prints it) and the directory for the others.
    pub name: String,
    /// Whether this is the primary instance.
    pub primary: bool,
    /// The config directory, as a system path (inside the root).
    pub config_directory: PathBuf,
    /// The parsed main.cf; `None` when the file does not exist.
    pub main_cf: Option<Loaded<MainCf>>,
    /// The parsed master.cf; `None` when the file does not exist.
    pub master_cf: Option<Loaded<MasterCf>>,
    /// Table references, found once on first use ([`Facts::map_refs`]): several checks
    /// read them, and finding them expands every table-taking parameter.
    #[serde(skip)]
    refs: std::sync::OnceLock<Vec<crate::config::MapRef>>,
}

/// A parsed config file and where it lives on the inspected system.
#[derive(Debug, serde::Serialize)]
pub struct Loaded<T> {
    /// System path (as Postfix sees it, not prefixed by the root).
    pub path: PathBuf,
    #[serde(skip)]
    pub doc: T,
}

impl Instance {
    /// An instance over parsed documents (its table references are found on first use).
    pub fn new(
        name: String,
        primary: bool,
        config_directory: PathBuf,
        main_cf: Option<Loaded<MainCf>>,
        master_cf: Option<Loaded<MasterCf>>,
    ) -> Instance {
        Instance {
            name,
            primary,
            config_directory,
            main_cf,
            master_cf,
            refs: std::sync::OnceLock::new(),
        }
    }

    /// The main.cf document, or an empty one when the file does not exist (Postfix then
    /// runs on its built-in defaults).
    pub fn main(&self) -> &MainCf {
        static EMPTY: std::sync::OnceLock<MainCf> = std::sync::OnceLock::new();
        match &self.main_cf {
            Some(l) => &l.doc,
            None => EMPTY.get_or_init(|| MainCf::parse(b"")),
        }
    }

    /// The master.cf document, if the file exists.
    pub fn master(&self) -> Option<&MasterCf> {
        self.master_cf.as_ref().map(|l| &l.doc)
    }

    /// System path of this instance's main.cf.
    pub fn main_cf_path(&self) -> PathBuf {
        self.config_directory.join("main.cf")
    }

    /// System path of this instance's master.cf.
    pub fn master_cf_path(&self) -> PathBuf {
        self.config_directory.join("master.cf")
    }
}

/// Everything the checks may look at. Filled by [`collect`].
#[derive(Debug, serde::Serialize)]
pub struct Facts {
    /// The inspected system's root (`/` for the running system).
    #[serde(serialize_with = "ser_root")]
    pub root: Root,
    pub source: Release,
    pub source_origin: ReleaseOrigin,
    pub target: Release,
    pub target_origin: ReleaseOrigin,
    /// Source → target, each major step with its profile.
    pub upgrade_path: UpgradePath,
    /// Version, where it came from, packages and the `postfix` package's files.
    pub postfix: InstalledPostfix,
    /// Each instance's main.cf/master.cf and every `%config` file of `postfix`, compared
    /// with the package.
    pub config_files: Vec<ConfigFileState>,
    /// Existing `.rpmnew` / `.rpmsave` files in the instances' config directories.
    pub rpm_leftovers: Vec<PathBuf>,
    /// Primary instance first.
    pub instances: Vec<Instance>,
    /// Facts that could not be read and were assumed instead, in words for the report.
    pub assumptions: Vec<String>,
}

fn ser_root<S: serde::Serializer>(root: &Root, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&root.dir().display())
}

impl Facts {
    /// The profile of the release being upgraded to.
    pub fn target_profile(&self) -> &'static Profile {
        self.upgrade_path.target_profile()
    }

    /// The primary instance.
    pub fn primary(&self) -> &Instance {
        &self.instances[0]
    }

    /// The recorded state of a config file (system path), if it was compared.
    pub fn config_file_state(&self, path: &Path) -> Option<&ConfigFileState> {
        self.config_files.iter().find(|c| c.path == path)
    }

    /// Whether the upgrade will replace this file with the target's stock file (an
    /// unmodified `%config` file), so findings on it matter less. Never without an
    /// upgrade ahead (`verify`): the package's own file is what Postfix runs.
    pub fn replaced_on_upgrade(&self, path: &Path) -> bool {
        self.upgrade_path.upgrades()
            && self
                .config_file_state(path)
                .is_some_and(|c| c.state == FileState::Unmodified)
    }
}

/// Collect the facts for a [`Request`], reading `LEAPP_UPGRADE_PATH_TARGET_RELEASE`
/// and running `rpm` / `postconf` from the PATH (postconf only when the root is `/`).
pub fn collect(opts: impl Into<Request>) -> anyhow::Result<Facts> {
    let env_target = std::env::var(TARGET_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty());
    collect_with(opts, env_target.as_deref(), &Tools::from_path())
}

/// [`collect`] with the target environment value and the programs given explicitly.
pub fn collect_with(
    opts: impl Into<Request>,
    env_target: Option<&str>,
    tools: &Tools,
) -> anyhow::Result<Facts> {
    let opts = &opts.into();
    let root = Root::new(&opts.root)?;
    let mut assumptions = Vec::new();

    let (source, source_origin) = match &opts.source {
        Some(s) => (Release::parse(s)?, ReleaseOrigin::Option),
        None => (Release::detect(&root)?, ReleaseOrigin::OsRelease),
    };
    let (target, target_origin) = match (&opts.target, env_target) {
        (Some(t), _) => (Release::parse(t)?, ReleaseOrigin::Option),
        (None, Some(t)) => (
            Release::parse(t).map_err(|e| Error::Usage(format!("{TARGET_ENV}: {e}")))?,
            ReleaseOrigin::Environment,
        ),
        (None, None) => {
            if source.major >= release::MAX_MAJOR {
                anyhow::bail!(
                    "the source release {source} is the latest this tool covers: nothing to \
                     upgrade to"
                );
            }
            let t = source.next_major();
            assumptions.push(format!(
                "target release assumed to be {t}, the next major release (give --target or \
                 {TARGET_ENV})"
            ));
            (t, ReleaseOrigin::NextMajor)
        }
    };
    let upgrade_path = UpgradePath::new(source.clone(), target.clone())?;
    collect_on_path(
        opts,
        root,
        (source, source_origin),
        (target, target_origin),
        upgrade_path,
        assumptions,
        tools,
    )
}

/// The facts of the installed system with no upgrade ahead (`verify`, after the
/// upgrade): the release from `/etc/os-release` (or `--source`) is both source and
/// target, so every check asks about the Postfix that is installed. `--target` is
/// refused: there is nothing to upgrade to.
pub fn collect_installed(opts: impl Into<Request>, tools: &Tools) -> anyhow::Result<Facts> {
    let opts = &opts.into();
    if let Some(t) = &opts.target {
        return Err(Error::Usage(format!(
            "--target {t}: verify checks the installed release, it has no target"
        ))
        .into());
    }
    let root = Root::new(&opts.root)?;
    let (release, origin) = match &opts.source {
        Some(s) => (Release::parse(s)?, ReleaseOrigin::Option),
        None => (Release::detect(&root)?, ReleaseOrigin::OsRelease),
    };
    let path = UpgradePath::installed(release.clone())?;
    collect_on_path(
        opts,
        root,
        (release.clone(), origin),
        (release, origin),
        path,
        Vec::new(),
        tools,
    )
}

/// The rest of [`collect_with`] once the releases and the path are known.
fn collect_on_path(
    opts: &Request,
    root: Root,
    (source, source_origin): (Release, ReleaseOrigin),
    (target, target_origin): (Release, ReleaseOrigin),
    upgrade_path: UpgradePath,
    mut assumptions: Vec<String>,
    tools: &Tools,
) -> anyhow::Result<Facts> {
    if source.minor.is_none()
        && profile::PROFILES
            .iter()
            .filter(|p| p.major == source.major)
            .count()
            > 1
    {
        assumptions.push(format!(
            "source minor release unknown: assumed to be the latest {source} (profile {})",
            upgrade_path.source_profile().id
        ));
    }

    let version_override = opts
        .postfix_version
        .as_deref()
        .map(PostfixVersion::parse)
        .transpose()?;
    let fallback = upgrade_path.source_profile().postfix_version;
    // Never run the host's Postfix for another root.
    let tools = if root.is_host() {
        tools.clone()
    } else {
        Tools {
            postconf: None,
            ..tools.clone()
        }
    };
    let postfix = rpmdb::detect(&root, version_override, fallback, &tools, &mut assumptions);

    let config_dir = primary_config_dir(&root, opts.config_dir.as_deref())?;
    // Every %config file of the postfix package, then each instance's main.cf/master.cf.
    let config_files = postfix
        .postfix_files()
        .iter()
        .filter(|f| f.config && !f.ghost)
        .map(|f| rpmdb::verify_file(&root, &postfix, &f.path))
        .collect();

    let mut facts = Facts {
        root,
        source,
        source_origin,
        target,
        target_origin,
        upgrade_path,
        postfix,
        config_files,
        rpm_leftovers: Vec::new(),
        instances: Vec::new(),
        assumptions,
    };
    facts.add_instance("-", config_dir)?;
    // postmulti: the secondary instances are listed in the primary main.cf.
    let dirs = {
        let primary = &facts.instances[0];
        let defaults = facts.defaults_for(primary);
        crate::config::Expander::new(primary.main(), &defaults)
            .param("multi_instance_directories")
            .value
    };
    for dir in dirs
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|d| !d.is_empty())
    {
        let dir = PathBuf::from(dir);
        if !dir.is_absolute() {
            facts.assumptions.push(format!(
                "multi_instance_directories entry {} is not absolute: skipped",
                dir.display()
            ));
            continue;
        }
        if facts.instances.iter().any(|i| i.config_directory == dir) {
            continue;
        }
        facts.add_instance("", dir)?;
    }
    if let Some(why) = postfix_absent(&facts) {
        facts.assumptions.push(why);
    }
    Ok(facts)
}

/// Why no check runs on this system, when Postfix is not installed there: the rpm
/// database was read and lists no `postfix` package, or (no package information) the
/// primary config directory has neither main.cf nor master.cf. One line, for the report.
/// The engine runs no check then ([`crate::policy`] re-exports this): there is nothing for
/// the upgrade to break, and checking built-in defaults would report findings for a mail
/// server that does not exist.
pub fn postfix_absent(facts: &Facts) -> Option<String> {
    if let Some(db) = &facts.postfix.rpmdb {
        return db.postfix().is_none().then(|| {
            format!(
                "Postfix is not installed (the rpm database {} lists no postfix package): \
                 nothing to check",
                db.db_path.display()
            )
        });
    }
    let primary = facts.instances.first()?;
    (primary.main_cf.is_none() && primary.master_cf.is_none()).then(|| {
        format!(
            "Postfix is not installed (no rpm database, and {} has neither main.cf nor \
             master.cf): nothing to check",
            primary.config_directory.display()
        )
    })
}

impl Facts {
    /// Add an instance (the primary first, then each `multi_instance_directories` entry):
    /// its main.cf and master.cf are compared with the package and its `.rpmnew` /
    /// `.rpmsave` files listed.
    pub fn add_instance(
        &mut self,
        name: &str,
        config_directory: PathBuf,
    ) -> crate::error::Result<()> {
        for f in ["main.cf", "master.cf"] {
            let path = config_directory.join(f);
            if self.config_file_state(&path).is_none() {
                let st = rpmdb::verify_file(&self.root, &self.postfix, &path);
                self.config_files.push(st);
            }
        }
        self.rpm_leftovers
            .extend(rpmdb::leftover_rpm_files(&self.root, &config_directory)?);
        self.rpm_leftovers.sort();
        self.rpm_leftovers.dedup();
        let main_cf = self.load(&config_directory.join("main.cf"), MainCf::parse)?;
        let master_cf = self.load(&config_directory.join("master.cf"), MasterCf::parse)?;
        let primary = self.instances.is_empty();
        let name = main_cf
            .as_ref()
            .and_then(|m| m.doc.value("multi_instance_name"))
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| match (name, primary) {
                ("", true) => "-".to_string(),
                ("", false) => config_directory.display().to_string(),
                (n, _) => n.to_string(),
            });
        self.instances.push(Instance::new(
            name,
            primary,
            config_directory,
            main_cf,
            master_cf,
        ));
        Ok(())
    }

    /// Read and parse a config file inside the root. A missing file is `None` (and an
    /// assumption); any other read error names the file.
    fn load<T>(
        &mut self,
        path: &Path,
        parse: fn(&[u8]) -> T,
    ) -> crate::error::Result<Option<Loaded<T>>> {
        match self.root.read(path) {
            Ok(bytes) => Ok(Some(Loaded {
                path: path.to_path_buf(),
                doc: parse(&bytes),
            })),
            Err(crate::error::Error::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                self.assumptions.push(format!(
                    "{} does not exist: Postfix uses its built-in defaults there",
                    path.display()
                ));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Built-in default of a parameter for an instance, as the installed Postfix has it:
    /// the instance's `config_directory`, else the RHEL profile's default for the
    /// source release, else upstream's default for the installed version. Where upstream
    /// documents the default only as "see postconf -d output" (set when Postfix is
    /// built), the RHEL build's value is used ([`rhel_build_default`]); `None` when that
    /// is not known either, so expansion never yields the documentation text.
    pub fn default_value(&self, instance: &Instance, name: &str) -> Option<String> {
        if name == "config_directory" {
            return Some(instance.config_directory.display().to_string());
        }
        if name == "mail_version" {
            return Some(self.postfix.version.to_string());
        }
        let profile = self.upgrade_path.source_profile();
        let value = profile
            .default_override(name)
            .or_else(|| params::default(&self.postfix.version, name))?;
        if value.starts_with("see ") && value.contains("postconf -d") {
            return rhel_build_default(profile, name).map(str::to_string);
        }
        Some(value.to_string())
    }

    /// [`Facts::default_value`] as the lookup closure the config expander takes.
    pub fn defaults_for<'a>(
        &'a self,
        instance: &'a Instance,
    ) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| self.default_value(instance, name)
    }

    /// The alias tables of an instance ([`alias_tables`]).
    pub fn alias_tables(&self, instance: &Instance) -> Vec<String> {
        let defaults = self.defaults_for(instance);
        alias_tables(instance.main(), instance.master(), &defaults)
    }

    /// Every table reference of an instance (main.cf and master.cf `-o`), see
    /// [`crate::config::map_refs`]; computed on the first call and kept.
    pub fn map_refs<'a>(&self, instance: &'a Instance) -> &'a [crate::config::MapRef] {
        instance.refs.get_or_init(|| {
            let defaults = self.defaults_for(instance);
            crate::config::map_refs(instance.main(), instance.master(), &defaults)
        })
    }
}

/// Parameters whose tables are alias tables: postalias(1) builds them, never postmap(1)
/// (postmap would keep the `:` in `postmaster:` as part of the key).
pub const ALIAS_PARAMS: &[&str] = &["alias_maps", "alias_database"];

/// The names of every alias table: the tables `alias_maps` and `alias_database` name in
/// main.cf or a master.cf `-o`, directly or through `$name`, or by their built-in
/// default (`defaults`); untyped names too (they take `default_database_type`).
/// Wrappers (`proxy:`) and `unionmap:{...}` members are looked through.
pub fn alias_tables(
    main: &MainCf,
    master: Option<&MasterCf>,
    defaults: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    fn names(v: &str, out: &mut Vec<String>) {
        let sep = |c: char| c == ',' || c.is_ascii_whitespace();
        for tok in v.split(sep).filter(|t| !t.is_empty()) {
            let mut t = tok.trim_matches(|c| c == '{' || c == '}');
            while let Some((ty, rest)) = t.split_once(':') {
                if !crate::config::MAP_TYPES.contains(&ty) {
                    break;
                }
                t = rest.trim_start_matches('{');
            }
            if !t.is_empty() && !out.iter().any(|n| n == t) {
                out.push(t.to_string());
            }
        }
    }
    let mut out = Vec::new();
    let ex = crate::config::Expander::new(main, defaults);
    for p in ALIAS_PARAMS {
        names(&ex.param(p).value, &mut out);
    }
    for s in master.map(|m| m.services()).unwrap_or(&[]) {
        let sex = crate::config::Expander::new(main, defaults).with_service(s);
        for o in s
            .overrides
            .iter()
            .filter(|o| ALIAS_PARAMS.contains(&o.name.as_str()))
        {
            names(&sex.expand(&o.value).value, &mut out);
        }
    }
    out
}

/// A value with every Berkeley DB type (`hash:`, `btree:` as a whole type word, or the
/// whole value `hash`/`btree`, as in `default_database_type`) changed to lmdb.
pub fn lmdb_value(v: &str) -> String {
    const BDB: [&str; 2] = ["hash", "btree"];
    if BDB.contains(&v.trim()) {
        return "lmdb".into();
    }
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while !rest.is_empty() {
        let word_start = out
            .chars()
            .last()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        let hit = BDB
            .iter()
            .find(|t| word_start && rest.starts_with(&format!("{t}:")));
        match hit {
            Some(t) => {
                out.push_str("lmdb:");
                rest = &rest[t.len() + 1..];
            }
            None => {
                let c = rest.chars().next().unwrap_or(' ');
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// Build-time defaults of the RHEL postfix package (its `make makefiles` settings) for
/// the parameters upstream documents only as "see postconf -d output". Table types are
/// known for builds with Berkeley DB; a build without it (RHEL 10) is not verified.
pub fn rhel_build_default(profile: &Profile, name: &str) -> Option<&'static str> {
    Some(match name {
        "command_directory" => "/usr/sbin",
        "daemon_directory" => "/usr/libexec/postfix",
        "data_directory" => "/var/lib/postfix",
        "queue_directory" => "/var/spool/postfix",
        "meta_directory" => "/etc/postfix",
        "shlib_directory" => "/usr/lib64/postfix",
        "sendmail_path" => "/usr/sbin/sendmail.postfix",
        "newaliases_path" => "/usr/bin/newaliases.postfix",
        "mailq_path" => "/usr/bin/mailq.postfix",
        "mail_spool_directory" => "/var/mail",
        "manpage_directory" => "/usr/share/man",
        "html_directory" => "no",
        "mail_owner" => "postfix",
        "setgid_group" => "postdrop",
        "alias_database" if profile.berkeley_db => "hash:/etc/aliases",
        "alias_maps" if profile.berkeley_db && profile.nis => "hash:/etc/aliases, nis:mail.aliases",
        "alias_maps" if profile.berkeley_db => "hash:/etc/aliases",
        "default_database_type" if profile.berkeley_db => "hash",
        "address_verify_map" if profile.berkeley_db => "btree:$data_directory/verify_cache",
        _ => return None,
    })
}

/// The primary config directory as a system path. A relative `-c` is taken from the
/// current directory, which only makes sense for the running system.
fn primary_config_dir(root: &Root, given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let Some(dir) = given else {
        return Ok(PathBuf::from(DEFAULT_CONFIG_DIR));
    };
    if dir.is_absolute() {
        return Ok(dir.to_path_buf());
    }
    if !root.is_host() {
        anyhow::bail!(
            "--config-dir {}: must be an absolute path on the inspected system when --root \
             is given",
            dir.display()
        );
    }
    Ok(std::env::current_dir()?.join(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lmdb_value_changes_only_whole_type_words() {
        assert_eq!(lmdb_value("hash"), "lmdb");
        assert_eq!(
            lmdb_value("hash:/etc/aliases, proxy:btree:$data_directory/x texthash:/y"),
            "lmdb:/etc/aliases, proxy:lmdb:$data_directory/x texthash:/y"
        );
    }

    #[test]
    fn alias_tables_through_names_and_defaults() {
        let m = MainCf::parse(b"alias_maps = $mine\nmine = proxy:hash:/etc/mail/aliases, /x\n");
        let d = |n: &str| (n == "alias_database").then(|| "hash:/etc/aliases".to_string());
        assert_eq!(
            alias_tables(&m, None, &d),
            ["/etc/mail/aliases", "/x", "/etc/aliases"]
        );
    }
}
