//! The learned second opinion: a small linear model over hashed word and character
//! n-grams, one logistic-regression head per kind of abuse the rules can miss
//! (`profanity`, `threat`, `harassment`, `scam`). It is trained from the
//! development side of the evaluation set (`moderation-train`, never from the test
//! half) and shipped as a compact weight file, `data/learned.bin`, that a test
//! rebuilds and compares byte for byte.
//!
//! A line's features are its words, its word pairs and the 3- to 5-letter pieces
//! of each word (with the word's edges marked), read the way filters are dodged:
//! lower case, without accents, look-alike and leetspeak letters read as letters,
//! symbols inside a word dropped (`f*ck`, `s.h.i.t`), letters written three times
//! or more read twice, and runs of single letters (`f u c k`) joined — and its
//! emoji and pictographs of things (`🔪`, `⚰`; not faces), which chat uses as
//! words. Each feature
//! is hashed (FNV-1a) into one of `2^bits` buckets; a head's score is its bias plus
//! the weights of the line's buckets, `p = 1 / (1 + e^−score)`. Weights are stored as
//! `i8` with one scale per head, buckets row by row (every head's weight of a bucket
//! side by side), so scoring a line is one pass over its features.
//!
//! The model is inspectable: `moderation-train --top N` prints each head's
//! heaviest features by name, and docs/moderation.md shows them.
//!
//! # The weight file
//!
//! `SLM1`, then `bits: u8`, `heads: u8`, then per head `name_len: u8`, the name,
//! `bias: f32`, `scale: f32`, `threshold: f32` (little-endian), then
//! `2^bits × heads` weights as `i8`.

use std::sync::OnceLock;

/// `data/learned.bin`, deflated by the build script.
static WEIGHTS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/learned.bin.deflate"));

/// Largest inflated weight file accepted (2^20 buckets of eight heads and the
/// heads' names).
const MAX_WEIGHTS: usize = (1 << 20) * MAX_HEADS + 4096;

const MAGIC: &[u8; 4] = b"SLM1";

/// At most this many heads in a weight file.
const MAX_HEADS: usize = 8;

/// The heads, in the order the trainer writes them.
pub const HEADS: [&str; 4] = ["profanity", "threat", "harassment", "scam"];

/// One head of a loaded model.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub name: String,
    pub bias: f32,
    pub scale: f32,
    /// Probability at or above which the head's opinion counts.
    pub threshold: f32,
}

/// A loaded model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub bits: u8,
    pub heads: Vec<Head>,
    /// `2^bits × heads.len()`, bucket-major.
    pub weights: Vec<i8>,
}

/// One head's reading of a line ([`Model::explain`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub head: String,
    pub probability: f32,
    /// Every feature of the line by name, with its bucket's weight, heaviest first.
    pub weights: Vec<(String, i8)>,
}

impl Model {
    /// Reads a weight file.
    pub fn parse(bytes: &[u8]) -> Result<Model, String> {
        let mut cursor = Cursor { bytes, at: 0 };
        if cursor.take(4)? != MAGIC {
            return Err("not a weight file (no SLM1 header)".into());
        }
        let bits = cursor.take(1)?[0];
        if !(8..=20).contains(&bits) {
            return Err(format!("bucket bits {bits} outside 8..=20"));
        }
        let count = usize::from(cursor.take(1)?[0]);
        if count == 0 || count > MAX_HEADS {
            return Err(format!("{count} heads (1 to {MAX_HEADS})"));
        }
        let mut heads = Vec::with_capacity(count);
        for _ in 0..count {
            let len = usize::from(cursor.take(1)?[0]);
            let name = std::str::from_utf8(cursor.take(len)?)
                .map_err(|_| "a head's name is not UTF-8".to_owned())?
                .to_owned();
            let (bias, scale, threshold) = (cursor.f32()?, cursor.f32()?, cursor.f32()?);
            if ![bias, scale, threshold].iter().all(|v| v.is_finite()) {
                return Err(format!("head `{name}` has a value that is not finite"));
            }
            heads.push(Head {
                name,
                bias,
                scale,
                threshold,
            });
        }
        let n = (1usize << bits) * count;
        let weights = cursor.take(n)?.iter().map(|b| *b as i8).collect();
        if cursor.at != bytes.len() {
            return Err(format!(
                "{} bytes after the weights",
                bytes.len() - cursor.at
            ));
        }
        Ok(Model {
            bits,
            heads,
            weights,
        })
    }

    /// The weight file's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.weights.len() + 64);
        out.extend_from_slice(MAGIC);
        out.push(self.bits);
        out.push(self.heads.len() as u8);
        for head in &self.heads {
            out.push(head.name.len() as u8);
            out.extend_from_slice(head.name.as_bytes());
            for v in [head.bias, head.scale, head.threshold] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out.extend(self.weights.iter().map(|w| *w as u8));
        out
    }

    /// Per head (in order), the probability that `text` is of its kind.
    pub fn opinion(&self, text: &str) -> Vec<f32> {
        let heads = self.heads.len();
        let mask = (1u64 << self.bits) - 1;
        // A feature: its bucket's weights added, and counted.
        let add = |(sums, count): &mut Sums, hash: u64| {
            let row = bucket_of(hash, mask) * heads;
            for (sum, w) in sums.iter_mut().zip(&self.weights[row..row + heads]) {
                *sum += i32::from(*w);
            }
            *count += 1;
        };
        // A word's own features (the word and its pieces) are the same
        // wherever it stands: the shipped model adds them up once per word.
        let own = |word: &str| {
            let mut own: Sums = ([0; MAX_HEADS], 0);
            let (mut edged, mut starts) = (Vec::new(), Vec::new());
            add(&mut own, fnv(WORD_TAG, word.as_bytes()));
            each_piece(word, &mut edged, &mut starts, |hash| add(&mut own, hash));
            own
        };
        let shipped = SHIPPED
            .get()
            .and_then(Option::as_ref)
            .is_some_and(|m| std::ptr::eq(m, self));
        let mut total: Sums = ([0; MAX_HEADS], 0);
        each_word_and_pair(text, |word, pair| {
            if let Some(pair) = pair {
                add(&mut total, pair);
            }
            let (sums, count) = if shipped {
                crate::remembered(&OWN_SUMS, word, || own(word))
            } else {
                own(word)
            };
            for (sum, s) in total.0.iter_mut().zip(sums) {
                *sum += s;
            }
            total.1 += count;
        });
        each_pictograph(text, |hash| add(&mut total, hash));
        let norm = feature_value(total.1 as usize) as f32;
        self.heads
            .iter()
            .zip(total.0)
            .map(|(head, sum)| sigmoid(head.bias + head.scale * sum as f32 * norm))
            .collect()
    }

    /// Why the model thinks what it does of `text`: per head, the probability and
    /// every feature with its weight, heaviest first.
    pub fn explain(&self, text: &str) -> Vec<Explained> {
        let heads = self.heads.len();
        let mask = (1u64 << self.bits) - 1;
        let features = feature_names(text);
        let opinion = self.opinion(text);
        self.heads
            .iter()
            .enumerate()
            .map(|(h, head)| {
                let mut weights: Vec<(String, i8)> = features
                    .iter()
                    .map(|(hash, name)| {
                        (
                            name.clone(),
                            self.weights[bucket_of(*hash, mask) * heads + h],
                        )
                    })
                    .collect();
                weights.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                Explained {
                    head: head.name.clone(),
                    probability: opinion[h],
                    weights,
                }
            })
            .collect()
    }

    /// The most probable head at or above its threshold in `opinion`, with its
    /// probability.
    pub fn strongest(&self, opinion: &[f32]) -> Option<(&Head, f32)> {
        self.strongest_at(opinion, |head| head.threshold)
    }

    /// The most probable head at or above the threshold `threshold` gives it
    /// in `opinion`, with its probability.
    pub fn strongest_at(
        &self,
        opinion: &[f32],
        threshold: impl Fn(&Head) -> f32,
    ) -> Option<(&Head, f32)> {
        self.heads
            .iter()
            .zip(opinion)
            .filter(|(head, p)| **p >= threshold(head))
            .max_by(|(_, a), (_, b)| a.total_cmp(b))
            .map(|(head, p)| (head, *p))
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| format!("the weight file ends early (at byte {})", self.at))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn f32(&mut self) -> Result<f32, String> {
        let b = self.take(4)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// The shipped model, once loaded.
static SHIPPED: OnceLock<Option<Model>> = OnceLock::new();

/// Per head, a sum of features' weights, and how many features.
type Sums = ([i32; MAX_HEADS], u32);

thread_local! {
    /// Per word, the shipped model's sums of its own features' weights (the
    /// word and its pieces): chat repeats its words.
    static OWN_SUMS: crate::Memo<Sums> = crate::Memo::default();
}

/// The shipped model; `None` if its file does not load (a test makes sure it does).
pub fn model() -> Option<&'static Model> {
    SHIPPED
        .get_or_init(|| {
            let weights = miniz_oxide::inflate::decompress_to_vec_with_limit(WEIGHTS, MAX_WEIGHTS)
                .map_err(|error| format!("the weight file does not inflate: {error}"));
            match weights.and_then(|weights| Model::parse(&weights)) {
                Ok(model) => Some(model),
                Err(error) => {
                    tracing::error!(%error, "the learned moderation model did not load");
                    None
                }
            }
        })
        .as_ref()
}

pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Lines with fewer features than this count as having this many.
pub const FEW_FEATURES: usize = 48;

/// Every feature of a line counts `1/√n` (n: the line's features, at least
/// [`FEW_FEATURES`]), so that long lines do not outweigh short ones, and the few
/// features of a very short line ("once", "message 2") do not each weigh as much
/// as a whole line's.
pub fn feature_value(count: usize) -> f64 {
    1.0 / (count.max(FEW_FEATURES) as f64).sqrt()
}

/// The bucket of a feature's hash, `mask` being `2^bits − 1`.
pub fn bucket_of(hash: u64, mask: u64) -> usize {
    ((hash ^ (hash >> 29)) & mask) as usize
}

/// FNV-1a, 64 bits, of a tag byte and `parts` one after another.
fn hash(tag: u8, parts: &[&[u8]]) -> u64 {
    parts.iter().fold(tag_hash(tag), |h, part| fnv(h, part))
}

/// A character as the model reads it: lower case, no accent, look-alikes and
/// leetspeak as the letter they stand for; `None` for anything else (dropped
/// inside a word).
fn letter(c: char, in_word: bool) -> Option<char> {
    let c = if c.is_uppercase() {
        c.to_lowercase().next().unwrap_or(c)
    } else {
        c
    };
    let c = match c {
        'a'..='z' => c,
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        // Cyrillic and Greek look-alikes.
        'а' | 'α' => 'a',
        'е' | 'ε' => 'e',
        'о' | 'ο' => 'o',
        'р' | 'ρ' => 'p',
        'с' => 'c',
        'у' => 'y',
        'х' | 'χ' => 'x',
        'і' | 'ι' => 'i',
        'к' | 'κ' => 'k',
        'т' | 'τ' => 't',
        'в' => 'b',
        'н' => 'h',
        'м' => 'm',
        // Leetspeak, inside a word that has letters.
        '0' if in_word => 'o',
        '1' | '!' | '|' if in_word => 'i',
        '3' if in_word => 'e',
        '4' | '@' if in_word => 'a',
        '5' | '$' if in_word => 's',
        '7' if in_word => 't',
        '8' if in_word => 'b',
        '0'..='9' => c,
        c if c.is_alphabetic() => c.to_lowercase().next().unwrap_or(c),
        _ => return None,
    };
    Some(c)
}

/// The line's words as the model reads them.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_word(text, |w| out.push(w.to_owned()));
    out
}

/// A word of a line (as written, split at whitespace) as the model reads it.
struct ReadWord {
    /// Its letters ([`letter`]), a letter written three times or more twice.
    word: Box<str>,
    /// How many letters that is.
    letters: usize,
    /// Whether the word as written has a letter.
    has_letter: bool,
}

thread_local! {
    /// The words' readings, per word as written: chat repeats its words.
    static READ_WORDS: crate::Memo<std::rc::Rc<ReadWord>> = crate::Memo::default();
}

/// `raw` (a word of a line as written) as the model reads it.
fn read_word(raw: &str) -> std::rc::Rc<ReadWord> {
    crate::remembered(&READ_WORDS, raw, || {
        let has_letter = raw.chars().any(char::is_alphabetic);
        let mut word = String::with_capacity(raw.len());
        let mut letters = 0usize;
        let mut last = None;
        let mut repeats = 0;
        for c in raw.chars() {
            let Some(l) = letter(c, has_letter) else {
                continue;
            };
            if Some(l) == last {
                repeats += 1;
                if repeats >= 2 {
                    continue;
                }
            } else {
                repeats = 0;
            }
            last = Some(l);
            word.push(l);
            letters += 1;
        }
        std::rc::Rc::new(ReadWord {
            word: word.into_boxed_str(),
            letters,
            has_letter,
        })
    })
}

/// Calls `found` with each word of `text` as the model reads it, in order.
fn each_word(text: &str, mut found: impl FnMut(&str)) {
    // Single letters in a row (`f u c k`), joined when three or more.
    let mut run = String::new();
    let mut run_letters = 0usize;
    let flush_run = |run: &mut String, run_letters: &mut usize, found: &mut dyn FnMut(&str)| {
        if *run_letters >= 3 {
            found(run);
        } else {
            let mut buf = [0u8; 4];
            for c in run.chars() {
                found(c.encode_utf8(&mut buf));
            }
        }
        run.clear();
        *run_letters = 0;
    };
    for raw in crate::words_of(text) {
        let read = read_word(raw);
        if read.letters == 0 {
            continue;
        }
        if read.letters == 1 && read.has_letter {
            run.push_str(&read.word);
            run_letters += 1;
            continue;
        }
        flush_run(&mut run, &mut run_letters, &mut found);
        found(&read.word);
    }
    flush_run(&mut run, &mut run_letters, &mut found);
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(hash, |h, b| (h ^ u64::from(*b)).wrapping_mul(FNV_PRIME))
}

/// Where each character of `edged` (`<word>`) starts.
fn char_starts(word: &str, edged_len: usize, starts: &mut Vec<usize>) {
    starts.clear();
    if word.is_ascii() {
        starts.extend(0..edged_len);
    } else {
        starts.push(0);
        starts.extend(word.char_indices().map(|(i, _)| i + 1));
        starts.push(edged_len - 1);
    }
}

/// Whether `c` is a pictograph of a thing: an emoji or a symbol of the dingbat
/// and miscellaneous-symbol blocks (`🔪`, `⚰`, `🐒`, `🍆`), which say as much in
/// chat as words do. Faces are left out (the emoticons block and the faces of
/// the supplemental block): they carry a writer's tone, and the training lines'
/// writers used `🙂` and `😏` as a style of their threats and taunts, which the
/// model learnt as if they were threats.
fn pictograph(c: char) -> bool {
    let c = u32::from(c);
    matches!(c, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF)
        && !matches!(c, 0x1F600..=0x1F64F | 0x1F910..=0x1F92F | 0x1F970..=0x1F97F | 0x263A | 0x2639)
}

/// Calls `found` with the hash of every feature of `text`, in the order of
/// [`feature_names`]. The pieces of a word that start at one character are hashed
/// in one pass (FNV reads left to right, so the 3-piece's hash is on the way to
/// the 4-piece's).
pub fn each_feature(text: &str, mut found: impl FnMut(u64)) {
    let mut edged: Vec<u8> = Vec::with_capacity(34);
    let mut starts: Vec<usize> = Vec::with_capacity(34);
    each_word_and_pair(text, |word, pair| {
        found(fnv(WORD_TAG, word.as_bytes()));
        if let Some(pair) = pair {
            found(pair);
        }
        each_piece(word, &mut edged, &mut starts, &mut found);
    });
    each_pictograph(text, found);
}

/// The hash of the tag byte alone, where a feature's hash starts ([`hash`]).
const fn tag_hash(tag: u8) -> u64 {
    (FNV_OFFSET ^ tag as u64).wrapping_mul(FNV_PRIME)
}

/// Where the hashes of a word, a word and the one before it, a piece of a
/// word and a pictograph start.
const WORD_TAG: u64 = tag_hash(b'w');
const PAIR_TAG: u64 = tag_hash(b'b');
const PIECE_TAG: u64 = tag_hash(b'c');
const PICTOGRAPH_TAG: u64 = tag_hash(b'e');

/// Calls `each` with every word of `text` ([`each_word`]) and the hash of it
/// and the word before it (none for the first).
fn each_word_and_pair(text: &str, mut each: impl FnMut(&str, Option<u64>)) {
    let mut previous = String::with_capacity(32);
    each_word(text, |word| {
        let pair = (!previous.is_empty()).then(|| {
            fnv(
                fnv(fnv(PAIR_TAG, previous.as_bytes()), b" "),
                word.as_bytes(),
            )
        });
        each(word, pair);
        previous.clear();
        previous.push_str(word);
    });
}

/// Calls `found` with the hash of every 3- to 5-character piece of `<word>`,
/// by where it starts and then by length (`edged` and `starts`: room).
fn each_piece(
    word: &str,
    edged: &mut Vec<u8>,
    starts: &mut Vec<usize>,
    mut found: impl FnMut(u64),
) {
    edged.clear();
    edged.push(b'<');
    edged.extend_from_slice(word.as_bytes());
    edged.push(b'>');
    if word.is_ascii() {
        // A character a byte: the pieces from each byte, read straight on.
        for first in 0..edged.len() {
            let mut h = PIECE_TAG;
            for (n, &byte) in edged[first..].iter().take(5).enumerate() {
                h = (h ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
                if n >= 2 {
                    found(h);
                }
            }
        }
        return;
    }
    char_starts(word, edged.len(), starts);
    for first in 0..starts.len() {
        let mut h = PIECE_TAG;
        for n in 1..=5 {
            let Some(&from) = starts.get(first + n - 1) else {
                break;
            };
            let to = starts.get(first + n).copied().unwrap_or(edged.len());
            h = fnv(h, &edged[from..to]);
            if n >= 3 {
                found(h);
            }
        }
    }
}

/// Calls `found` with the hash of every pictograph of `text`.
fn each_pictograph(text: &str, mut found: impl FnMut(u64)) {
    // Pictographs are never ASCII.
    if text.is_ascii() {
        return;
    }
    let mut buf = [0u8; 4];
    for p in text.chars().filter(|c| pictograph(*c)) {
        found(fnv(PICTOGRAPH_TAG, p.encode_utf8(&mut buf).as_bytes()));
    }
}

/// Calls `found` with every feature of `text` as (tag, parts): `w` a word, `b` a
/// word and the one before it, `c` a piece of a word, `e` a pictograph.
fn each_named_feature(text: &str, mut found: impl FnMut(u8, &[&[u8]])) {
    let mut previous = String::with_capacity(32);
    let mut edged: Vec<u8> = Vec::with_capacity(34);
    let mut starts: Vec<usize> = Vec::with_capacity(34);
    each_word(text, |word| {
        found(b'w', &[word.as_bytes()]);
        if !previous.is_empty() {
            found(b'b', &[previous.as_bytes(), b" ", word.as_bytes()]);
        }
        previous.clear();
        previous.push_str(word);
        edged.clear();
        edged.push(b'<');
        edged.extend_from_slice(word.as_bytes());
        edged.push(b'>');
        // Pieces by characters, not bytes: from each character, 3, 4 and 5 long.
        char_starts(word, edged.len(), &mut starts);
        for first in 0..starts.len() {
            for n in 3..=5 {
                if first + n > starts.len() {
                    break;
                }
                let end = starts.get(first + n).copied().unwrap_or(edged.len());
                found(b'c', &[&edged[starts[first]..end]]);
            }
        }
    });
    let mut buf = [0u8; 4];
    for p in text.chars().filter(|c| pictograph(*c)) {
        found(b'e', &[p.encode_utf8(&mut buf).as_bytes()]);
    }
}

/// Every feature of `text` by name, with its hash, as `moderation-train --top`
/// prints them.
pub fn feature_names(text: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    each_named_feature(text, |tag, parts| {
        let mut name = String::new();
        name.push(tag as char);
        name.push(':');
        for p in parts {
            name.push_str(&String::from_utf8_lossy(p));
        }
        out.push((hash(tag, parts), name));
    });
    out
}

/// One labelled line to learn from: `labels[h]` is whether it is of head `h`'s kind.
#[derive(Debug, Clone)]
pub struct Sample {
    pub text: String,
    pub labels: Vec<bool>,
}

/// How a model is trained.
#[derive(Debug, Clone, Copy)]
pub struct Training {
    pub bits: u8,
    pub epochs: usize,
    pub learning_rate: f64,
    /// L2 penalty per update.
    pub l2: f64,
    /// Buckets seen in fewer training lines than this keep no weight: what only
    /// one line says is that line's, not its kind's.
    pub min_lines: usize,
    /// How much more a clean line's error counts than another negative's, on the
    /// heads in [`CLEAN_WEIGHTED`] (a line of no head's kind: clean lines, and
    /// the lines of personal data, which are as harmless to those heads). Their thresholds are set by the few clean lines
    /// the head rates highest, so those are the lines worth pushing down (harmless
    /// plans in a threat's shape: "i'll walk you to your car").
    pub clean_weight: f64,
}

/// The heads that speak only on a line of two words or more: a threat or
/// targeted abuse with no swear word has a person and a predicate, and a line of
/// one word the rules did not read as name-calling is a reply ("Nobody",
/// "finally").
pub const SENTENCE_HEADS: [&str; 2] = ["threat", "harassment"];

/// Whether `head` may speak on `text` ([`SENTENCE_HEADS`]).
pub fn speaks_on(head: &str, text: &str) -> bool {
    !SENTENCE_HEADS.contains(&head) || text.split_whitespace().nth(1).is_some()
}

/// A sentence head's threshold on a line that speaks to someone in the second
/// person ([`addresses_someone`]), when the head's own is higher. Threats and
/// targeted abuse are said to their target; clean chat that speaks to someone
/// and still sounds like either is rarer than clean chat that does not (the
/// training lines are the exception: they were written to trap the model, so
/// the threshold is not set on them). Set on the development side's read sets
/// (`corpus/unseen/`: rounds 19 and 22–29, `abuse-h`, `clean-h`, `clean-d`;
/// never the sets kept unread nor the test half), as the lowest tenth at
/// which what it adds holds no more than 0.3 % of their clean lines, the
/// budget the harassment head's own threshold is set to.
pub const ADDRESSED_THRESHOLD: f32 = 0.4;

/// Words of the second person in the launch languages, lower case, that are
/// seldom another word in any of them or in English chat: not Spanish `ya`
/// (already), Dutch `je` (French "I"), `te` (Dutch "too"), German `du` (French
/// "of the") or `ihr` ("her"), Portuguese `os` ("the") or `seu` ("his"), Dutch
/// `vos` (a fox), Spanish `voces` (voices). Some are still, now and then (`ur`
/// is Austrian "very", `vc` a voice chat, `TU` a university).
const SECOND_PERSON: [&str; 60] = [
    "you",
    "u",
    "ur",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "urself",
    "yall",
    "y'all",
    "youre",
    "youll",
    "youve",
    "youd",
    "toi",
    "vous",
    "votre",
    "dich",
    "dir",
    "dein",
    "deine",
    "deinen",
    "deinem",
    "deiner",
    "deines",
    "euch",
    "euer",
    "eure",
    "euren",
    "eurem",
    "jij",
    "jou",
    "jouw",
    "jullie",
    "uw",
    "você",
    "voce",
    "vc",
    "vcs",
    "vocês",
    "teu",
    "tua",
    "teus",
    "tuas",
    "contigo",
    "tu",
    "tú",
    "ti",
    "tus",
    "tuyo",
    "tuya",
    "tuyos",
    "tuyas",
    "usted",
    "ustedes",
    "vosotros",
    "vosotras",
    "vuestro",
    "vuestra",
    "vuestros",
];

/// Pronouns French writes after a hyphen (`tais-toi`, `vous-même`), the only
/// words of [`SECOND_PERSON`] read inside a hyphenated word (`U-Bahn` is no
/// `u`).
const AFTER_A_HYPHEN: [&str; 3] = ["toi", "vous", "tu"];

/// What French writes after `t'` that is no verb of the second person (`y a
/// t'il`, `peut t'on`).
const NOT_AFTER_T: [&str; 5] = ["il", "elle", "on", "ils", "elles"];

/// Whether `text` speaks to someone in the second person: a word of
/// [`SECOND_PERSON`], alone or before an apostrophe (`you're`), or French `t'`
/// before a verb (`t'es`, `t'étranglerai`; not `t'il`). Words are split at
/// spaces and punctuation; a hyphen joins the parts of one word, of which only
/// [`AFTER_A_HYPHEN`] and `t'` count, and a letter in a run of three single
/// letters or more (`p u t a`) is spelling, not `u`.
pub fn addresses_someone(text: &str) -> bool {
    let apostrophe = |c: char| matches!(c, '\'' | '’' | '´' | 'ʼ');
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || apostrophe(c)))
        .map(|w| w.trim_matches(|c: char| c == '-' || apostrophe(c)))
        .filter(|w| !w.is_empty())
        .collect();
    let single = |i: usize| words.get(i).is_some_and(|w| w.chars().nth(1).is_none());
    let mut lower = String::new();
    words.iter().enumerate().any(|(i, word)| {
        // Three single letters in a row or more are spelling (`u r` is not).
        let before = (0..i).rev().take_while(|&j| single(j)).count();
        let after = (i + 1..words.len()).take_while(|&j| single(j)).count();
        if single(i) && before + after >= 2 {
            return false;
        }
        let hyphenated = word.contains('-');
        word.split('-').any(|part| {
            lower.clear();
            lower.extend(part.chars().flat_map(char::to_lowercase).map(|c| {
                if apostrophe(c) {
                    '\''
                } else {
                    c
                }
            }));
            let (head, rest) = lower.split_once('\'').unwrap_or((lower.as_str(), ""));
            if head == "t" && !rest.is_empty() && !NOT_AFTER_T.contains(&rest) {
                return true;
            }
            if hyphenated {
                AFTER_A_HYPHEN.contains(&head)
            } else {
                SECOND_PERSON.contains(&lower.as_str()) || SECOND_PERSON.contains(&head)
            }
        })
    })
}

/// The threshold at which `head` (with its own `threshold`) counts on a line
/// that does or does not speak to someone ([`ADDRESSED_THRESHOLD`]).
pub fn threshold_on(head: &str, threshold: f64, addressed: bool) -> f64 {
    if addressed && SENTENCE_HEADS.contains(&head) {
        threshold.min(f64::from(ADDRESSED_THRESHOLD))
    } else {
        threshold
    }
}

/// The heads whose thresholds the clean lines set. The profanity and scam heads
/// sit at their floors (`MIN_THRESHOLD` in training), where weighing clean lines
/// more would only lower their probabilities under the floor.
pub const CLEAN_WEIGHTED: [&str; 2] = ["threat", "harassment"];

impl Default for Training {
    fn default() -> Self {
        Self {
            bits: 16,
            epochs: 30,
            learning_rate: 0.5,
            l2: 1e-3,
            min_lines: 2,
            clean_weight: 8.0,
        }
    }
}

/// Whether a line's `labels` make it of any head marked in `sentence`.
fn of_a_sentence_head(labels: &[bool], sentence: &[bool]) -> bool {
    labels
        .iter()
        .zip(sentence)
        .any(|(&label, &sentence)| label && sentence)
}

/// Weights before quantisation.
#[derive(Debug, Clone)]
pub struct Trained {
    pub bits: u8,
    pub heads: Vec<String>,
    pub bias: Vec<f64>,
    /// `2^bits × heads`, bucket-major.
    pub weights: Vec<f64>,
}

impl Trained {
    /// Per head, the probability for `text` (unquantised).
    pub fn probabilities(&self, text: &str) -> Vec<f64> {
        let heads = self.heads.len();
        let mask = (1u64 << self.bits) - 1;
        let mut sums = vec![0f64; heads];
        let mut count = 0usize;
        each_feature(text, |h| {
            count += 1;
            let row = bucket_of(h, mask) * heads;
            for (s, w) in sums.iter_mut().zip(&self.weights[row..row + heads]) {
                *s += w;
            }
        });
        let norm = feature_value(count);
        for (s, b) in sums.iter_mut().zip(&self.bias) {
            *s = b + *s * norm;
        }
        sums.into_iter().map(|s| 1.0 / (1.0 + (-s).exp())).collect()
    }

    /// The shipped form: weights as `i8` with one scale per head, and the
    /// thresholds.
    pub fn quantise(&self, thresholds: &[f32]) -> Model {
        let heads = self.heads.len();
        let mut scales = vec![0f64; heads];
        for row in self.weights.chunks(heads) {
            for (s, w) in scales.iter_mut().zip(row) {
                *s = s.max(w.abs());
            }
        }
        let scales: Vec<f64> = scales
            .into_iter()
            .map(|m| if m > 0.0 { m / 127.0 } else { 1.0 })
            .collect();
        let weights = self
            .weights
            .chunks(heads)
            .flat_map(|row| {
                row.iter()
                    .zip(&scales)
                    .map(|(w, s)| (w / s).round().clamp(-127.0, 127.0) as i8)
                    .collect::<Vec<_>>()
            })
            .collect();
        Model {
            bits: self.bits,
            heads: self
                .heads
                .iter()
                .enumerate()
                .map(|(h, name)| Head {
                    name: name.clone(),
                    bias: self.bias[h] as f32,
                    scale: scales[h] as f32,
                    threshold: thresholds.get(h).copied().unwrap_or(0.5),
                })
                .collect(),
            weights,
        }
    }
}

/// Trains one logistic-regression head per entry of `heads` by stochastic
/// gradient descent (AdaGrad steps, a fixed shuffle): the same samples always give
/// the same weights.
///
/// A line of one sentence head ([`SENTENCE_HEADS`]) teaches the other nothing.
/// Threats and targeted abuse without swear words share their shape (a person
/// and what should happen to them), and either head holding the line holds it;
/// as each other's negatives they pushed down the lines between them, below
/// both thresholds.
pub fn train(heads: &[&str], samples: &[Sample], training: Training) -> Trained {
    let n_heads = heads.len();
    let mask = (1u64 << training.bits) - 1;
    let mut rows: Vec<Vec<usize>> = samples
        .iter()
        .map(|s| {
            let mut row = Vec::new();
            each_feature(&s.text, |h| row.push(bucket_of(h, mask)));
            row
        })
        .collect();
    // Lines per bucket; rare buckets leave the rows (each line keeps its count of
    // features, so its feature value is as at inference).
    let mut lines_per_bucket = vec![0usize; 1 << training.bits];
    for row in &rows {
        let mut seen = row.clone();
        seen.sort_unstable();
        seen.dedup();
        for b in seen {
            lines_per_bucket[b] += 1;
        }
    }
    let values: Vec<f64> = rows.iter().map(|r| feature_value(r.len())).collect();
    for row in &mut rows {
        row.retain(|b| lines_per_bucket[*b] >= training.min_lines);
    }
    let size = (1usize << training.bits) * n_heads;
    let mut weights = vec![0f64; size];
    let mut grad_sq = vec![1e-8f64; size];
    let mut bias = vec![0f64; n_heads];
    let mut bias_sq = vec![1e-8f64; n_heads];
    // The sentence heads' lines are each other's look-alikes, not their opposites:
    // head `h` skips line `i` when the line is the other sentence head's.
    let sentence: Vec<bool> = heads.iter().map(|h| SENTENCE_HEADS.contains(h)).collect();
    let of_sentence: Vec<bool> = samples
        .iter()
        .map(|s| of_a_sentence_head(&s.labels, &sentence))
        .collect();
    let skips = |h: usize, i: usize| {
        sentence[h] && of_sentence[i] && samples[i].labels.get(h) != Some(&true)
    };
    // Positives are few: each head weighs them by how rare they are, against
    // the lines it learns from as negatives (not the lines it skips).
    let positive_weight: Vec<f64> = (0..n_heads)
        .map(|h| {
            let pos = samples
                .iter()
                .filter(|s| s.labels.get(h) == Some(&true))
                .count();
            let skipped = (0..samples.len()).filter(|&i| skips(h, i)).count();
            let neg = samples.len() - pos - skipped;
            if pos == 0 {
                1.0
            } else {
                (neg as f64 / pos as f64).sqrt()
            }
        })
        .collect();
    // A clean line's error weighs more on the heads whose thresholds it sets.
    let clean_weight: Vec<f64> = heads
        .iter()
        .map(|h| {
            if CLEAN_WEIGHTED.contains(h) {
                training.clean_weight
            } else {
                1.0
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..samples.len()).collect();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..training.epochs {
        // Fisher–Yates with a fixed linear congruential sequence.
        for i in (1..order.len()).rev() {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let j = ((seed >> 33) as usize) % (i + 1);
            order.swap(i, j);
        }
        for &i in &order {
            let row = &rows[i];
            let x = values[i];
            let clean = !samples[i].labels.contains(&true);
            for h in 0..n_heads {
                if skips(h, i) {
                    continue;
                }
                let label = samples[i].labels.get(h) == Some(&true);
                let mut score = 0.0;
                for &b in row {
                    score += weights[b * n_heads + h];
                }
                let score = bias[h] + score * x;
                let p = 1.0 / (1.0 + (-score).exp());
                let y = if label { 1.0 } else { 0.0 };
                let g = (p - y)
                    * if label {
                        positive_weight[h]
                    } else if clean {
                        clean_weight[h]
                    } else {
                        1.0
                    };
                for &b in row {
                    let k = b * n_heads + h;
                    let grad = g * x + training.l2 * weights[k];
                    grad_sq[k] += grad * grad;
                    weights[k] -= training.learning_rate * grad / grad_sq[k].sqrt();
                }
                bias_sq[h] += g * g;
                bias[h] -= training.learning_rate * g / bias_sq[h].sqrt();
            }
        }
    }
    Trained {
        bits: training.bits,
        heads: heads.iter().map(|h| (*h).to_owned()).collect(),
        bias,
        weights,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_speaks_to_someone_by_a_word_of_the_second_person() {
        for text in [
            "gonna run you over",
            "YOU'RE next",
            "see u at the gate",
            "t'es mort ce soir",
            "t’as vu ça",
            "je vais te retrouver, toi",
            "ich finde dich",
            "wir wissen wo deine Mutter wohnt",
            "ik weet waar jij woont",
            "vc vai ver",
            "sei onde tu mora",
            "a ti te busco, cabrón",
            "Usted no sabe con quién habla",
            "¿y tú qué?",
            "tais-toi, cervelle de moineau",
            "va-t'en",
            "je t'étranglerai",
            "'you' again",
            "you´re next",
            "u r so slow",
            "see you,then",
        ] {
            assert!(addresses_someone(text), "{text}");
        }
        // Words of another person, or another word in another language.
        for text in [
            "don't do it",
            "ya está, gol",
            "je suis là",
            "te laat voor de aftrap",
            "du retard, encore",
            "os jogadores chegaram",
            "'t is mooi geweest",
            "he will find him",
            "y a t'il un match ce soir ?",
            "peut t'on voir le replay",
            "p u t a madre",
            "die vos heeft de kippenren leeggeroofd",
            "U-Bahn fährt nicht",
            "",
        ] {
            assert!(!addresses_someone(text), "{text}");
        }
        assert_eq!(
            threshold_on("threat", 0.6, true),
            f64::from(ADDRESSED_THRESHOLD)
        );
        assert_eq!(threshold_on("threat", 0.6, false), 0.6);
        assert_eq!(threshold_on("profanity", 0.6, true), 0.6);
        assert_eq!(threshold_on("harassment", 0.3, true), 0.3);
    }

    #[test]
    fn the_shipped_model_loads_with_every_head() {
        let model = model().expect("data/learned.bin loads");
        let names: Vec<&str> = model.heads.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, HEADS);
        assert_eq!(model.weights.len(), (1 << model.bits) * HEADS.len());
        for head in &model.heads {
            assert!(head.threshold >= 0.4 && head.threshold < 1.0, "{head:?}");
        }
    }

    #[test]
    fn words_are_read_the_way_filters_are_dodged() {
        assert_eq!(words("F*CK you"), ["fck", "you"]);
        assert_eq!(words("s.h.i.t"), ["shit"]);
        assert_eq!(words("sh1t 2-1"), ["shit", "21"]);
        assert_eq!(words("f u c k off"), ["fuck", "off"]);
        assert_eq!(words("a b go"), ["a", "b", "go"]);
        assert_eq!(words("Scheiße noooooo"), ["scheiße", "noo"]);
        assert_eq!(words("Éric ça"), ["eric", "ca"]);
        // Cyrillic look-alikes.
        assert_eq!(words("\u{0441}\u{043e}\u{043a}"), ["cok"]);
        assert!(words("   !!! ... ").is_empty());
    }

    #[test]
    fn features_are_words_pairs_and_pieces() {
        let names: Vec<String> = feature_names("ab cd").into_iter().map(|(_, n)| n).collect();
        assert_eq!(
            names,
            ["w:ab", "c:<ab", "c:<ab>", "c:ab>", "w:cd", "b:ab cd", "c:<cd", "c:<cd>", "c:cd>"]
        );
        // The hashed features are the named ones, in the same order.
        for text in [
            "ab cd",
            "Fußball über alles!!",
            "f u c k",
            "sh1t 2-1 wéé",
            "",
            "🔥 ok",
            "⚰️ bald bist du dran 🔪",
            "unbelievable finish, ABSOLUTELY class x",
        ] {
            let mut hashes = Vec::new();
            each_feature(text, |h| hashes.push(h));
            let named: Vec<u64> = feature_names(text).into_iter().map(|(h, _)| h).collect();
            assert_eq!(hashes, named, "{text}");
        }
    }

    #[test]
    fn the_shipped_models_opinion_is_the_sum_over_every_feature() {
        let shipped = model().expect("the shipped model loads");
        let mask = (1u64 << shipped.bits) - 1;
        let by_feature = |text: &str| {
            let (mut sums, mut count) = ([0i32; HEADS.len()], 0);
            each_feature(text, |hash| {
                count += 1;
                for (h, sum) in sums.iter_mut().enumerate() {
                    *sum += i32::from(shipped.weights[bucket_of(hash, mask) * HEADS.len() + h]);
                }
            });
            let norm = feature_value(count) as f32;
            (shipped.heads.iter().zip(sums))
                .map(|(head, sum)| sigmoid(head.bias + head.scale * sum as f32 * norm))
                .collect::<Vec<f32>>()
        };
        for text in [
            "what a goal, what a GOAL!!",
            "i will find you and hurt you 🔪",
            "f u c k off ref, sh1t call",
            "Fußball über alles, wéé",
            "",
            "ok",
        ] {
            // Twice: the second time from its words' remembered sums.
            assert_eq!(shipped.opinion(text), by_feature(text), "{text}");
            assert_eq!(shipped.opinion(text), by_feature(text), "{text}");
        }
    }

    #[test]
    fn a_sentence_heads_lines_teach_the_other_sentence_head_nothing() {
        let sample = |text: &str, labels: [bool; 2]| Sample {
            text: text.to_owned(),
            labels: labels.to_vec(),
        };
        let mut samples = Vec::new();
        for _ in 0..3 {
            samples.push(sample("i will stab you", [true, false]));
            samples.push(sample("nice goal mate", [false, false]));
            samples.push(sample("so ugly lol", [false, true]));
        }
        let trained = train(&["threat", "harassment"], &samples, Training::default());
        let mask = (1u64 << trained.bits) - 1;
        let weight = |text: &str, head: usize| {
            let mut sum = 0.0;
            each_feature(text, |hash| {
                sum += trained.weights[bucket_of(hash, mask) * 2 + head]
            });
            sum
        };
        assert!(
            weight("stab", 0) > 0.0,
            "the threat head learns its own line"
        );
        assert_eq!(
            weight("stab", 1),
            0.0,
            "the harassment head learns nothing from it"
        );
        assert!(weight("goal", 1) < 0.0, "but still learns from clean lines");
        assert!(weight("ugly", 1) > 0.0);
        assert_eq!(weight("ugly", 0), 0.0, "and the reverse");
        // A scam head is no sentence head: another kind's lines are its negatives
        // (the same lines but the harassment ones, whose second label would
        // read as scam).
        samples.retain(|s| !s.labels[1]);
        let trained = train(&["threat", "scam"], &samples, Training::default());
        let mut sum = 0.0;
        each_feature("stab", |hash| {
            sum += trained.weights[bucket_of(hash, mask) * 2 + 1]
        });
        assert!(sum < 0.0);
    }

    #[test]
    fn bad_weight_files_are_refused() {
        assert!(Model::parse(b"").is_err());
        assert!(Model::parse(b"XXXX\x0e\x04").is_err());
        assert!(Model::parse(b"SLM1\x03\x01").is_err());
        assert!(Model::parse(b"SLM1\x08\x00").is_err());
        let model = Model {
            bits: 8,
            heads: vec![Head {
                name: "x".into(),
                bias: 0.5,
                scale: 0.01,
                threshold: 0.9,
            }],
            weights: vec![3; 256],
        };
        let bytes = model.encode();
        assert_eq!(Model::parse(&bytes), Ok(model));
        assert!(Model::parse(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Model::parse(&longer).is_err());
        let mut nan = bytes;
        nan[8..12].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(Model::parse(&nan).is_err());
    }

    #[test]
    fn clean_lines_weigh_more_only_on_the_heads_they_set() {
        // Threats and harmless plans share `i'll … you`; plans are clean lines.
        let samples: Vec<Sample> = (0..60)
            .map(|i| match i % 3 {
                0 => Sample {
                    text: format!("i'll hurt you badly {i}"),
                    labels: vec![true, true],
                },
                1 => Sample {
                    text: format!("i'll walk you home {i}"),
                    labels: vec![false, false],
                },
                _ => Sample {
                    text: format!("nice goal number {i}"),
                    labels: vec![false, false],
                },
            })
            .collect();
        let with = |clean_weight| {
            let training = Training {
                bits: 10,
                clean_weight,
                ..Training::default()
            };
            train(&["threat", "scam"], &samples, training).probabilities("i'll walk you home")
        };
        let (plain, weighed) = (with(1.0), with(8.0));
        assert!(weighed[0] < plain[0], "{plain:?} {weighed:?}");
        // The scam head is not one the clean lines set: trained as before.
        assert_eq!(weighed[1], plain[1]);
    }

    #[test]
    fn training_learns_a_separable_set_and_repeats_itself() {
        let samples: Vec<Sample> = (0..40)
            .map(|i| Sample {
                text: if i % 2 == 0 {
                    format!("you are a zorglub number {i}")
                } else {
                    format!("nice goal number {i}")
                },
                labels: vec![i % 2 == 0],
            })
            .collect();
        let training = Training {
            bits: 10,
            ..Training::default()
        };
        let a = train(&["x"], &samples, training);
        let b = train(&["x"], &samples, training);
        assert_eq!(a.weights, b.weights);
        assert!(a.probabilities("what a zorglub")[0] > 0.8);
        assert!(a.probabilities("what a goal")[0] < 0.2);
        let model = a.quantise(&[0.7]);
        let opinion = model.opinion("zorglub again");
        assert!(opinion[0] > 0.8, "{opinion:?}");
        assert_eq!(
            model.strongest(&opinion).map(|(h, _)| h.name.as_str()),
            Some("x")
        );
        assert_eq!(model.strongest(&model.opinion("lovely goal")), None);
    }
}
