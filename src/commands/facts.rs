//! `facts`: the collected facts as JSON.
use crate::policy::exit;

/// Collect the facts for `request` and print them as pretty JSON.
pub fn run(request: &crate::facts::Request) -> anyhow::Result<u8> {
    let facts = crate::facts::collect(request)?;
    let mut json = serde_json::to_string_pretty(&facts)?;
    json.push('\n');
    crate::report::print_stdout(json.as_bytes())?;
    Ok(exit::OK)
}
