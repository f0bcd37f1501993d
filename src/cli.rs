//! Command-line interface (see interface.md).
use std::process::ExitCode;

pub fn main() -> ExitCode {
    println!("postfix-preupgrade {}", env!("CARGO_PKG_VERSION"));
    ExitCode::SUCCESS
}
