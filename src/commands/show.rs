//! `show main|master`: the primary config directory's files printed like
//! `postconf -n` / `postconf -M`, read inside the root.
use std::io::Write;
use std::path::PathBuf;

use crate::config::{Diagnostic, MainCf, MasterCf, Reporter, Severity};
use crate::error::Error;
use crate::policy::exit;

/// Which file `show` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Main,
    Master,
}

/// `show main|master` for the primary config directory (`-c`), read inside `--root`.
pub fn run(request: &crate::facts::Request, what: What) -> anyhow::Result<u8> {
    let dir = request
        .config_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::facts::DEFAULT_CONFIG_DIR));
    let seen = dir.clone();
    let root = crate::root::Root::new(&request.root)?;
    // the message names the path as Postfix sees it (errors from Root do so already)
    let read = |name: &str| -> anyhow::Result<Vec<u8>> { Ok(root.read(seen.join(name))?) };
    let fatal = |name: &str, diags: Vec<Diagnostic>| -> Result<(), Error> {
        // only what postconf itself refuses; master(8)-only problems are checks' business
        match diags
            .into_iter()
            .find(|d| d.severity == Severity::Fatal && d.reporter == Reporter::Postconf)
        {
            Some(d) => Err(Error::Syntax {
                path: seen.join(name),
                line: d.line,
                message: d.message,
            }),
            None => Ok(()),
        }
    };
    // postconf reads main.cf, then master.cf, and stops at the first fatal error
    let main = MainCf::parse(&read("main.cf")?);
    fatal("main.cf", main.diagnostics())?;
    let master = MasterCf::parse(&read("master.cf")?);
    fatal("master.cf", master.diagnostics())?;
    let text = match what {
        What::Main => crate::config::show_main(&main),
        What::Master => crate::config::show_master(&master),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(exit::OK)
}
