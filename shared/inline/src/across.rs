//! What a whole line adds to rustrict's readings of its words.
//!
//! rustrict reads a line as one stream of characters: a match can run on through
//! spaces and punctuation into the next word (`f u c k`, `wan ker`), and its
//! counters of capitals, repeats and replaced characters (spam, self-censoring)
//! are kept over the whole line. Reading an 80-character line that way is the
//! stage's largest cost, while its words, short and repeated across chat, are
//! read once and remembered.
//!
//! [`read`] finds, cheaply, everything the whole line could add: the runs of
//! words a match of one of rustrict's words could cross (a superset: it follows
//! every replacement and every character rustrict may skip or repeat, and no
//! match is ever ruled out by its confidence or a false positive), and rustrict's
//! own counters, computed as rustrict computes them. The caller reads the words
//! and those runs with rustrict; when none of them finds anything, the line's
//! reading is the counters', and otherwise rustrict reads each finding with the
//! words around it (`line_analysis`).
//!
//! Lines with characters other than ASCII and Latin letters with accents (emoji,
//! other scripts, curly quotes), or with whitespace other than spaces, get no
//! reading: rustrict normalises those in ways not repeated here, and the caller
//! reads the whole line.

use std::sync::OnceLock;

use rustrict::Type;

/// rustrict's words and ASCII replacements, written by the build script.
static DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/rustrict-words.deflate"));

/// Largest inflated table accepted (it is about 34 KB).
const MAX_INFLATED: usize = 1024 * 1024;

/// The words as a trie over the bytes they use (the words with other
/// characters can never be reached from ASCII and are left out). A child's
/// number carries [`WORD`] when a word ends there.
struct Words {
    /// Per byte, its class: 0 for a byte no word uses, else 1 and up.
    class: [u8; 128],
    /// Classes, with the 0 class.
    classes: usize,
    nodes: Vec<Node>,
    /// Children of the nodes with few: class and child.
    edges: Vec<(u8, u32)>,
    /// Children of the root and of nodes with more than [`DENSE_FROM`], by
    /// class (0: none), `classes` to a row.
    dense: Vec<u32>,
    /// rustrict's replacements per ASCII character (the character itself
    /// when it has none).
    replacements: Vec<Box<[u8]>>,
    /// Per ASCII character, whether rustrict counts it as replaced (outside
    /// a run of digits): a character other than a letter with a replacement
    /// other than itself and its lower case.
    replaced: [bool; 128],
}

/// Nodes with more children than this look them up in a row of `dense`.
const DENSE_FROM: usize = 4;

/// Marks a child where a word ends.
const WORD: u32 = 1 << 31;

#[derive(Clone, Copy)]
struct Node {
    first: u32,
    len: u32,
    /// Row in `dense`, or `u32::MAX`.
    row: u32,
}

impl Words {
    /// The child of `node` by byte `c` (with [`WORD`] when a word ends
    /// there), or 0.
    #[inline]
    fn child(&self, node: u32, c: u8) -> u32 {
        let class = self.class[c as usize & 127];
        if class == 0 {
            return 0;
        }
        let n = self.nodes[node as usize];
        if n.row != u32::MAX {
            return self.dense[n.row as usize * self.classes + class as usize];
        }
        let edges = &self.edges[n.first as usize..(n.first + n.len) as usize];
        edges
            .iter()
            .find(|(k, _)| *k == class)
            .map_or(0, |&(_, to)| to)
    }

    /// The trie of `words`.
    fn build(words: &[&str], replacements: Vec<Box<[u8]>>) -> Self {
        let words: Vec<&[u8]> = words
            .iter()
            .filter(|w| w.is_ascii())
            .map(|w| w.as_bytes())
            .collect();
        let mut class = [0u8; 128];
        let mut classes = 1usize;
        for &b in words.iter().flat_map(|w| w.iter()) {
            if class[b as usize & 127] == 0 {
                class[b as usize & 127] = classes as u8;
                classes += 1;
            }
        }
        let mut children: Vec<Vec<(u8, u32)>> = vec![Vec::new()];
        for w in &words {
            let mut node = 0usize;
            for (i, &b) in w.iter().enumerate() {
                let c = class[b as usize & 127];
                let end = if i + 1 == w.len() { WORD } else { 0 };
                node = match children[node].iter_mut().find(|(k, _)| *k == c) {
                    Some((_, next)) => {
                        *next |= end;
                        (*next & !WORD) as usize
                    }
                    None => {
                        let next = children.len();
                        children.push(Vec::new());
                        children[node].push((c, next as u32 | end));
                        next
                    }
                };
            }
        }
        let mut nodes = Vec::with_capacity(children.len());
        let mut edges = Vec::new();
        let mut dense = Vec::new();
        for (i, kids) in children.iter().enumerate() {
            let row = if i == 0 || kids.len() > DENSE_FROM {
                let row = dense.len() / classes;
                dense.resize(dense.len() + classes, 0);
                for &(c, to) in kids {
                    dense[row * classes + c as usize] = to;
                }
                row as u32
            } else {
                u32::MAX
            };
            nodes.push(Node {
                first: edges.len() as u32,
                len: kids.len() as u32,
                row,
            });
            edges.extend_from_slice(kids);
        }
        let mut replaced = [false; 128];
        for (b, to) in replacements.iter().enumerate().take(128) {
            let raw = b as u8;
            replaced[b] = !raw.is_ascii_alphabetic()
                && to
                    .iter()
                    .any(|&c| c != raw && c != raw.to_ascii_lowercase());
        }
        Words {
            class,
            classes,
            nodes,
            edges,
            dense,
            replacements,
            replaced,
        }
    }
}

fn words() -> &'static Words {
    static WORDS: OnceLock<Words> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut replacements: Vec<Box<[u8]>> = (0u8..128).map(|b| Box::from([b])).collect();
        // A build that cannot inflate its own table has no words: every line
        // then goes to rustrict whole ([`read`] finds no table).
        let text = miniz_oxide::inflate::decompress_to_vec_with_limit(DEFLATED, MAX_INFLATED)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default();
        let mut list = Vec::new();
        for line in text.lines() {
            let mut fields = line.splitn(3, '\t');
            match (fields.next(), fields.next(), fields.next()) {
                (Some("R"), Some(from), Some(to)) if to.is_ascii() => {
                    if let [b] = from.as_bytes() {
                        replacements[*b as usize & 127] = to.as_bytes().into();
                    }
                }
                (Some("W"), Some(word), None) => list.push(word),
                _ => {}
            }
        }
        Words::build(&list, replacements)
    })
}

/// What the whole line adds to its words' readings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reading {
    /// Runs of words (indices into the line's whitespace-split words, first and
    /// last) that a match could cross, each to be read as one text.
    pub spans: Vec<(usize, usize)>,
    /// rustrict's findings from its counters over the whole line: spam, and
    /// self-censoring (read as mild profanity).
    pub counters: Type,
}

/// The character rustrict reads for `c` (accents dropped), or `None` for one
/// this module does not follow.
fn plain(c: char) -> Option<Option<char>> {
    if c.is_ascii() {
        // Whitespace is only ever a space here: rustrict reads tabs and line
        // breaks otherwise (skipped, not spaces), and a run of words is read
        // again as its slice of the line.
        return (c == ' ' || !c.is_whitespace()).then_some(Some(c));
    }
    // Combining accents on their own are dropped.
    if ('\u{0300}'..='\u{036F}').contains(&c) {
        return Some(None);
    }
    let mut base = None;
    let mut other = false;
    unicode_normalization::char::decompose_canonical(c, |d| {
        if base.is_none() && d.is_ascii_alphabetic() {
            base = Some(d);
        } else if !('\u{0300}'..='\u{036F}').contains(&d) {
            other = true;
        }
    });
    match base {
        Some(b) if !other => Some(Some(b)),
        _ => None,
    }
}

/// rustrict's counters, kept as it keeps them.
#[derive(Default)]
struct Counters {
    uppercase: u8,
    repetitions: u8,
    gibberish: u8,
    replacements: u8,
    self_censoring: u8,
    last: Option<char>,
    /// Index of the last character read (`usize::MAX` before any).
    last_pos: Option<usize>,
    separate: bool,
}

impl Counters {
    /// Reads `raw`; `replaced`: whether rustrict counts it as replaced when it
    /// does not follow a digit ([`Words::replaced`]).
    fn read(&mut self, raw: char, pos: Option<usize>, replaced: bool) {
        self.uppercase = self.uppercase.saturating_add(raw.is_uppercase() as u8);
        let skippable = !raw.is_alphabetic() || raw.is_whitespace();
        if (!self.separate || self.last == Some('*')) && raw == '*' {
            self.self_censoring = self.self_censoring.saturating_add(1);
        }
        if let Some(last) = self.last {
            if raw == last {
                self.repetitions = self.repetitions.saturating_add(1);
            }
            let gibberish = |c: char| matches!(c, 'a' | 's' | 'd' | 'f' | 'j' | 'k' | 'l' | ';');
            if gibberish(raw) && gibberish(last) {
                self.gibberish = self.gibberish.saturating_add(1);
            }
        }
        self.separate = skippable;
        let after_digit = raw.is_ascii_digit() && self.last.is_some_and(|l| l.is_ascii_digit());
        if replaced && !after_digit {
            self.replacements = self.replacements.saturating_add(1);
        }
        self.last = Some(raw);
        if pos.is_some() {
            self.last_pos = pos;
        }
    }

    /// rustrict's findings from these counters (its `Type::SAFE` aside).
    fn finding(&self) -> Type {
        let last_pos = self.last_pos.unwrap_or(usize::MAX);
        if last_pos < 6 {
            return Type::NONE;
        }
        let total = last_pos.saturating_add(6).min(u16::MAX as usize) as u16;
        let spam = self
            .uppercase
            .max(self.repetitions)
            .max(self.gibberish / 2)
            .max(self.replacements) as u16;
        let percent_spam = 100 * spam / total;
        let percent_self_censoring = 100 * self.self_censoring as u16 / total;
        let spam = if percent_spam >= 70 && last_pos >= 20 {
            Type::SPAM & Type::SEVERE
        } else if percent_spam >= 50 && last_pos >= 10 {
            Type::SPAM & Type::MODERATE
        } else if percent_spam >= 30 {
            Type::SPAM & Type::MILD
        } else {
            Type::NONE
        };
        let self_censoring = if percent_self_censoring > 20 {
            Type::PROFANE & Type::MILD
        } else {
            Type::NONE
        };
        spam | self_censoring
    }
}

/// A match in flight: its trie node, the byte that led there, and the word
/// it started in (the earliest, when several reach the node).
type State = (u32, u8, usize);

/// What the whole of `text` adds to rustrict's readings of its words, or
/// `None` when the line has characters this module does not follow.
pub(crate) fn read(text: &str) -> Option<Reading> {
    let words = words();
    if words.nodes.len() <= 1 {
        return None;
    }
    let counters = count(words, text)?;
    let spans = SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => spans_by_word(words, text, &mut scratch),
        Err(_) => spans_by_word(words, text, &mut Scratch::default()),
    })?;
    Some(Reading { spans, counters })
}

/// rustrict's counters over the whole of `text`.
fn count(words: &Words, text: &str) -> Option<Type> {
    let mut counters = Counters {
        separate: true,
        ..Counters::default()
    };
    let mut pos = 0usize;
    for c in text.chars() {
        if let Some(raw) = plain(c)? {
            counters.read(raw, Some(pos), words.replaced[raw as usize & 127]);
            pos += 1;
        }
    }
    // rustrict appends a space, read at the last character's index (a space
    // replaces nothing).
    counters.read(' ', pos.checked_sub(1), false);
    Some(counters.finding())
}

/// The matches in flight, kept between lines so their room is reused.
#[derive(Default)]
struct Scratch {
    states: Vec<State>,
    /// The matches after the last step: the ones in flight.
    next: Vec<State>,
    /// Per node, the step at which it was last put in `next`, and where.
    stamp: Vec<u32>,
    slot: Vec<u32>,
    step: u32,
    /// Whether the matches in `next` are kept in `stamp` and `slot`: only once
    /// there are more than [`FEW`] (most steps have one or two, found quicker
    /// in `next` itself).
    stamped: bool,
}

/// Matches in flight looked for in `next` itself rather than by node.
const FEW: usize = 8;

impl Scratch {
    /// No match in flight.
    fn start(&mut self, nodes: usize) {
        self.next.clear();
        self.begin_step(nodes);
    }

    /// Puts a match in `next`, once per node: the earliest word it started in.
    fn push(&mut self, (node, into, from): State) {
        if !self.stamped {
            if let Some(kept) = self.next.iter_mut().find(|kept| kept.0 == node) {
                kept.2 = kept.2.min(from);
                return;
            }
            if self.next.len() < FEW {
                self.next.push((node, into, from));
                return;
            }
            for (k, kept) in self.next.iter().enumerate() {
                self.stamp[kept.0 as usize] = self.step;
                self.slot[kept.0 as usize] = k as u32;
            }
            self.stamped = true;
        }
        let i = node as usize;
        if self.stamp[i] == self.step {
            let kept = &mut self.next[self.slot[i] as usize];
            kept.2 = kept.2.min(from);
        } else {
            self.stamp[i] = self.step;
            self.slot[i] = self.next.len() as u32;
            self.next.push((node, into, from));
        }
    }

    /// Starts a character's step: the last step's matches are the ones in
    /// flight.
    fn begin_step(&mut self, nodes: usize) {
        if self.stamp.len() != nodes || self.step == u32::MAX {
            self.stamp = vec![0; nodes];
            self.slot = vec![0; nodes];
            self.step = 0;
        }
        self.step += 1;
        self.stamped = false;
        std::mem::swap(&mut self.states, &mut self.next);
        self.next.clear();
    }

    /// Reads a space, as [`Scratch::step`] reads it but without moving the
    /// matches: every match in flight stays on a space (rustrict skips it),
    /// and the few whose word goes on with a space move on too.
    fn space(&mut self, words: &Words, word: usize, spans: &mut Vec<(usize, usize)>) {
        let in_flight = self.next.len();
        for k in 0..=in_flight {
            let (node, from) = match self.next.get(k).filter(|_| k < in_flight) {
                Some(&(node, _, from)) => (node, from),
                None => (0, word),
            };
            let child = words.child(node, b' ');
            if child != 0 {
                if child & WORD != 0 && from < word && !spans.contains(&(from, word)) {
                    spans.push((from, word));
                }
                self.push((child & !WORD, b' ', from));
            }
        }
    }

    /// Reads `raw` (after `previous`, in word `word`): the matches in flight
    /// go on or end, and with `seed` one starts at it. A match of a word that
    /// ends here after starting in an earlier word adds its run to `spans`.
    fn step(
        &mut self,
        words: &Words,
        raw: u8,
        previous: &[u8],
        (word, seed): (usize, bool),
        spans: &mut Vec<(usize, usize)>,
    ) {
        let replacements: &[u8] = &words.replacements[raw as usize & 127];
        let skippable = !raw.is_ascii_alphabetic();
        self.begin_step(words.nodes.len());
        // rustrict keeps a match on a character it may skip, or on one read as
        // the match's last (one of the previous character's readings) or as the
        // trie's last.
        // (Compared a byte at a time: the slices are a few bytes long, too
        // short for `contains`'s search to pay.)
        #[allow(clippy::manual_contains)]
        let has = |bytes: &[u8], b: u8| bytes.iter().any(|&x| x == b);
        let repeated = replacements.iter().any(|&c| has(previous, c));
        for k in 0..self.states.len() {
            let (node, into, from) = self.states[k];
            if skippable || repeated || has(replacements, into) {
                self.push((node, into, from));
            }
        }
        let from_here = usize::from(seed);
        for &c in replacements {
            for k in 0..self.states.len() + from_here {
                let (node, from) = match self.states.get(k) {
                    Some(&(node, _, from)) => (node, from),
                    None => (0, word),
                };
                let child = words.child(node, c);
                if child != 0 {
                    if child & WORD != 0 && from < word && !spans.contains(&(from, word)) {
                        spans.push((from, word));
                    }
                    self.push((child & !WORD, c, from));
                }
            }
        }
    }
}

/// The matches started in a word that are alive at its end: node and last
/// byte (shared: a remembered word's are handed out without a copy).
type Ends = std::rc::Rc<[(u32, u8)]>;

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
    /// The matches of one word read alone.
    static ALONE: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
    /// Per word, the matches started in it that are alive at its end (`None`
    /// for a word with a character not followed): chat repeats its words.
    static ENDS: crate::Memo<Option<Ends>> = crate::Memo::default();
}

/// The matches started in `token` that are alive at its end, node and last
/// byte, or `None` for a token with a character not followed.
fn ends_of(words: &Words, token: &str) -> Option<Ends> {
    let read = |scratch: &mut Scratch| {
        scratch.start(words.nodes.len());
        let mut previous: &[u8] = &[];
        let mut none = Vec::new();
        for c in token.chars() {
            if let Some(raw) = plain(c)? {
                scratch.step(words, raw as u8, previous, (0, true), &mut none);
                previous = &words.replacements[raw as usize & 127];
            }
        }
        Some(scratch.next.iter().map(|&(n, into, _)| (n, into)).collect())
    };
    ALONE.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => read(&mut scratch),
        Err(_) => read(&mut Scratch::default()),
    })
}

/// Puts the matches started in `token` (word `word`) alive at its end among
/// the ones in flight; `None` for a token with a character not followed.
fn add_ends(words: &Words, token: &str, word: usize, scratch: &mut Scratch) -> Option<()> {
    let ends = crate::remembered(&ENDS, token, || ends_of(words, token))?;
    for &(node, into) in ends.iter() {
        scratch.push((node, into, word));
    }
    Some(())
}

/// The runs of words of `text` a match could cross. Each word's own matches
/// are remembered ([`ENDS`]); only the matches carried in from earlier words
/// are read through it.
fn spans_by_word(words: &Words, text: &str, scratch: &mut Scratch) -> Option<Vec<(usize, usize)>> {
    let mut spans = Vec::new();
    scratch.start(words.nodes.len());
    let mut previous: &[u8] = &[];
    let mut word = 0usize;
    let mut rest = text;
    let mut first = true;
    loop {
        let token_at = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        for c in rest[..token_at].chars() {
            // Only spaces are followed (`plain`).
            plain(c)??;
            scratch.space(words, word, &mut spans);
            previous = b" ";
        }
        rest = &rest[token_at..];
        if rest.is_empty() {
            break;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = &rest[..end];
        rest = &rest[end..];
        if !first {
            word += 1;
        }
        first = false;
        for c in token.chars() {
            if let Some(raw) = plain(c)? {
                if !scratch.next.is_empty() {
                    scratch.step(words, raw as u8, previous, (word, false), &mut spans);
                }
                previous = &words.replacements[raw as usize & 127];
            }
        }
        add_ends(words, token, word, scratch)?;
    }
    // rustrict appends a space.
    scratch.step(words, b' ', previous, (word, true), &mut spans);
    Some(spans)
}

/// The runs of words a match could cross, read one character at a time:
/// what [`spans_by_word`] must find.
#[cfg(test)]
pub(crate) fn spans_by_character(text: &str) -> Option<Vec<(usize, usize)>> {
    let words = words();
    let mut scratch = Scratch::default();
    scratch.start(words.nodes.len());
    let mut spans = Vec::new();
    let mut previous: &[u8] = &[];
    let mut word = 0usize;
    let mut started = false;
    let mut after_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            after_space = true;
        } else {
            if after_space && started {
                word += 1;
            }
            started = true;
            after_space = false;
        }
        if let Some(raw) = plain(c)? {
            scratch.step(words, raw as u8, previous, (word, true), &mut spans);
            previous = &words.replacements[raw as usize & 127];
        }
    }
    scratch.step(words, b' ', previous, (word, true), &mut spans);
    Some(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustrict::Censor;

    fn spans(text: &str) -> Vec<(usize, usize)> {
        read(text).map(|r| r.spans).unwrap_or_default()
    }

    #[test]
    fn matches_across_words_are_found() {
        assert!(spans("you are a wan ker").contains(&(3, 4)));
        assert!(spans("the ref is a f u c k i n g joke")
            .iter()
            .any(|&(first, last)| first <= 4 && last >= 7));
        assert!(spans("sh it happens").contains(&(0, 1)));
    }

    #[test]
    fn words_and_characters_agree_on_any_spacing() {
        for text in [
            "  wan ker  ",
            "wan    ker off",
            " f u c k ",
            "",
            " ",
            "sh-it... hap pens!!",
            "e\u{301} wan ker",
        ] {
            let mut by_word = read(text).expect("followed").spans;
            let mut by_character = spans_by_character(text).expect("followed");
            by_word.sort_unstable();
            by_character.sort_unstable();
            assert_eq!(by_word, by_character, "{text:?}");
        }
    }

    #[test]
    fn ordinary_words_stand_alone() {
        assert_eq!(spans("great save by the keeper"), Vec::new());
        assert_eq!(spans(""), Vec::new());
    }

    #[test]
    fn accents_are_dropped_and_other_scripts_left_to_rustrict() {
        assert!(read("café, olé, São Paulo, Köln").is_some());
        assert!(read("what a goal 😂").is_none());
        assert!(read("добрый вечер").is_none());
        assert!(read("it’s over").is_none());
        assert!(read("f\ta\tg").is_none());
        assert!(read("f\na\ng").is_none());
        assert!(read("f\u{b}a\u{b}g").is_none());
        // An accent on its own is dropped, and still part of its word.
        assert!(read("e\u{301} wan ker").is_some_and(|r| r.spans.contains(&(1, 2))));
    }

    #[test]
    fn counters_are_rustricts() {
        let lines = [
            "GOOOOOOOOOAL WHAT A FINISH FROM THE EDGE OF THE BOX",
            "what a goal",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "asdfasdfasdfjkl;jkl;asdf",
            "h3ll0 th3r3 fr13nd5 h0w 4r3 y0u",
            "this is s*** and f*** and c*** and d***",
            "*** ****** *** ****",
            "Ünïcödé ÀÉÎÕÜ çà et là",
            "12 34 56 78 90 11 22 33",
            "   ",
            "",
            "!!!!!!!!!!!!!!!!!!!!!!!!",
            "WHY",
            "Mixed CASE Words Here And There",
        ];
        for line in lines {
            let whole = Censor::from_str(line).analyze();
            let reading = read(line).expect("followed");
            assert_eq!(
                reading.counters & Type::SPAM,
                whole & Type::SPAM,
                "spam counted as rustrict counts it in {line:?}"
            );
            if reading.counters.is(Type::PROFANE) {
                assert!(whole.is(Type::PROFANE), "self-censoring in {line:?}");
            }
        }
    }
}
