//! Identity numbers and dates of birth, found by the words that name them:
//! a number a label calls a national identity, tax, social security or
//! passport number, or a bank's sort code and the account after it (`mijn BSN
//! is 284719305`, `DNI 12.345.678`, `my NI number is QQ 12 34 56 C`, `numéro de
//! sécu 1 85 07 75 123 456 78`, `sort code 40-12-76 acc 31926819`), and a date
//! after a word for being born (`geboren 14.03.1998`, `nascido em 22/07/1999`,
//! `born on 3 May 1995`), with the name written right before the word (`Lukas
//! Brandt, geboren …`). Without its label a number is left to the other
//! readings (phones, cards, IBANs): most numbers in chat are scores, prices
//! and codes.

use std::ops::Range;

use super::{name_before, one_of, words_at, Pii, PiiKind, WordSet};

/// Labels of identity numbers, one word, in any case.
const ID_LABELS: [&str; 42] = [
    // English
    "ssn",
    "nino",
    "passport",
    // German
    "steuer-id",
    "steuerid",
    "steuernummer",
    "steuer-nr",
    "steueridentifikationsnummer",
    "personalausweis",
    "personalausweisnummer",
    "ausweisnummer",
    "ausweis-nr",
    "ausweis",
    "sozialversicherungsnummer",
    "versicherungsnummer",
    "ahv-nummer",
    "reisepass",
    "passnummer",
    // Dutch
    "bsn",
    "burgerservicenummer",
    "sofinummer",
    "sofi-nummer",
    "rijksregisternummer",
    "paspoortnummer",
    "paspoort",
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
    // French
    "sécu",
    "secu",
    "passeport",
    "vitale",
    "nir",
    "insee",
];
static ID_LABEL_SET: WordSet = WordSet::new(&ID_LABELS);

/// Labels that are also everyday words or other abbreviations (`nie` is
/// German for never, `cc` a copy, `rg` good game): read only in capitals.
const ID_LABELS_CAPS: [&str; 10] = [
    "NI", "NIE", "NIF", "NSS", "RG", "CC", "RUT", "AHV", "SVNR", "PPS",
];

/// Labels of more than one word, the small words between left out (`cartão
/// de cidadão`, `numéro de sécurité sociale`).
const ID_PHRASES: [[&str; 2]; 11] = [
    ["social", "security"],
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

/// A bank's sort code: its account is labelled after it (`acc`).
const SORT_CODE: [&str; 2] = ["sort", "code"];

/// Labels of a bank account, read only in a line with a sort code.
const ACCOUNT_LABELS: [&str; 5] = ["acc", "account", "acct", "a/c", "accnt"];

/// Words for being born, or for the date of it.
const BIRTH_LABELS: [&str; 26] = [
    "born",
    "dob",
    "d.o.b",
    "birth",
    "birthdate",
    "birthday",
    "geboren",
    "geb",
    "geburtsdatum",
    "geburtstag",
    "geboortedatum",
    "verjaardag",
    "nacido",
    "nacida",
    "nací",
    "nacimiento",
    "cumpleaños",
    "nascido",
    "nascida",
    "nasci",
    "nascimento",
    "aniversário",
    "né",
    "née",
    "naissance",
    "anniversaire",
];
static BIRTH_LABEL_SET: WordSet = WordSet::new(&BIRTH_LABELS);

/// Small words between a label and what it labels (`mijn BSN is …`, `número
/// de DNI: …`, `geboren am …`, `né le …`).
const BETWEEN: [&str; 40] = [
    "number", "no", "nr", "n°", "nº", "num", "número", "numero", "numéro", "nummer", "is", "es",
    "é", "est", "ist", "my", "mijn", "mein", "meine", "mon", "ma", "meu", "minha", "mi", "o", "el",
    "la", "le", "de", "do", "da", "the", "of", "van", "on", "am", "op", "em", "en", "was",
];
static BETWEEN_SET: WordSet = WordSet::new(&BETWEEN);

/// Month names of the launch languages, and their short forms.
const MONTHS: [&str; 66] = [
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
    "mai",
    "juni",
    "juli",
    "oktober",
    "dezember",
    "januari",
    "februari",
    "maart",
    "mei",
    "augustus",
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
    "janvier",
    "février",
    "mars",
    "avril",
    "juin",
];
static MONTH_SET: WordSet = WordSet::new(&MONTHS);
/// French months not among the others'.
const MORE_MONTHS: [&str; 5] = ["juillet", "août", "septembre", "octobre", "décembre"];

/// Most words a label's number may run over (`1 85 07 75 123 456 78`).
const RUN_WORDS: usize = 8;

/// A word without the punctuation around it, and whether a clause ends after
/// it (a comma, a full stop).
fn bare(word: &str) -> (&str, bool) {
    let trimmed = word.trim_end_matches([',', ';', '.', ':', '!', '?', ')', ']']);
    let ends = trimmed.len() < word.len() && !word.ends_with(':');
    (trimmed.trim_start_matches(['(', '[', '#']), ends)
}

/// Whether `word` names an identity number.
fn id_label(word: &str) -> bool {
    ID_LABEL_SET.has(word) || ID_LABELS_CAPS.contains(&word)
}

/// Whether `word` can be part of an identity number: digits and capitals,
/// maybe joined by dots or dashes (`482.193.750-61`, `12345678Z`), or one or
/// two capitals on their own (`QQ`, `C`). Not a slash: no identity number has
/// one, a court's or an office's file number does (`n° RG 23/04517`).
fn id_part(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || matches!(b, b'.' | b'-'))
        && (word.bytes().any(|b| b.is_ascii_digit())
            || word.len() <= 2 && word.bytes().all(|b| b.is_ascii_uppercase()))
}

/// The identity number starting at word `from`: up to [`RUN_WORDS`] words of
/// [`id_part`], to the end of the clause, with six digits at least and no more
/// than twenty, and four capitals at most.
fn id_run(words: &[(usize, &str)], from: usize) -> Option<Range<usize>> {
    let (mut digits, mut capitals, mut end) = (0, 0, None);
    for &(at, word) in words.iter().skip(from).take(RUN_WORDS) {
        let (part, clause_ends) = bare(word);
        if !id_part(part) || part.bytes().all(|b| !b.is_ascii_alphanumeric()) {
            break;
        }
        digits += part.bytes().filter(u8::is_ascii_digit).count();
        capitals += part.bytes().filter(u8::is_ascii_uppercase).count();
        let start = at + word.len() - word.trim_start_matches(['(', '[', '#']).len();
        end = Some(start + part.len());
        if clause_ends {
            break;
        }
    }
    let end = end?;
    let start = words[from].0 + words[from].1.len()
        - words[from].1.trim_start_matches(['(', '[', '#']).len();
    ((6..=20).contains(&digits) && capitals <= 4).then_some(start..end)
}

/// The first word after a label that is not one of the small words between
/// ([`BETWEEN`]), up to three of them skipped.
fn after_label(words: &[(usize, &str)], next: usize) -> usize {
    let mut k = next;
    while k < words.len() && k < next + 3 {
        let (word, _) = bare(words[k].1);
        if !(word.is_empty() || BETWEEN_SET.has(word) || matches!(word, "-" | "=")) {
            break;
        }
        k += 1;
    }
    k
}

/// Identity numbers after their labels, and dates of birth (with the name
/// before their word).
pub(super) fn identities(text: &str, out: &mut Vec<Pii>) {
    // No label's number has fewer than six digits, and no date of birth fewer
    // than four (a year): most lines have fewer.
    if text.bytes().filter(u8::is_ascii_digit).count() < 4 {
        return;
    }
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
    let sort_code = (0..words.len()).any(|i| phrase_at(i, &SORT_CODE));
    let mut i = 0;
    while i < words.len() {
        let (word, _) = bare(words[i].1);
        // The word after the label, and whether it is a birth's.
        let label_end = if id_label(word)
            || sort_code && one_of(word, &ACCOUNT_LABELS)
            || BIRTH_LABEL_SET.has(word)
        {
            Some(i + 1)
        } else {
            ID_PHRASES
                .iter()
                .chain([&SORT_CODE])
                .find(|p| phrase_at(i, p))
                .map(|p| {
                    i + if lower.get(i + 1).is_some_and(|w| w == p[1]) {
                        2
                    } else {
                        3
                    }
                })
        };
        let Some(next) = label_end else {
            i += 1;
            continue;
        };
        let birth = BIRTH_LABEL_SET.has(word);
        let at = after_label(&words, next);
        let found = if birth {
            birth_date(&words, &lower, at).map(|span| (PiiKind::BirthDate, span))
        } else {
            id_run(&words, at).map(|span| (PiiKind::IdNumber, span))
        };
        match found {
            Some((kind, span)) => {
                if birth {
                    if let Some(name) = name_before(&words, i, true) {
                        out.push(Pii {
                            kind: PiiKind::Name,
                            span: name,
                        });
                    }
                }
                let end = span.end;
                out.push(Pii { kind, span });
                i = words
                    .iter()
                    .position(|(w, _)| *w >= end)
                    .unwrap_or(words.len());
            }
            None => i += 1,
        }
    }
}

/// A day, a month and a year in digits, in one word (`14.03.1998`,
/// `22/07/1999`, `1998-03-14`): the day and the month either way round.
fn numeric_date(word: &str) -> bool {
    let Some(sep) = word.bytes().find(|b| matches!(b, b'.' | b'/' | b'-')) else {
        return false;
    };
    let parts: Vec<&str> = word.split(sep as char).collect();
    let [a, b, c] = parts[..] else {
        return false;
    };
    let number = |p: &str| {
        if !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()) {
            p.parse::<u32>().ok()
        } else {
            None
        }
    };
    let (Some(x), Some(y), Some(z)) = (number(a), number(b), number(c)) else {
        return false;
    };
    let day_month = |d: u32, m: u32| (1..=31).contains(&d) && (1..=12).contains(&m);
    if a.len() == 4 {
        return b.len() <= 2 && c.len() <= 2 && day_month(z, y);
    }
    a.len() <= 2
        && b.len() <= 2
        && matches!(c.len(), 2 | 4)
        && (day_month(x, y) || day_month(y, x))
        && (c.len() == 2 || (1900..=2030).contains(&z))
}

/// Whether `word` names a month.
fn month(word: &str) -> bool {
    MONTH_SET.has(word) || one_of(word, &MORE_MONTHS)
}

/// The date of birth starting at word `at`: in digits, or with the month's
/// name (`3 May 1995`, `14. März 1998`, `22 de julho de 1999`, `May 3, 1995`);
/// a year always, or it is a birthday, no one's data.
fn birth_date(words: &[(usize, &str)], lower: &[String], at: usize) -> Option<Range<usize>> {
    let (first, _) = bare(words.get(at)?.1);
    let start = words[at].0 + words[at].1.len() - words[at].1.trim_start_matches(['(', '[']).len();
    if numeric_date(first) {
        return Some(start..start + first.len());
    }
    let day = |w: &str| {
        let digits = w
            .trim_end_matches(['º', '°'])
            .trim_end_matches(|c: char| c.is_ascii_alphabetic());
        (1..=2).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
    };
    let year = |w: &str| w.len() == 4 && w.parse::<u32>().is_ok_and(|y| (1900..=2030).contains(&y));
    // The next words, the small words between left out.
    let rest: Vec<usize> = (at..words.len().min(at + 6))
        .filter(|&k| !matches!(lower[k].as_str(), "de" | "del" | "of" | "the"))
        .take(3)
        .collect();
    let [a, b, c] = rest[..] else {
        return None;
    };
    let word = |k: usize| bare(words[k].1).0;
    let dated = day(word(a)) && month(&lower[b]) && year(word(c))
        || month(&lower[a]) && day(word(b)) && year(word(c));
    dated.then(|| start..words[c].0 + word(c).len())
}

#[cfg(test)]
mod tests {
    use super::super::{find, mask};

    fn masked(text: &str) -> String {
        mask(text, &find(text, &crate::DEFAULT_PHONE_REGIONS))
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
        ] {
            let out = masked(text);
            assert!(!out.contains(secret), "{text} -> {out}");
            assert!(out.contains("[id number]"), "{text} -> {out}");
        }
    }

    #[test]
    fn dates_of_birth_and_the_name_before_them_are_masked() {
        for (text, secrets) in [
            (
                "Für die Verlosung: Lukas Brandt, geboren 14.03.1998",
                ["Lukas Brandt", "14.03.1998"],
            ),
            (
                "Voor de loting: Milan de Graaf, geboren 02-11-2001",
                ["Graaf", "02-11-2001"],
            ),
            (
                "Pro sorteio: Bruno Almeida Santos, nascido em 22/07/1999",
                ["Almeida", "22/07/1999"],
            ),
            ("I was born on 3 May 1995 in Leeds", ["3 May", "1995"]),
            ("nací el 14 de marzo de 1998, soy piscis", ["marzo", "1998"]),
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
        ] {
            assert_eq!(masked(text), text);
        }
    }
}
