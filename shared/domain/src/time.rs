//! The one timestamp format of the wire protocol and the events: RFC 3339 UTC with
//! exactly three fractional digits, e.g. `2026-11-21T07:50:00.120Z`. A fixed width,
//! so the strings also sort as times.

/// Milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`. Years outside
/// 0000–9999 are clamped to that range, so the width never changes.
pub fn format_time(ms: i64) -> String {
    // 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.
    const MIN_MS: i64 = -62_167_219_200_000;
    const MAX_MS: i64 = 253_402_300_799_999;
    let ms = ms.clamp(MIN_MS, MAX_MS);
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (h, m, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

/// Serialises milliseconds since the epoch with [`format_time`].
pub fn serialize_time<S: serde::Serializer>(ms: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_time(*ms))
}

/// Deserialises what [`serialize_time`] writes.
pub fn deserialize_time<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<i64, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(deserializer)?;
    parse_time(&text).ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a time")))
}

/// The decimal number in `b[range]`, digits only.
fn digits(b: &[u8], range: std::ops::Range<usize>) -> Option<i64> {
    b.get(range)?.iter().try_fold(0i64, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

/// A UTC date (`2026-08-01`) as the millisecond its day starts; `None` for
/// anything else.
pub fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(b, 0..4)?, digits(b, 5..7)?, digits(b, 8..10)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400_000)
}

/// A UTC time as people write it in requests: `2026-12-03T20:45:00Z`, or with
/// milliseconds as [`format_time`] writes it; `None` for anything else.
pub fn parse_instant(text: &str) -> Option<i64> {
    match text.strip_suffix('Z') {
        Some(seconds) if text.len() == 20 => parse_time(&format!("{seconds}.000Z")),
        _ => parse_time(text),
    }
}

/// Reads back what [`format_time`] writes; `None` for anything else.
pub fn parse_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 24 {
        return None;
    }
    let shape_ok =
        b[10] == b'T' && b[13] == b':' && b[16] == b':' && b[19] == b'.' && b[23] == b'Z';
    if !shape_ok {
        return None;
    }
    let day_start = parse_date(text.get(..10)?)?;
    let (h, m, s, milli) = (
        digits(b, 11..13)?,
        digits(b, 14..16)?,
        digits(b, 17..19)?,
        digits(b, 20..23)?,
    );
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(day_start + h * 3_600_000 + m * 60_000 + s * 1000 + milli)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_instants_format_as_rfc3339_with_milliseconds() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(1_795_248_000_120), "2026-11-21T08:00:00.120Z");
        assert_eq!(format_time(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(format_time(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_time(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_time(i64::MIN), "0000-01-01T00:00:00.000Z");
        assert_eq!(
            parse_time("2026-11-21T08:00:00.120Z"),
            Some(1_795_248_000_120)
        );
        assert_eq!(parse_time("2026-02-29T00:00:00.000Z"), None);
        assert_eq!(parse_time("2026-11-21T08:00:00Z"), None);
        assert_eq!(
            parse_instant("2026-11-21T08:00:00Z"),
            Some(1_795_248_000_000)
        );
        assert_eq!(
            parse_instant("2026-11-21T08:00:00.120Z"),
            Some(1_795_248_000_120)
        );
        assert_eq!(parse_instant("2026-11-21T08:00Z"), None);
        assert_eq!(parse_instant("2026-11-21 08:00:00Z"), None);
        assert_eq!(parse_date("2026-08-01"), Some(1_785_542_400_000));
        // Dates come from settings documents: any text is answered, none panics.
        for bad in [
            "2026-é-01",
            "2é26-08-01",
            "2026-08-é",
            "2026-13-01",
            "+026-08-01",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(parse_time("2026-é-01T08:00:00.000Z"), None);
    }

    proptest! {
        #[test]
        fn format_and_parse_round_trip(ms in -62_167_219_200_000i64..=253_402_300_799_999) {
            let text = format_time(ms);
            prop_assert_eq!(text.len(), 24);
            prop_assert_eq!(parse_time(&text), Some(ms));
        }

        #[test]
        fn formatted_times_sort_as_times(a in 0i64..4_102_444_800_000, b in 0i64..4_102_444_800_000) {
            prop_assert_eq!(a.cmp(&b), format_time(a).cmp(&format_time(b)));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,30}") {
            let _ = parse_time(&text);
        }
    }
}
