//! `checks`: list every registered check.
use crate::policy::exit;

/// Print the table of checks.
pub fn run() -> anyhow::Result<u8> {
    let table = crate::report::catalog::render_checks(crate::checks::CHECKS);
    crate::report::print_stdout(table.as_bytes())?;
    Ok(exit::OK)
}
