//! `fix`: apply the remediations. The flow (plan, show, confirm, validate, one
//! transaction, re-check) is [`crate::fix::run_fix`]'s; this is its entry point.

/// `fix` on the system `facts` names, as `request` asks.
pub fn run(facts: &crate::facts::Request, request: &crate::fix::Request) -> anyhow::Result<u8> {
    crate::fix::run_fix(facts, request)
}
