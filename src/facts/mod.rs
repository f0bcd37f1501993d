//! Facts about the inspected system: releases, the upgrade profile, installed Postfix,
//! instances and their parsed config files. Collected once; checks only read them.

/// Everything the checks may look at. Filled by `facts::collect`.
#[derive(Debug, Default)]
pub struct Facts {}
