//! Personal data in chat text: emails (also written `name at domain dot com`),
//! phone numbers (validated with libphonenumber's metadata, so scores, times,
//! prices and years are left alone), payment card numbers (Luhn), IBANs
//! (mod-97), street addresses and the names beside them. Each finding is a
//! byte span of the original text.

use std::ops::Range;
use std::str::FromStr;

use phonenumber::country::Id;

/// What kind of personal data a span holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiKind {
    Email,
    Phone,
    Card,
    Iban,
    Address,
    /// A person named as the holder of an account or the recipient of a
    /// parcel, beside their IBAN or address.
    Name,
}

impl PiiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::Card => "card",
            PiiKind::Iban => "iban",
            PiiKind::Address => "address",
            PiiKind::Name => "name",
        }
    }

    /// What others see instead.
    pub fn mask(self) -> &'static str {
        match self {
            PiiKind::Email => "[email]",
            PiiKind::Phone => "[phone]",
            PiiKind::Card => "[card]",
            PiiKind::Iban => "[iban]",
            PiiKind::Address => "[address]",
            PiiKind::Name => "[name]",
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
        // Where a run of `part` characters after the `@` ends, a last `.` or
        // `-` left out; `None` when there is none.
        let run_end = |part: fn(char) -> bool| {
            text[at + 1..]
                .char_indices()
                .take_while(|(_, c)| part(*c))
                .last()
                .map(|(i, c)| {
                    let run = &text[at + 1..at + 1 + i + c.len_utf8()];
                    at + 1 + run.trim_end_matches(['.', '-']).len()
                })
        };
        if let (Some(start), Some(end)) = (start, run_end(is_domain_char)) {
            let domain = &text[at + 1..end];
            let tld_ok = domain.rsplit_once('.').is_some_and(|(host, tld)| {
                !host.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
            });
            if tld_ok && at > start {
                out.push(Pii {
                    kind: PiiKind::Email,
                    span: start..end,
                });
            } else if at > start && backwards(&text[start..at]) {
                // Its local part, backwards, may hold what a domain may not
                // (`moc.liamtoh@0102_ordep`).
                if let Some(end) = run_end(is_local_char).filter(|&end| end > at + 1) {
                    out.push(Pii {
                        kind: PiiKind::Email,
                        span: start..end,
                    });
                }
            }
        }
    }
}

/// An address written backwards (`moc.liamg@88nedlog`, `golden88@gmail.com`):
/// what stands before the `@` is its domain from the end, a mail provider's
/// (`moc.liamg`, `ed.xmg`) — not a handle whose first word reads backwards as a
/// top-level domain (`evil.geniuses@worlds`, `ten.hag@out`).
fn backwards(domain: &str) -> bool {
    let mut labels = domain.split('.');
    let (Some(tld), Some(host)) = (labels.next(), labels.next()) else {
        return false;
    };
    let reversed = |s: &str| s.chars().rev().collect::<String>();
    let (tld, host) = (reversed(tld), reversed(host));
    (GENERIC_TLDS.contains(&tld.as_str())
        || tld.len() == 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
        && MAIL_PROVIDER_SET.has(&host)
}

/// The words written for `@` in an address, in the launch languages (`bei` and
/// `chez` only count between a local part and a domain that ends in a known
/// top-level domain, as every spelled form must). The names of the sign itself
/// (Spanish and Portuguese `arroba`, French `arobase`, Dutch `apenstaartje`,
/// German `Klammeraffe`) are strong: they mean nothing else.
const AT_WORDS: [&str; 15] = [
    "at",
    "ät",
    "arroba",
    "arobase",
    "arrobase",
    "arob",
    "apenstaartje",
    "apestaartje",
    "apestaart",
    "klammeraffe",
    "bei",
    "chez",
    // `at` in Spanish, Portuguese and Dutch: as weak as `bei`.
    "en",
    "em",
    "bij",
];
const AT_SIGN_NAMES: [&str; 8] = [
    "ät",
    "arroba",
    "arobase",
    "arrobase",
    "apenstaartje",
    "apestaartje",
    "apestaart",
    "klammeraffe",
];
/// The words written for `.`.
const DOT_WORDS: [&str; 7] = ["dot", "punkt", "punto", "ponto", "point", "punt", "dott"];
static AT_SET: WordSet = WordSet::new(&AT_WORDS);
static AT_SIGN_SET: WordSet = WordSet::new(&AT_SIGN_NAMES);
static DOT_SET: WordSet = WordSet::new(&DOT_WORDS);
/// Top-level domains a spelled address may end in: the generic ones people use,
/// and every two-letter country code (checked by shape).
const GENERIC_TLDS: [&str; 14] = [
    "com", "org", "net", "info", "biz", "edu", "gov", "io", "app", "dev", "live", "online", "xyz",
    "me",
];

/// Whether `word` is one of `list` (entries in lower case), ignoring case
/// without allocating for ASCII words.
pub(crate) fn one_of(word: &str, list: &[&str]) -> bool {
    if word.is_ascii() {
        list.iter().any(|w| w.eq_ignore_ascii_case(word))
    } else {
        let lower = word.to_lowercase();
        list.contains(&lower.as_str())
    }
}

/// A word list looked up as [`one_of`] looks it up, but in one hash lookup for
/// a word in ASCII (most of chat) instead of a scan of the list.
pub(crate) struct WordSet {
    list: &'static [&'static str],
    /// The list's ASCII entries in lower case, and the longest's length.
    lowered: std::sync::OnceLock<(rustc_hash::FxHashSet<Box<[u8]>>, usize)>,
}

/// Longest word [`ascii_lower`] lowers on the stack.
const WORD_SET_KEY_MAX: usize = 32;

/// `f` of `word` in lower case, lowered on the stack; `None` for a word not in
/// ASCII or longer than [`WORD_SET_KEY_MAX`].
fn ascii_lower<R>(word: &str, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    if !word.is_ascii() || word.len() > WORD_SET_KEY_MAX {
        return None;
    }
    let mut key = [0u8; WORD_SET_KEY_MAX];
    let key = &mut key[..word.len()];
    key.copy_from_slice(word.as_bytes());
    key.make_ascii_lowercase();
    Some(f(key))
}

impl WordSet {
    pub(crate) const fn new(list: &'static [&'static str]) -> Self {
        Self {
            list,
            lowered: std::sync::OnceLock::new(),
        }
    }

    /// `one_of(word, list)`.
    pub(crate) fn has(&self, word: &str) -> bool {
        let (set, longest) = self.lowered.get_or_init(|| {
            let set: rustc_hash::FxHashSet<Box<[u8]>> = self
                .list
                .iter()
                .filter(|w| w.is_ascii())
                .map(|w| w.to_ascii_lowercase().into_bytes().into())
                .collect();
            let longest = set.iter().map(|w| w.len()).max().unwrap_or(0);
            (set, longest)
        });
        if word.is_ascii() && word.len() > *longest {
            return false;
        }
        ascii_lower(word, |key| set.contains(key)).unwrap_or_else(|| one_of(word, self.list))
    }
}

/// [`one_of`] (as a [`WordSet`]), with digits written for letters undone
/// (`arr0ba`, `punt0`).
fn one_of_leet(word: &str, list: &WordSet) -> bool {
    if list.has(word) {
        return true;
    }
    if !word.bytes().any(|b| b.is_ascii_digit()) || !word.bytes().any(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let plain: String = word
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'i',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            c => c,
        })
        .collect();
    list.has(&plain)
}

/// What an address word is: an at (strong when it names the sign), a dot, or a
/// label.
fn word_part(word: &str) -> Part {
    if one_of_leet(word, &AT_SET) {
        Part::At {
            strong: one_of_leet(word, &AT_SIGN_SET),
        }
    } else if one_of_leet(word, &DOT_SET) {
        Part::Dot { spelled: true }
    } else {
        Part::Label
    }
}

/// A piece of an address as written: a label (`ada`, `gmail`), an `@` (the sign
/// or a word for it, bracketed or not), or a `.` (likewise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Label,
    /// `strong`: `@`, a bracketed word, `arroba`, `arobase` — unlike a bare `at`,
    /// `bei` or `chez`, which are everyday words (`the score at espn.com`).
    At {
        strong: bool,
    },
    /// `spelled`: a word or a bracketed word, not the sign.
    Dot {
        spelled: bool,
    },
    /// Symbols or emoji standing for an at or a dot (`ana 📧 gmail ⚫ com`,
    /// `bram 🐒 hotmail 🔹 nl`): an at only before a mail provider, a dot only
    /// inside a domain.
    Symbol,
}

/// Mail providers people name in chat: a bare `at` before one of them is an
/// address even with the dots written as signs (`ana at gmail.com`).
const MAIL_PROVIDERS: [&str; 25] = [
    "gmail",
    "googlemail",
    "yahoo",
    "hotmail",
    "outlook",
    "live",
    "icloud",
    "me",
    "aol",
    "proton",
    "protonmail",
    "gmx",
    "web",
    "t-online",
    "orange",
    "free",
    "laposte",
    "wanadoo",
    "skynet",
    "telenet",
    "ziggo",
    "kpnmail",
    "bluewin",
    "sapo",
    "uol",
];
static MAIL_PROVIDER_SET: WordSet = WordSet::new(&MAIL_PROVIDERS);

/// Providers whose names are everyday words (`at me`, `live`, `free`, `web`,
/// `orange`, Portuguese `sapo`, a toad), with the top-level domains their
/// addresses have: written with the dot left out (`ana at gmx de`), one of them
/// must follow, or "they laughed at me so hard" and "eso 🤡 me lo creo" would
/// read as addresses.
const WORD_PROVIDER_DOMAINS: [(&str, &[&str]); 7] = [
    ("me", &["com"]),
    (
        "live",
        &[
            "com", "nl", "fr", "de", "be", "co", "ca", "at", "it", "ie", "es", "se", "dk", "no",
            "fi", "cl", "pt", "mx", "ar", "ch",
        ],
    ),
    ("web", &["de"]),
    ("free", &["fr"]),
    ("orange", &["fr", "es"]),
    ("sapo", &["pt"]),
    ("proton", &["me"]),
];

/// Whether `tld` may end an address at `provider` written with the dot left
/// out (`becca at gmail com`): any top-level domain for a provider with a name
/// of its own; for a provider named by an everyday word, one of its own, and
/// after an emoji only a mail's (`rita 📧 sapo pt`; not "ajuda 🙏 me com essa
/// fase", "bora 🔴 live de CS").
fn left_out_dot_tld(provider: &str, tld: &str, emoji_at: bool) -> bool {
    let provider = provider.replace(' ', "");
    match WORD_PROVIDER_DOMAINS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&provider))
    {
        Some((_, domains)) => !emoji_at && one_of(&tld.replace(' ', ""), domains),
        None => is_tld(tld),
    }
}

/// At signs of other scripts and emoji of mail, which stand for an at whatever
/// follows (`rita ＠ sapo pt`, `rita 📧 sapo pt`).
const MAIL_EMOJI: [char; 11] = [
    '＠', '﹫', '📧', '✉', '📩', '📨', '💌', '📬', '📮', '📫', '📪',
];

/// A symbol or emoji that may stand for an at or a dot: not a letter, digit,
/// space or ASCII punctuation.
fn is_disguise(c: char) -> bool {
    !c.is_alphanumeric()
        && !c.is_whitespace()
        && !c.is_ascii()
        && !matches!(c, '–' | '—' | '…' | '«' | '»' | '¿' | '¡' | '·')
}

/// A word wrapped to hide it at byte `i`: brackets (`(at)`, `[ dot ]`, `{arroba}`,
/// `<punkt>`, also `(a)` and `(.)`), or the same mark on both sides (`~at~`,
/// `'at'`, `"dot"`, `-ät-`, `*at*`). The part it stands for (`None`: another
/// word in brackets, which ends a run) and where it ends; `None` when nothing
/// wrapped starts there.
fn wrapped_word(text: &str, i: usize) -> Option<(Option<Part>, usize)> {
    let opener = text[i..].chars().next()?;
    let closer = match opener {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        '~' | '\'' | '"' | '-' | '*' => opener,
        _ => return None,
    };
    let bracket = opener != closer;
    let mut j = i + 1;
    let rest = |j: usize| text[j..].chars().next();
    while rest(j) == Some(' ') && bracket {
        j += 1;
    }
    let word_start = j;
    if rest(j) == Some('.') {
        j += 1;
    } else {
        while let Some(c) = rest(j).filter(|c| c.is_alphanumeric()) {
            j += c.len_utf8();
        }
    }
    let word = &text[word_start..j];
    while rest(j) == Some(' ') && bracket {
        j += 1;
    }
    if word.is_empty() || rest(j) != Some(closer) {
        return None;
    }
    let end = j + closer.len_utf8();
    let part = if word == "." {
        Some(Part::Dot { spelled: true })
    } else if word.eq_ignore_ascii_case("a") && bracket {
        Some(Part::At { strong: true })
    } else {
        match word_part(word) {
            Part::At { .. } => Some(Part::At { strong: true }),
            Part::Dot { .. } => Some(Part::Dot { spelled: true }),
            _ => None,
        }
    };
    // Quotes, tildes and dashes around another word are no brackets: not a part.
    if part.is_none() && !bracket {
        return None;
    }
    Some((part, end))
}

/// The mail providers that are everyday words too: a line naming one is not cut
/// into address parts for it (the others make it worth a look).
const EVERYDAY_PROVIDERS: [&str; 5] = ["me", "web", "live", "free", "orange"];

/// The words that make a line worth cutting into address parts: the words for
/// the at but `en`, `em` and `bij`, the words for the dot, and the mail providers
/// but [`EVERYDAY_PROVIDERS`] (by their last part: `t-online` as `online`, as a
/// line's words are split at hyphens).
fn gate_words() -> &'static rustc_hash::FxHashSet<&'static [u8]> {
    static WORDS: std::sync::OnceLock<rustc_hash::FxHashSet<&'static [u8]>> =
        std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        AT_WORDS[..AT_WORDS.len() - 3]
            .iter()
            .chain(DOT_WORDS.iter())
            .copied()
            .chain(
                MAIL_PROVIDERS
                    .iter()
                    .filter(|p| !EVERYDAY_PROVIDERS.contains(p))
                    .filter_map(|p| p.rsplit('-').next()),
            )
            .map(str::as_bytes)
            .collect()
    })
}

/// The text cut into address parts with their byte spans; anything else ends a
/// run (`None`). Bracketed words — `(at)`, `[dot]`, `{arroba}`, `<punkt>` — and a
/// word between two brackets split by spaces — `( at )` — are one part; letters
/// spaced out (`k e v i n`) are one label.
fn address_parts(text: &str) -> Vec<Option<(Part, Range<usize>)>> {
    let is_label = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '%' | '+' | '-');
    let bytes = text.as_bytes();
    let mut parts: Vec<Option<(Part, Range<usize>)>> = Vec::new();
    let mut i = 0;
    let open = |b: u8| matches!(b, b'(' | b'[' | b'{' | b'<');
    while i < bytes.len() {
        let b = bytes[i];
        if b == b' ' || b == b'\t' {
            i += 1;
            continue;
        }
        if b == b'@' {
            parts.push(Some((Part::At { strong: true }, i..i + 1)));
            i += 1;
            continue;
        }
        if b == b'.' {
            // A sentence's full stop (`at Anfield. It was`) is no dot of an
            // address: a dot has no space after it, or spaces on both sides.
            let before = i > 0 && bytes[i - 1] == b' ';
            let after = bytes.get(i + 1) == Some(&b' ');
            parts.push((!after || before).then(|| (Part::Dot { spelled: false }, i..i + 1)));
            i += 1;
            continue;
        }
        // A wrapped word: `(at)`, `[ dot ]`, `(a)`, `(.)`, `[ät]`, `~at~`, `'at'`,
        // `-punkt-`.
        if let Some((part, end)) = wrapped_word(text, i) {
            parts.push(part.map(|p| (p, i..end)));
            i = end;
            continue;
        }
        if open(b) {
            parts.push(None);
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        // A dash standing alone between the parts (`nacho - arroba - proton`).
        if matches!(c, '-' | '–' | '—')
            && (i == 0 || bytes[i - 1] == b' ')
            && text[i + c.len_utf8()..].starts_with(' ')
        {
            i += c.len_utf8();
            continue;
        }
        // Symbols and emoji (a run of them): maybe an at or a dot in disguise.
        if is_disguise(c) {
            let mut j = i;
            while let Some(d) = text[j..].chars().next().filter(|d| is_disguise(*d)) {
                j += d.len_utf8();
            }
            parts.push(Some((Part::Symbol, i..j)));
            i = j;
            continue;
        }
        if !is_label(c) {
            // A word with letters outside ASCII is no label, but may be an at or a
            // dot (`ät`).
            let mut j = i;
            while let Some(d) = text[j..].chars().next().filter(|d| d.is_alphanumeric()) {
                j += d.len_utf8();
            }
            let part = (j > i)
                .then(|| word_part(&text[i..j]))
                .filter(|p| *p != Part::Label);
            parts.push(part.map(|p| (p, i..j)));
            i = j.max(i + c.len_utf8());
            continue;
        }
        let mut j = i;
        while j < bytes.len() && is_label(bytes[j] as char) {
            j += 1;
        }
        // Not a label when glued to other letters (`café`, `naïve`).
        if text[j..].chars().next().is_some_and(char::is_alphanumeric) {
            let mut k = j;
            while let Some(c) = text[k..].chars().next().filter(|c| !c.is_whitespace()) {
                k += c.len_utf8();
            }
            parts.push(None);
            i = k;
            continue;
        }
        let word = &text[i..j];
        // Words joined by hyphens, some of them an at or a dot
        // (`tom-dot-reeves-at-protonmail-dot-com`): one part each.
        if word.contains('-') && word.split('-').any(|w| word_part(w) != Part::Label) {
            let mut at = i;
            for piece in word.split('-') {
                if !piece.is_empty() {
                    parts.push(Some((word_part(piece), at..at + piece.len())));
                }
                at += piece.len() + 1;
            }
            i = j;
            continue;
        }
        parts.push(Some((word_part(word), i..j)));
        i = j;
    }
    // Letters spaced out, `k e v i n`: one-character labels one space apart are
    // one label.
    let mut merged: Vec<Option<(Part, Range<usize>)>> = Vec::with_capacity(parts.len());
    for part in parts {
        if let (Some(Some((Part::Label, last))), Some((Part::Label, span))) =
            (merged.last_mut(), &part)
        {
            let spaced = text[last.start..last.end]
                .bytes()
                .enumerate()
                .all(|(n, b)| (n % 2 == 1) == (b == b' '));
            if span.len() == 1 && span.start == last.end + 1 && spaced {
                last.end = span.end;
                continue;
            }
        }
        merged.push(part);
    }
    merged
}

/// Where the top-level domain in `label` ends: all of it, or — spaced out and
/// run into the next letters (`d e y` of `@ g m x . d e y`) — its first two or
/// three letters.
fn tld_end(text: &str, label: Range<usize>) -> Option<usize> {
    let t = &text[label.clone()];
    if is_tld(t) {
        return Some(label.end);
    }
    if t.contains(' ') {
        for letters in [3, 2] {
            let len = 2 * letters - 1;
            if t.len() > len && is_tld(&t[..len]) {
                return Some(label.start + len);
            }
        }
    }
    None
}

fn is_tld(label: &str) -> bool {
    let label = label.to_ascii_lowercase();
    let label = label.replace(' ', "");
    GENERIC_TLDS.contains(&label.as_str())
        || (label.len() == 2 && label.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Addresses written around the filters: `ana (at) mail (dot) com`, `ana arroba
/// gmail punto com`, `ana.silva [at] web [punkt] de`, `k e v i n @ g m x . d e`,
/// `ana @ outlook . com . br`: labels joined by dots (signs or words), one at, and
/// a domain of two labels or more ending in a known top-level domain.
fn spelled_emails(text: &str, out: &mut Vec<Pii>) {
    // Most lines have no at of any kind, nor a mail provider for a symbol to
    // stand before: nothing to cut up. (`en`, `em` and `bij` are too common to
    // look further for; an address with them names its provider, and so do the
    // ones with symbols for signs.) One pass over the words, one lookup each.
    let ascii = text.is_ascii();
    let gate_word = |w: &str| {
        ascii_lower(w, |key| gate_words().contains(key))
            .unwrap_or_else(|| gate_words().contains(lower_key(w).as_bytes()))
    };
    let worth_a_look = text.contains('@')
        || text.bytes().any(|b| matches!(b, b'(' | b'[' | b'{' | b'<'))
            && ["(a)", "[a]", "{a}", "<a>", "( a )", "[ a ]"]
                .iter()
                .any(|a| text.contains(a))
        || text.split(|c: char| !c.is_alphanumeric()).any(|w| {
            !w.is_empty()
                && w.len() <= 12
                && (gate_word(w)
                    || w.bytes().any(|b| b.is_ascii_digit()) && one_of_leet(w, &AT_SET))
        })
        // Symbols for the signs beside any provider (`mila 📧 web ⚫ de`); a
        // disguise is never ASCII.
        || !ascii && text.chars().any(is_disguise) && {
            text.split(|c: char| !c.is_alphanumeric() && c != '-')
                .any(|w| !w.is_empty() && w.len() <= 12 && MAIL_PROVIDER_SET.has(w))
        };
    if !worth_a_look {
        return;
    }
    let parts = address_parts(text);
    let kind = |i: usize| parts.get(i).and_then(|p| p.as_ref().map(|(k, _)| *k));
    let is = |i: usize, want: fn(Part) -> bool| kind(i).is_some_and(want);
    let label = |p: Part| p == Part::Label;
    let dot = |p: Part| matches!(p, Part::Dot { .. });
    let span = |i: usize| {
        parts
            .get(i)
            .and_then(|p| p.as_ref().map(|(_, r)| r.clone()))
            .unwrap_or(0..0)
    };
    let provider_at = |i: usize| {
        parts.get(i).and_then(|p| p.as_ref()).is_some_and(|(k, r)| {
            *k == Part::Label && MAIL_PROVIDER_SET.has(&text[r.clone()].replace(' ', ""))
        })
    };
    let mut i = 1;
    while i < parts.len() {
        let strong = match kind(i) {
            Some(Part::At { strong }) => strong,
            // A symbol is an at only before a mail provider.
            Some(Part::Symbol) if provider_at(i + 1) => false,
            _ => {
                i += 1;
                continue;
            }
        };
        if !is(i - 1, label) {
            i += 1;
            continue;
        }
        // The local part: labels joined by dots, back from the at.
        let mut first = i - 1;
        while first >= 2 && is(first - 1, dot) && is(first - 2, label) {
            first -= 2;
        }
        // An emoji other than a mail's for the at (`ajuda 🙏 me com`).
        let emoji_at = kind(i) == Some(Part::Symbol) && !text[span(i)].contains(MAIL_EMOJI);
        // The domain: label (dot label)+, the last a top-level domain.
        let mut j = i + 1;
        let (mut last, mut labels, mut spelled_dot) = (None, 0, false);
        let dot_or_symbol = |p: Part| matches!(p, Part::Dot { .. } | Part::Symbol);
        // Austria's top-level domain reads as the word `at` (`gmx punkt at`).
        let domain_label = |k: usize| {
            is(k, label)
                || k > i + 1
                    && kind(k) == Some(Part::At { strong: false })
                    && text[span(k)].eq_ignore_ascii_case("at")
        };
        while domain_label(j) {
            labels += 1;
            last = Some(j);
            if is(j + 1, dot_or_symbol) && domain_label(j + 2) {
                spelled_dot |= kind(j + 1) == Some(Part::Dot { spelled: true });
                j += 2;
            } else if provider_at(j)
                && is(j + 1, label)
                && left_out_dot_tld(&text[span(j)], &text[span(j + 1)], emoji_at)
            {
                // A provider and its top-level domain with the dot left out
                // (`becca at gmail com`).
                spelled_dot = true;
                j += 1;
            } else {
                break;
            }
        }
        let local = &text[span(first).start..span(i - 1).end];
        let provider = provider_at(i + 1);
        let handle = local.contains(|c: char| c.is_ascii_digit() || matches!(c, '.' | '_'));
        let tld = last.map(|l| text[span(l)].replace(' ', "").to_ascii_lowercase());
        let generic = tld.as_deref().is_some_and(|t| GENERIC_TLDS.contains(&t));
        // A bare `at` makes an address only with a known provider, a local part
        // no word has (`ana.silva`, `tb77`, `marie_schulz`), or a spelled dot
        // before a generic top-level domain (`ada at example dot com`) — not
        // "at that point in the game", "bei diesem Punkt so".
        let sure = strong || provider || handle || spelled_dot && generic;
        match last.and_then(|l| tld_end(text, span(l)).map(|end| (l, end))) {
            Some((last, end)) if labels >= 2 && sure => {
                out.push(Pii {
                    kind: PiiKind::Email,
                    span: span(first).start..end,
                });
                i = last + 1;
            }
            _ => i += 1,
        }
    }
}

/// Runs of digits joined by the separators numbers are written with (space, `-`,
/// `.`, `/`, parentheses, a leading `+`, and symbols or emoji put between groups
/// to dodge filters: `06 24 💥 81`), at most three separator characters in a row
/// (`0151 - 4402`). The marks that make a digit a keycap emoji (`0️⃣6️⃣`) are
/// part of the digit.
fn digit_runs(text: &str) -> Vec<Range<usize>> {
    let is_sep = |c: char| {
        matches!(c, ' ' | '-' | '.' | '/' | '(' | ')')
            || !c.is_alphanumeric()
                && !c.is_whitespace()
                && !c.is_ascii_punctuation()
                && !matches!(c, '\u{fe0f}' | '\u{20e3}')
    };
    let keycap = |c: char| matches!(c, '\u{fe0f}' | '\u{20e3}');
    let mut runs = Vec::new();
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return runs;
    }
    let char_at = |i: usize| text.get(i..).and_then(|r| r.chars().next());
    let mut i = 0;
    while let Some(c) = char_at(i) {
        let opens = matches!(c, '+' | '(') && char_at(i + 1).is_some_and(|d| d.is_ascii_digit());
        if !c.is_ascii_digit() && !opens {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let mut last_digit_end = i;
        let mut seps = 0;
        let mut j = if opens { i + 1 } else { i };
        while let Some(d) = char_at(j) {
            if d.is_ascii_digit() {
                seps = 0;
                j += 1;
                last_digit_end = j;
            } else if keycap(d) && seps == 0 && last_digit_end > start {
                j += d.len_utf8();
                last_digit_end = j;
            } else if is_sep(d) && seps < 3 {
                seps += 1;
                j += d.len_utf8();
            } else {
                break;
            }
        }
        if last_digit_end > start {
            runs.push(start..last_digit_end);
        }
        i = j.max(i + c.len_utf8());
    }
    runs
}

fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Whether a number that passes Luhn may be a card: any grouping but an
/// online shop's order number (3-7-7, `302-8841736-2291045`), which passes Luhn
/// one time in ten.
fn card_grouping(raw: &str) -> bool {
    let groups: Vec<usize> = raw
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(str::len)
        .collect();
    groups != [3, 7, 7]
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

/// Whether digits are a book's number: 13 beginning 978 or 979 (ISBN-13, an
/// EAN). Of the card schemes only Visa issued 13 digits, all beginning 4.
fn isbn13(digits: &str) -> bool {
    digits.len() == 13 && (digits.starts_with("978") || digits.starts_with("979"))
}

fn phones_and_cards(text: &str, regions: &[Id], out: &mut Vec<Pii>) {
    let taken = out.len();
    for run in digit_runs(text) {
        // Digits already inside an address or an IBAN are not read again.
        if out[..taken]
            .iter()
            .any(|f| f.span.start < run.end && run.start < f.span.end)
        {
            continue;
        }
        let raw = &text[run.clone()];
        // Digits with letters right against both ends are a code (`NL837261945BR`).
        // Digits between a code's prefix and letters are a code (`NL837261945BR`).
        if code_prefix(&text[..run.start])
            && text[run.end..]
                .chars()
                .next()
                .is_some_and(char::is_alphabetic)
        {
            continue;
        }
        let digits = digits_of(raw);
        if isbn13(&digits) {
            continue;
        }
        if (13..=19).contains(&digits.len())
            && luhn_ok(&digits)
            && card_grouping(raw)
            && !raw.starts_with('+')
        {
            out.push(Pii {
                kind: PiiKind::Card,
                span: run,
            });
            continue;
        }
        if is_phone(raw, &digits, regions) && !labelled_identifier(text, &run) && !draw(text, &run)
        {
            out.push(Pii {
                kind: PiiKind::Phone,
                span: run,
            });
        }
    }
}

/// Nouns that label a number as an identifier of a thing, in the launch
/// languages: an order, a ticket, a match, a parcel (`order #40018823`,
/// `bestelnummer 5821047733`, `ID du match : 5882019347`). `number` and its
/// translations are not among them: `my number 0612…` is a phone.
const IDENTIFIER_LABELS: &[&str] = &[
    "id",
    "ids",
    "order",
    "ordernummer",
    "bestelnummer",
    "bestellnummer",
    "bestellung",
    "auftragsnummer",
    "kundennummer",
    "commande",
    "pedido",
    "encomenda",
    "ticket",
    "ticketnummer",
    "seat",
    "booking",
    "boeking",
    "reservation",
    "réservation",
    "reserva",
    "reservierung",
    "tracking",
    "trackingnummer",
    "sendungsnummer",
    "suivi",
    "colis",
    "ref",
    "reference",
    "référence",
    "referencia",
    "referência",
    "referentie",
    "invoice",
    "factura",
    "fatura",
    "factuur",
    "rechnung",
    "facture",
    "transaction",
    "tx",
    "hash",
    "serial",
    "bestelling",
    "pedidos",
    "artikel",
    "article",
    "artículo",
    "sku",
    "ingresso",
    "bilhete",
    "boleto",
    "billet",
    "eintrittskarte",
    "kaartje",
    "entrada",
    "entradas",
    "isbn",
    "issn",
    "réf",
    "kavel",
    "slip",
    "betslip",
    "schein",
    "wettschein",
    "tippschein",
    "boletim",
    "cupón",
    "cupom",
    "wedbon",
    "bonnetje",
    "kassabon",
    "kassenbon",
    "receipt",
    "quittung",
    "talão",
    "seguimiento",
    "rastreio",
    "rastreamento",
    "aktenzeichen",
    "causa",
    "expediente",
    "processo",
    "proceso",
    "docket",
];

/// Games whose draws chat reads out (`Lotto: 3 11 19 27 36 44`, `bingo! 7 11 23
/// 42 68`, `la primitiva: 5 12 33 41 49`), lower case.
const DRAW_GAMES: [&str; 22] = [
    "bingo",
    "lotto",
    "loto",
    "lottery",
    "lotería",
    "loteria",
    "lotaria",
    "loterij",
    "staatsloterij",
    "lottozahlen",
    "primitiva",
    "bonoloto",
    "euromillions",
    "euromillones",
    "euromilhões",
    "euromillionen",
    "megasena",
    "mega-sena",
    "quina",
    "lotofácil",
    "keno",
    "powerball",
];

/// Words that ask for a call or give a number: a line with one is no draw's.
const CALL_WORDS: [&str; 24] = [
    "call", "text", "phone", "mobile", "number", "ring", "llámame", "llama", "móvil", "movil",
    "número", "numero", "liga", "ligue", "appelle", "appelez", "portable", "ruf", "anrufen",
    "handy", "nummer", "bel", "whatsapp", "tel",
];

/// Whether the digits of `run` are a draw's numbers: five to seven numbers of
/// one or two digits, each higher than the last — the first with no leading
/// zero in five of them (`06 12 34 56 78` is a French phone number however it
/// rises) — after a draw's game named at most four words before them
/// ([`DRAW_GAMES`]), in a line that asks for no call ([`CALL_WORDS`]).
fn draw(text: &str, run: &Range<usize>) -> bool {
    fn words(t: &str) -> Vec<&str> {
        t.split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| !w.is_empty())
            .collect()
    }
    let groups: Vec<&str> = text[run.clone()]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let numbers: Vec<u32> = groups
        .iter()
        .filter(|g| g.len() <= 2)
        .filter_map(|g| g.parse().ok())
        .collect();
    (5..=7).contains(&numbers.len())
        && numbers.len() == groups.len()
        && !(numbers.len() == 5 && groups[0].starts_with('0'))
        && numbers.windows(2).all(|w| w[0] < w[1])
        && words(&text[..run.start])
            .iter()
            .rev()
            .take(4)
            .any(|w| one_of(w, &DRAW_GAMES))
        && !words(text).iter().any(|w| one_of(w, &CALL_WORDS))
}

/// A compound naming the number of a thing (`factuurnummer`,
/// `Rechnungsnummer`, `klantnummer`, `bestellnr`), not of a phone
/// (`telefoonnummer`, `Handynummer`, `gsm-nummer`, `telnr`), maybe written
/// with a dash (`Los-Nr.`, `bon-nummer`).
fn numbered_thing(word: &str) -> bool {
    const THINGS: [&str; 27] = [
        "bestel",
        "bestell",
        "factuur",
        "rechnungs",
        "klant",
        "kunden",
        "order",
        "auftrags",
        "ticket",
        "tracking",
        "sendungs",
        "referentie",
        "referenz",
        "dossier",
        "artikel",
        "boekings",
        "buchungs",
        "lid",
        "mitglieds",
        "vertrags",
        "polis",
        "versicherungs",
        "serien",
        "zaak",
        "parket",
        "los",
        "bon",
    ];
    ["nummer", "nr"]
        .iter()
        .filter_map(|suffix| word.strip_suffix(suffix))
        .map(|thing| thing.strip_suffix('-').unwrap_or(thing))
        .any(|thing| THINGS.contains(&thing))
}

/// Abbreviations of phones and messengers that may stand right before a number
/// (`tel0612…`, `WA-0612…`): no code's prefix.
const PHONE_PREFIXES: [&str; 10] = [
    "tel", "mob", "wa", "gsm", "cel", "ph", "fon", "tlf", "nr", "no",
];

/// Whether `before` ends with a code's prefix (maybe and a dash): two letters
/// and digits or more with a capital among them (`BR`, `INV`, `6A`), not a
/// phone's abbreviation.
fn code_prefix(before: &str) -> bool {
    let before = before.strip_suffix('-').unwrap_or(before);
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric())
        .last()
        .map_or(before.len(), |(i, _)| i);
    let prefix = &before[start..];
    prefix.len() >= 2
        && prefix.bytes().any(|b| b.is_ascii_uppercase())
        && !PHONE_PREFIXES
            .iter()
            .any(|p| prefix.eq_ignore_ascii_case(p))
}

/// Marks that stand for `number` before an identifier (`#`, `n°`, `nr.`, `no.`).
const NUMBER_MARKS: &[&str] = &["#", "n°", "nº", "no", "nr", "n", "num", "núm", "nro"];

/// Small words between a label and its number (`the match id is`, `el id de la
/// partida es`, `ID du match`).
const LABEL_LINKS: &[&str] = &[
    "is",
    "was",
    "es",
    "era",
    "é",
    "est",
    "ist",
    "war",
    "the",
    "my",
    "of",
    "de",
    "du",
    "da",
    "do",
    "la",
    "le",
    "el",
    "van",
    "der",
    "des",
    "het",
    "die",
    "das",
    "mijn",
    "mon",
    "ma",
    "mi",
    "meu",
    "minha",
    "mein",
    "meine",
    "our",
    "onze",
    // What an identifier is of (`ID du match`, `the match id`): not labels alone,
    // since `call me after the match: 0612…` is a phone.
    "match",
    "game",
    "partida",
    "partido",
    "jogo",
    "wedstrijd",
    "spiel",
    "lobby",
    "server",
    "replay",
    "demo",
    "bet",
    "lot",
    "lote",
    "aposta",
    "apuesta",
    "pari",
    "wette",
    "weddenschap",
];

/// Whether the digits of `run` are labelled as an identifier rather than a
/// phone: an [`IDENTIFIER_LABELS`] word before them, up to five words back
/// (`match id 77…`, `ID du match : 58…`, `commande n° 10…`), `#` right
/// against them, a code's capitals right before digits in one piece
/// (`BR20458833`), or a code of capitals and digits glued to them (`4F8 327…`).
/// A number written internationally (`+…`, `00…`) is never one.
fn labelled_identifier(text: &str, run: &Range<usize>) -> bool {
    let start = run.start;
    let rest = &text[start..];
    if rest.starts_with('+') || rest.starts_with("00") {
        return false;
    }
    let before = &text[..start];
    // A code's prefix right before the digits, or before a dash (`BR20458833`,
    // `INV-2024-00318`, `6A20938475112`), the digits written in one piece:
    // `(0xx11) 97321-0088` is an area code and a number.
    let one_piece =
        !text[run.clone()].contains(|c: char| c.is_whitespace() || matches!(c, '(' | ')'));
    if one_piece && code_prefix(before) {
        return true;
    }
    // Digits glued to a code of capitals and digits (`1Z 4F8 327 03 9165`): the
    // rest of a parcel or case code. Not a trunk code (`(0XX11) 97321-0088`),
    // nor digits that start as a national number does (`1A06 12 34 56 78`).
    let glued: String = before
        .chars()
        .rev()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let trunk = glued.ends_with('0');
    if !trunk
        && !rest.starts_with('0')
        && glued.bytes().any(|b| b.is_ascii_uppercase())
        && glued.bytes().any(|b| b.is_ascii_digit())
    {
        return true;
    }
    // The words before, punctuation around them dropped (`id:`, `(order`): a
    // label, maybe with marks and small words between (`commande n°`, `el id de
    // la partida es`).
    let words = before
        .split(|c: char| c.is_whitespace() || matches!(c, ':' | '(' | ')' | '[' | ']' | ','))
        .filter(|w| !w.is_empty())
        .rev()
        .take(5);
    for word in words {
        let w = word
            .trim_matches(|c: char| matches!(c, '.' | ':' | '-' | '#' | '=' | '\'' | '"'))
            .to_lowercase();
        let label = IDENTIFIER_LABELS.contains(&w.as_str())
            || w.rsplit_once('-')
                .is_some_and(|(_, last)| IDENTIFIER_LABELS.contains(&last))
            || numbered_thing(&w);
        if label {
            return true;
        }
        // A series in capitals before the number (`fatura FT 2024/1187`).
        let bare = word.trim_matches(|c: char| matches!(c, '.' | ':' | '-' | '#' | '='));
        let series = (1..=4).contains(&bare.len()) && bare.bytes().all(|b| b.is_ascii_uppercase());
        if !(w.is_empty()
            || series
            || NUMBER_MARKS.contains(&w.as_str())
            || LABEL_LINKS.contains(&w.as_str()))
        {
            return false;
        }
    }
    false
}

/// Whether a run of digits is a valid phone number: international (`+…`,
/// `00…`), or national in one of `regions`.
fn is_phone(raw: &str, digits: &str, regions: &[Id]) -> bool {
    // A phone number has at least 7 digits; a time (19:45), score (2-1), price or
    // year has fewer, and the ones with more must still be valid numbers.
    if digits.len() < 7 || digits.len() > 15 || thousands(raw) || not_a_number_shape(raw) {
        return false;
    }
    // Symbols between the groups (`06 24 💥 81`, keycaps) are not for the parser.
    let raw = &if raw.is_ascii() {
        raw.to_owned()
    } else {
        raw.chars()
            .map(|c| if c.is_ascii() { c } else { ' ' })
            .collect::<String>()
    };
    let Some(database) = crate::phones::database() else {
        return false;
    };
    let valid = |region: Option<Id>, number: &str| {
        phonenumber::parse_with(database, region, number)
            .is_ok_and(|n| phonenumber::is_valid_with(database, &n))
    };
    if raw.starts_with('+') {
        // Written internationally with ten digits or more, it is a phone number
        // even when the numbering plan disagrees (Mexico's old mobile `1`: `+52 1
        // 33 1742 8856`).
        return digits.len() >= 10 || valid(None, raw);
    }
    if let Some(rest) = digits.strip_prefix("00") {
        if valid(None, &format!("+{rest}")) {
            return true;
        }
    }
    regions
        .iter()
        .any(|region| plausible_in(*region, digits) && valid(Some(*region), raw))
}

/// Whether `digits` has a length the region's numbers have (with its trunk
/// prefix or without): a cheap test before the parse, which costs microseconds.
fn plausible_in(region: Id, digits: &str) -> bool {
    let Some(meta) = crate::phones::database().and_then(|db| db.by_id(region.as_ref())) else {
        return true;
    };
    let lengths = meta.descriptors().general().possible_length();
    let fits = |n: usize| lengths.is_empty() || lengths.iter().any(|l| usize::from(*l) == n);
    fits(digits.len())
        || meta
            .national_prefix()
            .is_some_and(|p| digits.starts_with(p) && fits(digits.len() - p.len()))
}

/// A count with thousands separators: `1.250.000`, `3,000,000`, `1 250 000`,
/// `12 000 000` — but not a number written in threes (`612.345.678`, `951 237
/// 864`): a count's first group has one or two digits, or its groups end in 000.
fn thousands(raw: &str) -> bool {
    let groups: Vec<&str> = raw.split(['.', ',', ' ']).collect();
    groups.len() >= 2
        && (1..=3).contains(&groups[0].len())
        // A count is not written with a zero before its thousands, a phone's
        // trunk prefix is (`07.700.900.812`) — though a padded figure may be
        // (`012.500.000`), which has fewer digits than a phone number.
        && !(groups[0].len() > 1 && groups[0].starts_with('0') && groups.concat().len() >= 10)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && groups[1..].iter().all(|g| g.len() == 3)
        && (groups[0].len() <= 2 || groups.last().is_some_and(|g| *g == "000"))
}

/// Digit runs shaped like something else: a date (`14.07.2026`, `19/07/2026`,
/// `2026-12-03`), years (`2025-2026`, `2010 2014 2018`), odds (`2.50/3.40/2.90`),
/// scores or formations in one-digit groups (`1-1 2-2 0-0`, `4-3-3 4-2-3-1`),
/// set scores (`6-4 3-6 7-6(5)`), references that start with their year
/// (`2024/0317`) or carry it after a slash (`17342/23`).
fn not_a_number_shape(raw: &str) -> bool {
    let groups: Vec<&str> = raw
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let year = |g: &str| g.len() == 4 && (g.starts_with("19") || g.starts_with("20"));
    let small = |g: &str| (1..=2).contains(&g.len());
    let date = groups.len() == 3
        && (small(groups[0]) && small(groups[1]) && year(groups[2])
            || year(groups[0]) && small(groups[1]) && small(groups[2]));
    let years = groups.len() >= 2 && groups.iter().all(|g| year(g));
    // Odds are decimals between slashes (`2.50/3.40/2.90`), not a number grouped
    // by both (`0476/12.34.56`).
    let odds = raw.contains('/')
        && raw.split('/').all(|piece| {
            piece.trim().split_once('.').is_some_and(|(a, b)| {
                (1..=3).contains(&a.len())
                    && (1..=2).contains(&b.len())
                    && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
            })
        });
    // One-digit groups: a formation (`4-3-3`, `4-2-3-1`: its outfield ten) or
    // scores (`1-1 2-2 0-0`: pairs joined by `-`). A number read out digit by
    // digit (`0 6 1 9 3 8 4 7 2 6`) is neither.
    let one_digit = groups.len() >= 3 && groups.iter().all(|g| g.len() == 1);
    let formation_or_score = |piece: &str| {
        let digits: Vec<u32> = piece.split('-').filter_map(|d| d.parse().ok()).collect();
        let dashed = digits.len() == piece.split('-').count();
        dashed
            && (digits.len() == 2
                || (3..=5).contains(&digits.len()) && digits.iter().sum::<u32>() == 10)
    };
    let formations_or_scores =
        one_digit && raw.contains('-') && raw.split_whitespace().all(formation_or_score);
    date || years
        || odds
        || counting(&groups)
        || formations_or_scores
        || set_scores(raw)
        || year_reference(raw)
        || slash_year(raw)
}

/// Counting up or down, four numbers or more in a row (`1 2 3 4 5 6 7 8 9
/// 10`, `dez nove oito sete…`): each one more than the last, or each one less.
/// No one's number is written so.
fn counting(groups: &[&str]) -> bool {
    // Numbers in pairs with a leading zero are a phone's (`06 07 08 09 10`).
    let numbers: Vec<u32> = groups
        .iter()
        .filter(|g| g.len() <= 2 && !(g.len() == 2 && g.starts_with('0')))
        .filter_map(|g| g.parse().ok())
        .collect();
    let step = |by: i64| {
        numbers
            .windows(2)
            .all(|w| i64::from(w[1]) - i64::from(w[0]) == by)
    };
    numbers.len() >= 4 && numbers.len() == groups.len() && (step(1) || step(-1))
}

/// A file number and its year, or a year and its number, about a slash
/// (`17342/23`, `2387/2022`, `23/04517`): two groups, the first without a
/// leading zero (`0171/…`, `0476/…` are phone numbers) and not of three digits
/// (`415/…`, an area code); after a two-digit year at most five digits, so an
/// area code and its number stay phones (`21/987654321`, `91/5551234`).
fn slash_year(raw: &str) -> bool {
    let Some((first, second)) = raw.split_once('/') else {
        return false;
    };
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let year =
        |g: &str| g.len() == 2 || g.len() == 4 && (g.starts_with("19") || g.starts_with("20"));
    digits(first)
        && digits(second)
        && !first.starts_with('0')
        && first.len() != 3
        && (year(second) && first.len() <= 6 || year(first) && second.len() <= 5)
}

/// A number as a score is written: one or two digits, no leading zero (`0` alone).
fn score_number(g: &str) -> bool {
    (1..=2).contains(&g.len())
        && g.bytes().all(|b| b.is_ascii_digit())
        && (g.len() == 1 || !g.starts_with('0'))
}

/// Scores of sets or periods, a tie-break in brackets (`6-4 3-6 7-6(5)`, `25-21
/// 19-25`): two of them or more, each two score numbers joined by `-`.
fn set_scores(raw: &str) -> bool {
    let pieces: Vec<&str> = raw.split_whitespace().collect();
    pieces.len() >= 2
        && pieces.iter().all(|piece| {
            let (score, tie_break) = match piece.split_once('(') {
                Some((score, rest)) => (score, Some(rest.trim_end_matches(')'))),
                None => (*piece, None),
            };
            score
                .split_once('-')
                .is_some_and(|(a, b)| score_number(a) && score_number(b))
                && tie_break.is_none_or(score_number)
        })
}

/// A reference that starts with its year (`2024/0317`, `2024/00381-7`,
/// `2024-06-117`): the year and a slash, or the year and a month between dashes.
/// (A year and four digits after a dash may be a Brazilian number, `2024-5678`.)
fn year_reference(raw: &str) -> bool {
    let year = raw.len() > 5
        && raw.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && (raw.starts_with("19") || raw.starts_with("20"));
    let rest = raw.get(4..).unwrap_or_default();
    year && (rest.starts_with('/')
        || rest.strip_prefix('-').is_some_and(|r| {
            r.split_once('-').is_some_and(|(month, _)| {
                month.len() == 2 && month.parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
            })
        }))
}

/// Regions a line names besides its number: a region code in brackets (`(NL)`,
/// `(CH)`) or a lone country calling code (`+31`, `indicativo +244`).
fn region_hints(text: &str) -> Vec<Id> {
    let bytes = text.as_bytes();
    let mut hints = Vec::new();
    if !bytes.iter().any(|b| matches!(b, b'(' | b'+')) {
        return hints;
    }
    for (i, b) in bytes.iter().enumerate() {
        if hints.len() >= MAX_HINTED_REGIONS * 8 {
            break;
        }
        if *b == b'(' && bytes.get(i + 3) == Some(&b')') {
            let code = &text[i + 1..i + 3];
            if code.bytes().all(|c| c.is_ascii_uppercase()) {
                if let Ok(id) = Id::from_str(code) {
                    if !hints.contains(&id) {
                        hints.push(id);
                    }
                }
            }
        }
        if *b == b'+' {
            let code: String = text[i + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if (1..=3).contains(&code.len()) {
                if let Some(ids) = code
                    .parse::<u16>()
                    .ok()
                    .and_then(|n| crate::phones::database()?.region(&n))
                {
                    for id in ids.into_iter().filter_map(|id| Id::from_str(id).ok()) {
                        if !hints.contains(&id) {
                            hints.push(id);
                        }
                    }
                }
            }
        }
    }
    // A line may name a region or two; more is noise (`+1+1+1…`).
    hints.truncate(MAX_HINTED_REGIONS);
    hints
}

/// Most regions a line's own hints add to the tenant's.
const MAX_HINTED_REGIONS: usize = 3;

/// Number words for digits in the launch languages. The words that are also an
/// article (`un`, `een`, `ein`, `um`, `una`) are left out: they would join a
/// digit to the number after them.
const DIGIT_WORDS: [(&str, char); 43] = [
    ("zero", '0'),
    ("oh", '0'),
    ("one", '1'),
    ("two", '2'),
    ("three", '3'),
    ("four", '4'),
    ("five", '5'),
    ("six", '6'),
    ("seven", '7'),
    ("eight", '8'),
    ("nine", '9'),
    ("null", '0'),
    ("eins", '1'),
    ("zwei", '2'),
    ("drei", '3'),
    ("vier", '4'),
    ("fünf", '5'),
    ("sechs", '6'),
    ("sieben", '7'),
    ("acht", '8'),
    ("neun", '9'),
    ("nul", '0'),
    ("één", '1'),
    ("twee", '2'),
    ("drie", '3'),
    ("vijf", '5'),
    ("zes", '6'),
    ("zeven", '7'),
    ("negen", '9'),
    ("zéro", '0'),
    ("deux", '2'),
    ("trois", '3'),
    ("quatre", '4'),
    ("cinq", '5'),
    ("huit", '8'),
    ("neuf", '9'),
    ("cero", '0'),
    ("uno", '1'),
    ("dos", '2'),
    ("tres", '3'),
    ("três", '3'),
    ("cuatro", '4'),
    ("cinco", '5'),
];
/// More of them (split only to keep the table readable).
const MORE_DIGIT_WORDS: [(&str, char); 10] = [
    ("sept", '7'),
    ("seis", '6'),
    ("siete", '7'),
    ("ocho", '8'),
    ("nueve", '9'),
    ("dois", '2'),
    ("duas", '2'),
    ("quatro", '4'),
    ("sete", '7'),
    ("oito", '8'),
];
/// `double oh` is `00`, `triple seven` is `777`.
const REPEAT_WORDS: [(&str, usize); 8] = [
    ("double", 2),
    ("doble", 2),
    ("doppel", 2),
    ("dubbel", 2),
    ("dobro", 2),
    ("triple", 3),
    ("tripel", 3),
    ("triplo", 3),
];

fn digit_word(word: &str) -> Option<char> {
    if word.len() > 7 {
        return None;
    }
    number_words()
        .get(lower_key(word).as_ref())
        .and_then(|v| char::from_digit(*v, 10).filter(|_| *v < 10))
}

/// Whether `word` is a [`digit_word`] or a [`tens_word`]: one lookup for both.
fn digit_or_tens_word(word: &str) -> bool {
    if word.len() > 14 {
        return false;
    }
    number_words()
        .get(lower_key(word).as_ref())
        .is_some_and(|v| *v < 10 && word.len() <= 7 || *v >= 10 && (3..=14).contains(&word.len()))
}

/// `word` in lower case, borrowed when it already is.
fn lower_key(word: &str) -> std::borrow::Cow<'_, str> {
    if word.chars().all(|c| !c.is_uppercase()) {
        std::borrow::Cow::Borrowed(word)
    } else {
        std::borrow::Cow::Owned(word.to_lowercase())
    }
}

/// Every digit and tens word by its lower-case spelling, for one lookup a word.
fn number_words() -> &'static rustc_hash::FxHashMap<&'static str, u32> {
    static WORDS: std::sync::OnceLock<rustc_hash::FxHashMap<&'static str, u32>> =
        std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        DIGIT_WORDS
            .iter()
            .chain(MORE_DIGIT_WORDS.iter())
            .chain([("nove", '9')].iter())
            .map(|(w, d)| (*w, d.to_digit(10).unwrap_or(0)))
            .chain(TENS_WORDS.iter().chain(MORE_TENS_WORDS.iter()).copied())
            .collect()
    })
}

/// Tens and the numbers from ten to nineteen (and Spanish's one-word twenties) in
/// the launch languages: phone numbers are read out in pairs (`zéro six, trente-neuf,
/// cinquante-deux`). `once` (Spanish 11) is left out: it is an English word.
const TENS_WORDS: [(&str, u32); 98] = [
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
    ("zehn", 10),
    ("elf", 11),
    ("zwölf", 12),
    ("dreizehn", 13),
    ("vierzehn", 14),
    ("fünfzehn", 15),
    ("sechzehn", 16),
    ("siebzehn", 17),
    ("achtzehn", 18),
    ("neunzehn", 19),
    ("zwanzig", 20),
    ("dreißig", 30),
    ("vierzig", 40),
    ("fünfzig", 50),
    ("sechzig", 60),
    ("siebzig", 70),
    ("achtzig", 80),
    ("neunzig", 90),
    ("tien", 10),
    ("twaalf", 12),
    ("dertien", 13),
    ("veertien", 14),
    ("vijftien", 15),
    ("zestien", 16),
    ("zeventien", 17),
    ("achttien", 18),
    ("negentien", 19),
    ("twintig", 20),
    ("dertig", 30),
    ("veertig", 40),
    ("vijftig", 50),
    ("zestig", 60),
    ("zeventig", 70),
    ("tachtig", 80),
    ("negentig", 90),
    ("dix", 10),
    ("onze", 11),
    ("douze", 12),
    ("treize", 13),
    ("quatorze", 14),
    ("quinze", 15),
    ("seize", 16),
    ("vingt", 20),
    ("trente", 30),
    ("quarante", 40),
    ("cinquante", 50),
    ("soixante", 60),
    ("septante", 70),
    ("huitante", 80),
    ("nonante", 90),
    ("diez", 10),
    ("doce", 12),
    ("trece", 13),
    ("catorce", 14),
    ("quince", 15),
    ("dieciséis", 16),
    ("diecisiete", 17),
    ("dieciocho", 18),
    ("diecinueve", 19),
    ("veinte", 20),
    ("veintiuno", 21),
    ("veintidós", 22),
    ("veintitrés", 23),
    ("veinticuatro", 24),
    ("veinticinco", 25),
    ("veintiséis", 26),
    ("veintisiete", 27),
    ("veintiocho", 28),
    ("veintinueve", 29),
    ("treinta", 30),
    ("cuarenta", 40),
    ("cincuenta", 50),
    ("sesenta", 60),
    ("setenta", 70),
    ("ochenta", 80),
    ("noventa", 90),
    ("dez", 10),
    ("doze", 12),
    ("treze", 13),
    ("vinte", 20),
];
/// More of them (Portuguese; split only to keep the table readable).
const MORE_TENS_WORDS: [(&str, u32); 14] = [
    ("catorze", 14),
    ("dezasseis", 16),
    ("dezesseis", 16),
    ("dezassete", 17),
    ("dezessete", 17),
    ("dezoito", 18),
    ("dezanove", 19),
    ("dezenove", 19),
    ("trinta", 30),
    ("quarenta", 40),
    ("cinquenta", 50),
    ("sessenta", 60),
    ("oitenta", 80),
    ("noventa", 90),
];

/// Words that join tens and a unit written apart (`cincuenta y dos`,
/// `cinquenta e dois`, `trente et un`).
const TENS_JOINERS: [&str; 3] = ["y", "e", "et"];

fn tens_word(word: &str) -> Option<u32> {
    if !(3..=14).contains(&word.len()) {
        return None;
    }
    number_words()
        .get(lower_key(word).as_ref())
        .copied()
        .filter(|v| *v >= 10)
}

/// A digit inside a compound: the digit words, and the ones that are also an
/// article on their own (`vingt-et-un`, `einundzwanzig`, `eenentwintig`).
fn unit_in_compound(part: &str) -> Option<u32> {
    digit_word(part)
        .map(|d| u32::from(d as u8 - b'0'))
        .or_else(|| one_of(part, &["un", "une", "ein", "een", "one", "uno", "um"]).then_some(1))
        .or_else(|| one_of(part, &["sept"]).then_some(7))
}

/// A hyphenated compound: tens (`quatre-vingt` too), then a unit, a teen, or
/// `dix` and a unit (`fifty-two`, `vingt-et-un`, `soixante-douze`,
/// `quatre-vingt-dix-huit`), or `dix` and a unit (`dix-sept`). Anything else
/// (`one-two`, `oh-seven`) is no compound: its parts are read one by one.
fn hyphenated(lower: &str) -> Option<u32> {
    let parts: Vec<&str> = lower.split('-').filter(|p| *p != "et").collect();
    let (tens, rest) = match parts.as_slice() {
        ["quatre", "vingt" | "vingts", rest @ ..] => (80, rest),
        [first, rest @ ..] => (tens_word(first)?, rest),
        [] => return None,
    };
    let value = |p: &str| tens_word(p).or_else(|| unit_in_compound(p));
    let tail = match rest {
        [] => 0,
        [one] => value(one).filter(|v| *v < 20)?,
        [ten, unit] if one_of(ten, &["dix"]) => 10 + unit_in_compound(unit).filter(|u| *u < 10)?,
        _ => return None,
    };
    let ok_head = (tens >= 20 && tens % 10 == 0) || (tens == 10 && tail < 10 && !rest.is_empty());
    (ok_head && tens + tail < 100).then_some(tens + tail)
}

/// The value (0–99) of a number written as one word or a hyphenated compound:
/// `sept`, `dix-huit`, `cinquante-deux`, `quatre-vingt-dix-huit`, `vingt-et-un`,
/// `fifty-two`, `zweiundfünfzig`, `tweeënvijftig`, `veintidós`.
fn number_value(word: &str) -> Option<u32> {
    crate::remembered(&NUMBER_VALUES, word, || number_value_of(word))
}

thread_local! {
    /// [`number_value`] per word: a line's words are each asked more than once.
    static NUMBER_VALUES: crate::Memo<Option<u32>> = crate::Memo::default();
}

/// [`number_value`], worked out.
fn number_value_of(word: &str) -> Option<u32> {
    if let Some(d) = digit_word(word) {
        return Some(u32::from(d as u8 - b'0'));
    }
    if let Some(v) = tens_word(word) {
        return Some(v);
    }
    let lower = word.to_lowercase();
    if lower.contains('-') {
        return hyphenated(&lower);
    }
    if lower.contains("hundert") || lower.contains("honderd") {
        return hundreds_compound(&lower);
    }
    // German and Dutch put the unit first: zwei-und-fünfzig, twee-ën-vijftig.
    for joiner in ["und", "ën", "en"] {
        for (at, _) in lower.match_indices(joiner) {
            let (unit, tens) = (&lower[..at], &lower[at + joiner.len()..]);
            if let (Some(u), Some(t)) = (unit_in_compound(unit), tens_word(tens)) {
                if t >= 20 && t % 10 == 0 && u < 10 {
                    return Some(t + u);
                }
            }
        }
    }
    None
}

/// `text` with number words written as digits (`null eins sieben` → `0 1 7`),
/// and for each byte of it the span of `text` it came from; `None` when the text
/// has no number word.
fn with_spelled_digits(text: &str) -> Option<(String, Vec<Range<usize>>)> {
    let mut out = String::with_capacity(text.len());
    let mut from: Vec<Range<usize>> = Vec::with_capacity(text.len());
    let mut any = false;
    let mut repeat = 1;
    // The last thing read was a number word.
    let mut spelled_before = false;
    // The last word read was a number word (whatever came between).
    let mut number_before = false;
    // Hundreds said, waiting for their tens and units (the span of the word, and
    // whether English, where separate digits after `hundred` are no part of it).
    let mut hundreds: Option<(Range<usize>, bool)> = None;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        // A word, with the hyphens inside it (`cinquante-deux`).
        let mut word_len = 0;
        let mut chars = rest.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let inner_hyphen =
                c == '-' && at > 0 && chars.peek().is_some_and(|(_, next)| next.is_alphabetic());
            if c.is_alphabetic() || inner_hyphen {
                word_len = at + c.len_utf8();
            } else {
                break;
            }
        }
        // A hyphenated word that is no number compound is read part by part
        // (`oh-seven-seven`), as words split at the hyphen.
        if rest[..word_len].contains('-') && number_value(&rest[..word_len]).is_none() {
            word_len = rest.find('-').unwrap_or(word_len);
        }
        if word_len == 0 {
            let mut c = rest.chars().next().unwrap_or(' ');
            // A pause after a spoken digit (`nove três sete, 410 285`), or after
            // digits among number words (`soixante-quinze, 31, 08`), is a space.
            let after_digits = out.ends_with(|d: char| d.is_ascii_digit()) && any;
            if c == ',' && (spelled_before || after_digits) {
                c = ' ';
            }
            spelled_before = false;
            out.push(c);
            from.extend(std::iter::repeat_n(i..i + c.len_utf8(), c.len_utf8()));
            i += c.len_utf8();
            continue;
        }
        let word = &rest[..word_len];
        // Most words are none of the words read below: kept as written.
        if !word.contains('-') && !spoken_number_word(word) {
            if let Some((span, _)) = hundreds.take() {
                out.push_str("00");
                from.extend([span.clone(), span]);
            }
            out.push_str(word);
            from.extend(std::iter::repeat_n(i..i + word_len, word_len));
            repeat = 1;
            spelled_before = false;
            number_before = false;
            i += word_len;
            continue;
        }
        // `one` in Portuguese, French and Dutch is also `a`: a digit only between
        // two number words (`acht een nul`, `nove um seis`).
        let between_numbers = || {
            number_before
                && one_of(word, &ONE_WORDS)
                && next_word(text, i + word_len).is_some_and(|w| {
                    w.starts_with(|c: char| c.is_ascii_digit())
                        || digit_word(w).is_some()
                        || number_value(w).is_some()
                })
        };
        let hundred_word = HUNDRED_WORDS
            .iter()
            .find(|(w, _)| one_of(word, &[w]))
            .map(|(_, h)| *h);
        let multiplier = one_of(word, &HUNDRED_MULTIPLIERS);
        let joiner = hundreds.is_some() && one_of(word, &HUNDRED_JOINERS);
        let number_next = digit_word(word).is_some() || number_value(word).is_some();
        // Hundreds with nothing after them are whole: `00`.
        if let Some((span, _)) = hundreds.as_ref().filter(|_| !number_next && !joiner) {
            out.push_str("00");
            from.extend([span.clone(), span.clone()]);
            hundreds = None;
        }
        if joiner {
            i += word_len;
            continue;
        }
        if hundred_word.is_some() || multiplier {
            let after_digit = number_before && out.ends_with(|c: char| c.is_ascii_digit());
            if let Some(h) = hundred_word.or((!after_digit).then_some(1)) {
                out.push(char::from_digit(h, 10).unwrap_or('1'));
                from.push(i..i + word_len);
            }
            hundreds = Some((i..i + word_len, word.eq_ignore_ascii_case("hundred")));
            any = true;
            spelled_before = true;
            number_before = true;
            i += word_len;
            continue;
        }
        // The tens and units of hundreds said (`cento e vinte`: `1` `20`; `ciento
        // dos`: `1` `02`; English `nine hundred three four` is `900 34`).
        if let Some((span, english)) = hundreds.take() {
            let single = digit_word(word).is_some();
            if single {
                out.push_str(if english { "00" } else { "0" });
                from.extend(std::iter::repeat_n(span, if english { 2 } else { 1 }));
            }
        }
        if let Some(d) = digit_word(word).or_else(|| between_numbers().then_some('1')) {
            for _ in 0..repeat {
                out.push(d);
                from.push(i..i + word_len);
            }
            any = true;
            repeat = 1;
            spelled_before = true;
            number_before = true;
        } else if let Some(mut value) = number_value(word) {
            // Tens and a unit written apart: `cincuenta y dos`, `cinquenta e dois`.
            let mut end = i + word_len;
            if value >= 20 && value % 10 == 0 {
                if let Some((unit, unit_end)) = joined_unit(text, end) {
                    value += unit;
                    end = unit_end;
                }
            }
            for d in format!("{value:02}").chars() {
                out.push(d);
                from.push(i..end);
            }
            any = true;
            repeat = 1;
            spelled_before = true;
            number_before = true;
            i = end;
            continue;
        } else if let Some((_, n)) = REPEAT_WORDS.iter().find(|(w, _)| one_of(word, &[w])) {
            repeat = *n;
        } else {
            out.push_str(&rest[..word_len]);
            from.extend(std::iter::repeat_n(i..i + word_len, word_len));
            repeat = 1;
            spelled_before = false;
            number_before = false;
        }
        i += word_len;
    }
    if let Some((span, _)) = hundreds {
        out.push_str("00");
        from.extend([span.clone(), span]);
    }
    any.then_some((out, from))
}

/// Whether [`with_spelled_digits`] reads `word` as more than a word: a number
/// word ([`number_value`]), a word for one, hundreds, a word that joins them or
/// one that repeats a digit; remembered per word.
fn spoken_number_word(word: &str) -> bool {
    crate::remembered(&SPOKEN_NUMBER_WORDS, word, || {
        number_value(word).is_some()
            || one_of(word, &ONE_WORDS)
            || HUNDRED_WORDS.iter().any(|(w, _)| one_of(word, &[w]))
            || one_of(word, &HUNDRED_MULTIPLIERS)
            || one_of(word, &HUNDRED_JOINERS)
            || REPEAT_WORDS.iter().any(|(w, _)| one_of(word, &[w]))
    })
}

thread_local! {
    static SPOKEN_NUMBER_WORDS: crate::Memo<bool> = crate::Memo::default();
}

/// Hundreds said in one word in Spanish and Portuguese (`seiscientos`,
/// `quatrocentos`), and their digit.
const HUNDRED_WORDS: [(&str, u32); 20] = [
    ("ciento", 1),
    ("doscientos", 2),
    ("trescientos", 3),
    ("cuatrocientos", 4),
    ("quinientos", 5),
    ("seiscientos", 6),
    ("setecientos", 7),
    ("ochocientos", 8),
    ("novecientos", 9),
    ("cento", 1),
    ("duzentos", 2),
    ("trezentos", 3),
    ("quatrocentos", 4),
    ("quinhentos", 5),
    ("seiscentos", 6),
    ("setecentos", 7),
    ("oitocentos", 8),
    ("novecentos", 9),
    ("cien", 1),
    ("cem", 1),
];

/// Words that make the digit said before them hundreds (`nine hundred`, `quatre
/// cent`); French `cent` alone is a hundred.
const HUNDRED_MULTIPLIERS: [&str; 5] = ["hundred", "cent", "cents", "hundert", "honderd"];

/// Words between hundreds and the rest (`cento e vinte`, `ciento y dos`).
const HUNDRED_JOINERS: [&str; 5] = ["y", "e", "et", "and", "und"];

/// German and Dutch hundreds in one word (`vierhundertzwölf`, `driehonderdtwintig`).
fn hundreds_compound(lower: &str) -> Option<u32> {
    for marker in ["hundert", "honderd"] {
        let Some(at) = lower.find(marker) else {
            continue;
        };
        let (head, tail) = (&lower[..at], &lower[at + marker.len()..]);
        let hundreds = match head {
            "" | "ein" | "een" => 1,
            _ => u32::from(digit_word(head)? as u8 - b'0'),
        };
        let tail = tail.strip_prefix("und").unwrap_or(tail);
        let rest = if tail.is_empty() {
            0
        } else {
            number_value(tail)?
        };
        return (rest < 100).then_some(hundreds * 100 + rest);
    }
    None
}

/// The words for one that are also an article (Portuguese, French, Dutch).
const ONE_WORDS: [&str; 5] = ["um", "uma", "un", "une", "een"];

/// The next word after byte `at`, past spaces and commas.
fn next_word(text: &str, at: usize) -> Option<&str> {
    let rest = text.get(at..)?.trim_start_matches([' ', ',', '-']);
    let end = rest
        .find(|c: char| !c.is_alphanumeric() && c != '-')
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// After tens ending at `at`: a joiner and a unit (` y dos`), as the unit and
/// where it ends.
fn joined_unit(text: &str, at: usize) -> Option<(u32, usize)> {
    let rest = text.get(at..)?;
    let mut words = rest.split(' ').filter(|w| !w.is_empty());
    let joiner = words.next()?;
    let unit = words.next()?;
    if !one_of(joiner, &TENS_JOINERS) {
        return None;
    }
    let unit_word: &str = unit.trim_end_matches(|c: char| !c.is_alphabetic());
    let value = digit_word(unit_word)
        .map(|d| u32::from(d as u8 - b'0'))
        .or_else(|| one_of(unit_word, &["um", "uno", "un", "une"]).then_some(1))?;
    let offset = rest.find(unit)? + unit_word.len();
    Some((value, at + offset))
}

/// Phone numbers written partly in words (`oh seven seven double oh 900 552`,
/// `null eins sieben zwei 99 80 752`), as spans of the original text.
fn spelled_phones(text: &str, regions: &[Id], out: &mut Vec<Pii>) {
    // At least three digits and a number word, or four number words, or nothing
    // to read.
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let needed = if digits < 3 { 4 } else { 1 };
    let number_words = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| {
            !w.is_empty() && (digit_or_tens_word(w) || (w.len() > 8 && number_value(w).is_some()))
        })
        .take(needed)
        .count();
    if number_words < needed {
        return;
    }
    let Some((digits_text, from)) = with_spelled_digits(text) else {
        return;
    };
    for run in digit_runs(&digits_text) {
        let raw = &digits_text[run.clone()];
        let digits = digits_of(raw);
        // Where the run was written: from the word of its first character to
        // the word of its last. Hundreds said before digits written as digits
        // have their zeros read after those digits, from the earlier word
        // (`cent. and. 3954`): then from the earliest word to the latest of its
        // digits' words, so that the span is never reversed.
        let (Some(first), Some(last)) = (from.get(run.start), from.get(run.end - 1)) else {
            continue;
        };
        let (start, end) = if first.start <= last.end {
            (first.start, last.end)
        } else {
            let sources = &from[run.clone()];
            let digit_sources = raw
                .bytes()
                .zip(sources)
                .filter(|(b, _)| b.is_ascii_digit())
                .map(|(_, s)| s.end);
            (
                sources.iter().map(|s| s.start).min().unwrap_or(first.start),
                digit_sources.max().unwrap_or(last.end),
            )
        };
        // Partly in words and partly in digits, or read out in words at length
        // (eight digits or more: a count in words is shorter).
        let written = &text[start..end];
        let spelled = written.chars().any(char::is_alphabetic)
            && (written.bytes().filter(u8::is_ascii_digit).count() >= 3 || digits.len() >= 8);
        if spelled && is_phone(raw, &digits, regions) {
            out.push(Pii {
                kind: PiiKind::Phone,
                span: start..end,
            });
        }
    }
}

/// The ISO 13616 mod-97 check, at the country's length when the country is
/// known (a prefix of a longer IBAN passes the check one time in 97).
pub fn iban_ok(compact: &str) -> bool {
    if compact.len() < 15 || compact.len() > 34 {
        return false;
    }
    if IBAN_LENGTHS
        .iter()
        .find(|(cc, _)| compact.starts_with(cc))
        .is_some_and(|&(_, length)| compact.len() != length)
    {
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

/// IBAN lengths by country (ISO 13616 registry): the launch languages' countries,
/// their neighbours and the rest of SEPA, Brazil, Angola, Mozambique and Turkey.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AO", 25),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("BR", 29),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("MZ", 25),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("TR", 26),
];

/// Whether `compact` has the shape of an IBAN of a known country: the country's
/// length, and mostly digits after the check digits. A number with a wrong check
/// digit is still someone's bank account written down (or one digit off it).
fn iban_shaped(compact: &str) -> bool {
    let Some(&(_, length)) = IBAN_LENGTHS.iter().find(|(cc, _)| compact.starts_with(cc)) else {
        return false;
    };
    let digits = compact.bytes().skip(4).filter(u8::is_ascii_digit).count();
    compact.len() == length && digits * 2 >= length - 4
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
        // The lengths of the groups written apart (`DE27 1005 0000 …`).
        let mut groups: Vec<usize> = vec![0];
        let mut end = i;
        let mut j = i;
        // An IBAN whose check digits fail counts by its shape only written in one
        // block or in groups of four (the last shorter), so that words after a
        // code (`NL837261945BR e nada`) are not taken for its groups.
        let shaped = |compact: &str, groups: &[usize]| {
            let grouped = groups.len() == 1
                || groups[..groups.len() - 1].iter().all(|g| *g == 4)
                    && groups.last().is_some_and(|g| (1..=4).contains(g));
            grouped && iban_shaped(compact)
        };
        while j < bytes.len() && compact.len() < 34 {
            let b = bytes[j];
            if b.is_ascii_alphanumeric() {
                compact.push(b.to_ascii_uppercase() as char);
                if let Some(last) = groups.last_mut() {
                    *last += 1;
                }
                j += 1;
                end = j;
                if compact.len() >= 15
                    && (iban_ok(&compact) || shaped(&compact, &groups))
                    && !bytes.get(j).is_some_and(u8::is_ascii_alphanumeric)
                {
                    break;
                }
            } else if b == b' ' && bytes.get(j + 1).is_some_and(u8::is_ascii_alphanumeric) {
                groups.push(0);
                j += 1;
            } else {
                break;
            }
        }
        if iban_ok(&compact) || shaped(&compact, &groups) {
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

/// Street words that stand apart from the name (`Linden Grove`, `rue des
/// Tanneurs`, `Calle Mayor`, `Rua Doutor Almeida Lima`), lower case.
const STREET_WORDS: [&str; 39] = [
    "street",
    "road",
    "lane",
    "avenue",
    "ave",
    "grove",
    "drive",
    "close",
    "crescent",
    "terrace",
    "boulevard",
    "rue",
    "chemin",
    "allée",
    "impasse",
    "quai",
    "calle",
    "c/",
    "avenida",
    "avda",
    "avda.",
    "av",
    "av.",
    "pza.",
    "paseo",
    "plaza",
    "camino",
    "carrera",
    "rua",
    "travessa",
    "praça",
    "largo",
    "estrada",
    "alameda",
    "straße",
    "strasse",
    "straat",
    "laan",
    "weg",
];
static STREET_SET: WordSet = WordSet::new(&STREET_WORDS);
/// The [`STREET_WORDS`] that are no everyday words of a chat line ("so close
/// Salah 2-1", "what a drive Verstappen 1 lap left"): the ones written in lower
/// case before a capitalised name.
const FOREIGN_STREET_WORDS: [&str; 22] = [
    "rue", "chemin", "allée", "impasse", "quai", "calle", "c/", "avenida", "avda", "avda.", "pza.",
    "paseo", "camino", "carrera", "rua", "travessa", "praça", "alameda", "straße", "strasse",
    "straat", "laan",
];
static FOREIGN_STREET_SET: WordSet = WordSet::new(&FOREIGN_STREET_WORDS);

/// English street words that are also everyday words, and the abbreviations of
/// street words (`Baker St`, `harbour row`, `Maple Ridge Dr`): a street only
/// with a UK postcode, or a US state and ZIP code, after it.
const POSTCODE_STREET_WORDS: [&str; 32] = [
    "st", "st.", "rd", "rd.", "dr", "dr.", "ln", "ln.", "blvd", "blvd.", "ct", "ct.", "pl", "pl.",
    "sq", "hwy", "pkwy", "row", "way", "place", "court", "square", "hill", "park", "gardens",
    "walk", "mews", "rise", "green", "parade", "circle", "wharf",
];
static POSTCODE_STREET_SET: WordSet = WordSet::new(&POSTCODE_STREET_WORDS);

/// The two-letter codes of the US states, the District of Columbia and the
/// territories, as an address writes them before the ZIP code.
const US_STATES: [&str; 56] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP",
];

/// Where a US state and ZIP code that begin at word `k` end (`OH 43215`, `TX,
/// 75201-1234`).
fn state_zip(words: &[(usize, &str)], k: usize) -> Option<usize> {
    let state = words.get(k)?.1.trim_end_matches(',');
    let zip = words
        .get(k + 1)?
        .1
        .trim_end_matches([',', '.', ';', ':', '!', '?']);
    let (five, plus) = zip.split_once('-').unwrap_or((zip, ""));
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    (US_STATES.contains(&state) && digits(five, 5) && (plus.is_empty() || digits(plus, 4)))
        .then_some(k + 1)
}

/// The prepositions German street names start with (`Am Mühlbach`, `An der
/// Alten Mühle`, `Zur Linde`), lower case: one word, or two with an article.
const STREET_PREPOSITIONS: [&str; 4] = ["am", "im", "zum", "zur"];
const STREET_PREPOSITIONS_WITH_ARTICLE: [&str; 5] = ["an", "auf", "in", "hinter", "unter"];
const STREET_ARTICLES: [&str; 3] = ["der", "dem", "den"];

/// Where the preposition a German street name starts with at word `i` ends: the
/// index of the name's first word.
fn street_preposition_end(words: &[(usize, &str)], i: usize) -> Option<usize> {
    let w = words.get(i)?.1;
    if one_of(w, &STREET_PREPOSITIONS) {
        return Some(i + 1);
    }
    (one_of(w, &STREET_PREPOSITIONS_WITH_ARTICLE)
        && words
            .get(i + 1)
            .is_some_and(|a| one_of(a.1, &STREET_ARTICLES)))
    .then_some(i + 2)
}

/// Endings of street names written as one word (`Schillerstraße`, `Kastanienweg`,
/// `Lindelaan`, `Keizersgracht`), lower case.
const STREET_ENDINGS: [&str; 17] = [
    "straße", "strasse", "str.", "weg", "gasse", "allee", "damm", "ufer", "straat", "laan",
    "plein", "gracht", "kade", "singel", "steeg", "dreef", "pad",
];
/// Adjectives that begin Dutch and German street names written as one word
/// after them (`Lange Nieuwstraat`, `Oude Kerkstraat`, `Alte Bahnhofstraße`),
/// capitalised.
const STREET_ADJECTIVES: [&str; 24] = [
    "Lange", "Korte", "Oude", "Nieuwe", "Grote", "Kleine", "Hoge", "Lage", "Eerste", "Tweede",
    "Derde", "Sint", "Alte", "Neue", "Große", "Grosse", "Hohe", "Obere", "Untere", "Innere",
    "Breite", "Hintere", "Vordere", "Sankt",
];

/// Endings that also end everyday words (`Tabellenplatz 3`, `Parkplatz 2`):
/// a street only with a postcode after its number (`Hauptplatz 7/2/14, 4020`).
const WEAK_STREET_ENDINGS: [&str; 3] = ["platz", "ring", "markt"];

/// The small words inside street names (`Rua da Praia`, `rue des Tanneurs`).
const NAME_LINKS: [&str; 16] = [
    "de", "da", "do", "das", "dos", "del", "la", "las", "los", "des", "du", "le", "van", "der",
    "den", "von",
];
static NAME_LINK_SET: WordSet = WordSet::new(&NAME_LINKS);

/// A house number: 1 to 4 digits, maybe a letter (`12a`) or up to three parts
/// after a dash or a slash (`88-II`, Vienna's staircase and door `7/2/14`),
/// maybe a comma after.
fn house_number(word: &str) -> bool {
    // The marks are ASCII: trimmed as bytes.
    let kept = word
        .bytes()
        .rposition(|b| !matches!(b, b',' | b'.'))
        .map_or(0, |p| p + 1);
    let word = &word[..kept];
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=4).contains(&digits) {
        return false;
    }
    let rest = &word[digits..];
    if rest.len() <= 1 {
        return rest.bytes().all(|b| b.is_ascii_alphabetic());
    }
    let Some(parts) = rest.strip_prefix(['-', '/']) else {
        return false;
    };
    let parts: Vec<&str> = parts.split(['-', '/']).collect();
    parts.len() <= 3
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A line's words, split at whitespace, each with the byte where it starts.
fn words_at(text: &str) -> Vec<(usize, &str)> {
    text.split_whitespace()
        .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
        .collect()
}

/// Whether `word` begins with a capital.
fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// The ways of a grid of numbered streets (Colombia's, and its neighbours'):
/// `Calle`, `Carrera` (`Cra`, `Kra`), `Avenida`, `Diagonal`, `Transversal` —
/// not the two-letter abbreviations, which name teams too (`AC 2 # 25-23`).
const GRID_WAYS: [&str; 8] = [
    "calle",
    "cll",
    "carrera",
    "cra",
    "kra",
    "avenida",
    "diagonal",
    "transversal",
];
static GRID_WAY_SET: WordSet = WordSet::new(&GRID_WAYS);

/// What stands for `número` before a grid address's plate (not a bare `no`).
const GRID_MARKS: [&str; 8] = ["#", "no.", "n°", "nº", "nro", "nro.", "num.", "núm."];

/// A grid address: a way and its number, then `#` (or `No.`) and the plate —
/// the crossing street's number and the metres from it (`Carrera 7 # 45-12`,
/// `Calle 80A sur No. 10-25 en Medellín`, `cra 15 #93-47 apto 301`). The
/// plate's metres have two digits or three, which a score's goals do not, and
/// the plate ends the line or its clause, or comes before a flat or a town —
/// not before what a range counts (`Calle 13 #10-15 años`).
fn grid_addresses(text: &str, out: &mut Vec<Pii>) {
    // No plate (digits, a dash, digits), no grid address: most lines.
    let dashed = text
        .as_bytes()
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b'-' && w[2].is_ascii_digit());
    if !dashed {
        return;
    }
    let words = words_at(text);
    // The plate's length as written, clause punctuation left out.
    let plate = |w: &str| {
        let w = w.trim_end_matches([',', '.', ';', ':', ')', '!']);
        let (street, metres) = w.split_once('-')?;
        let digits = street.bytes().take_while(u8::is_ascii_digit).count();
        let ok = (1..=3).contains(&digits)
            && street.len() - digits <= 1
            && street.bytes().skip(digits).all(|b| b.is_ascii_alphabetic())
            && (2..=3).contains(&metres.len())
            && metres.bytes().all(|b| b.is_ascii_digit());
        ok.then_some(w.len())
    };
    let way_number = |w: &str| {
        let digits = w.bytes().take_while(u8::is_ascii_digit).count();
        (1..=3).contains(&digits)
            && w.len() - digits <= 3
            && w.bytes().skip(digits).all(|b| b.is_ascii_alphabetic())
    };
    let suffix = |w: &str| {
        let lower = w.to_lowercase();
        lower.len() == 1 && lower.bytes().all(|b| b.is_ascii_alphabetic())
            || ["bis", "sur", "este", "norte", "oeste"].contains(&lower.as_str())
    };
    // After the plate at word `k`: nothing, a clause's end, a flat, or a town.
    let ends_the_address = |k: usize| {
        words[k].1.ends_with([',', '.', ';', ')', '!'])
            || words.get(k + 1).is_none_or(|(_, next)| {
                starts_upper(next)
                    || FLAT_SET.has(&next.to_lowercase())
                    || matches!(*next, "en" | "de" | "em")
                        && words.get(k + 2).is_some_and(|(_, town)| starts_upper(town))
            })
    };
    let mut i = 0;
    while i + 2 < words.len() {
        let (start, way) = words[i];
        if !GRID_WAY_SET.has(way.trim_end_matches('.')) || !way_number(words[i + 1].1) {
            i += 1;
            continue;
        }
        let mut k = i + 2;
        while k < words.len() && k < i + 4 && suffix(words[k].1) {
            k += 1;
        }
        // `#` before the plate (`#45-12`), or alone or a word for it.
        let found = match words.get(k) {
            Some((at, w)) if w.len() > 1 && w.starts_with('#') => {
                plate(&w[1..]).map(|n| (at + 1 + n, k))
            }
            Some((_, w)) if GRID_MARKS.contains(&w.to_lowercase().as_str()) => words
                .get(k + 1)
                .and_then(|(at, p)| plate(p).map(|n| (at + n, k + 1))),
            _ => None,
        };
        match found {
            Some((end, last)) if ends_the_address(last) => {
                out.push(Pii {
                    kind: PiiKind::Address,
                    span: start..end,
                });
                i = last + 1;
            }
            _ => i += 1,
        }
    }
}

/// Postal addresses: a street (a street word with its name, or a one-word street
/// name with a street ending) next to a house number, and a postcode right after
/// when there is one (`Schillerstraße 41, 8010 Graz`, `27 Linden Grove`, `14 rue
/// des Tanneurs`, `Calle Mayor 27`, `Lindelaan 47, 3524 KD`). Written in lower
/// case, a street needs a postcode with letters after it (`14 kingfisher close,
/// ipswich ip4 3rt`, `molenstraat 27, 5261 bk`), or a postcode of digits and its
/// town after the number and a comma (`sint-jansstraat 8 bus 2, 3500 hasselt`;
/// for a street word, only one that is no everyday word: `calle de la esperanza
/// 14, 28012 madrid`), or, for such a street word (`calle`, `rua`, `rue`, not
/// `close` or `drive`), a capitalised name after it (`calle Alcalá 214`). Two
/// capitalised words ending in a street word need a postcode after the number
/// (`Ottakringer Straße 112/5, 1160 Wien`; not `Wall Street 2024`). A street
/// word that is an everyday word or an abbreviation, written either way, needs a
/// UK postcode or a US state and ZIP code after it (`221 Baker St, London NW1
/// 6XE`, `2210 Maple Ridge Dr, Columbus OH 43215`). A German street name that
/// starts with a preposition needs a line that may be German, and a comma and a
/// German postcode and town after its number (`am mühlbach 5a, 35578 wetzlar`).
/// The span runs from the first of street and number to the last, and over the
/// postcode.
fn addresses(text: &str, out: &mut Vec<Pii>) {
    // No house number, no address (most lines).
    if !text.bytes().any(|b| b.is_ascii_digit()) || !text.split_whitespace().any(house_number) {
        return;
    }
    let words = words_at(text);
    let bare = |w: &str| -> String {
        w.trim_matches(|c: char| matches!(c, ',' | ':' | ';' | '(' | ')'))
            .to_lowercase()
    };
    let capital = starts_upper;
    let street_word_of = |w: &str, list: &WordSet| {
        list.has(w.trim_matches(|c: char| matches!(c, ',' | ':' | ';' | '(' | ')')))
    };
    let street_word = |w: &str| street_word_of(w, &STREET_SET);
    // German street names that start with a preposition are read in lines that
    // may be German, by words other than the preposition only (`am`, `im` are
    // English chat's too: "i am rank 2", "im top 3").
    let german_beside = |from: usize, to: usize| {
        let tokens: Vec<&str> = words
            .iter()
            .enumerate()
            .filter(|(n, _)| !(from..to).contains(n))
            .map(|(_, w)| w.1)
            .collect();
        crate::may_be_in(&tokens, "de")
    };
    // Where a postcode with letters that begins at word `k` ends (`1057 hn`,
    // `ip4 3rt`).
    let lettered_postcode = |k: usize| {
        postcode_words(&words, k).filter(|&end| {
            words[k..=end]
                .iter()
                .any(|w| w.1.chars().any(char::is_alphabetic))
        })
    };
    // A postcode of digits and its town after the house number at `k - 1` and a
    // comma, with at most a flat or floor between (`8 bus 2, 3500 hasselt`, `14,
    // 3ºB, 28012 madrid`; not `2 uur, 2000 fans`, `5 km, 2000 lopers`): where an
    // address in lower case has no lettered postcode.
    let postcode = |i: usize| {
        words.get(i).is_some_and(|w| {
            let code = bare(w.1);
            let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            (4..=5).contains(&code.len()) && digits(&code)
                // Portugal's, with its dash (`4050-174 porto`).
                || code
                    .split_once('-')
                    .is_some_and(|(a, b)| a.len() == 4 && b.len() == 3 && digits(a) && digits(b))
        })
    };
    // The end of a run of name words in letters from `start`, up to word `last`,
    // stopping before a word `stop` accepts.
    let name_words_end = |start: usize, last: usize, stop: &dyn Fn(&str) -> bool| {
        let mut j = start;
        while j < words.len()
            && j <= last
            && !stop(words[j].1)
            && words[j].1.chars().all(char::is_alphabetic)
        {
            j += 1;
        }
        j
    };
    let postcode_town = |k: usize| -> Option<usize> {
        let extension = |w: &str| {
            let b = bare(w);
            b.bytes().any(|c| c.is_ascii_digit()) || FLAT_SET.has(&b)
        };
        for m in k.max(1)..k + 4 {
            // Only a flat, a floor or a door between the number and the postcode.
            if m > k && !words.get(m - 1).is_some_and(|w| extension(w.1)) {
                return None;
            }
            words.get(m)?;
            let town = words.get(m + 1).is_some_and(|t| {
                let town = t.1.trim_end_matches([',', '.', '!', '?']);
                town.chars().count() >= 3 && town.chars().all(char::is_alphabetic)
            });
            if words[m - 1].1.ends_with(',') && postcode(m) && town {
                return Some(m);
            }
        }
        None
    };
    // A word ending in one of `endings`, three letters or more before it:
    // capitalised, or in lower case with a postcode after its number (lettered,
    // or digits and a town).
    let street_ending = |i: usize, endings: &[&str]| {
        let w = words[i].1;
        let trimmed = w.trim_matches(|c: char| matches!(c, ',' | ':' | ';' | '(' | ')'));
        // The ending first (no allocation for ASCII), the postcodes only then.
        let ends = if trimmed.is_ascii() {
            let t = trimmed.as_bytes();
            endings.iter().any(|e| {
                t.len() >= e.len() + 3
                    && t[t.len() - e.len()..]
                        .iter()
                        .map(u8::to_ascii_lowercase)
                        .eq(e.bytes())
            })
        } else {
            let b = bare(w);
            endings
                .iter()
                .any(|e| b.ends_with(e) && b.chars().count() >= e.chars().count() + 3)
        };
        ends && (capital(w) || lettered_postcode(i + 2).is_some() || postcode_town(i + 2).is_some())
    };
    let end_of = |i: usize| words[i].0 + words[i].1.trim_end_matches([',', '.', ':', ';']).len();
    // Where the house number that ends right before word `i` starts: the word
    // before, or the one before that when French `bis`, `ter` or `quater`
    // follows it (`3 bis avenue Foch`).
    let number_before = |i: usize| -> Option<usize> {
        if i > 0 && house_number(words[i - 1].1) {
            return Some(i - 1);
        }
        (i > 1
            && matches!(bare(words[i - 1].1).as_str(), "bis" | "ter" | "quater")
            && house_number(words[i - 2].1)
            && !words[i - 2].1.ends_with(','))
        .then(|| i - 2)
    };
    let mut i = 0;
    while i < words.len() {
        let w = words[i].1;
        let mut found: Option<(usize, usize)> = None;
        let mut postcode_taken = false;
        if words.get(i + 1).is_some_and(|n| house_number(n.1))
            && (street_ending(i, &STREET_ENDINGS)
                || street_ending(i, &WEAK_STREET_ENDINGS) && postcode(i + 2))
        {
            // `Schillerstraße 41`, and an adjective of the name before it
            // (`Lange Nieuwstraat 9`, `Alte Bahnhofstraße 3`).
            let adjective = i > 0 && STREET_ADJECTIVES.contains(&words[i - 1].1);
            found = Some((i - usize::from(adjective), i + 1));
        } else if street_word(w)
            && (capital(w)
                || number_before(i).is_some()
                || street_word_of(w, &FOREIGN_STREET_SET)
                    && words.get(i + 1).is_some_and(|n| capital(n.1)))
        {
            // `Calle Mayor 27`, `Rua Doutor Almeida Lima, 1134`: up to four name
            // words (capitalised, or `de`, `da`, `van`, …), then the number.
            let mut j = i + 1;
            while j < words.len()
                && j <= i + 4
                && !house_number(words[j].1)
                && (capital(words[j].1) || NAME_LINK_SET.has(words[j].1))
            {
                j += 1;
            }
            let named = words[i + 1..j].iter().any(|w| capital(w.1));
            if j < words.len() && named && house_number(words[j].1) {
                found = Some((i, j));
            } else if let Some(n) = number_before(i).filter(|_| j > i + 1) {
                // `14 rue des Tanneurs`, `3 bis avenue Foch`: the number before,
                // the name words after.
                found = Some((n, j - 1));
            } else if i > 0
                && j == i + 1
                && capital(w)
                && capital(words[i - 1].1)
                && words
                    .get(j)
                    .is_some_and(|n| house_number(n.1) && !n.1.contains('-'))
                && (postcode(j + 1) || postcode_town(j + 1).is_some())
            {
                // `Ottakringer Straße 112/5`: the name before the street word (not
                // a score after a ground: `Anfield Road 2-1`).
                found = Some((i - 1, j));
            }
        } else if let Some(k) = street_preposition_end(&words, i).filter(|&k| german_beside(i, k)) {
            // `am mühlbach 5a, 35578 wetzlar`, `An der Alten Mühle 3, 35578
            // Wetzlar`: German street names that start with a preposition have
            // no street word; one or two name words, the number, a comma and a
            // German postcode (five digits, not a round count: "im spiel 3, 2024
            // tore", "am ende 2, 10000 fans") and its town.
            let j = name_words_end(k, k + 2, &house_number);
            let german_postcode = |m: usize| {
                words.get(m).is_some_and(|w| {
                    let code = bare(w.1);
                    code.len() == 5
                        && code.bytes().all(|b| b.is_ascii_digit())
                        && !code.ends_with("000")
                })
            };
            if j > k
                && words.get(j).is_some_and(|n| house_number(n.1))
                && postcode_town(j + 1).is_some_and(german_postcode)
            {
                found = Some((i, j));
            }
        } else if street_word_of(w, &FOREIGN_STREET_SET) && !capital(w) {
            // `calle de la esperanza 14, 3ºB, 28012 madrid`: in lower case, name
            // words, the number, then a postcode of digits and its town.
            let j = name_words_end(i + 1, i + 4, &house_number);
            if j > i + 1
                && words.get(j).is_some_and(|n| house_number(n.1))
                && postcode_town(j + 1).is_some()
            {
                found = Some((i, j));
            }
        } else if house_number(w) && !w.ends_with(',') {
            // `27 Linden Grove`: the number, capitalised name words, a street word.
            let mut j = i + 1;
            while j < words.len() && j <= i + 3 && capital(words[j].1) && !street_word(words[j].1) {
                j += 1;
            }
            if j > i + 1 && j < words.len() && street_word(words[j].1) && capital(words[j].1) {
                found = Some((i, j));
            } else {
                // `14 kingfisher close, ipswich ip4 3rt`: in lower case, the street
                // word ends the name and a postcode with letters follows within
                // three words (digits alone could be a count: "10 minutes drive,
                // 15000 fans").
                // So too, written either way, a street word that is an everyday
                // word or an abbreviation, before a UK postcode (letters first: a
                // Dutch one, `2025 is`, may be a year and a word) or a US state
                // and ZIP code (`221 Baker St, London NW1 6XE`, `14 harbour row,
                // whitby YO21 3PU`, `2210 Maple Ridge Dr, Columbus OH 43215`).
                let any_street =
                    |w: &str| street_word(w) || street_word_of(w, &POSTCODE_STREET_SET);
                let j = name_words_end(i + 1, i + 3, &any_street);
                let strong = words.get(j).is_some_and(|w| street_word(w.1));
                let uk_postcode = |k: usize| {
                    lettered_postcode(k)
                        .filter(|_| words[k].1.starts_with(|c: char| c.is_ascii_alphabetic()))
                };
                let postcode_end = (j + 1..=j + 3).find_map(|k| {
                    if strong {
                        lettered_postcode(k)
                    } else {
                        uk_postcode(k).or_else(|| state_zip(&words, k))
                    }
                });
                if j > i + 1 && j < words.len() && any_street(words[j].1) {
                    if let Some(end) = postcode_end {
                        found = Some((i, end));
                        postcode_taken = true;
                    }
                }
            }
        }
        let Some((first, mut last)) = found else {
            i += 1;
            continue;
        };
        // A postcode right after: `8010`, `34119`, `3524 KD`, `SK4 3BW` (not a
        // second one, which would be the start of a phone number).
        if let Some(next) = words.get(last + 1).filter(|_| !postcode_taken) {
            let code = bare(next.1);
            let digits = code.bytes().filter(u8::is_ascii_digit).count();
            let dutch_letters = words.get(last + 2).is_some_and(|w| {
                let w = w.1.trim_end_matches([',', '.']);
                dutch_postcode_letters(w)
            });
            if code.len() == 4 && digits == 4 && dutch_letters {
                // `1057 HN`
                last += 2;
            } else if (4..=5).contains(&code.len()) && digits == code.len()
                || (2..=4).contains(&code.len())
                    && digits >= 1
                    && code.bytes().all(|b| b.is_ascii_alphanumeric())
                    && words.get(last + 2).is_some_and(|w| {
                        let w = bare(w.1);
                        w.len() == 3 && w.bytes().all(|b| b.is_ascii_alphanumeric())
                    })
            {
                last += 1;
            }
        }
        out.push(Pii {
            kind: PiiKind::Address,
            span: words[first].0..end_of(last),
        });
        i = last + 1;
    }
}

/// Words for a flat, a floor or a door between a house number and its postcode
/// (`8 bus 2, 3500 hasselt`, `14 piso 3, 28012 madrid`).
const FLAT_WORDS: [&str; 25] = [
    "bus",
    "bte",
    "boîte",
    "piso",
    "apto",
    "apt",
    "apartamento",
    "andar",
    "étage",
    "etage",
    "flat",
    "unit",
    "stiege",
    "tür",
    "top",
    "dpto",
    "puerta",
    "bloco",
    // The side of the landing, in Portugal and Spain (`3º esq`, `2º dto`,
    // `4º izda`).
    "esq",
    "dto",
    "dir",
    "frente",
    "izq",
    "izda",
    "dcha",
];
static FLAT_SET: WordSet = WordSet::new(&FLAT_WORDS);

/// Two-letter units after a number, which Dutch postcode letters are not
/// (`1500 km`, `2000 kg`).
const UNITS: [&str; 16] = [
    "km", "kg", "cm", "mm", "ml", "mg", "kw", "mb", "gb", "pm", "am", "hp", "ps", "mi", "ft", "lb",
];

/// The two letters of a Dutch postcode: in capitals (`KD`, `KM`), or in lower
/// case but no unit (`bk`; not `km`).
fn dutch_postcode_letters(word: &str) -> bool {
    word.len() == 2
        && (word.bytes().all(|b| b.is_ascii_uppercase())
            || word.bytes().all(|b| b.is_ascii_lowercase()) && !UNITS.contains(&word))
}

/// Where a postcode that begins at `words[k]` ends (the index of its last word):
/// `28028`, `1057 hn`, `ip4 3rt`, `sk4 3bw`.
fn postcode_words(words: &[(usize, &str)], k: usize) -> Option<usize> {
    let bare = |k: usize| {
        words
            .get(k)
            .map(|w| w.1.trim_end_matches([',', '.', ';', ':']).to_lowercase())
    };
    let code = bare(k)?;
    let digits = code.bytes().filter(u8::is_ascii_digit).count();
    let next = bare(k + 1).unwrap_or_default();
    if code.len() == 4
        && digits == 4
        && words
            .get(k + 1)
            .is_some_and(|w| dutch_postcode_letters(w.1.trim_end_matches([',', '.', ';', ':'])))
    {
        Some(k + 1)
    } else if (4..=5).contains(&code.len()) && digits == code.len() {
        Some(k)
    } else if (2..=4).contains(&code.len())
        && digits >= 1
        && code.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && code.bytes().all(|b| b.is_ascii_alphanumeric())
        && next.len() == 3
        && next.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && next.bytes().skip(1).all(|b| b.is_ascii_lowercase())
    {
        Some(k + 1)
    } else {
        None
    }
}

/// Words that name the holder of an account or the recipient of a parcel
/// (`tnv`, `z. Hd.`, `op naam van`, `à l'attention de`), lower case: the name
/// follows.
const RECIPIENT_MARKERS: &[&str] = &[
    "tnv",
    "t.n.v.",
    "t.n.v",
    "op naam van",
    "ter attentie van",
    "t.a.v.",
    "t.a.v",
    "z. hd.",
    "z.hd.",
    "z. hd",
    "zhd",
    "zu händen",
    "zu handen",
    "zu händen von",
    "empfänger",
    "empfänger:",
    "kontoinhaber",
    "kontoinhaber:",
    "inhaber",
    "inhaber:",
    "name",
    "name:",
    "naam",
    "naam:",
    "attn",
    "attn:",
    "c/o",
    "in the name of",
    "payee",
    "payee:",
    "à l'attention de",
    "a l'attention de",
    "au nom de",
    "titulaire",
    "titulaire:",
    "destinataire",
    "destinataire:",
    "a nombre de",
    "titular",
    "titular:",
    "beneficiario",
    "beneficiario:",
    "em nome de",
    "favorecido",
    "favorecido:",
    "destinatário",
    "destinatario",
    "lautend auf",
    "ten name van",
];

/// Whether `word` may be part of a person's name written after a recipient's
/// marker, in lower case or not: `Some(true)` for an initial with its dot
/// (`m.`), `Some(false)` for a particle or a word of letters (maybe a hyphen or
/// an apostrophe inside) that is no common word of a language and no rude
/// word, `None` for any other word.
fn lower_name_word(word: &str) -> Option<bool> {
    let mut chars = word.chars();
    if chars.next().is_some_and(char::is_alphabetic) && chars.as_str() == "." {
        return Some(true);
    }
    let w = word.trim_end_matches([',', ';', '.', '!', '?', ':']);
    if NAME_LINKS.contains(&w) {
        return Some(false);
    }
    let letters = w.chars().count() >= 2
        && w.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\''))
        && w.starts_with(char::is_alphabetic);
    (letters && !crate::is_language_marker(w) && name_word(&capitalised(w)).is_some())
        .then_some(false)
}

/// `word` with its first letter a capital.
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Whether `word` may be part of a person's name as written beside an address:
/// `Some(true)` for a capitalised word, `Some(false)` for an initial (`J`, `K.`)
/// or a particle (`de`, `van`), `None` for any other word.
fn name_word(word: &str) -> Option<bool> {
    let w = word.trim_end_matches([',', ';']);
    // A rude word is no name to hide (`name Wichser`): it is left to be read.
    // Names rustrict reads in part (`Hoffmann`) are host words.
    if w.chars().count() >= 3
        && (crate::hosts::flagged(w) && !crate::hosts::is_host_word(w)
            || !crate::lexicon::find(w).is_empty())
    {
        return None;
    }
    let mut chars = w.chars();
    let first = chars.next()?;
    let rest: Vec<char> = chars.collect();
    if first.is_uppercase()
        && rest.len() >= 2
        && rest
            .iter()
            .all(|c| c.is_lowercase() || matches!(c, '-' | '\''))
    {
        return Some(true);
    }
    if first.is_uppercase() && (rest.is_empty() || rest == ['.']) {
        return Some(false);
    }
    NAME_LINKS.contains(&w).then_some(false)
}

/// Names of account holders and recipients, in a line with an address or an
/// IBAN: after a marker (`tnv K. de Wit`, `name J Patel`, `z. Hd. Tobias
/// Rauch`) or right before the address, a comma between (`Sandrine Perret, 14
/// rue des Tanneurs`): up to four name words, one of them capitalised.
fn recipient_names(text: &str, out: &mut Vec<Pii>) {
    let anchors: Vec<usize> = out
        .iter()
        .filter(|f| matches!(f.kind, PiiKind::Address | PiiKind::Iban))
        .map(|f| f.span.start)
        .collect();
    if anchors.is_empty() {
        return;
    }
    // A name ends where another finding begins (`t.a.v. Jan Jansen
    // Keizersgracht 12`: the street is the address's).
    let taken: Vec<Range<usize>> = out.iter().map(|f| f.span.clone()).collect();
    let free = |at: usize| !taken.iter().any(|t| t.contains(&at));
    let words = words_at(text);
    let span_of = |from: usize, to: usize| name_span(&words, from, to);
    let mut names: Vec<Range<usize>> = Vec::new();
    // After a marker.
    let lower: Vec<String> = words.iter().map(|(_, w)| w.to_lowercase()).collect();
    let markers: Vec<Vec<&str>> = RECIPIENT_MARKERS
        .iter()
        .map(|m| m.split(' ').collect())
        .collect();
    for i in 0..words.len() {
        for parts in &markers {
            let end = i + parts.len();
            if end > words.len() || !parts.iter().zip(&lower[i..end]).all(|(p, w)| p == w) {
                continue;
            }
            // Up to four name words from `end`, each read by `read` (`Some(true)`:
            // a capital, or an initial), to the first that ends in one of `stops`
            // (an initial's stop, `m.`, ends nothing when `initials_go_on`).
            let walk = |read: fn(&str) -> Option<bool>, stops: &[char], initials_go_on: bool| {
                let (mut j, mut any) = (end, false);
                while j < words.len() && j < end + 4 && free(words[j].0) {
                    let Some(flag) = read(words[j].1) else {
                        break;
                    };
                    any |= flag;
                    j += 1;
                    if words[j - 1].1.ends_with(stops) && !(initials_go_on && flag) {
                        break;
                    }
                }
                (j, any)
            };
            let (mut j, mut capital) = walk(name_word, &[','], false);
            // Chat writes names in lower case too: after a marker, in a line
            // with an IBAN or an address, up to four words (`t.n.v. m. jansen`,
            // `lautend auf maria huber`, `tnv de vries`), two at least or an
            // initial among them, not ending in a particle, none a common word
            // of a language ("naam maakt niet uit").
            if !capital {
                let initial;
                (j, initial) = walk(lower_name_word, &[',', '.', '!', '?', ':'], true);
                while j > end && NAME_LINKS.contains(&words[j - 1].1) {
                    j -= 1;
                }
                capital = j > end && (j - end >= 2 || initial);
            }
            if capital && j > end {
                names.push(span_of(end, j - 1));
            }
        }
    }
    // Right before the address or IBAN, a comma between.
    for anchor in anchors {
        if let Some(k) = words.iter().position(|(at, _)| *at >= anchor) {
            names.extend(name_before(&words, k, true).or_else(|| {
                // Or before a verb for living there (`mi primo Diego Fernández
                // vive en …`, `Jan de Vries woont op …`).
                let last = k.checked_sub(1)?;
                let verb = if one_of(words[last].1, &RESIDENCE_LINKS) {
                    last.checked_sub(1)?
                } else {
                    last
                };
                one_of(words[verb].1, &RESIDENCE_VERBS).then(|| name_before(&words, verb, false))?
            }));
        }
    }
    out.extend(names.into_iter().map(|span| Pii {
        kind: PiiKind::Name,
        span,
    }));
}

/// Kinds of public place whose address a line may give (`Estadio Santiago
/// Bernabéu, Av. de Concha Espina 1`), in the six languages; none that is a family
/// name too (`Park`, `Hall`, `Church`, `Field`, `Arena`, `Kerk`, `Halle`).
const PUBLIC_PLACES: &[&str] = &[
    "stadium",
    "stadion",
    "stade",
    "estadio",
    "estádio",
    "stadio",
    "velodrome",
    "vélodrome",
    "museum",
    "musée",
    "museo",
    "museu",
    "theatre",
    "theater",
    "théâtre",
    "teatro",
    "schouwburg",
    "cinema",
    "cinéma",
    "kino",
    "bioscoop",
    "station",
    "gare",
    "bahnhof",
    "hauptbahnhof",
    "estación",
    "estação",
    "airport",
    "aéroport",
    "aeropuerto",
    "aeroporto",
    "flughafen",
    "luchthaven",
    "hotel",
    "hôtel",
    "restaurant",
    "restaurante",
    "église",
    "kirche",
    "iglesia",
    "university",
    "université",
    "universität",
    "universidad",
    "universidade",
    "universiteit",
    "hospital",
    "hôpital",
    "krankenhaus",
    "ziekenhuis",
    "library",
    "bibliothèque",
    "bibliothek",
    "biblioteca",
    "bibliotheek",
    "dome",
];

/// Whether `word` names a kind of public place ([`PUBLIC_PLACES`]), or a part
/// of it between hyphens does, or it is a compound ending in one
/// (`Weserstadion`, `Ernst-Happel-Stadion`, `GelreDome`).
fn public_place_word(word: &str) -> bool {
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .split('-')
        .any(|part| {
            one_of(part, PUBLIC_PLACES)
                || part.chars().count() >= 8 && {
                    let lower = part.to_lowercase();
                    PUBLIC_PLACES
                        .iter()
                        .any(|kind| kind.chars().count() >= 4 && lower.ends_with(kind))
                }
        })
}

/// Words that make an address someone's: a person (a pronoun, a referee, a
/// streamer), a possessive, a room, sleeping or staying there, a home or flat,
/// living there, a parcel sent there, a visit, a leak (in the six languages;
/// `me`, `tu`, `ma`, `te` too, though they are often something else: a line
/// with one is read as private).
const PRIVATE_WORDS: &[&str] = &[
    "i",
    "you",
    "u",
    "ur",
    "he",
    "she",
    "him",
    "they",
    "them",
    "hij",
    "zij",
    "ze",
    "hem",
    "jij",
    "je",
    "jullie",
    "er",
    "sie",
    "ihn",
    "ihm",
    "du",
    "dich",
    "dir",
    "euch",
    "il",
    "elle",
    "lui",
    "eux",
    "ils",
    "elles",
    "toi",
    "te",
    "vous",
    "él",
    "ella",
    "ellos",
    "ellas",
    "usted",
    "ti",
    "ele",
    "ela",
    "eles",
    "elas",
    "você",
    "voce",
    "vc",
    "lhe",
    "ref",
    "referee",
    "streamer",
    "arbitre",
    "árbitro",
    "arbitro",
    "schiri",
    "schiedsrichter",
    "scheidsrechter",
    "scheids",
    "my",
    "mine",
    "me",
    "his",
    "her",
    "their",
    "your",
    "yours",
    "home",
    "house",
    "flat",
    "apartment",
    "live",
    "lives",
    "living",
    "send",
    "ship",
    "deliver",
    "parcel",
    "package",
    "mijn",
    "m'n",
    "zijn",
    "z'n",
    "haar",
    "hun",
    "jouw",
    "thuis",
    "huis",
    "woon",
    "woont",
    "woning",
    "stuur",
    "sturen",
    "pakket",
    "mein",
    "meine",
    "meinem",
    "meinen",
    "meiner",
    "dein",
    "deine",
    "deinem",
    "deinen",
    "sein",
    "seine",
    "seinem",
    "seinen",
    "ihre",
    "ihrem",
    "ihren",
    "zuhause",
    "hause",
    "haus",
    "wohnung",
    "wohne",
    "wohnt",
    "schick",
    "schicken",
    "paket",
    "mon",
    "ma",
    "mes",
    "ton",
    "ta",
    "tes",
    "son",
    "sa",
    "ses",
    "leur",
    "chez",
    "maison",
    "appart",
    "appartement",
    "habite",
    "domicile",
    "envoie",
    "envoyer",
    "colis",
    "mi",
    "mis",
    "tu",
    "tus",
    "su",
    "sus",
    "casa",
    "piso",
    "vivo",
    "vive",
    "domicilio",
    "manda",
    "mandar",
    "envía",
    "enviar",
    "paquete",
    "meu",
    "minha",
    "meus",
    "minhas",
    "teu",
    "tua",
    "seu",
    "sua",
    "dele",
    "dela",
    "apartamento",
    "moro",
    "mora",
    "morada",
    "wohn",
    "pacote",
    "encomenda",
    "dox",
    "doxx",
    "leak",
    "leaked",
    "gelekt",
    "geleakt",
    "fuite",
    "filtrado",
    "filtrada",
    "vazou",
    "vazado",
    "knock",
    "klingeln",
    "sonner",
    "aanbellen",
    "timbre",
    "campainha",
    "visit",
    "besuchen",
    "visite",
    "visita",
    "langs",
    "apt",
    "apto",
    "bude",
    "we",
    "us",
    "our",
    "ours",
    "hers",
    "wir",
    "uns",
    "unser",
    "unsere",
    "unserem",
    "unseren",
    "ihr",
    "nous",
    "notre",
    "nos",
    "votre",
    "vos",
    "nosotros",
    "nosotras",
    "nuestro",
    "nuestra",
    "nuestros",
    "vuestro",
    "vuestra",
    "ustedes",
    "vocês",
    "voces",
    "nosso",
    "nossa",
    "nossos",
    "wij",
    "ons",
    "onze",
    "jou",
    "hen",
    "room",
    "zimmer",
    "chambre",
    "habitación",
    "habitacion",
    "quarto",
    "kamer",
    "stays",
    "staying",
    "sleeps",
    "sleeping",
    "pennt",
    "dort",
    "duerme",
    "dorme",
    "slaapt",
    "schläft",
    "schlaeft",
    "klingelt",
    "habites",
    "habitent",
    "habitez",
    "wohnen",
    "wohnst",
    "vivem",
    "moram",
    "moras",
    "vives",
    "vivimos",
    "wonen",
];

/// Words a place's name may hold in lower case (`Estádio da Luz`, `Stade de
/// France`, `Parc des Princes`).
const PLACE_NAME_LINKS: &[&str] = &[
    "de", "da", "do", "das", "dos", "des", "du", "la", "le", "les", "del", "van", "von", "der",
    "den", "het", "of", "the", "am", "an", "di",
];

/// Words that make a place a landmark near an address (`near the Station`,
/// `Neben der Halle`), in the six languages.
const LANDMARK_WORDS: &[&str] = &[
    "near",
    "behind",
    "next",
    "by",
    "from",
    "opposite",
    "across",
    "neben",
    "hinter",
    "bei",
    "nahe",
    "gegenüber",
    "vom",
    "près",
    "derrière",
    "côté",
    "face",
    "cerca",
    "detrás",
    "junto",
    "frente",
    "perto",
    "atrás",
    "lado",
    "naast",
    "achter",
    "bij",
    "tegenover",
    "vlakbij",
];

/// Whether `head` is a public place's name: two to four words, or one
/// compound (`Weserstadion`), written as a
/// name (each capitalised or a [`PLACE_NAME_LINKS`] word, the first
/// capitalised), one for the place's kind ([`public_place_word`]), none for
/// a landmark ([`LANDMARK_WORDS`]).
fn place_name(head: &str) -> bool {
    let words: Vec<&str> = head
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .collect();
    // A lone word only as a compound (`Weserstadion`): `Station, 14 Oak Road`
    // names no place.
    let shaped = match words.as_slice() {
        [] => false,
        [only] => only.chars().count() >= 8 && !one_of(only, PUBLIC_PLACES),
        more => more.len() <= 4,
    };
    shaped
        && words.first().is_some_and(|w| starts_upper(w))
        && words
            .iter()
            .all(|w| starts_upper(w) || one_of(w, PLACE_NAME_LINKS))
        && !words.iter().any(|w| one_of(w, LANDMARK_WORDS))
        && words.iter().any(|w| public_place_word(w))
}

/// [`PRIVATE_WORDS`], looked up in one hash lookup a word.
static PRIVATE_SET: WordSet = WordSet::new(PRIVATE_WORDS);

/// Whether a line gives its addresses (`found`) as a public place's: each
/// follows, after a comma, the place's name ([`place_name`]), which begins the
/// line or follows a colon (`Estadio Santiago Bernabéu, Av. de Concha Espina
/// 1`, `Weserstadion, Franz-Böhmert-Straße 1c`); no name is found but within
/// such a place's, and no word makes an address someone's ([`PRIVATE_WORDS`]).
/// A place named anywhere else is a landmark (`10 min from the station`).
fn public_place(text: &str, found: &[Pii]) -> bool {
    let mut heads: Vec<Range<usize>> = Vec::new();
    for address in found.iter().filter(|f| f.kind == PiiKind::Address) {
        let Some(before) = text[..address.span.start].trim_end().strip_suffix(',') else {
            return false;
        };
        let start = before.rfind(':').map_or(0, |at| at + 1);
        let head = &text[start..before.len()];
        if !place_name(head) {
            return false;
        }
        heads.push(start..before.len());
    }
    let named_elsewhere = found.iter().any(|f| {
        f.kind == PiiKind::Name
            && !heads
                .iter()
                .any(|head| head.start <= f.span.start && f.span.end <= head.end)
    });
    !named_elsewhere
        && !text.split_whitespace().any(|word| {
            let bare = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’');
            // `the ref's`, `Jan's`: someone's; `j'habite`, `they're`: each
            // part of an elision or a contraction.
            bare.ends_with("'s")
                || bare.ends_with("’s")
                || PRIVATE_SET.has(bare)
                || bare.contains(['\'', '’'])
                    && bare.split(['\'', '’']).any(|part| PRIVATE_SET.has(part))
        })
}

/// Verbs for where someone lives, right before an address or a preposition
/// and the address.
const RESIDENCE_VERBS: [&str; 8] = [
    "lives", "vive", "mora", "wohnt", "woont", "habite", "reside", "resides",
];
/// Prepositions between a [`RESIDENCE_VERBS`] verb and the address.
const RESIDENCE_LINKS: [&str; 14] = [
    "at", "on", "in", "en", "na", "no", "em", "am", "an", "op", "aan", "au", "à", "a",
];

/// The bytes of a name from word `from` to word `to` of `words`, a comma or
/// semicolon after it left out.
fn name_span(words: &[(usize, &str)], from: usize, to: usize) -> Range<usize> {
    let (at, last) = words[to];
    words[from].0..at + last.trim_end_matches([',', ';']).len()
}

/// The name right before word `k` of `words` (a line's, [`words_at`]), with a
/// comma between when `comma` (`Sandrine Perret, 14 rue des Tanneurs`): up to
/// four name words ([`name_word`]), one of them capitalised, two at least —
/// one capitalised word before an address is as likely a town or a greeting.
fn name_before(words: &[(usize, &str)], k: usize, comma: bool) -> Option<Range<usize>> {
    if k == 0 || comma && !words.get(k - 1)?.1.ends_with(',') {
        return None;
    }
    let mut i = k;
    let mut capital = false;
    while i > 0 && i + 4 > k {
        if i < k && words[i - 1].1.ends_with(',') {
            break;
        }
        let Some(cap) = name_word(words[i - 1].1) else {
            break;
        };
        capital |= cap;
        i -= 1;
    }
    (capital && k - i >= 2).then(|| name_span(words, i, k - 1))
}

/// Every finding, without overlaps (earlier and longer spans win). National
/// phone numbers are read as numbers of `regions`, and of any region the line
/// names (`(NL)`, `+31`) first.
pub fn find(text: &str, regions: &[Id]) -> Vec<Pii> {
    let mut found = Vec::new();
    plain_emails(text, &mut found);
    spelled_emails(text, &mut found);
    ibans(text, &mut found);
    let hinted = region_hints(text);
    let regions: std::borrow::Cow<'_, [Id]> = if hinted.is_empty() {
        regions.into()
    } else {
        hinted
            .into_iter()
            .filter(|id| !regions.contains(id))
            .chain(regions.iter().copied())
            .collect()
    };
    phones_and_cards(text, &regions, &mut found);
    spelled_phones(text, &regions, &mut found);
    addresses(text, &mut found);
    grid_addresses(text, &mut found);
    recipient_names(text, &mut found);
    if found.iter().any(|f| f.kind == PiiKind::Address) && public_place(text, &found) {
        found.retain(|f| !matches!(f.kind, PiiKind::Address | PiiKind::Name));
    }
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
        find(text, &[Id::US])
            .iter()
            .map(|f| f.kind.as_str())
            .collect()
    }

    #[test]
    fn a_public_place_s_address_after_its_name_is_no_personal_data() {
        for text in [
            "Estadio Santiago Bernabéu, Av. de Concha Espina 1, Madrid: ¿abren la puerta 44?",
            "for anyone driving: Weserstadion, Franz-Böhmert-Straße 1c, 28205 Bremen",
            "Stade Pierre-Mauroy, 261 boulevard de Tournai, 59650 Villeneuve-d'Ascq",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
        // A landmark, a person, a home, a visit: the address is someone's.
        for text in [
            "Near the Station, 12 Elm Street, knock twice",
            "Jenny Hall, 14 Oak Road, Leeds LS6 2AB",
            "wohn neben der Halle, Am Mühlbach 5a, 35578 Wetzlar",
            "Weserstadion, Franz-Böhmert-Straße 1c, 28205 Bremen, da wohnt der Schiri",
            "Jenny Arena, 14 Oak Road, Leeds LS6 2AB",
            "Pieter van der Kerk, Dorpsstraat 12, 8081 AB Elburg",
            "Station, 14 Oak Road, Leeds LS6 2AB",
            "Kino Central, 14 Oak Road, Leeds LS6 2AB, we're all going round tonight",
            "Grand Hotel, 1 King's Road, Brighton BN1 2FW, room 214, keeper stays there",
            "the keeper sleeps at Hotel Krone, Hauptstraße 3, 35578 Wetzlar",
            "Stade Vélodrome, 3 boulevard Michelet, 13008 Marseille, allez sonner chez lui",
            "10 min from the stadium: 27 Wellington Road, Leeds LS6 2AB",
        ] {
            assert!(
                kinds(text).contains(&"address"),
                "{text}: {:?}",
                kinds(text)
            );
        }
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
        // At a provider, under its country's generic domain; a site named
        // aloud is no address.
        assert_eq!(
            kinds("email: rafa-lima at uol ponto com ponto br"),
            ["email"]
        );
        assert!(kinds("all the highlights at globo dot com dot br").is_empty());
        assert!(kinds("full story at bbc dot co dot uk").is_empty());
        // Backwards, whole; not a handle with a word that reads backwards as a
        // top-level domain (`evil`, `ten`, `oi`).
        for (text, address) in [
            (
                "read it backwards: moc.liamg@88nedlog",
                "moc.liamg@88nedlog",
            ),
            ("al revés: ed.xmg@ardnas", "ed.xmg@ardnas"),
            ("moc.liamtoh@0102_ordep", "moc.liamtoh@0102_ordep"),
        ] {
            let found = find(text, &[Id::US]);
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(&text[found[0].span.clone()], address);
        }
        for text in [
            "go.team@stream tonight",
            "ed.xyz@ardnas",
            "evil.geniuses@worlds",
            "ten.hag@out trending",
            "oi.galera@todos",
        ] {
            assert!(kinds(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_name_before_a_verb_for_living_at_an_address_is_masked() {
        for (text, secrets) in [
            (
                "mi primo Diego Fernández vive en Calle Larios 8, 29005 Málaga",
                ["Diego Fernández", "Larios 8"],
            ),
            (
                "Ik ben Femke Visser, Lange Nieuwstraat 9, 3512 PE Utrecht",
                ["Visser", "Lange"],
            ),
            (
                "Jan de Vries woont op Keizersgracht 12, 1015 CS Amsterdam",
                ["Vries", "Keizersgracht 12"],
            ),
        ] {
            let out = mask(text, &find(text, &crate::DEFAULT_PHONE_REGIONS));
            for secret in secrets {
                assert!(!out.contains(secret), "{text} -> {out}");
            }
        }
        // One word is as likely a town or a greeting.
        let text = "Madrid vive en Calle Larios 8, 29005 Málaga";
        assert!(mask(text, &find(text, &crate::DEFAULT_PHONE_REGIONS)).starts_with("Madrid vive"));
    }

    fn nothing_found(text: &str) {
        let found = find(text, &crate::DEFAULT_PHONE_REGIONS);
        assert!(found.is_empty(), "{text}: {found:?}");
    }

    fn masked_everywhere(text: &str, secret: &str, kind: &str) {
        let found = find(text, &crate::DEFAULT_PHONE_REGIONS);
        let masked = mask(text, &found);
        assert!(!masked.contains(secret), "{text} -> {masked}");
        assert!(
            found.iter().any(|f| f.kind.as_str() == kind),
            "{text}: {found:?}"
        );
    }

    #[test]
    fn addresses_written_around_the_filters() {
        for (text, secret) in [
            ("mail ana (at) mail (dot) com", "ana (at) mail (dot) com"),
            (
                "schreib jonas.becker [at] web [punkt] de",
                "jonas.becker [at] web [punkt] de",
            ),
            (
                "sofi punto galvan arroba yahoo punto es ok",
                "sofi punto galvan arroba yahoo punto es",
            ),
            (
                "x k e v i n . w e b e r @ g m x . d e y",
                "k e v i n . w e b e r @ g m x . d e",
            ),
            (
                "carla.m @ outlook . com . br, ela",
                "carla.m @ outlook . com . br",
            ),
            (
                "nico.vdb{at}skynet{dot}be pour",
                "nico.vdb{at}skynet{dot}be",
            ),
            (
                "mail: lotte punt visser apenstaartje ziggo punt nl",
                "lotte punt visser apenstaartje ziggo punt nl",
            ),
            (
                "lukas Klammeraffe posteo Punkt de",
                "lukas Klammeraffe posteo Punkt de",
            ),
            (
                "manon point lefebvre arobase laposte point net",
                "manon point lefebvre arobase laposte point net",
            ),
            (
                "t.jansen ( at ) kpnmail ( punt ) nl",
                "t.jansen ( at ) kpnmail ( punt ) nl",
            ),
            (
                "marie_schulz bei gmail punkt com",
                "marie_schulz bei gmail punkt com",
            ),
            ("write ana at gmail.com", "ana at gmail.com"),
            // Signs in disguise: brackets round one letter or a dot, quotes,
            // tildes, dashes, hyphens, digits for letters, emoji, `ät`.
            (
                "pro bia_cruz (a) gmail (.) com",
                "bia_cruz (a) gmail (.) com",
            ),
            ("sven_hsv [ät] gmx [.] de für", "sven_hsv [ät] gmx [.] de"),
            ("k.ng 'at' outlook 'dot' com", "k.ng 'at' outlook 'dot' com"),
            (
                "lucy.b ~at~ hotmail ~dot~ com",
                "lucy.b ~at~ hotmail ~dot~ com",
            ),
            (
                "jan.p -ät- mailbox -punkt- org",
                "jan.p -ät- mailbox -punkt- org",
            ),
            (
                "tom-dot-reeves-at-protonmail-dot-com",
                "tom-dot-reeves-at-protonmail-dot-com",
            ),
            (
                "nacho.bets - arroba - proton - punto - me",
                "nacho.bets - arroba - proton - punto - me",
            ),
            (
                "jorge.bm arr0ba yah00 punt0 es",
                "jorge.bm arr0ba yah00 punt0 es",
            ),
            ("joe_fx 📧 gmail ⚫ com for", "joe_fx 📧 gmail ⚫ com"),
            ("enzo.l🔸free🔸fr 🔸 = @", "enzo.l🔸free🔸fr"),
            (
                "marco.huber ät gmx punkt at grüße",
                "marco.huber ät gmx punkt at",
            ),
            (
                "send it to becca_lfc at gmail com",
                "becca_lfc at gmail com",
            ),
            (
                "lieke.vos bij gmail punt com voor",
                "lieke.vos bij gmail punt com",
            ),
            ("mail ana at gmx de", "ana at gmx de"),
            ("dm me or ana.souza at me com", "ana.souza at me com"),
            ("mail me at tom at me com", "tom at me com"),
            ("stuur naar sanne at live nl", "sanne at live nl"),
            ("marie_l at orange fr ou", "marie_l at orange fr"),
            ("rita 📧 sapo pt manda msg", "rita 📧 sapo pt"),
            ("contacto: rita ＠ sapo pt", "rita ＠ sapo pt"),
            ("hit me up jess_22 at live ca", "jess_22 at live ca"),
            ("mail: ana.souza at live com", "ana.souza at live com"),
            (
                "joris.m apestaart skynet punt be",
                "joris.m apestaart skynet punt be",
            ),
        ] {
            masked_everywhere(text, secret, "email");
        }
        for text in [
            "gol en casa, 2-1 🔥 top",
            "my profile pic 📸 is new ⚽ lol",
            "it's ~at~ least 3 goals",
            "check the score at espn.com tonight",
            "I was at Anfield. It was loud",
            "meet at the ground dot",
            "we are at home. see you",
            "kick-off at 19.45",
            "the @ sign and @handles",
            // Everyday words that name providers, with no dot: `me`, `live`.
            "they laughed at me so hard",
            "she waved at me in the crowd",
            "look at me go",
            "eso 🤡 me lo creo",
            "qué torpe soy, le di a vender en vez de comprar 🤡 me lo merezco",
            "watch them at live tv tonight",
            "meet at free tv later",
            "ajuda 🙏 me com essa fase que eu travei",
            "bora 🔴 live de CS hoje às 20h",
            "la 👉 web de Movistar no va",
        ] {
            assert!(
                find(text, &crate::DEFAULT_PHONE_REGIONS).is_empty(),
                "{text}"
            );
        }
    }

    #[test]
    fn hundreds_said_before_digits_written_as_digits_do_not_panic() {
        // The hundreds' zeros are read after the digits that follow them, from
        // an earlier word: the run's span is every word it came from.
        for text in [
            "From, para, fifty-two, 8847 on-le  un. con, cent. and. 3954",
            "nine hundred 3954 271",
            "quatre cent et 612 345 678",
            "cento e 912 345 678",
        ] {
            for f in find(text, &crate::DEFAULT_PHONE_REGIONS) {
                assert!(text.get(f.span.clone()).is_some(), "{text}: {f:?}");
            }
        }
    }

    #[test]
    fn national_numbers_of_many_regions_spelled_split_and_hinted() {
        for (text, secret) in [
            ("mijn nummer is 06 12 87 45 93, na 6 uur", "06 12 87 45 93"),
            ("bin aus Basel, 079.482.16.53 wer kommt", "079.482.16.53"),
            ("069-90009-238 ist mein Festnetz", "069-90009-238"),
            ("zap: (11) 98765-4321", "(11) 98765-4321"),
            ("bel 0031.6.47.25.81.36 of mail", "0031.6.47.25.81.36"),
            (
                "o meu contacto é 923 456 781, indicativo +244",
                "923 456 781",
            ),
            (
                "my number is oh seven seven double oh 900 552, call",
                "oh seven seven double oh 900 552",
            ),
            (
                "mobil null eins sieben zwei 99 80 752, am besten",
                "null eins sieben zwei 99 80 752",
            ),
            ("nul zes 58 32 71 40 bellen", "nul zes 58 32 71 40"),
            (
                "mi número es tres cero cero 482 9157, soy de Bogotá (+57)",
                "tres cero cero 482 9157",
            ),
            // All in words, at length; `um`/`een` as one between number words;
            // commas between digits read out.
            (
                "bel nul zes, vijfenvijftig, twaalf, drieëntachtig, zeventig",
                "nul zes, vijfenvijftig, twaalf, drieëntachtig, zeventig",
            ),
            (
                "mandem sms: nove, um, seis, dois, três, quatro, cinco, sete, oito",
                "nove, um, seis, dois, três, quatro, cinco, sete, oito",
            ),
            (
                "tel zero six soixante-quinze, 31, 08, quatre-vingt-huit ok",
                "zero six soixante-quinze, 31, 08, quatre-vingt-huit",
            ),
            // Hundreds spoken as such.
            (
                "nove seis dois, cento e vinte e três, quatrocentos e cinquenta manda",
                "nove seis dois, cento e vinte e três, quatrocentos e cinquenta",
            ),
            (
                "null sieben neun, vierhundertzwölf, sechsundfünfzig, dreißig (Schweiz)",
                "null sieben neun, vierhundertzwölf, sechsundfünfzig, dreißig",
            ),
            (
                "zéro septante-huit, trois cent nonante, quinze, huitante-deux Lausanne",
                "zéro septante-huit, trois cent nonante, quinze, huitante-deux",
            ),
            // Read out in pairs, tens spelled.
            (
                "mon numéro : zéro six 39 98 cinquante-deux 18, envoie un sms",
                "zéro six 39 98 cinquante-deux 18",
            ),
            (
                "appelle le 06 quatre-vingt-dix-huit 47 vingt-et-un 33",
                "06 quatre-vingt-dix-huit 47 vingt-et-un 33",
            ),
            (
                "llámame al 612 cincuenta y dos 48 31, después del partido",
                "612 cincuenta y dos 48 31",
            ),
            (
                "bel me: nul zes 12 tweeënvijftig 88 40",
                "nul zes 12 tweeënvijftig 88 40",
            ),
            (
                "o meu número (PT) é nove três sete, 410 285, manda mensagem",
                "nove três sete, 410 285",
            ),
            (
                "ruf an: 0151 23 zweiundfünfzig 18 90",
                "0151 23 zweiundfünfzig 18 90",
            ),
            (
                "mon 06 : zéro six 12 dix-sept 48 trente et un",
                "zéro six 12 dix-sept 48 trente et un",
            ),
            (
                "call oh-seven-seven double-oh 900 552 tonight",
                "oh-seven-seven double-oh 900 552",
            ),
            (
                "mijn 06: nul zes 12 negenennegentig 88 40",
                "nul zes 12 negenennegentig 88 40",
            ),
            (
                "ruf an: null eins fünf zwei 33 zweiundfünfzig 18 90",
                "null eins fünf zwei 33 zweiundfünfzig 18 90",
            ),
        ] {
            masked_everywhere(text, secret, "phone");
        }
        for text in [
            "2-1 at half time, 3-0 now, 1-1 earlier",
            "1.250.000 viewers on the stream",
            "one two three four five six seven: the countdown",
            "1 2 3 4 5 6 7 8 9 10 coming ready or not",
            "10 9 8 7 6 5 4 3 2 1 happy new year!!",
            "tien negen acht zeven zes vijf vier drie twee een",
            "dez nove oito sete seis cinco quatro três dois um",
            "version 1.12.3 of the app",
            "odds 2.50 / 3.40 / 2.90",
            "onze spits scoorde 2 keer in 11 minuten",
            "dertig 21 12, wat een uitslag",
            "one-two 3-1 at the break",
            "quinze 15 15 au tennis",
            "fifty-fifty ball, 1-1 after 90 minutes",
            "vingt-deux minutes, 2-0, quel match",
        ] {
            nothing_found(text);
        }
    }

    #[test]
    fn match_chat_is_not_personal_data() {
        for text in [
            "Finale am 19/07/2026 in Berlin",
            "Finale am 14.07.2026",
            "kick-off 2026-12-03 at 20:00",
            "temporada 2025-2026, la mejor",
            "Saison 2025/2026 wird hart",
            "World Cups 2010 2014 2018",
            "odds 2.50/3.40/2.90 for the draw",
            "results so far 1-1 2-2 0-0 3-1",
            "we play 4-3-3 4-2-3-1 in the second half",
            "1 250 000 spectateurs devant la télé",
            "12 000 000 views already",
            "le 12 sept. 2026 au stade",
            "He was at his best at that point in the game",
            "Honestly at this point it's over",
            "Der Schiri lag bei diesem Punkt so falsch",
            "Marseille est solide chez lui point de vue défense",
            "St Pauli 2 Hamburg 1",
            "Wir sind auf Tabellenplatz 3",
            "on finit à la 3e place du classement",
            "Scoring 2 in a final is special",
            "match id 7781234590 if anyone wants the demo",
            "club shop order #40018823 still hasn't shipped",
            "Match-ID 7748213094 falls ihr die demo anschauen wollt",
            "bestelnummer 5821047733 van de fanshop",
            "ID du match : 5882019347 pour revoir la partie",
            "ma commande n° 1029384756 arrive toujours pas",
            "pedido nº 612345678 ainda não chegou",
            "el id de la partida es 7730192846 por si la quieren ver",
            "ingresso 2024-88113, vale pra arquibancada norte?",
            "invoice INV-2024-00318 for the cooking class came through",
            "my order #A-77319204 still says processing",
            "pedido BR20458833 chegou sem o molho",
            "mon colis 6A20938475112 est bloqué",
            "factuurnummer 2024-00317 klopt niet",
            "fatura FT 2024/1187 ainda não apareceu",
            "Bestellnummer 302-8841736-2291045, Hoodie seit fünf Wochen unterwegs",
            "bestellnr 0172 338 91 04 steht auf der rechnung",
            "bet slip 2271-0098-4415 cashed out at half time",
            "réf lot 06 12 34 87 55 c'est la montre Lip ?",
            "mijn betslip 0648-221-907, 3 van de 4 goed",
            "meu bilhete da aposta era 9183 4420 1177",
            "el ISBN del manual es 978-84-9104-552-3 por si acaso",
            "Los-Nr. 0176 3382 ist die Meißner Vase oder?",
            "bonnetje 7731-0612-4498 staat nog open",
            "receipt 0161 496 0732 from the club shop",
            "bingo! 7 11 23 42 68 on my card",
            "Lotto: 3 11 19 27 36 44 Superzahl 5, wieder nix",
            "la primitiva: 5 12 33 41 49 y el complementario 7, nada otra vez",
            "Lottozahlen vom Samstag: 03 11 19 27 36 44",
            "Lotto am Samstag: 3 11 19 27 36 44",
            "my bingo card 7 11 23 42 68",
            "Loto : 6 13 24 35 41 chance 8, encore rien",
        ] {
            nothing_found(text);
        }
        // A name or a phone's word between a label and the number ends the label's
        // reach: a brand's name cannot be told from a person's.
        for (text, secret) in [
            ("booking: Tom Hardy 07911 123456", "07911 123456"),
            ("Reservierung Tel. 030 12345678", "030 12345678"),
            ("Bestellung: Handy 0176 12345678", "0176 12345678"),
            ("Bien reçu, mon 06 12 34 56 78 si besoin", "06 12 34 56 78"),
        ] {
            masked_everywhere(text, secret, "phone");
        }
        // A thing's lot is no label for a phone ("thanks a lot").
        masked_everywhere("thanks a lot 0612345678 bel me", "0612345678", "phone");
        masked_everywhere("mijn telnr 0612345678", "0612345678", "phone");
        // A draw's game before a number that is no draw, or a French number
        // that rises: still a phone.
        masked_everywhere("bingo! 07700 900123 text me", "07700 900123", "phone");
        masked_everywhere(
            "loto: 06 12 34 56 78 pour la cagnotte",
            "06 12 34 56 78",
            "phone",
        );
        masked_everywhere("appelle-moi au 06 07 08 09 10", "06 07 08 09 10", "phone");
        masked_everywhere(
            "won the lotto lol, text me 6 23 45 67 89",
            "6 23 45 67 89",
            "phone",
        );
        // A label does not hide a number written internationally, nor does
        // `number` or its translations label an identifier.
        masked_everywhere("order +31 6 12345678 whatsapp", "+31 6 12345678", "phone");
        masked_everywhere("mijn nummer 0612345678 bel me", "0612345678", "phone");
        masked_everywhere(
            "liga-me depois do jogo: 912-345-678",
            "912-345-678",
            "phone",
        );
        masked_everywhere("mijn telefoonnummer 0612345678", "0612345678", "phone");
        masked_everywhere(
            "+52 1 33 1742 8856 mándame mensaje",
            "+52 1 33 1742 8856",
            "phone",
        );
        masked_everywhere("Handynummer: 0151 23456789", "0151 23456789", "phone");
        // Nor do a phone's own abbreviations, a lone letter or `#` alone make a code.
        for (text, secret) in [
            ("tel0612345678 na de wedstrijd", "0612345678"),
            ("WA-0612345678 bel me", "0612345678"),
            ("x0612345678 bel me", "0612345678"),
            ("call me #0612345678 later", "0612345678"),
            ("mijn 06-nummer is 0612345678", "0612345678"),
            ("Festnetznummer 030 1234567", "030 1234567"),
        ] {
            masked_everywhere(text, secret, "phone");
        }
        // Numbers in threes are still phone numbers; a hint list stays short.
        masked_everywhere("cel 612.345.678 ya", "612.345.678", "phone");
        let noisy = format!("{} 2000000000, 2000000001", "+1".repeat(500));
        assert!(region_hints(&noisy).len() <= MAX_HINTED_REGIONS);
        for (text, secret) in [
            (
                "au 12 rue du Faubourg Saint Antoine ce soir",
                "12 rue du Faubourg Saint Antoine",
            ),
            ("vivo en Calle Mayor 27.", "Calle Mayor 27"),
        ] {
            masked_everywhere(text, secret, "address");
        }
    }

    #[test]
    fn grid_addresses_with_a_plate() {
        for (text, address) in [
            (
                "Carrera 7 # 45-12, Bogotá, ahí nos vemos",
                "Carrera 7 # 45-12",
            ),
            (
                "mándalo a la Calle 80A sur No. 10-25 en Medellín",
                "Calle 80A sur No. 10-25",
            ),
            ("cra 15 #93-47 apto 301", "cra 15 #93-47"),
        ] {
            masked_everywhere(text, address, "address");
        }
        for text in [
            "AC 2 # 1-0 al descanso",
            "AC 2 # 25-23 en el tercer set",
            "la calle 8 estaba llena, ganamos 3-1",
            "Calle 13 #10-15 años",
            "Calle 13 no 12-15 canciones",
        ] {
            nothing_found(text);
        }
    }

    #[test]
    fn street_addresses() {
        for (text, secret) in [
            (
                "schickt an Schillerstraße 41, 8010 Graz, bitte",
                "Schillerstraße 41",
            ),
            (
                "from 27 Linden Grove, Stockport SK4 3BW, all weekend",
                "27 Linden Grove",
            ),
            (
                "passez au 14 rue des Tanneurs, 67000 Strasbourg",
                "14 rue des Tanneurs",
            ),
            (
                "j'habite 3 bis avenue Foch 13004 Marseille",
                "3 bis avenue Foch",
            ),
            ("vivo en Calle Mayor 27, 2º izquierda", "Calle Mayor 27"),
            ("ophalen, Lindelaan 47, 3524 KD Utrecht", "Lindelaan 47"),
            (
                "casa: Rua Doutor Almeida Lima, 1134, apto 52",
                "Rua Doutor Almeida Lima, 1134",
            ),
            (
                "stuur naar sint-jansstraat 8 bus 2, 3500 hasselt",
                "sint-jansstraat 8",
            ),
            (
                "a calle de la esperanza 14, 3ºB, 28012 madrid",
                "calle de la esperanza 14",
            ),
            (
                "moro na rua de cedofeita 214, 3º esq, 4050-174 porto",
                "rua de cedofeita 214",
            ),
            (
                "bitte an Ottakringer Straße 112/5, 1160 Wien",
                "Ottakringer Straße 112/5, 1160",
            ),
            (
                "schicken: Hauptplatz 7/2/14, 4020 Linz, oder",
                "Hauptplatz 7/2/14, 4020",
            ),
            (
                "mijn adres is Van Speijkstraat 88-II, 1057 HN Amsterdam",
                "Speijkstraat 88-II, 1057 HN",
            ),
            (
                "vivo en Av. Providencia 1650, depto 1204",
                "Av. Providencia 1650",
            ),
            // In lower case: a postcode with letters must follow.
            (
                "i'm at 14 kingfisher close, ipswich ip4 3rt, drop it off",
                "14 kingfisher close",
            ),
            (
                "send it to 31 mill lane, leeds ls6 2hb cheers",
                "31 mill lane",
            ),
            (
                "woon op molenstraat 27, 5261 bk vught",
                "molenstraat 27, 5261 bk",
            ),
            ("vivo en calle Alcalá 214, 3ºB", "calle Alcalá 214"),
            // A street word that is an everyday word or an abbreviation, with a
            // UK postcode or a US state and ZIP code after it.
            (
                "my address is 221 Baker St, London NW1 6XE",
                "221 Baker St, London NW1 6XE",
            ),
            (
                "parcel goes to 14 harbour row, whitby YO21 3PU please",
                "14 harbour row, whitby YO21 3PU",
            ),
            (
                "my nan's at 2210 Maple Ridge Dr, Columbus OH 43215, send the card",
                "2210 Maple Ridge Dr, Columbus OH 43215",
            ),
            // German street names that start with a preposition.
            (
                "wohn neben der halle, am mühlbach 5a, 35578 wetzlar",
                "am mühlbach 5a, 35578",
            ),
            (
                "ich wohne An der Alten Mühle 3, 35578 Wetzlar",
                "An der Alten Mühle 3, 35578",
            ),
        ] {
            masked_everywhere(text, secret, "address");
        }
        // Counts are no addresses.
        for text in [
            "3 in a row, what a team",
            "10 min walk from the park",
            "4 wins in a row, 2025 is our year",
            "5 min walk, 2000 of us marched",
            "im spiel 3, 2024 tore",
            "am ende 2, 10000 fans",
            "im top 3, 24567 viewers lol",
            "i am rank 2, 15400 points behind",
        ] {
            assert!(
                find(text, &crate::DEFAULT_PHONE_REGIONS).is_empty(),
                "{text}"
            );
        }
        // A phone number right after a lower-case address is no second postcode.
        let text = "send it to 31 mill lane, leeds ls6 2hb 0113 245 6789";
        let masked = mask(text, &find(text, &crate::DEFAULT_PHONE_REGIONS));
        assert!(
            !masked.contains("6789") && !masked.contains("mill lane"),
            "{masked}"
        );
        // The people named as recipients or account holders beside them.
        for (text, secret) in [
            (
                "voor de pot: NL48 RABO 0315 4829 61 tnv K. de Wit, bedankt",
                "K. de Wit",
            ),
            ("pay GB29 NWBK 6016 1331 9268 19, name J Patel", "J Patel"),
            (
                "livrez à Sandrine Perret, 14 rue des Tanneurs, 67000 Strasbourg",
                "Sandrine Perret",
            ),
            (
                "Paket an Lindenstraße 14a, 80331 München, z. Hd. Tobias Rauch",
                "Tobias Rauch",
            ),
            // In lower case, after a marker.
            (
                "voor de telescoop: NL77 RABO 0318 4577 20 t.n.v. m. jansen, dankjewel!!",
                "m. jansen",
            ),
            (
                "bitte auf AT86 2011 1829 1736 4501 überweisen, lautend auf maria huber",
                "maria huber",
            ),
            ("NL48 RABO 0315 4829 61 tnv k. de wit", "k. de wit"),
            ("NL48 RABO 0315 4829 61 tnv de vries", "de vries"),
            ("NL48 RABO 0315 4829 61 t.n.v. m. Jansen", "m. Jansen"),
            (
                "NL48 RABO 0315 4829 61 t.n.v. j. van der berg",
                "j. van der berg",
            ),
        ] {
            masked_everywhere(text, secret, "name");
        }
        // A trailing full stop is no end of the name's reading.
        let text = "AT86 2011 1829 1736 4501, lautend auf maria huber.";
        let masked = mask(text, &find(text, &crate::DEFAULT_PHONE_REGIONS));
        assert!(!masked.contains("huber"), "{masked}");
        // Common words after a marker are no name.
        let text = "storten op NL48 RABO 0315 4829 61, naam maakt niet uit";
        let masked = mask(text, &find(text, &crate::DEFAULT_PHONE_REGIONS));
        assert!(masked.contains("naam maakt niet uit"), "{masked}");
        // Without an IBAN or an address, a marker's words are left alone.
        nothing_found("lautend auf maria huber steht der vertrag");
        // A name stops at the address, which stays masked.
        let text = "t.a.v. Jan Jansen Keizersgracht 12, 1015 CX Amsterdam";
        let masked = mask(text, &find(text, &crate::DEFAULT_PHONE_REGIONS));
        assert!(!masked.contains("Keizersgracht 12"), "{masked}");
        assert!(!masked.contains("Jan Jansen"), "{masked}");
        // Names rustrict reads in part are names; swearing is not.
        masked_everywhere(
            "schick das trikot an Lisa Hoffmann, Gartenweg 4a, 1100 Wien",
            "Lisa Hoffmann",
            "name",
        );
        let text = "IBAN DE27 1005 0000 0193 8842 17, name Wichser Arschloch";
        assert!(
            !find(text, &[]).iter().any(|f| f.kind == PiiKind::Name),
            "{text}"
        );
        // Not without an address or an IBAN, nor a single word before one.
        assert!(kinds("name J Patel please").is_empty());
        assert_eq!(kinds("vivo en Madrid, Calle Mayor 27"), ["address"]);
        for text in [
            "Road to the final: 3 wins left",
            "he plays on the wing, 27 goals this season",
            "Wankdorf 2 stands full",
            "Laan van NOI is close",
            "Anfield Road 2-1 at the break",
            "Wembley 3-1 Ring of Fire",
            "10 minutes drive, 15000 fans were there",
            "2 laps down the road, 3 to go",
            "2 laps down the road, 1500 km to go",
            "so close Salah 2-1 now",
            "what a drive Verstappen 1 lap left",
            "de marathonweg 5 km, 2000 lopers op de baan",
            "the road 2 wins from glory, 2000 fans waiting",
            "so close to 3 points, 2024 champions again",
            "hij is weg na 2 minuten, 2000 fans boos",
            "bitcoin on the road to 100k, 2025 looks bullish",
            "al onderweg 2 uur, 2000 fans wachten",
            "Wall Street 2024 outlook is grim",
            "Spurs lost at White Hart Lane 3 times",
            "match 2 bis avenue, pas de buts",
            "2, bis rue de la gare",
        ] {
            nothing_found(text);
        }
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
        // Read out digit by digit, split by dashes or emoji, as keycaps.
        for text in [
            "0 6 1 2 3 4 5 6 7 8 snel",
            "0 1 5 1 - 4 4 0 2 - 9 3 8 7 SMS",
            "06 12 💥 34 💥 56 💥 78 lol",
            "0️⃣6️⃣ 1️⃣2️⃣ 3️⃣4️⃣ 5️⃣6️⃣ 7️⃣8️⃣ appen",
            "mon gsm 0476/12.34.56 le soir",
            // Dotted in threes like thousands, but after a trunk prefix.
            "07.700.900.812 is the new one",
        ] {
            let found: Vec<&str> = find(text, &crate::DEFAULT_PHONE_REGIONS)
                .iter()
                .map(|f| f.kind.as_str())
                .collect();
            assert_eq!(found, ["phone"], "{text}");
        }
        // A padded figure has fewer digits than a phone number.
        nothing_found("attendance 07.500.000");
        nothing_found("gastaron 03.750.000 en fichajes");
        for text in ["we play 4-3-3 4-2-3-1 later", "1-1 2-2 0-0 3-1 this week"] {
            assert!(kinds(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn set_scores_case_numbers_and_codes_are_not_phones_in_any_region() {
        for text in [
            "6-4 3-6 7-6(5), what a match",
            "sets 25-21 19-25 15-13",
            "minutes 2024/0317 are online",
            "resolution 2024-06-117 adopted",
            "complaint 2024/00381-7 still open",
            "az 2 KLs 401 Js 17342/23 für alle",
            "causa 2387/2022 del juzgado penal 14",
            "le dossier est enregistré sous le n° RG 23/04517",
            "tracking says 1Z 4F8 327 03 9165 2280, still not here",
            "la gorra viene con seguimiento LX 508 311 204 MX, llega el viernes",
            "parketnummer 09/847312-23",
        ] {
            nothing_found(text);
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
    fn cards_need_luhn_and_ibans_mod_97_or_their_country_s_shape() {
        assert_eq!(kinds("card 4111 1111 1111 1111 exp"), ["card"]);
        assert!(kinds("card 4111 1111 1111 1112")
            .iter()
            .all(|k| *k != "card"));
        assert_eq!(kinds("iban GB82 WEST 1234 5698 7654 32 thanks"), ["iban"]);
        assert_eq!(kinds("DE89370400440532013000"), ["iban"]);
        // One digit off is still someone's account; another length or an
        // unknown country is no IBAN.
        assert_eq!(kinds("GB82 WEST 1234 5698 7654 33"), ["iban"]);
        assert_eq!(kinds("auf DE27 1005 0000 0193 8842 17, danke"), ["iban"]);
        assert_eq!(kinds("sur FR76 3000 4028 3700 0102 4567 891 et"), ["iban"]);
        assert!(kinds("GB82 WEST 1234 5698 7654 3").is_empty());
        // Cards written in other groups are still cards.
        assert_eq!(kinds("card 4111 11 11 1111 1111"), ["card"]);
        assert!(kinds("XX82 1234 5678 9012 3456 78").is_empty());
        assert!(kinds("código de rastreio NL837261945BR e nada de chegar").is_empty());
        // A prefix that passes mod-97 by chance does not end the IBAN early.
        assert!(
            !iban_ok("GB03LOYD30963458"),
            "16 characters is no British IBAN"
        );
        let text = "pay me, iban GB03 LOYD 3096 3458 2730 19, name j";
        assert_eq!(
            mask(text, &find(text, &[Id::GB])),
            "pay me, iban [iban], name j"
        );
    }

    #[test]
    fn masking_replaces_spans() {
        let text = "ada@example.com or +44 20 7946 0958";
        let found = find(text, &[Id::US]);
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
                let found = find(&text, &[Id::US]);
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
                let masked = mask(&text, &find(&text, &[Id::US]));
                prop_assert!(!masked.contains(&email), "{} -> {}", text, masked);
                prop_assert!(masked.contains("[email]"));
                // A Visa test number with valid Luhn, split as people write it.
                let card = "4111 1111 1111 1111";
                let text = format!("{before} {card} {after}");
                let masked = mask(&text, &find(&text, &[Id::US]));
                prop_assert!(!masked.contains(card), "{} -> {}", text, masked);
            }
        }
    }
}
