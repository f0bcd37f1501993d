//! The `postfix-preupgrade` binary: all logic lives in the library.
fn main() -> std::process::ExitCode {
    postfix_preupgrade::cli::main()
}
