//! `explain ID`: a check's full documentation, pre-upgrade and verify-only checks alike.
use crate::checks::Check;
use crate::policy::exit;

/// Print the documentation of check `id`; an unknown id is a usage error.
pub fn run(id: &str) -> anyhow::Result<u8> {
    let all: Vec<&dyn Check> = crate::checks::CHECKS
        .iter()
        .chain(crate::verify::VERIFY_ONLY)
        .copied()
        .collect();
    let text = crate::report::catalog::explain(&all, id)?;
    crate::report::print_stdout(text.as_bytes())?;
    Ok(exit::OK)
}
