//! Swearing in the launch languages rustrict does not read (Spanish, Portuguese,
//! German, French, Dutch): `hijo de puta`, `caralho`, `Wichser`, `connard`,
//! `klootzak`, however it is dodged (`c@r@lh0`, `p u t a`, `W1chs3r`,
//! `k.u.t.`, `schw*chtel`, `scheiiiisse`).
//!
//! The entries come from the List of Dirty, Naughty, Obscene and Otherwise Bad
//! Words (the npm package `naughty-words`, CC BY 4.0), the launch languages'
//! lists of the npm package `washyourmouthoutwithsoap` (MIT) and the single
//! words the npm package `cuss` (MIT) rates sure in Spanish, French and
//! Portuguese, but its languages' everyday words, and the inflected forms of
//! the single words kept ([`inflections`]: `pendejos`, `sletten`, each kept on
//! its own, listed in the file) and the sound-alike respellings chat writes to
//! dodge filters of the single words ([`spellings`]: `schaisse`, `wixxa`,
//! `kabron`, `karalho`, and their inflected forms, each kept on its own, no
//! everyday word of any launch language), kept only where the
//! development side of the corpus confirms them: an entry stays when at least one
//! development line of swearing uses it and no clean one does (the list is made for
//! search filters and also names topics — beer, drugs, identities — that chat uses
//! cleanly); single words that are English words are left out (rustrict reads
//! English). `functions/moderation/tests/lexicon.rs` rebuilds `data/lexicon.txt`
//! from the lists and the corpus and fails when the committed file differs.
//!
//! German and Dutch make new words by compounding, and swear that way
//! (`Scheißwetter`, `scheißkalt`): an entry written with a dash at its end
//! (`scheiß-`) is the first part of such compounds, and a word that is it, or
//! starts with it and has four letters or more after it, is read as the entry.
//!
//! Words are compared as the filters are dodged: lower case, accents and the
//! digits and signs written for letters undone (`0`→`o`, `@`→`a`, `$`→`s`), dots,
//! dashes and underscores inside a word dropped, a letter written three times or
//! more read once (and then compared with the entries' runs read once; doubles
//! stay, so `lull` is no `lul`), and `*` standing for any one letter. A picture
//! between two letters (`Pi💩sser`, `cabr🐐n`) is read as nothing and, for a
//! single word or a phrase's later words, also as one letter. Letters spaced
//! out (`p u t a`) are read as one word. Three capitals (with a plural's `s` or
//! not) are an acronym or an
//! emote (`LUL`), not read.

use std::ops::Range;

use rustc_hash::{FxHashMap, FxHashSet};

/// `data/lexicon.txt` (`lang<TAB>entry` lines, entries as written in the list),
/// deflated by the build script (`build.rs`).
static DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/lexicon.txt.deflate"));

/// Largest inflated lexicon accepted (the file is about 10 KB).
const MAX_INFLATED: usize = 1024 * 1024;

/// Entries ready to match: single words, and phrases by their first word.
#[derive(Debug, Default)]
pub struct Lexicon {
    words: FxHashMap<String, usize>,
    /// Single words with every run read once, for stretched words.
    collapsed_words: FxHashMap<String, usize>,
    phrases: FxHashMap<String, Vec<(Vec<String>, usize)>>,
    /// Single words by their length in letters, for `*` in a word.
    by_len: FxHashMap<usize, Vec<(String, usize)>>,
    /// Phrases with the spaces taken out, for letters spaced out across words.
    joined: FxHashMap<String, usize>,
    /// First parts of compounds (entries written `scheiß-`), as compared and
    /// with every run read once.
    compound_starts: Vec<(String, String, usize)>,
}

/// Letters a compound has after its first part, at the least: `scheißwetter`
/// is one; `kutter` (a boat) would not be one of a first part `kut`.
pub const COMPOUND_REST: usize = 4;

/// A word of a line as the lexicon reads it, whatever the lexicon.
struct Token {
    /// Its reading ([`normal_word`]) and whether it was stretched; `None` when
    /// it has fewer than two letters, a character the lexicon does not read,
    /// or is an acronym. With a picture inside the word (`Pi💩sser`), the
    /// reading of the word without it.
    read: Option<(Box<str>, bool)>,
    /// With a picture inside the word (`cabr🐐n`), its reading with each run
    /// of pictures standing for one letter (`*`).
    one_letter: Option<Box<str>>,
    /// Whether it is one letter or digit, signs aside (`p`, `u.`).
    letter: bool,
}

impl Token {
    /// Its reading and whether it was stretched, if read.
    fn word(&self) -> Option<(&str, bool)> {
        self.read
            .as_ref()
            .map(|(word, stretched)| (&**word, *stretched))
    }

    /// Whether it reads as `word`, a word of a phrase, `*` as any letter
    /// (`trou du c*l`; a picture standing for one: `trou du c🍑l`).
    fn reads_as(&self, word: &str) -> bool {
        self.word().is_some_and(|(read, _)| fits(read, word))
            || self
                .one_letter
                .as_deref()
                .is_some_and(|read| fits(read, word))
    }
}

thread_local! {
    /// The words' readings, per word as written: chat repeats its words.
    static TOKENS: crate::Memo<std::rc::Rc<Token>> = crate::Memo::default();
}

/// `word` (a word of a line as written) as the lexicon reads it.
fn token(word: &str) -> std::rc::Rc<Token> {
    crate::remembered(&TOKENS, word, || {
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
        // Three capitals are an acronym or an emote (`LUL`, `OMG`), and so with
        // a plural's `s` (`LULs`).
        let capitals = bare.strip_suffix('s').unwrap_or(bare);
        let acronym = capitals.chars().count() <= 3 && capitals.chars().all(char::is_uppercase);
        let mut out = String::with_capacity(word.len());
        let mut read = normal_into(word, &mut out)
            .filter(|_| !acronym)
            .map(|stretched| (out.into_boxed_str(), stretched));
        let mut one_letter = None;
        if read.is_none() && !acronym {
            if let Some((without, with_star)) = pictures_inside(bare) {
                let mut out = String::with_capacity(without.len());
                read = normal_into(&without, &mut out).map(|s| (out.into_boxed_str(), s));
                one_letter = normal_word(&with_star).map(String::into_boxed_str);
            }
        }
        std::rc::Rc::new(Token {
            read,
            one_letter,
            letter: bare.chars().count() == 1,
        })
    })
}

/// Whether `read` (a reading, `*` as any one letter) is `entry`'s.
fn fits(read: &str, entry: &str) -> bool {
    read.chars().count() == entry.chars().count()
        && read
            .chars()
            .zip(entry.chars())
            .all(|(r, e)| r == '*' || r == e)
}

/// Whether `c` is a picture or a sign put into a word to hide it: `#`, `%`,
/// `^`, `~`, or a character other than ASCII that is no letter, digit, space,
/// Latin-1 sign, general punctuation, combining accent (`ho\u{308}r` is `hör`)
/// nor the `€` read as `e`: emoji and other symbols (`🍑`, `★`).
fn picture(c: char) -> bool {
    if c.is_ascii() {
        return matches!(c, '#' | '%' | '^' | '~');
    }
    !c.is_alphanumeric()
        && !c.is_whitespace()
        && c != '€'
        && !matches!(c,
            '\u{80}'..='\u{bf}'
            | '\u{300}'..='\u{36f}'
            | '\u{1ab0}'..='\u{1aff}'
            | '\u{1dc0}'..='\u{1dff}'
            | '\u{2000}'..='\u{206f}'
            | '\u{20d0}'..='\u{20ff}'
            | '\u{fe20}'..='\u{fe2f}')
}

/// `word` (signs around it trimmed) read two ways when pictures stand between
/// two of its letters or digits: without them (`Pi💩sser`, `p1💩sser`) and with
/// each run of them as one `*` (`cabr🐐n`). `None` without a picture there or
/// with one at either end; other characters are kept as they are, for
/// [`normal_into`] to read or refuse.
fn pictures_inside(word: &str) -> Option<(String, String)> {
    let mut without = String::with_capacity(word.len());
    let mut with_star = String::with_capacity(word.len());
    let mut inside = false;
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if !picture(c) {
            without.push(c);
            with_star.push(c);
            continue;
        }
        while chars
            .peek()
            .is_some_and(|&n| picture(n) || n == '\u{fe0f}' || n == '\u{200d}')
        {
            chars.next();
        }
        let between = without.chars().last().is_some_and(char::is_alphanumeric)
            && chars.peek().is_some_and(|n| n.is_alphanumeric());
        if !between {
            return None;
        }
        inside = true;
        with_star.push('*');
    }
    inside.then_some((without, with_star))
}

/// The shipped lexicon.
pub fn lexicon() -> &'static Lexicon {
    static LEX: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
    LEX.get_or_init(|| {
        // The file is checked by the tests; a build that cannot inflate its own
        // lexicon has no entries (and says so).
        let text = miniz_oxide::inflate::decompress_to_vec_with_limit(DEFLATED, MAX_INFLATED)
            .map_err(|e| format!("cannot inflate: {e}"))
            .and_then(|bytes| String::from_utf8(bytes).map_err(|e| e.to_string()))
            .unwrap_or_else(|err| {
                tracing::error!(error = %err, "data/lexicon.txt does not load");
                String::new()
            });
        Lexicon::new(
            text.lines()
                .filter_map(|l| l.split_once('\t').map(|(_, entry)| entry)),
        )
    })
}

/// A word as compared: see the module's documentation. `None` when fewer than
/// two letters are left.
pub fn normal_word(word: &str) -> Option<String> {
    let mut out = String::with_capacity(word.len());
    normal_into(word, &mut out).map(|_| out)
}

/// `word` with every run of one letter read once (`scheisse` → `scheise`): how
/// a stretched word (`scheiiiisssseee`) is compared.
fn collapsed(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if c == '*' || !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// [`normal_word`] appended to `out`, and whether the word was stretched (a
/// letter three times or more in a row, read once); `None` (and `out` as it
/// was) when fewer than two letters are left. Doubles stay (`lull` is no `lul`).
fn normal_into(word: &str, out: &mut String) -> Option<bool> {
    // Signs written for letters stay at the ends too (`sch€iß€`, `c@`).
    let word =
        word.trim_matches(|c: char| !c.is_alphanumeric() && !matches!(c, '*' | '@' | '$' | '€'));
    let start = out.len();
    let mut letters = 0;
    let mut last = None;
    let mut run = 0;
    let mut stretched = false;
    let mut push = |c: char, out: &mut String| {
        if c != '*' && last == Some(c) {
            run += 1;
            if run == 2 {
                // The third in a row: the run is read once.
                out.pop();
                stretched = true;
            }
            if run >= 2 {
                return;
            }
        } else {
            run = 0;
        }
        if c != '*' {
            letters += 1;
        }
        last = Some(c);
        out.push(c);
    };
    // One character, lower case, read; `false` for one no word of the lexicon has.
    let mut read = |c: char, out: &mut String| -> bool {
        match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | '4' | '@' => push('a', out),
            'é' | 'è' | 'ê' | 'ë' | '3' | '€' => push('e', out),
            'í' | 'ì' | 'î' | 'ï' | '1' | '!' | '|' => push('i', out),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | '0' => push('o', out),
            'ú' | 'ù' | 'û' | 'ü' => push('u', out),
            'ç' => push('c', out),
            'ñ' => push('n', out),
            'ß' => {
                push('s', out);
                push('s', out);
            }
            '5' | '$' => push('s', out),
            '7' => push('t', out),
            '*' => push('*', out),
            '.' | '-' | '_' | '\'' | '’' => {}
            c if c.is_alphabetic() => push(c, out),
            _ => return false,
        }
        true
    };
    for c in word.chars() {
        // ASCII lower-cased directly: `char::to_lowercase`'s iterator costs more.
        let ok = if c.is_ascii() {
            read(c.to_ascii_lowercase(), out)
        } else {
            c.to_lowercase().all(|c| read(c, out))
        };
        if !ok {
            out.truncate(start);
            return None;
        }
    }
    if letters < 2 {
        out.truncate(start);
        return None;
    }
    Some(stretched)
}

/// The inflected forms of `word` (a single entry, already [`normal_word`]) in
/// its language `lang` (`es`, `pt`, `fr`, `de`, `nl`; none for another): plurals,
/// the feminine of a word in `-o` and, in French, `-e`, Spanish and Portuguese
/// diminutives, Portuguese `-ão`'s plural and feminine, and Dutch diminutives,
/// the last letter doubled as Dutch doubles it after one short vowel (`slet` →
/// `sletten`, `sletje`; `lul` → `lullen`, `lulletje`; `hoer` → `hoeren`,
/// `hoertje`). A form may be no word of the language. Used when the lexicon is
/// built (`functions/moderation/tests/lexicon.rs`), which keeps each form on
/// its own: the lexicon's file lists the forms it reads.
pub fn inflections(lang: &str, word: &str) -> Vec<String> {
    let endings: &[&str] = match lang {
        "es" | "pt" => &["s", "es"],
        "fr" => &["s", "e", "es"],
        "de" => &["e", "en", "n", "s"],
        "nl" => &["s", "je", "jes", "tje", "tjes"],
        _ => &[],
    };
    let mut forms: Vec<String> = endings.iter().map(|e| format!("{word}{e}")).collect();
    let mut add =
        |stem: &str, ends: &[&str]| forms.extend(ends.iter().map(|e| format!("{stem}{e}")));
    match lang {
        "nl" => {
            // One short vowel before a last consonant: the consonant doubles.
            let vowel = |c: char| "aeiouy".contains(c);
            let chars: Vec<char> = word.chars().collect();
            let short = match chars.as_slice() {
                [.., a, v, c] => !vowel(*a) && vowel(*v) && !vowel(*c),
                [v, c] => vowel(*v) && !vowel(*c),
                _ => false,
            };
            match chars.last() {
                Some(last) if short => add(&format!("{word}{last}"), &["en", "etje", "etjes"]),
                _ => add(word, &["en"]),
            }
        }
        "es" | "pt" => {
            // The feminine of a word in `-o`; diminutives of a word in `-o` or
            // `-a` (`putinha`, `putita`); Portuguese `-ão`, read `-ao`, with its
            // plural and feminine (`cabrões`, `cabrona`).
            if let Some(stem) = word.strip_suffix('o') {
                add(stem, &["a", "as"]);
            }
            if let Some(stem) = word.strip_suffix('o').or_else(|| word.strip_suffix('a')) {
                let small = if lang == "pt" { "inh" } else { "it" };
                add(&format!("{stem}{small}"), &["o", "a", "os", "as"]);
            }
            if let (Some(stem), "pt") = (word.strip_suffix("ao"), lang) {
                add(stem, &["oes", "ona", "onas"]);
            }
        }
        _ => {}
    }
    forms
}

/// Sound-alike respellings of `word` (an entry, in lower case, accents kept:
/// `ç` is no hard `c`) in its language `lang` that chat writes to dodge filters,
/// of five letters or more (shorter ones meet other languages' words and names:
/// `kake`, `kulo`), one kind of change at a time: `k` for a hard `c` and for `qu` (`kabron`,
/// `konnard`), `ph` for `f`; German `x` for `chs` and `cks`, `ai` for `ei` and
/// `a` for a final `er` (`wixer`, `wixxa`, `schaisse`, `wichsa`); Spanish `z` and `s`,
/// `y` and `ll`, `b` and `v` for each other and a first `h` left out
/// (`cojonez`, `gilipoyas`, `uevon`); Portuguese `x` for `ch` and `aum` for a
/// final `ão` (`cuzaum`); French `k` for `qu` and a hard `c`; Dutch `y`, `ij`
/// and `ie` for one another (`teringlyer`). A respelling may be a word of the
/// language or of another: the lexicon's builder keeps each on its own, as it
/// does the inflected forms ([`inflections`]).
pub fn spellings(lang: &str, word: &str) -> Vec<String> {
    /// The fewest letters a respelling has.
    const RESPELLING_LETTERS: usize = 5;
    let mut out: Vec<String> = Vec::new();
    let swap = |out: &mut Vec<String>, from: &str, to: &str| {
        if word.contains(from) {
            out.push(word.replace(from, to));
        }
    };
    swap(&mut out, "f", "ph");
    swap(&mut out, "qu", "k");
    if matches!(lang, "es" | "pt" | "fr" | "nl") {
        // A hard `c`: before a consonant other than `h`, `a`, `o`, `u`, or last.
        let chars: Vec<char> = word.chars().collect();
        let hard = |i: usize| {
            chars[i] == 'c'
                && chars
                    .get(i + 1)
                    .is_none_or(|&n| !matches!(n, 'e' | 'i' | 'h' | 'y'))
        };
        if (0..chars.len()).any(hard) {
            out.push(
                (0..chars.len())
                    .map(|i| if hard(i) { 'k' } else { chars[i] })
                    .collect(),
            );
        }
    }
    match lang {
        "de" => {
            swap(&mut out, "chs", "x");
            swap(&mut out, "chs", "xx");
            swap(&mut out, "cks", "x");
            swap(&mut out, "ei", "ai");
            if let Some(stem) = word.strip_suffix("er") {
                out.push(format!("{stem}a"));
                if stem.contains("chs") {
                    out.push(format!("{}a", stem.replace("chs", "x")));
                    out.push(format!("{}a", stem.replace("chs", "xx")));
                }
            }
        }
        "es" => {
            swap(&mut out, "s", "z");
            swap(&mut out, "z", "s");
            swap(&mut out, "ll", "y");
            swap(&mut out, "y", "ll");
            swap(&mut out, "v", "b");
            swap(&mut out, "b", "v");
            if let Some(rest) = word.strip_prefix('h') {
                out.push(rest.to_owned());
            }
        }
        "pt" => {
            swap(&mut out, "ch", "x");
            swap(&mut out, "s", "z");
            if let Some(stem) = word.strip_suffix("ão").or_else(|| word.strip_suffix("ao")) {
                out.push(format!("{stem}aum"));
            }
        }
        "nl" => {
            swap(&mut out, "ij", "y");
            swap(&mut out, "ij", "ei");
            swap(&mut out, "y", "ij");
            swap(&mut out, "y", "ie");
        }
        _ => {}
    }
    // Short respellings meet other languages' words and names too often
    // (`kake`, `kulo`, `keca`).
    out.retain(|w| w != word && w.chars().count() >= RESPELLING_LETTERS);
    out.sort();
    out.dedup();
    out
}

impl Lexicon {
    /// A lexicon of `entries` (as written in the list: words or phrases).
    pub fn new<'a>(entries: impl IntoIterator<Item = &'a str>) -> Self {
        let mut lexicon = Self::default();
        for (index, entry) in entries.into_iter().enumerate() {
            if let Some(start) = entry.strip_suffix('-').and_then(normal_word) {
                let once = collapsed(&start);
                lexicon.compound_starts.push((start, once, index));
                continue;
            }
            let words: Option<Vec<String>> = entry.split_whitespace().map(normal_word).collect();
            let Some(words) = words.filter(|w| !w.is_empty()) else {
                continue;
            };
            if words.len() == 1 {
                let word = words[0].clone();
                lexicon
                    .by_len
                    .entry(word.chars().count())
                    .or_default()
                    .push((word.clone(), index));
                lexicon
                    .collapsed_words
                    .entry(collapsed(&word))
                    .or_insert(index);
                lexicon.words.entry(word).or_insert(index);
            } else {
                if let Some(joined) = normal_word(&words.concat()) {
                    lexicon.joined.entry(joined).or_insert(index);
                }
                lexicon
                    .phrases
                    .entry(words[0].clone())
                    .or_default()
                    .push((words, index));
            }
        }
        lexicon
    }

    /// Whether the lexicon has no entry.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty() && self.compound_starts.is_empty()
    }

    /// The entry whose compound `word` (already [`normal_word`]) is: it is the
    /// entry's first part, or starts with it and has [`COMPOUND_REST`] letters
    /// or more after it. A stretched word is compared with every run read once
    /// (`scheißspiel` has three `s` in a row, read as one).
    fn compound(&self, word: &str, stretched: bool) -> Option<usize> {
        if self.compound_starts.is_empty() {
            return None;
        }
        let word: std::borrow::Cow<str> = if stretched {
            collapsed(word).into()
        } else {
            word.into()
        };
        self.compound_starts
            .iter()
            .find_map(|(start, once, index)| {
                let start = if stretched { once } else { start };
                word.strip_prefix(start.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.chars().count() >= COMPOUND_REST)
                    .then_some(*index)
            })
    }

    /// One word (already [`normal_word`]) against the single words, `*` as any
    /// letter.
    fn word(&self, word: &str, stretched: bool) -> Option<usize> {
        if let Some(index) = self.words.get(word) {
            return Some(*index);
        }
        if let Some(index) = self.compound(word, stretched) {
            return Some(index);
        }
        if stretched {
            if let Some(index) = self.collapsed_words.get(&collapsed(word)) {
                return Some(*index);
            }
        }
        if !word.contains('*') {
            return None;
        }
        let known = word.chars().filter(|c| *c != '*').count();
        if known < 3 || word.starts_with('*') {
            return None;
        }
        self.by_len
            .get(&word.chars().count())
            .and_then(|candidates| {
                candidates
                    .iter()
                    .find_map(|(entry, index)| fits(word, entry).then_some(*index))
            })
    }

    /// The entries found in `text`: each with the byte span of the words that
    /// carry it and the entry's index.
    pub fn matches(&self, text: &str) -> Vec<(Range<usize>, usize)> {
        let mut found = Vec::new();
        if self.is_empty() {
            return found;
        }
        let mut tokens: Vec<(Range<usize>, std::rc::Rc<Token>)> =
            Vec::with_capacity(text.len() / 2 + 1);
        tokens.extend(crate::words_of(text).map(|t| {
            let start = t.as_ptr() as usize - text.as_ptr() as usize;
            (start..start + t.len(), token(t))
        }));
        let mut i = 0;
        while i < tokens.len() {
            // Letters spaced out: three single letters or more, read as one word.
            let letter = |span: &Range<usize>| {
                text[span.clone()].trim_matches(|c: char| !c.is_alphanumeric())
            };
            let run = tokens[i..]
                .iter()
                .take_while(|(_, token)| token.letter)
                .count();
            if run >= 3 {
                let joined: String = tokens[i..i + run]
                    .iter()
                    .map(|(span, _)| letter(span))
                    .collect();
                let joined = normal_word(&joined).unwrap_or_default();
                let hit = self
                    .word(&joined, true)
                    .or_else(|| self.joined.get(&joined).copied())
                    .or_else(|| self.joined.get(&collapsed(&joined)).copied());
                if let Some(index) = hit {
                    found.push((tokens[i].0.start..tokens[i + run - 1].0.end, index));
                }
                i += run;
                continue;
            }
            let Some((word, stretched)) = tokens[i].1.word() else {
                i += 1;
                continue;
            };
            // A phrase starting here, longest first.
            let phrase = self.phrases.get(word).and_then(|candidates| {
                candidates
                    .iter()
                    .filter(|(words, _)| {
                        words.len() <= tokens.len() - i
                            && words
                                .iter()
                                .zip(&tokens[i..])
                                .all(|(w, (_, t))| t.reads_as(w))
                    })
                    .max_by_key(|(words, _)| words.len())
            });
            if let Some((words, index)) = phrase {
                found.push((tokens[i].0.start..tokens[i + words.len() - 1].0.end, *index));
                i += words.len();
                continue;
            }
            let hit = self.word(word, stretched).or_else(|| {
                let one_letter = tokens[i].1.one_letter.as_deref()?;
                self.word(one_letter, false)
            });
            if let Some(index) = hit {
                found.push((tokens[i].0.clone(), index));
            }
            i += 1;
        }
        found
    }
}

/// The spans of `text` that carry swearing of the shipped lexicon.
pub fn find(text: &str) -> Vec<Range<usize>> {
    lexicon()
        .matches(text)
        .into_iter()
        .map(|(span, _)| span)
        .collect()
}

/// `text` with the spans' letters masked (the first of each word kept).
pub fn mask(text: &str, spans: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        if span.start < at || span.end > text.len() {
            continue;
        }
        out.push_str(&text[at..span.start]);
        // Each word of the span: its letters masked but the first, the
        // punctuation around it kept (`puta,` → `p***,`); a word spelt out
        // letter by letter (`p u t a`) keeps only its first letter.
        let mut rest = &text[span.clone()];
        let mut first_word = true;
        while !rest.is_empty() {
            let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[..word_end];
            let outer = |c: char| !c.is_alphanumeric() && !matches!(c, '*' | '@' | '$');
            let core = word.trim_matches(outer);
            let lead = word.len() - word.trim_start_matches(outer).len();
            out.push_str(&word[..lead]);
            let spelt = core.chars().count() == 1 && !first_word;
            if !core.is_empty() {
                first_word = false;
            }
            for (n, c) in core.chars().enumerate() {
                out.push(if n == 0 && c.is_alphanumeric() && !spelt {
                    c
                } else {
                    '*'
                });
            }
            out.push_str(&word[lead + core.len()..]);
            let spaces = rest[word_end..]
                .find(|c: char| !c.is_whitespace())
                .map_or(rest.len(), |n| word_end + n);
            out.push_str(&rest[word_end..spaces]);
            rest = &rest[spaces..];
        }
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The distinct entries' indices found in `text`.
pub fn entries_in(lexicon: &Lexicon, text: &str) -> FxHashSet<usize> {
    lexicon.matches(text).into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_read_as_the_filters_are_dodged() {
        assert_eq!(normal_word("C@r@lh0!").as_deref(), Some("caralho"));
        assert_eq!(normal_word("W1chs3r").as_deref(), Some("wichser"));
        assert_eq!(normal_word("k.u.t.").as_deref(), Some("kut"));
        assert_eq!(
            normal_word("scheiiiiiisssseeee").as_deref(),
            Some("scheise")
        );
        assert_eq!(normal_word("Scheiße").as_deref(), Some("scheisse"));
        assert_eq!(normal_word("sch€iß€").as_deref(), Some("scheisse"));
        assert_eq!(normal_word("lull").as_deref(), Some("lull"));
        assert_eq!(normal_word("schw*chtel").as_deref(), Some("schw*chtel"));
        assert_eq!(normal_word("2-1"), None);
    }

    #[test]
    fn entries_are_found_however_written() {
        let lex = Lexicon::new([
            "caralho",
            "hijo de puta",
            "puta que pariu",
            "schwuchtel",
            "kut",
        ]);
        let hits = |t: &str| lex.matches(t).len();
        assert_eq!(hits("c@r@lh0 que jogo"), 1);
        assert_eq!(hits("arbitro h1j0 d3 put4 🤬"), 1);
        assert_eq!(hits("p u t a  q u e  p a r i u, mais um"), 1);
        assert_eq!(hits("typischer schw*chtel move"), 1);
        assert_eq!(hits("k.u.t. VAR weer"), 1);
        assert_eq!(hits("kutje"), 0);
        assert_eq!(hits("a lull in play, LUL"), 0);
        assert_eq!(
            Lexicon::new(["luls"]).matches("so many LULs in chat").len(),
            0
        );
        let lex2 = Lexicon::new(["scheiße", "lul", "foder"]);
        assert_eq!(lex2.matches("scheiiiiiisssseeee, verloren").len(), 1);
        assert_eq!(
            lex2.matches("a lull in play, LUL, relegation fodder").len(),
            0
        );
        assert_eq!(hits("que jogo bonito"), 0);
        let lex3 = Lexicon::new(["scheiß-", "kut-"]);
        assert_eq!(lex3.matches("Scheißwetter heute, scheißkalt").len(), 2);
        assert_eq!(
            lex3.matches("sch3iss-spiel, Scheißspiel, scheiß drauf")
                .len(),
            3
        );
        // Too little after the first part.
        assert_eq!(lex3.matches("de kutter ligt in de haven").len(), 0);
        let spans: Vec<Range<usize>> = lex
            .matches("c@r@lh0 que jogo")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let masked = mask("c@r@lh0 que jogo", &spans);
        assert_eq!(masked, "c****** que jogo");
    }

    #[test]
    fn a_word_s_inflections_are_its_language_s() {
        let has =
            |lang: &str, word: &str, form: &str| inflections(lang, word).iter().any(|f| f == form);
        for (lang, word, form) in [
            ("es", "pendejo", "pendejos"),
            ("es", "pendejo", "pendeja"),
            ("es", "puta", "putitas"),
            ("pt", "puta", "putinha"),
            ("pt", "cabrao", "cabroes"),
            ("pt", "cabrao", "cabrona"),
            ("pt", "otario", "otarios"),
            ("fr", "connard", "connards"),
            ("de", "schlampe", "schlampen"),
            ("nl", "slet", "sletten"),
            ("nl", "slet", "sletje"),
            ("nl", "lul", "lulletje"),
            ("nl", "hoer", "hoeren"),
            ("nl", "hoer", "hoertje"),
            ("nl", "klootzak", "klootzakken"),
            ("nl", "klootzak", "klootzakje"),
        ] {
            assert!(has(lang, word, form), "{lang} {word}: {form}");
        }
        // Dutch doubles after one short vowel only (`sleten` is "wore out").
        assert!(!has("nl", "slet", "sleten"));
        assert!(!has("nl", "hoer", "hoerren"));
        assert!(inflections("", "slet").is_empty());
    }

    #[test]
    fn a_word_s_respellings_sound_alike_in_its_language() {
        let has =
            |lang: &str, word: &str, form: &str| spellings(lang, word).iter().any(|f| f == form);
        for (lang, word, form) in [
            ("de", "scheisse", "schaisse"),
            ("de", "wichser", "wixer"),
            ("de", "wichser", "wixxa"),
            ("de", "wichser", "wichsa"),
            ("de", "ficken", "phicken"),
            ("es", "cabron", "kabron"),
            ("es", "gilipollas", "gilipoyas"),
            ("es", "huevon", "uevon"),
            ("pt", "caralho", "karalho"),
            ("pt", "cuzao", "cuzaum"),
            ("pt", "cuzão", "cuzaum"),
            ("fr", "connard", "konnard"),
            ("nl", "teringlijer", "teringlyer"),
            ("nl", "tyfuslijer", "tiefuslijer"),
        ] {
            assert!(has(lang, word, form), "{lang} {word}: {form}");
        }
        // A soft `c` stays (`cerdo` is no `kerdo`, `desgraçada` no
        // `desgrakada`); no word is its own respelling.
        assert!(!has("pt", "desgraçada", "desgrakada"));
        assert!(!has("es", "cerdo", "kerdo"));
        assert!(spellings("de", "arsch").is_empty());
        assert!(!has("es", "puta", "puta"));
    }

    #[test]
    fn a_picture_inside_a_word_is_read_as_a_letter_or_as_nothing() {
        let lex = Lexicon::new(["cabrón", "foda-se", "pisser", "trou du cul"]);
        let hits = |t: &str| lex.matches(t).len();
        // Standing for one letter, or put between two.
        assert_eq!(hits("menudo cabr🐐n estás hecho"), 1);
        assert_eq!(hits("f💥da-se tu"), 1);
        assert_eq!(hits("du kleiner Pi💩sser, heul leise"), 1);
        assert_eq!(hits("cabr#n"), 1);
        assert_eq!(hits("p🐐sser, cabr🐐🐐on, p1💩sser"), 3);
        // In a phrase, one letter known on each side is enough.
        assert_eq!(hits("t'es un vrai trou du c🍑l"), 1);
        assert_eq!(hits("t'es un vrai trou du c*l"), 1);
        // Not at a word's end, not with a letter missing, not punctuation
        // (`cabr…n`), not a picture between two words.
        assert_eq!(hits("cabrón🐐 que golazo"), 1);
        assert_eq!(hits("cab🐐n, c🐐🐐n"), 0);
        assert_eq!(hits("cabr…n"), 0);
        // A combining accent is part of its letter (`hör`, not `hoer`).
        assert_eq!(Lexicon::new(["hoer"]).matches("ho\u{308}r auf").len(), 0);
        assert_eq!(hits("gol⚽gol, trou🕳️du cul"), 0);
        assert_eq!(pictures_inside("⚽gol"), None);
        assert_eq!(
            pictures_inside("ku🤬t"),
            Some(("kut".to_string(), "ku*t".to_string()))
        );
    }

    #[test]
    fn the_shipped_lexicon_loads() {
        assert!(!lexicon().is_empty());
    }
}
