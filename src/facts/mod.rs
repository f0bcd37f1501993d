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

use crate::cli::GlobalOpts;
use crate::error::Error;
use crate::root::Root;

/// The environment variable leapp uses for the target release.
pub const TARGET_ENV: &str = "LEAPP_UPGRADE_PATH_TARGET_RELEASE";

/// The primary config directory when `-c` is not given.
pub const DEFAULT_CONFIG_DIR: &str = "/etc/postfix";

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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Instance {
    /// The instance name; `-` for the primary instance until its main.cf says otherwise
    /// (as `postmulti -l` prints it).
    pub name: String,
    /// Whether this is the primary instance.
    pub primary: bool,
    /// The config directory, as a system path (inside the root).
    pub config_directory: PathBuf,
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
    /// unmodified `%config` file), so findings on it matter less.
    pub fn replaced_on_upgrade(&self, path: &Path) -> bool {
        self.config_file_state(path)
            .is_some_and(|c| c.state == FileState::Unmodified)
    }
}

/// Collect the facts for the global options, reading `LEAPP_UPGRADE_PATH_TARGET_RELEASE`
/// and running `rpm` / `postconf` from the PATH (postconf only when the root is `/`).
pub fn collect(opts: &GlobalOpts) -> anyhow::Result<Facts> {
    let env_target = std::env::var(TARGET_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty());
    collect_with(opts, env_target.as_deref(), &Tools::from_path())
}

/// [`collect`] with the target environment value and the programs given explicitly.
pub fn collect_with(
    opts: &GlobalOpts,
    env_target: Option<&str>,
    tools: &Tools,
) -> anyhow::Result<Facts> {
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
    Ok(facts)
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
        self.instances.push(Instance {
            name: name.to_string(),
            primary: self.instances.is_empty(),
            config_directory,
        });
        Ok(())
    }
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
