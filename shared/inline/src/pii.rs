//! Personal data in chat text: emails (also written `name at domain dot com`),
//! phone numbers (validated with libphonenumber's metadata, so scores, times,
//! prices and years are left alone), payment card numbers (Luhn) and IBANs
//! (mod-97). Each finding is a byte span of the original text.

use std::ops::Range;

/// What kind of personal data a span holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiKind {
    Email,
    Phone,
    Card,
    Iban,
}

impl PiiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::Card => "card",
            PiiKind::Iban => "iban",
        }
    }

    /// What others see instead.
    pub fn mask(self) -> &'static str {
        match self {
            PiiKind::Email => "[email]",
            PiiKind::Phone => "[phone]",
            PiiKind::Card => "[card]",
            PiiKind::Iban => "[iban]",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pii {
    pub kind: PiiKind,
    pub span: Range<usize>,
}

fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

/// `local@domain.tld`.
fn plain_emails(text: &str, out: &mut Vec<Pii>) {
    for (at, _) in text.match_indices('@') {
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_local_char(*c))
            .last()
            .map(|(i, _)| i);
        let end = text[at + 1..]
            .char_indices()
            .take_while(|(_, c)| is_domain_char(*c))
            .last()
            .map(|(i, c)| at + 1 + i + c.len_utf8());
        if let (Some(start), Some(mut end)) = (start, end) {
            while text[..end].ends_with('.') || text[..end].ends_with('-') {
                end -= 1;
            }
            let domain = &text[at + 1..end];
            let tld_ok = domain.rsplit_once('.').is_some_and(|(host, tld)| {
                !host.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
            });
            if tld_ok && at > start {
                out.push(Pii {
                    kind: PiiKind::Email,
                    span: start..end,
                });
            }
        }
    }
}

/// `name at domain dot com`, `name (at) domain [dot] com`, `name AT domain DOT co DOT uk`.
fn spelled_emails(text: &str, out: &mut Vec<Pii>) {
    const TLDS: [&str; 16] = [
        "com", "org", "net", "io", "co", "uk", "de", "fr", "es", "it", "nl", "info", "me", "us",
        "ca", "au",
    ];
    let words = word_spans(text);
    let bare = |w: &str| {
        w.trim_matches(|c: char| matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>'))
            .to_ascii_lowercase()
    };
    let label = |w: &str| -> Option<usize> {
        let trimmed = w.trim_end_matches(['.', ',', '!', '?', ';', ':', ')']);
        (!trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_alphanumeric()))
            .then_some(trimmed.len())
    };
    let mut i = 0;
    while i + 4 < words.len() {
        let (start, local) = words[i];
        let local_ok = local.len() >= 2 && local.chars().all(is_local_char);
        if local_ok && bare(words[i + 1].1) == "at" && words[i + 2].1.chars().all(is_domain_char) {
            let mut j = i + 3;
            let mut end = None;
            while j + 1 < words.len() && bare(words[j].1) == "dot" {
                let Some(len) = label(words[j + 1].1) else {
                    break;
                };
                end = Some((
                    words[j + 1].0 + len,
                    words[j + 1].1[..len].to_ascii_lowercase(),
                ));
                j += 2;
            }
            if let Some((end, last)) = end {
                if TLDS.contains(&last.as_str()) {
                    out.push(Pii {
                        kind: PiiKind::Email,
                        span: start..end,
                    });
                    i = j;
                    continue;
                }
            }
        }
        i += 1;
    }
}

/// Words: runs of non-whitespace, with their byte offsets.
fn word_spans(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// Runs of digits joined by the separators numbers are written with (space, `-`,
/// `.`, `/`, parentheses, a leading `+`), at most two separator characters in a row.
fn digit_runs(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let is_sep = |b: u8| matches!(b, b' ' | b'-' | b'.' | b'/' | b'(' | b')');
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let opens =
            matches!(bytes[i], b'+' | b'(') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if !bytes[i].is_ascii_digit() && !opens {
            i += 1;
            continue;
        }
        let start = i;
        let mut last_digit_end = i;
        let mut seps = 0;
        let mut j = if opens { i + 1 } else { i };
        while j < bytes.len() {
            if bytes[j].is_ascii_digit() {
                seps = 0;
                j += 1;
                last_digit_end = j;
            } else if is_sep(bytes[j]) && seps < 2 {
                seps += 1;
                j += 1;
            } else {
                break;
            }
        }
        if last_digit_end > start {
            runs.push(start..last_digit_end);
        }
        i = j.max(i + 1);
    }
    runs
}

fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The Luhn check of payment card numbers.
pub fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

fn phones_and_cards(text: &str, region: phonenumber::country::Id, out: &mut Vec<Pii>) {
    for run in digit_runs(text) {
        let raw = &text[run.clone()];
        let digits = digits_of(raw);
        if (13..=19).contains(&digits.len()) && luhn_ok(&digits) {
            out.push(Pii {
                kind: PiiKind::Card,
                span: run,
            });
            continue;
        }
        // A phone number has at least 7 digits; a time (19:45), score (2-1), price or
        // year has fewer, and the ones with more must still be valid numbers.
        if digits.len() < 7 || digits.len() > 15 {
            continue;
        }
        let default_region = if raw.starts_with('+') {
            None
        } else {
            Some(region)
        };
        if let Ok(number) = phonenumber::parse(default_region, raw) {
            if phonenumber::is_valid(&number) {
                out.push(Pii {
                    kind: PiiKind::Phone,
                    span: run,
                });
            }
        }
    }
}

/// The ISO 13616 mod-97 check.
pub fn iban_ok(compact: &str) -> bool {
    if compact.len() < 15 || compact.len() > 34 {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => return false,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

fn ibans(text: &str, out: &mut Vec<Pii>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 4 <= bytes.len() {
        let candidate = bytes[i].is_ascii_uppercase()
            && bytes[i + 1].is_ascii_uppercase()
            && bytes[i + 2].is_ascii_digit()
            && bytes[i + 3].is_ascii_digit()
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !candidate {
            i += 1;
            continue;
        }
        let mut compact = String::new();
        let mut end = i;
        let mut j = i;
        while j < bytes.len() && compact.len() < 34 {
            let b = bytes[j];
            if b.is_ascii_alphanumeric() {
                compact.push(b.to_ascii_uppercase() as char);
                j += 1;
                end = j;
                if compact.len() >= 15
                    && iban_ok(&compact)
                    && !bytes.get(j).is_some_and(u8::is_ascii_alphanumeric)
                {
                    break;
                }
            } else if b == b' ' && bytes.get(j + 1).is_some_and(u8::is_ascii_alphanumeric) {
                j += 1;
            } else {
                break;
            }
        }
        if iban_ok(&compact) {
            out.push(Pii {
                kind: PiiKind::Iban,
                span: i..end,
            });
            i = end;
        } else {
            i += 1;
        }
    }
}

/// Every finding, without overlaps (earlier and longer spans win).
pub fn find(text: &str, region: phonenumber::country::Id) -> Vec<Pii> {
    let mut found = Vec::new();
    plain_emails(text, &mut found);
    spelled_emails(text, &mut found);
    ibans(text, &mut found);
    phones_and_cards(text, region, &mut found);
    found.sort_by(|a, b| {
        a.span
            .start
            .cmp(&b.span.start)
            .then(b.span.end.cmp(&a.span.end))
    });
    let mut kept: Vec<Pii> = Vec::new();
    for f in found {
        if kept.last().is_none_or(|k| f.span.start >= k.span.end) {
            kept.push(f);
        }
    }
    kept
}

/// `text` with every finding replaced by its mask.
pub fn mask(text: &str, findings: &[Pii]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in findings {
        out.push_str(&text[at..f.span.start]);
        out.push_str(f.kind.mask());
        at = f.span.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<&'static str> {
        find(text, phonenumber::country::Id::US)
            .iter()
            .map(|f| f.kind.as_str())
            .collect()
    }

    #[test]
    fn emails_plain_and_spelled_out() {
        assert_eq!(kinds("mail me: ada.l+x@example.co.uk!"), ["email"]);
        assert_eq!(kinds("ada at example dot com"), ["email"]);
        assert_eq!(
            kinds("write ada (at) mail [dot] example [dot] org soon"),
            ["email"]
        );
        assert!(kinds("meet at the stadium dot").is_empty());
        assert!(kinds("the @ sign and @handles").is_empty());
    }

    #[test]
    fn phones_in_many_formats() {
        for text in [
            "call +44 20 7946 0958",
            "call (415) 555-2671",
            "415.555.2671 tonight",
            "+1-212-555-0123",
            "ring +33 6 12 34 56 78",
        ] {
            assert_eq!(kinds(text), ["phone"], "{text}");
        }
    }

    #[test]
    fn scores_times_prices_and_years_are_not_phones() {
        for text in [
            "2-1 at half time",
            "kick-off 19:45",
            "tickets $12.99",
            "since 2024",
            "score 3 - 2 - 1",
            "ranked 1 2 3",
            "1,000,000 views",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }

    #[test]
    fn cards_need_luhn_and_ibans_need_mod_97() {
        assert_eq!(kinds("card 4111 1111 1111 1111 exp"), ["card"]);
        assert!(kinds("card 4111 1111 1111 1112")
            .iter()
            .all(|k| *k != "card"));
        assert_eq!(kinds("iban GB82 WEST 1234 5698 7654 32 thanks"), ["iban"]);
        assert_eq!(kinds("DE89370400440532013000"), ["iban"]);
        assert!(kinds("GB82 WEST 1234 5698 7654 33").is_empty());
    }

    #[test]
    fn masking_replaces_spans() {
        let text = "ada@example.com or +44 20 7946 0958";
        let found = find(text, phonenumber::country::Id::US);
        assert_eq!(mask(text, &found), "[email] or [phone]");
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            /// Any text: findings lie within it on character boundaries, in order,
            /// without overlaps, and masking removes exactly them.
            #[test]
            fn findings_are_well_formed_spans(text in "\\PC{0,120}") {
                let found = find(&text, phonenumber::country::Id::US);
                let mut end = 0;
                for f in &found {
                    prop_assert!(f.span.start >= end && f.span.start < f.span.end);
                    prop_assert!(f.span.end <= text.len());
                    prop_assert!(text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end));
                    end = f.span.end;
                }
                let masked = mask(&text, &found);
                if found.is_empty() {
                    prop_assert_eq!(masked, text);
                }
            }

            /// An address or a card number, whatever chat surrounds it, is found
            /// and never survives masking.
            #[test]
            fn planted_personal_data_is_masked(
                before in "[a-z ]{0,30}",
                after in "[a-z ]{0,30}",
                local in "[a-z][a-z0-9.]{0,10}[a-z0-9]",
                domain in "[a-z]{2,10}",
                tld in prop_oneof![Just("com"), Just("org"), Just("de"), Just("io")],
            ) {
                let email = format!("{local}@{domain}.{tld}");
                let text = format!("{before} {email} {after}");
                let masked = mask(&text, &find(&text, phonenumber::country::Id::US));
                prop_assert!(!masked.contains(&email), "{} -> {}", text, masked);
                prop_assert!(masked.contains("[email]"));
                // A Visa test number with valid Luhn, split as people write it.
                let card = "4111 1111 1111 1111";
                let text = format!("{before} {card} {after}");
                let masked = mask(&text, &find(&text, phonenumber::country::Id::US));
                prop_assert!(!masked.contains(card), "{} -> {}", text, masked);
            }
        }
    }
}
