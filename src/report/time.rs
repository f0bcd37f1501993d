//! RFC 3339 UTC timestamps without a date-time crate: the reports only ever need "now"
//! in UTC, which is days-since-epoch arithmetic (Howard Hinnant's `civil_from_days`).
use std::time::{SystemTime, UNIX_EPOCH};

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `t` as RFC 3339 UTC: `2026-11-27T18:00:00Z`, or with `micros`
/// `2021-02-03T10:41:32.446634Z` (leapp's `timeStamp`). Times before 1970 clamp to it.
pub fn rfc3339_utc(t: SystemTime, micros: bool) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (y, mo, day) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (h, mi, s) = (sod / 3600, sod % 3600 / 60, sod % 60);
    if micros {
        let us = d.subsec_micros();
        format!("{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{s:02}.{us:06}Z")
    } else {
        format!("{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, micros: u32) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros.into())
    }

    #[test]
    fn known_instants() {
        assert_eq!(rfc3339_utc(at(0, 0), false), "1970-01-01T00:00:00Z");
        // leapp's example timeStamp (date -u -d 2021-02-03T10:41:32Z +%s = 1612348892)
        assert_eq!(
            rfc3339_utc(at(1_612_348_892, 446_634), true),
            "2021-02-03T10:41:32.446634Z"
        );
        // leap day and the end of a century that is a leap year
        assert_eq!(
            rfc3339_utc(at(951_782_400, 0), false),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            rfc3339_utc(at(978_307_199, 0), false),
            "2000-12-31T23:59:59Z"
        );
        // 2100 is not a leap year: 2100-02-28 is followed by 2100-03-01
        assert_eq!(
            rfc3339_utc(at(4_107_542_400, 0), false),
            "2100-03-01T00:00:00Z"
        );
        assert_eq!(
            rfc3339_utc(at(1_800_000_000, 7), true),
            "2027-01-15T08:00:00.000007Z"
        );
    }

    #[test]
    fn matches_date_command() {
        // A second opinion from coreutils date(1) over many days.
        for secs in (0..4_000_000_000u64).step_by(86_400 * 997 + 3_607) {
            let ours = rfc3339_utc(at(secs, 0), false);
            let out = std::process::Command::new("date")
                .args(["-u", "-d", &format!("@{secs}"), "+%Y-%m-%dT%H:%M:%SZ"])
                .output()
                .expect("date(1) is needed by this test");
            assert_eq!(ours, String::from_utf8_lossy(&out.stdout).trim(), "{secs}");
        }
    }
}
