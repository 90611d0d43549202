//! Identity numbers and dates of birth, found by the words that name them:
//! a number a label calls a national identity, tax, social security or
//! passport number, or a bank's sort code and the account after it (`mijn BSN
//! is 284719305`, `DNI 12.345.678`, `my NI number is QQ 12 34 56 C`, `numéro de
//! sécu 1 85 07 75 123 456 78`, `sort code 40-12-76 acc 31926819`), and a
//! date of birth: one's own or one's child's (`I was born on 3 May 1995`, `ich
//! bin am 14.03.1998 geboren`, `mi hija nació el …`), or after a form's label
//! (`DOB: 14/03/1998`, `Geburtsdatum 14.03.1998`), with the name written right
//! before it (`Lukas Brandt, DOB 14.03.1998`). A famous person's or a club's
//! (`Messi, born 24 June 1987`, `Ajax, geboren op 18 maart 1900`) is trivia,
//! and a birthday this year a party. Without its label a number is left to
//! the other readings (phones, cards, IBANs): most numbers in chat are scores,
//! prices and codes.

use std::ops::Range;

use super::{name_before, one_of, words_at, Pii, PiiKind, WordSet};

/// Labels of identity numbers, one word, in any case.
const ID_LABELS: [&str; 45] = [
    // English
    "ssn",
    "passport",
    // German
    "steuer-id",
    "steuerid",
    "steuernummer",
    "steueridentifikationsnummer",
    "personalausweis",
    "personalausweisnummer",
    "ausweisnummer",
    "ausweis",
    "perso",
    "sozialversicherungsnummer",
    "versicherungsnummer",
    "reisepass",
    "passnummer",
    "führerschein",
    "führerscheinnummer",
    // Dutch
    "bsn",
    "burgerservicenummer",
    "sofinummer",
    "sofi",
    "rijksregisternummer",
    "paspoortnummer",
    "paspoort",
    "identiteitskaart",
    "id-kaart",
    "rijbewijs",
    "rijbewijsnummer",
    // Spanish
    "dni",
    "cuil",
    "cuit",
    "curp",
    "cédula",
    "cedula",
    "pasaporte",
    // Portuguese
    "cpf",
    "contribuinte",
    "passaporte",
    "niss",
    "cnh",
    // French
    "sécu",
    "secu",
    "passeport",
    "vitale",
    "nir",
];
static ID_LABEL_SET: WordSet = WordSet::new(&ID_LABELS);

/// Labels that are also everyday words or other abbreviations (`nie` is
/// German for never, `ni` Spanish for nor, `cc` a copy, `rg` good game):
/// read only in capitals, and not in a line written in capitals.
const ID_LABELS_CAPS: [&str; 10] = [
    "NI", "NINO", "NIE", "NIF", "NSS", "RG", "CC", "AHV", "SVNR", "CNI",
];

static ID_CAPS_SET: WordSet = WordSet::new(&ID_LABELS_CAPS);

/// Labels of more than one word, the small words between left out (`cartão
/// de cidadão`, `numéro de sécurité sociale`).
const ID_PHRASES: [[&str; 2]; 12] = [
    ["social", "security"],
    ["steuer", "id"],
    ["national", "insurance"],
    ["tax", "id"],
    ["seguridad", "social"],
    ["seguro", "social"],
    ["segurança", "social"],
    ["seguranca", "social"],
    ["sécurité", "sociale"],
    ["securite", "sociale"],
    ["cartão", "cidadão"],
    ["numéro", "fiscal"],
];

/// The first words of [`ID_PHRASES`] and [`SORT_CODE`].
const PHRASE_FIRSTS: [&str; 14] = [
    "social",
    "national",
    "tax",
    "seguridad",
    "seguro",
    "segurança",
    "seguranca",
    "sécurité",
    "securite",
    "cartão",
    "numéro",
    "sort",
    "sortcode",
    "steuer",
];
static PHRASE_FIRST_SET: WordSet = WordSet::new(&PHRASE_FIRSTS);

/// A bank's sort code: its account is labelled after it (`acc`).
const SORT_CODE: [&str; 2] = ["sort", "code"];

/// Labels of a bank account, read only in a line with a sort code.
const ACCOUNT_LABELS: [&str; 5] = ["acc", "account", "acct", "a/c", "accnt"];

/// Endings of a label's compounds and abbreviations (`Ausweis-Nr.`,
/// `Perso-Nummer`, `paspoortnummer` is listed whole).
const NUMBER_ENDINGS: [&str; 4] = ["-nr", "-nummer", "-number", "-no"];

/// Small words between an identity number's label and the number (`mijn BSN
/// is …`, `número de DNI: …`); no preposition of time (`DNI el 12-05-2025`,
/// `Ausweis am 12.03.2025 abholen` are appointments).
const ID_BETWEEN: [&str; 33] = [
    "number", "no", "nr", "n°", "nº", "num", "número", "numero", "numéro", "nummer", "is", "es",
    "é", "est", "ist", "my", "mijn", "mein", "meine", "mon", "ma", "meu", "minha", "mi", "o", "el",
    "la", "le", "de", "do", "da", "the", "van",
];
static ID_BETWEEN_SET: WordSet = WordSet::new(&ID_BETWEEN);

/// Words for being born: a date after them is a date of birth only in one's
/// own words or of one's child ([`FIRST_PERSON`]).
const BIRTH_VERBS: [&str; 15] = [
    "born", "geboren", "geb", "nacido", "nacida", "nací", "naci", "nació", "nacio", "nascido",
    "nascida", "nasci", "nasceu", "né", "née",
];
static BIRTH_VERB_SET: WordSet = WordSet::new(&BIRTH_VERBS);

/// A form's labels for a date of birth: the date after them is one (`date of
/// birth`, `fecha de nacimiento`, `data de nascimento`, `date de naissance`).
const BIRTH_FORMS: [&str; 11] = [
    "dob",
    "geb.-datum",
    "nac",
    "nasc",
    "d.o.b",
    "birthdate",
    "geburtsdatum",
    "geboortedatum",
    "nacimiento",
    "nascimento",
    "naissance",
];
static BIRTH_FORM_SET: WordSet = WordSet::new(&BIRTH_FORMS);

/// Words for a birthday: a date after them is a date of birth only in one's
/// own words, and not this year's or the last few (a party's date).
const BIRTHDAYS: [&str; 10] = [
    "birthday",
    "bday",
    "geburtstag",
    "verjaardag",
    "cumpleaños",
    "cumple",
    "aniversário",
    "aniversario",
    "niver",
    "anniversaire",
];
static BIRTHDAY_SET: WordSet = WordSet::new(&BIRTHDAYS);

/// Words of one's own or one's child's birth, up to four words before the
/// word for it (`I was born`, `ich bin … geboren`, `mi hija nació`, `my bday
/// is`).
const FIRST_PERSON: [&str; 43] = [
    "i", "i'm", "im", "me", "my", "ich", "mein", "meine", "mich", "ik", "mijn", "je", "j'suis",
    "suis", "mon", "ma", "moi", "yo", "soy", "mi", "eu", "sou", "meu", "minha", "daughter", "kid",
    "baby", "sohn", "tochter", "kind", "zoon", "dochter", "hijo", "hija", "bebé", "filho", "filha",
    "bebê", "fils", "fille", "bébé", "nene", "nena",
];
static FIRST_PERSON_SET: WordSet = WordSet::new(&FIRST_PERSON);

/// Small words between a birth's word and its date (`geboren am …`, `né le
/// …`, `nascida a …`).
const BIRTH_BETWEEN: [&str; 22] = [
    "on", "the", "am", "op", "le", "el", "em", "en", "a", "à", "is", "ist", "es", "é", "est",
    "was", "de", "of", "c'est", "in", "im", "no",
];
static BIRTH_BETWEEN_SET: WordSet = WordSet::new(&BIRTH_BETWEEN);

/// Month names of the launch languages, and their short forms.
const MONTHS: [&str; 90] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "januar",
    "jänner",
    "februar",
    "märz",
    "maerz",
    "mai",
    "juni",
    "juli",
    "oktober",
    "dezember",
    "mrz",
    "okt",
    "dez",
    "januari",
    "februari",
    "maart",
    "mei",
    "augustus",
    "mrt",
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "setiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "ene",
    "abr",
    "ago",
    "dic",
    "janeiro",
    "fevereiro",
    "março",
    "maio",
    "junho",
    "julho",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
    "fev",
    "set",
    "out",
    "janvier",
    "février",
    "mars",
    "avril",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "décembre",
    "janv",
    "févr",
    "fév",
    "avr",
    "juil",
    "déc",
    "sep.",
];
static MONTH_SET: WordSet = WordSet::new(&MONTHS);

/// Most words a label's number may run over (`1 85 07 75 123 456 78`).
const RUN_WORDS: usize = 8;

/// The earliest year of birth read: older dates are history (a club's
/// founding).
const FIRST_BIRTH_YEAR: u32 = 1920;

/// The year now, from the clock (a date of birth is not in the future, and a
/// birthday's date of the last few years is a party's).
fn this_year() -> u32 {
    static YEAR: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *YEAR.get_or_init(|| {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // Days to years (400 years have 146,097 days); this year to the day
        // is more than a date of birth needs.
        u32::try_from(1970 + seconds / 86_400 * 400 / 146_097).unwrap_or(u32::MAX)
    })
}

/// A word without the punctuation around it, and whether a clause ends after
/// it (a comma, a full stop).
fn bare(word: &str) -> (&str, bool) {
    // A byte at a time (the marks are ASCII): `trim_matches` with a set of
    // characters would grow the bootstraps by a searcher per set.
    let bytes = word.as_bytes();
    let mut end = bytes.len();
    while end > 0
        && matches!(
            bytes[end - 1],
            b',' | b';' | b'.' | b':' | b'!' | b'?' | b')' | b']'
        )
    {
        end -= 1;
    }
    let ends = end < bytes.len() && !word.ends_with(':');
    let start = opening(word).min(end);
    (word.get(start..end).unwrap_or_default(), ends)
}

/// How many brackets open `word` (`(`, `[`, `#`).
fn opening(word: &str) -> usize {
    word.bytes()
        .take_while(|b| matches!(b, b'(' | b'[' | b'#'))
        .count()
}

/// Where `word` starts once the brackets before it are left out.
fn bare_start(at: usize, word: &str) -> usize {
    at + opening(word)
}

/// Whether `word` names an identity number; its short capitals only in a
/// line not written in capitals (`NIE 1.000.000 ZUSCHAUER`).
fn id_label(word: &str, shouted: bool) -> bool {
    let stem = stem(word);
    has(&ID_LABEL_SET, stem) || !shouted && ID_LABELS_CAPS.contains(&stem)
}

/// `word` without an ending of [`NUMBER_ENDINGS`].
fn stem(word: &str) -> &str {
    NUMBER_ENDINGS
        .iter()
        .find_map(|e| {
            word.len()
                .checked_sub(e.len())
                .filter(|&n| word.is_char_boundary(n) && word[n..].eq_ignore_ascii_case(e))
                .map(|n| &word[..n])
        })
        .unwrap_or(word)
}

/// Whether `word` may be a label's ([`label_at`]), before anything else of
/// the line is read.
fn may_label(word: &str) -> bool {
    let w = stem(bare(word).0);
    [
        &ID_LABEL_SET,
        &ID_CAPS_SET,
        &PHRASE_FIRST_SET,
        &BIRTH_VERB_SET,
        &BIRTH_FORM_SET,
        &BIRTHDAY_SET,
    ]
    .into_iter()
    .any(|set| has(set, w))
        || w.eq_ignore_ascii_case("birth")
}

/// Whether `word` can be part of an identity number: digits and capitals,
/// maybe joined by dots or dashes (`482.193.750-61`, `12345678Z`), one letter
/// in either case before or after digits (`12345678z`), or one or two
/// capitals on their own (`QQ`, `C`). Not a slash: no identity number has
/// one, a court's or an office's file number does (`n° RG 23/04517`).
fn id_part(word: &str) -> bool {
    let bytes = word.as_bytes();
    let lower_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_lowercase);
    let rest = if lower_at(bytes.len().wrapping_sub(1)) {
        word.get(..bytes.len() - 1)
    } else if lower_at(0) {
        word.get(1..)
    } else {
        None
    };
    let inner = rest
        .filter(|rest| rest.len() >= 6 && rest.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(word);
    !inner.is_empty()
        && inner
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || matches!(b, b'.' | b'-'))
        && (inner.bytes().any(|b| b.is_ascii_digit())
            || inner.len() <= 2 && inner.bytes().all(|b| b.is_ascii_uppercase()))
}

/// Whether a word of a run is something else written in digits: a date
/// (`12-05-2025`), a score (`16-14`), a span of years (`2024-2025`) or a
/// decimal (`2045.35`).
fn other_figure(part: &str) -> bool {
    if numeric_date(part) {
        return true;
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let pair = |sep: char| part.split_once(sep).filter(|(a, b)| digits(a) && digits(b));
    pair('-').is_some_and(|(a, b)| a.len() <= 2 && b.len() <= 2 || a.len() == 4 && b.len() == 4)
        || pair('.').is_some_and(|(_, b)| b.len() <= 2)
}

/// The identity number starting at word `from`: up to [`RUN_WORDS`] words of
/// [`id_part`], to the end of the clause, with six digits at least and no more
/// than twenty, and four capitals at most; none of them another figure
/// ([`other_figure`]), and not a round count (`1.000.000`, `16 600 000 000`).
fn id_run(words: &[(usize, &str)], from: usize) -> Option<Range<usize>> {
    let (mut digits, mut capitals, mut end, mut last) = (0, 0, None, "");
    for (n, &(at, word)) in words.iter().skip(from).take(RUN_WORDS).enumerate() {
        let (part, clause_ends) = bare(word);
        // Capitals alone: two first (`QQ 12 34 56 C`), one after digits (not
        // a word in capitals: `NI 100.000 NI NADA`).
        let letters = part.bytes().all(|b| b.is_ascii_alphabetic());
        if !id_part(part) || letters && n > 0 && part.len() > 1 {
            break;
        }
        if other_figure(part) {
            return None;
        }
        digits += part.bytes().filter(u8::is_ascii_digit).count();
        capitals += part.bytes().filter(u8::is_ascii_alphabetic).count();
        end = Some(bare_start(at, word) + part.len());
        if !letters {
            last = part;
        }
        if clause_ends {
            break;
        }
    }
    let end = end?;
    let round = last == "000"
        || last.ends_with("000")
            && matches!(
                last.as_bytes().get(last.len().wrapping_sub(4)),
                Some(b'.' | b'-')
            );
    ((6..=20).contains(&digits) && capitals <= 4 && !round)
        .then(|| bare_start(words[from].0, words[from].1)..end)
}

/// The first word from `next` that is not one of `between`, up to three of
/// them skipped.
fn after_label(words: &[(usize, &str)], next: usize, between: &WordSet) -> usize {
    let mut k = next;
    while k < words.len() && k < next + 3 {
        let (word, _) = bare(words[k].1);
        if !(word.is_empty() || between.has(word) || matches!(word, "-" | "=")) {
            break;
        }
        k += 1;
    }
    k
}

/// Whether `text` has what an identity number or a date of birth needs:
/// six digits in a row of words of digits (`1 85 07 75 …`, `284719305`), a
/// year (`1998`, `'95`), or a date in digits (`14.03.98`).
fn numbers_worth_reading(text: &str) -> bool {
    let mut in_a_row = 0;
    for word in text.split_whitespace() {
        let (word, _) = bare(word);
        let digits = word.bytes().filter(u8::is_ascii_digit).count();
        let number = digits > 0
            && word
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'/' | b'\''));
        in_a_row = if number { in_a_row + digits } else { 0 };
        let groups = 1 + word
            .bytes()
            .filter(|b| matches!(b, b'.' | b'-' | b'/'))
            .count();
        if in_a_row >= 6
            || number && digits == word.len() && digits == 4
            || word.starts_with('\'') && digits == 2
            || number && groups >= 3 && digits >= 4
        {
            return true;
        }
    }
    false
}

/// `set.has(word)`, out of line: each lookup inlined would grow the
/// bootstraps by its whole hash-set probe.
#[inline(never)]
fn has(set: &WordSet, word: &str) -> bool {
    set.has(word)
}

/// What a word labels.
#[derive(Clone, Copy, PartialEq)]
enum Label {
    /// An identity number, after `usize` words.
    Id(usize),
    /// A date of birth (a form's label).
    BirthForm,
    /// A date of birth in one's own words (a word for being born).
    BirthVerb,
    /// A birthday's date in one's own words, of a year past.
    Birthday,
}

/// Identity numbers after their labels, and dates of birth (with the name
/// before their word). Never inlined: one copy in the bootstraps.
#[inline(never)]
pub(super) fn identities(text: &str, out: &mut Vec<Pii>) {
    // No label's number has fewer than six digits, and no date of birth fewer
    // than four (a year): most lines have fewer.
    if text.bytes().filter(u8::is_ascii_digit).count() < 4 {
        return;
    }
    // Nor without six digits in a row of numbers, a year or a date in digits
    // (most lines with digits have a time, a price or a score), or without a
    // label's word (one lookup a word).
    if !numbers_worth_reading(text) || !text.split_whitespace().any(may_label) {
        return;
    }
    let shouted = text.chars().filter(|c| c.is_uppercase()).count()
        > text.chars().filter(|c| c.is_lowercase()).count();
    let words = words_at(text);
    let lower: Vec<String> = words
        .iter()
        .map(|(_, w)| bare(w).0.to_lowercase())
        .collect();
    let phrase_at = |i: usize, phrase: &[&str; 2]| {
        lower[i] == phrase[0]
            && (lower.get(i + 1).is_some_and(|w| w == phrase[1])
                || matches!(
                    lower.get(i + 1).map(String::as_str),
                    Some("de" | "do" | "of")
                ) && lower.get(i + 2).is_some_and(|w| w == phrase[1]))
    };
    let sort_code = (0..words.len()).any(|i| phrase_at(i, &SORT_CODE) || lower[i] == "sortcode");
    // One's own or one's child's, up to four words before word `i`.
    // A line that begins with the word is one's own too (`born 14/03/98`,
    // `nascida a 22 de julho de 1999`): chat leaves the subject out.
    let own =
        |i: usize| i == 0 || (i.saturating_sub(4)..i).any(|k| has(&FIRST_PERSON_SET, &lower[k]));
    let label_at = |i: usize| -> Option<Label> {
        let (word, _) = bare(words[i].1);
        if id_label(word, shouted)
            || sort_code && (one_of(word, &ACCOUNT_LABELS) || lower[i] == "sortcode")
        {
            return Some(Label::Id(1));
        }
        if let Some(p) = ID_PHRASES
            .iter()
            .chain([&SORT_CODE])
            .find(|p| phrase_at(i, p))
        {
            let len = if lower.get(i + 1).is_some_and(|w| w == p[1]) {
                2
            } else {
                3
            };
            return Some(Label::Id(len));
        }
        // `date of birth`, `date de naissance`; `birth` alone is no form's
        // (`giving birth on …`).
        if has(&BIRTH_FORM_SET, word)
            || word.eq_ignore_ascii_case("birth") && i > 0 && lower[i - 1] == "of"
        {
            return Some(Label::BirthForm);
        }
        // `nací`, `nasci`: "I was born".
        let mine = matches!(lower[i].as_str(), "nací" | "naci" | "nasci");
        if has(&BIRTH_VERB_SET, word) && (mine || own(i)) {
            return Some(Label::BirthVerb);
        }
        (has(&BIRTHDAY_SET, word) && own(i)).then_some(Label::Birthday)
    };
    let mut i = 0;
    while i < words.len() {
        let Some(label) = label_at(i) else {
            i += 1;
            continue;
        };
        let found = match label {
            Label::Id(len) => id_run(&words, after_label(&words, i + len, &ID_BETWEEN_SET))
                .map(|span| (PiiKind::IdNumber, span)),
            _ => {
                let after = after_label(&words, i + 1, &BIRTH_BETWEEN_SET);
                let latest = if label == Label::Birthday {
                    this_year().saturating_sub(5)
                } else {
                    this_year()
                };
                birth_date(&words, &lower, after, latest)
                    .or_else(|| {
                        // The verb last (`ich bin am 14.03.1998 geboren`, `ik ben
                        // op 12-05-1995 geboren`).
                        (label == Label::BirthVerb)
                            .then(|| {
                                (i.saturating_sub(2)..i)
                                    .find_map(|k| birth_date(&words, &lower, k, latest))
                            })
                            .flatten()
                    })
                    .map(|span| (PiiKind::BirthDate, span))
            }
        };
        let Some((kind, span)) = found else {
            i += 1;
            continue;
        };
        if kind == PiiKind::BirthDate {
            let named = words
                .iter()
                .position(|(at, _)| *at >= span.start)
                .unwrap_or(i)
                .min(i);
            out.extend(name_before(&words, named, true).map(|span| Pii {
                kind: PiiKind::Name,
                span,
            }));
        }
        let end = span.end;
        out.push(Pii { kind, span });
        i = words
            .iter()
            .position(|(w, _)| *w >= end)
            .unwrap_or(words.len())
            .max(i + 1);
    }
}

/// A day, a month and a year in digits, in one word (`14.03.1998`,
/// `22/07/1999`, `1998-03-14`): the day and the month either way round; the
/// year's value, or `None` for no such date.
fn date_year(word: &str) -> Option<u32> {
    let sep = word.bytes().find(|b| matches!(b, b'.' | b'/' | b'-'))?;
    let parts: Vec<&str> = word.split(sep as char).collect();
    let [a, b, c] = parts[..] else {
        return None;
    };
    let number = |p: &str| {
        if !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()) {
            p.parse::<u32>().ok()
        } else {
            None
        }
    };
    let (x, y, z) = (number(a)?, number(b)?, number(c)?);
    let day_month = |d: u32, m: u32| (1..=31).contains(&d) && (1..=12).contains(&m);
    if a.len() == 4 {
        return (b.len() <= 2 && c.len() <= 2 && day_month(z, y)).then_some(x);
    }
    (a.len() <= 2
        && b.len() <= 2
        && matches!(c.len(), 2 | 4)
        && (day_month(x, y) || day_month(y, x)))
    .then(|| full_year(z, c.len()))
}

/// A year written with two digits or four (`'95`, `98`: the last century's
/// when later than this year's two digits).
fn full_year(year: u32, digits: usize) -> u32 {
    if digits != 2 {
        return year;
    }
    if year > this_year() % 100 {
        1900 + year
    } else {
        2000 + year
    }
}

/// Whether `word` is a date in digits ([`date_year`]).
fn numeric_date(word: &str) -> bool {
    date_year(word).is_some()
}

/// The date of birth starting at word `at`, of a year from
/// [`FIRST_BIRTH_YEAR`] to `latest`: in digits, in one word or three
/// (`14.03.1998`, `14 03 1998`), or with the month's name (`3 May 1995`, `14.
/// März 1998`, `22 de julho de 1999`, `May 3, 1995`, `12 okt '95`).
fn birth_date(
    words: &[(usize, &str)],
    lower: &[String],
    at: usize,
    latest: u32,
) -> Option<Range<usize>> {
    let (first, _) = bare(words.get(at)?.1);
    let start = bare_start(words[at].0, words[at].1);
    let in_range = |y: u32| (FIRST_BIRTH_YEAR..=latest).contains(&y);
    if let Some(year) = date_year(first) {
        return in_range(year).then_some(start..start + first.len());
    }
    let number = |w: &str, most: u32| {
        // The digits, then at most an ordinal's two letters or sign (`1er`,
        // `3rd`, `1º`).
        let n = w.bytes().take_while(u8::is_ascii_digit).count();
        (1..=2).contains(&n)
            && w[n..].chars().count() <= 2
            && w[..n].parse::<u32>().is_ok_and(|d| (1..=most).contains(&d))
    };
    let year = |w: &str| {
        let w = w
            .strip_prefix('\'')
            .or_else(|| w.strip_prefix('’'))
            .unwrap_or(w);
        let digits = w.len();
        (matches!(digits, 2 | 4) && w.bytes().all(|b| b.is_ascii_digit()))
            .then(|| w.parse::<u32>().ok().map(|y| full_year(y, digits)))
            .flatten()
            .is_some_and(in_range)
    };
    // The next words, the small words between left out.
    let rest: Vec<usize> = (at..words.len().min(at + 6))
        .filter(|&k| !matches!(lower[k].as_str(), "de" | "del" | "of" | "the"))
        .take(3)
        .collect();
    let [a, b, c] = rest[..] else {
        return None;
    };
    let word = |k: usize| bare(words[k].1).0;
    let month = |k: usize| has(&MONTH_SET, &lower[k]) || number(word(k), 12);
    let dated = number(word(a), 31) && month(b) && year(word(c))
        || has(&MONTH_SET, &lower[a]) && number(word(b), 31) && year(word(c));
    dated.then(|| start..words[c].0 + word(c).len())
}

#[cfg(test)]
mod tests {
    use super::super::{find, mask};

    fn masked(text: &str) -> String {
        mask(text, &find(text, &crate::DEFAULT_PHONE_REGIONS))
    }

    #[test]
    fn every_label_passes_the_gate() {
        for phrase in super::ID_PHRASES.iter().chain([&super::SORT_CODE]) {
            assert!(super::PHRASE_FIRSTS.contains(&phrase[0]), "{phrase:?}");
        }
        for word in [
            "Ausweis-Nr.",
            "NIE",
            "BSN:",
            "(DOB",
            "Geb.-Datum",
            "nací",
            "Cédula",
            "birth",
        ] {
            assert!(super::may_label(word), "{word}");
        }
        assert!(!super::may_label("passe"));
    }

    #[test]
    fn labelled_identity_numbers_are_masked() {
        for (text, secret) in [
            ("voor de inschrijving: mijn BSN is 284719305", "284719305"),
            (
                "my NI number is QQ 12 34 56 C for the payroll thing",
                "34 56 C",
            ),
            (
                "mon numéro de sécu 1 85 07 75 123 456 78 pour le formulaire",
                "123 456",
            ),
            ("for the split: sort code 40-12-76 acc 31926819", "31926819"),
            ("for the split: sort code 40-12-76 acc 31926819", "40-12-76"),
            ("mi DNI es 12.345.678, por si hace falta", "345.678"),
            ("meu pix é o CPF 482.193.750-61", "482.193.750-61"),
            ("número de la seguridad social 28 1234567840", "1234567840"),
            ("Steuer-ID: 12 345 678 901", "678 901"),
            ("dni 12345678z para la reserva", "12345678z"),
            ("sortcode 401276 acc 31926819", "31926819"),
            ("Steuer ID 12345678901", "12345678901"),
            ("Ausweis-Nr. T22000129, falls ihr das braucht", "T22000129"),
        ] {
            let out = masked(text);
            assert!(!out.contains(secret), "{text} -> {out}");
            assert!(out.contains("[id number]"), "{text} -> {out}");
        }
    }

    #[test]
    fn dates_of_birth_in_ones_own_words_or_a_forms_are_masked() {
        for (text, secrets) in [
            (
                "Für die Verlosung: Lukas Brandt, DOB 14.03.1998",
                &["Lukas Brandt", "14.03.1998"][..],
            ),
            ("ich bin am 14.03.1998 geboren, also Fisch", &["14.03.1998"]),
            ("ik ben geboren op 02-11-2001 in Zwolle", &["02-11-2001"]),
            ("I was born on 3 May 1995 in Leeds", &["3 May", "1995"]),
            (
                "nací el 14 de marzo de 1998, soy piscis",
                &["marzo", "1998"],
            ),
            (
                "mi hija nació el 3/5/2019, justo en la final",
                &["3/5/2019"],
            ),
            ("date of birth: 22/07/1999", &["22/07/1999"]),
            ("my bday is 12 okt '95 if you need it", &["okt"]),
            ("je suis né le 20 décembre 1998 à Lyon", &["décembre"]),
            ("Geburtsdatum 14 03 1998", &["14 03 1998"]),
            ("born 14/03/98", &["14/03/98"]),
            ("fecha de nac. 14-03-1998", &["14-03-1998"]),
        ] {
            let out = masked(text);
            for secret in secrets {
                assert!(!out.contains(secret), "{text} -> {out}");
            }
            assert!(out.contains("[birth date]"), "{text} -> {out}");
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
            let out = masked(text);
            for secret in secrets {
                assert!(!out.contains(secret), "{text} -> {out}");
            }
        }
        // One word is as likely a town or a greeting.
        assert!(masked("Madrid vive en Calle Larios 8, 29005 Málaga").starts_with("Madrid vive"));
    }

    #[test]
    fn numbers_and_dates_without_their_labels_are_left() {
        for text in [
            "the DNI queue took 45 minutes, 2-1 at half time",
            "nie 2.000.000 Zuschauer gesehen, Wahnsinn",
            "born in 1998, so 26 next 14.03",
            "happy birthday 14/03, have a great one",
            "the club was founded 14 March 1899 in a pub",
            "gg rg 123456 lol",
            "le dossier est enregistré sous le n° RG 23/04517",
            "passport control took 40 minutes at gate 123456",
            "my account 31926819 got banned for nothing",
            "né en 1998, comme Mbappé",
            // A famous person's or a club's date is trivia; a birthday of
            // this year a party's date; a year span, a score, an appointment
            // or a round count after a label no one's number.
            "Lionel Messi, born 24 June 1987 in Rosario",
            "Musiala geboren am 26. Februar 2003 in Stuttgart",
            "Ajax, geboren op 18 maart 1900, 125 jaar",
            "Welcome Back, geboren 14.03.1998 lol",
            "it's my birthday on 14/03/2025, come hang in the stream",
            "giving birth on 12.05.2025 if the doctor is right",
            "GG WP, RG 16-14 16-12 what a series",
            "NIE 1.000.000 ZUSCHAUER, NIE IM LEBEN",
            "NI 100.000 NI NADA, ese fichaje es humo",
            "CPF : 1 300 000 formations financées en 2023",
            "tengo cita para renovar el DNI el 12-05-2025",
            "Ausweis am 12.03.2025 abholen, Termin um 10:30",
            "DNI 2019-2029, caduca en 10 años",
            "RUT 2045.35 rejecting again",
            "El Nino 2023-2024 was brutal for crops",
        ] {
            assert_eq!(masked(text), text);
        }
    }
}
