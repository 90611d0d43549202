//! The inline moderation stage: what `ws-message` runs on every `send` before anyone
//! else sees the text, and what `moderation-eval` runs on a corpus. Pure and cheap
//! (well under a millisecond per message): no I/O.
//!
//! - personal data ([`pii`]) is masked in what others see;
//! - toxicity and profanity come from `rustrict`, which undoes evasions (confusable
//!   letters, zero-width characters, spacing, leetspeak) without Scunthorpe-style
//!   false positives, and grades them by severity;
//! - spam and scams are scored from cheap signals: contact lures, crypto and
//!   giveaway bait, link density, shouting, repetition;
//! - tenant lists block words and link domains;
//! - a small learned model ([`learned`]) gives a second opinion on what the rules
//!   would deliver, and holds it for review when it is sure.
//!
//! The outcome is one [`Action`]; thresholds come from [`ModerationConfig`] and move
//! with the author's reputation, and moderators and admins are only PII-masked.
//!
//! It belongs to the domain layer, in a crate of its own so that the functions that
//! never look at text (the authorizer, `ws-connect`, `ws-disconnect`, `ingest`) do
//! not compile rustrict and libphonenumber.
//!
//! # Layout
//!
//! - [`InlineModerator`]: the stage; [`Verdict`] its decision.
//! - [`pii`]: finding and masking personal data.
//! - [`policy`]: per-tenant settings from `SIDELINE_MODERATION_CONFIG`.

mod across;
pub mod hosts;
pub mod intent;
pub mod learned;
pub mod lexicon;
pub mod phones;
pub mod pii;
pub mod policy;
pub mod scam;

use std::collections::BTreeMap;

use rustrict::{Censor, Type};

use sideline_domain::identity::Role;

/// What happens to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Delivered as written.
    Allow,
    /// Delivered with personal data or profanity masked.
    Mask,
    /// Stored, visible to the sender only: they do not learn they were filtered.
    Shadow,
    /// Stored and queued for review, visible to the sender as pending.
    Hold,
    /// Refused with a reason; nothing stored.
    Block,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Mask => "mask",
            Action::Shadow => "shadow",
            Action::Hold => "hold",
            Action::Block => "block",
        }
    }
}

/// Where phone numbers without a country code are read as national numbers by
/// default: the countries of the launch languages (English, German, Dutch,
/// French, Spanish, Portuguese), most populous first.
pub const DEFAULT_PHONE_REGIONS: [phonenumber::country::Id; 21] = {
    use phonenumber::country::Id::*;
    [
        US, GB, CA, AU, IE, DE, AT, CH, NL, BE, FR, ES, MX, AR, CO, CL, PE, PT, BR, AO, MZ,
    ]
};

/// Per-tenant settings. The defaults are the documented ones.
#[derive(Debug, Clone)]
pub struct ModerationConfig {
    /// Toxicity at or above this blocks (0–1; default 0.85).
    pub toxicity_threshold: f32,
    /// Spam at or above this shadows (0–1; default 0.75); above 2/3 of it holds.
    pub spam_threshold: f32,
    /// Confidence at which the asynchronous stage approves held messages (0.92).
    pub auto_approve_confidence: f32,
    /// Regions whose national formats phone numbers written without a country
    /// code are read in (default [`DEFAULT_PHONE_REGIONS`]: the countries of the
    /// launch languages).
    pub phone_regions: Vec<phonenumber::country::Id>,
    /// Words (lower case) that block a message outright.
    pub blocked_words: Vec<String>,
    /// Words (lower case) never taken for abuse, e.g. place names that contain a
    /// swear word. Defaults to [`DEFAULT_ALLOWED_WORDS`].
    pub allowed_words: Vec<String>,
    /// Link domains that block a message outright.
    pub blocked_domains: Vec<String>,
    /// The tenant's own link domains (and their subdomains): never taken for a
    /// scam's link.
    pub allowed_domains: Vec<String>,
    /// Links are held for authors below this reputation (`None`: links allowed).
    pub links_min_reputation: Option<f32>,
    /// Rule sets that only record what they would have done (personal data is
    /// always masked).
    pub shadow_rule_sets: Vec<RuleSet>,
}

impl Default for ModerationConfig {
    fn default() -> Self {
        Self {
            toxicity_threshold: 0.85,
            spam_threshold: 0.75,
            auto_approve_confidence: 0.92,
            phone_regions: DEFAULT_PHONE_REGIONS.to_vec(),
            blocked_words: Vec::new(),
            allowed_words: DEFAULT_ALLOWED_WORDS
                .iter()
                .map(|w| (*w).to_owned())
                .collect(),
            blocked_domains: Vec::new(),
            allowed_domains: Vec::new(),
            links_min_reputation: None,
            shadow_rule_sets: Vec::new(),
        }
    }
}

/// Who is writing.
#[derive(Debug, Clone, Copy)]
pub struct AuthorStanding {
    pub role: Role,
    /// 0 (new or often moderated) to 1 (long-standing, clean); 0.5 when unknown.
    pub reputation: f32,
    /// The author's tier lets them post links without review
    /// (`linksMinReputation` does not apply).
    pub trusted_links: bool,
}

impl Default for AuthorStanding {
    fn default() -> Self {
        Self {
            role: Role::Member,
            reputation: 0.5,
            trusted_links: false,
        }
    }
}

/// The stage's decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub action: Action,
    /// What other room members see; `None` when they see nothing.
    pub text: Option<String>,
    /// What is stored (and shown to the author): `text` when others see something,
    /// else the text with personal data masked; empty for `block`.
    pub stored: String,
    /// Categories found: `pii.email`, `profanity`, `hate`, `sexual`, `harassment`,
    /// `spam`, `scam`, `blocked_word`, …
    pub categories: Vec<String>,
    /// Scores 0–1 by name (`toxicity`, `spam`).
    pub scores: BTreeMap<String, f32>,
    /// Why, for `block` (in the sender's ack) and for the audit trail.
    pub reason: Option<String>,
    /// The rule set that decided the action (`None` for allow and personal-data masking).
    pub rule: Option<RuleSet>,
    /// What rule sets in shadow mode would have done, had they been enforced.
    pub would_have: Vec<ShadowFinding>,
}

/// A group of rules that can be enforced or run in shadow mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSet {
    /// Tenant block lists (words, link domains).
    Lists,
    /// Toxicity and profanity.
    Toxicity,
    /// Spam and scams.
    Spam,
    /// Links held for authors below a reputation.
    Links,
    /// The learned second opinion ([`learned`]).
    Learned,
}

impl RuleSet {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleSet::Lists => "lists",
            RuleSet::Toxicity => "toxicity",
            RuleSet::Spam => "spam",
            RuleSet::Links => "links",
            RuleSet::Learned => "learned",
        }
    }
}

/// What a rule set in shadow mode would have done.
#[derive(Debug, Clone, PartialEq)]
pub struct ShadowFinding {
    pub rule_set: RuleSet,
    pub action: Action,
    pub categories: Vec<String>,
    pub reason: Option<String>,
}

/// Place and team names that contain a swear word: the Scunthorpe problem.
pub const DEFAULT_ALLOWED_WORDS: [&str; 14] = [
    "scunthorpe",
    "penistone",
    "cockermouth",
    "middlesex",
    "sussex",
    "essex",
    "wessex",
    "clitheroe",
    "shitterton",
    "arsenal",
    "dickens",
    "cockburn",
    "titchfield",
    "hancock",
];

const LURES: [&str; 12] = [
    "dm me",
    "message me on",
    "add me on",
    "text me on",
    "telegram",
    "whatsapp",
    "t.me/",
    "wa.me/",
    "snapchat",
    "kik me",
    "signal me",
    "hit me up on",
];
const BAIT: [&str; 14] = [
    "free btc",
    "free bitcoin",
    "free crypto",
    "free eth",
    "airdrop",
    "giveaway",
    "double your",
    "guaranteed profit",
    "investment opportunity",
    "send 1 btc",
    "claim your prize",
    "you have won",
    "earn $",
    "100x",
];

/// Top-level domains a bare `name.tld` (no scheme, no `www.`, no path) is taken
/// for a link with; anything with a scheme, `www.` or a path counts whatever its
/// top-level domain.
const BARE_LINK_TLDS: [&str; 24] = [
    "com", "net", "org", "io", "co", "me", "gg", "tv", "xyz", "ru", "uk", "de", "app", "dev",
    "info", "biz", "link", "club", "site", "online", "ly", "to", "cc", "us",
];
/// Throwaway top-level domains, read as a bare link only when the name before
/// looks made (a hyphen, a digit, eight letters or more: `dazn-aktion.click`,
/// `viewboost.top`) — "we needed that win.Top of the league" is a sentence.
const BARE_RISKY_TLDS: [&str; 17] = [
    "top", "click", "live", "shop", "icu", "buzz", "monster", "rest", "tk", "ml", "cf", "ga", "gq",
    "work", "vip", "win", "xyz",
];

/// The host of every link in `lower`: `https://x.example/…`, `www.x.example`,
/// `(https://u@x.example)`, `x.example/path`, `x.com`. Email addresses are not links.
pub(crate) fn link_hosts(lower: &str) -> Vec<&str> {
    let mut hosts = Vec::new();
    for token in words_of(lower) {
        let token = token.trim_matches(|c: char| {
            matches!(
                c,
                '(' | ')' | '[' | ']' | '<' | '>' | '"' | '\'' | ',' | '.' | '!' | '?' | ';'
            )
        });
        // A host has a dot in it (most words have none).
        if memchr::memchr(b'.', token.as_bytes()).is_none() {
            continue;
        }
        let (rest, schemed) = match token.split_once("://") {
            Some((scheme, rest)) if scheme.chars().all(|c| c.is_ascii_alphabetic()) => (rest, true),
            _ => (token, false),
        };
        if !schemed && rest.contains('@') {
            continue; // an email address, masked as personal data
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        let host = host.split(':').next().unwrap_or_default();
        let Some((_, tld)) = host.rsplit_once('.') else {
            continue;
        };
        let well_formed = host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        }) && tld.len() >= 2
            && tld.chars().all(char::is_alphabetic);
        let explicit = schemed || host.starts_with("www.") || rest.len() > authority.len();
        let made = |host: &str| {
            let name = host.rsplit('.').nth(1).unwrap_or_default();
            name.contains(|c: char| c == '-' || c.is_ascii_digit()) || name.chars().count() >= 8
        };
        let bare_ok = BARE_LINK_TLDS.contains(&tld) || BARE_RISKY_TLDS.contains(&tld) && made(host);
        if well_formed && (explicit || bare_ok) {
            hosts.push(host.trim_start_matches("www."));
        }
    }
    hosts
}

/// Where `needle` occurs in `hay`, left to right (overlapping): a vectorised scan
/// for its first byte (`memchr`), then a compare. For chat lines and the short needles of the
/// stage's lists this beats `str::contains`, whose two-way searcher costs more
/// to set up than a line takes to scan (`perf`: a fifth of the stage's time,
/// when every list entry set one up for every line). On UTF-8 a match found
/// byte by byte starts on a character boundary. An empty needle is nowhere.
pub(crate) fn occurrences<'a>(hay: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    // No needle, no start: a byte no UTF-8 text holds is never found.
    let first = n.first().copied().unwrap_or(0xFF);
    memchr::memchr_iter(first, h).filter(move |&i| h[i..].starts_with(n))
}

/// Whether `needle` is in `hay` ([`occurrences`]).
#[cfg(test)]
pub(crate) fn holds(hay: &str, needle: &str) -> bool {
    occurrences(hay, needle).next().is_some()
}

/// Up to 64 phrases, searched for in one pass over a line: each phrase is
/// indexed by its first two bytes, hashed into a small table, so each of the
/// line's bytes is looked up once and only a phrase that may begin there is
/// compared (a search per phrase scanned the line once for each). A phrase of
/// one byte is compared everywhere; an empty one is nowhere.
pub(crate) struct Phrases {
    phrases: Vec<&'static str>,
    /// Per slot ([`pair_slot`]), the phrases (a bit each) whose first two bytes
    /// hash there.
    by_pair: Vec<u64>,
    /// Per slot, a bit: whether any phrase hashes there (two cache lines,
    /// read before the slot's own, which most bytes of a line never need).
    used: [u64; PAIR_SLOTS / 64],
    /// The phrases of one byte.
    short: u64,
}

const PAIR_SLOTS: usize = 1024;

fn pair_slot(a: u8, b: u8) -> usize {
    (usize::from(a) * 67 + usize::from(b)) % PAIR_SLOTS
}

impl Phrases {
    /// The set of `phrases`; phrases past the 64th are left out (the lists
    /// given are fixed, and a test checks that they fit).
    pub(crate) fn new<'a>(phrases: impl IntoIterator<Item = &'a &'static str>) -> Self {
        let mut set = Phrases {
            phrases: Vec::new(),
            by_pair: vec![0; PAIR_SLOTS],
            used: [0; PAIR_SLOTS / 64],
            short: 0,
        };
        for (k, phrase) in phrases.into_iter().take(64).enumerate() {
            let bytes = phrase.as_bytes();
            set.phrases.push(phrase);
            match bytes {
                [] => {}
                [_] => set.short |= 1 << k,
                [a, b, ..] => {
                    let slot = pair_slot(*a, *b);
                    set.by_pair[slot] |= 1 << k;
                    set.used[slot / 64] |= 1 << (slot % 64);
                }
            }
        }
        set
    }

    /// Calls `found(index, phrase, at)` for each phrase found in `hay` (its
    /// index in the list, the phrase, its byte offset), left to right, until
    /// `found` says `true`; whether it did.
    pub(crate) fn any(
        &self,
        hay: &str,
        mut found: impl FnMut(usize, &'static str, usize) -> bool,
    ) -> bool {
        let h = hay.as_bytes();
        for i in 0..h.len() {
            let mut candidates = self.short;
            if let Some(&next) = h.get(i + 1) {
                let slot = pair_slot(h[i], next);
                if self.used[slot / 64] & (1 << (slot % 64)) != 0 {
                    candidates |= self.by_pair[slot];
                }
            }
            while candidates != 0 {
                let k = candidates.trailing_zeros() as usize;
                candidates &= candidates - 1;
                let Some(&phrase) = self.phrases.get(k) else {
                    continue;
                };
                if h[i..].starts_with(phrase.as_bytes()) && found(k, phrase, i) {
                    return true;
                }
            }
        }
        false
    }
}

/// [`LURES`] then [`BAIT`], searched for together.
fn lures_and_bait() -> &'static Phrases {
    static SET: std::sync::OnceLock<Phrases> = std::sync::OnceLock::new();
    SET.get_or_init(|| Phrases::new(LURES.iter().chain(BAIT.iter())))
}

/// The most times a letter repeats inside a word as a cry (`GOOOOOOOOOOOOL`)
/// rather than a flood.
const STRETCH_MAX: usize = 30;

/// What one lure or one bait scores alone: under the hold line at the default
/// spam threshold (`0.75 × 2/3 = 0.5`).
const LONE_SIGN: f32 = 0.45;

/// Spam signals, 0–1, and whether the message is a scam (lure or bait).
fn spam_score(text: &str, lower: &str, analysis: Type) -> (f32, bool) {
    let mut score: f32 = 0.0;
    let (mut lure, mut app_link, mut bait) = (false, false, false);
    lures_and_bait().any(lower, |k, _, _| {
        match LURES.get(k) {
            Some(found) => {
                lure = true;
                app_link |= found.ends_with('/');
            }
            None => bait = true,
        }
        app_link && bait
    });
    // One word alone holds nothing (a friend's "dm me the score", a warning of
    // a "giveaway"): a lure or bait scores LONE_SIGN, under the hold line; the
    // two together, or either with links, a flood or shouting, reach it. So does
    // a lure with a way to reach the writer: a link to a messaging app (`t.me/`,
    // `wa.me/`), a handle (`telegram @tips_vip`) or a number (`whatsapp 06…`).
    let all = split_words(lower);
    if lure {
        let reachable = app_link || scam::gives_contact(lower);
        score += if reachable { 0.5 } else { LONE_SIGN };
    }
    if bait {
        score += LONE_SIGN;
    }
    let words = all.len().max(1);
    let link_count = all
        .iter()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://") || w.starts_with("www."))
        .count();
    if link_count >= 3 || (link_count >= 1 && link_count * 3 >= words) {
        score += 0.3;
    }
    // One pass: letters, capitals, and the longest run of one repeated character
    // but a letter stretched inside a word up to STRETCH_MAX times
    // (`GOOOOOOOOOOOOL`, `NOOOOOOOOOOO`: a cry, not a flood; `AAAAAAAAAAAA`,
    // `!!!!!!!!!!!!` and a letter stretched further are floods).
    let (mut letters, mut upper) = (0usize, 0usize);
    let (mut run, mut longest, mut last) = (0usize, 0usize, None::<char>);
    let mut stretched = false;
    for c in text.chars() {
        if c.is_alphabetic() {
            letters += 1;
            if c.is_uppercase() {
                upper += 1;
            }
        }
        if Some(c) == last {
            run += 1;
        } else {
            run = 1;
            stretched = c.is_alphabetic() && last.is_some_and(char::is_alphabetic);
        }
        if !stretched || run > STRETCH_MAX {
            longest = longest.max(run);
        }
        last = Some(c);
    }
    let shouted = letters >= 12 && upper * 10 >= letters * 8;
    if shouted {
        score += 0.3;
    }
    if longest >= 10 {
        score += 0.3;
    }
    // At least as many distinct words as distinct bits their hashes set: the
    // sort below only for a line that may repeat itself.
    let few_distinct = || {
        let mut seen = [0u64; 4];
        for word in &all {
            let hash = std::hash::BuildHasher::hash_one(&rustc_hash::FxBuildHasher, word);
            let bit = (hash % 256) as usize;
            seen[bit / 64] |= 1 << (bit % 64);
        }
        let at_least_distinct: usize = seen.iter().map(|s| s.count_ones() as usize).sum();
        at_least_distinct * 10 < all.len() * 3
    };
    if all.len() >= 8 && few_distinct() {
        let mut unique = all.clone();
        unique.sort_unstable();
        unique.dedup();
        if unique.len() * 10 < all.len() * 3 {
            score += 0.4;
        }
    }
    // rustrict's spam counts capitals and repeats too: a shouted line is not
    // counted twice for its capitals (`VAMOOOO FLAMENGOOOO` is a chant, not spam).
    if !shouted && analysis.is(Type::SPAM & Type::MODERATE_OR_HIGHER) {
        score += 0.3;
    }
    (score.min(1.0), lure || bait)
}

/// `text` with every number that stands alone (digits, possibly with `.`, `,` or `:`
/// inside, with no letter right before or after: `2-1`, `19:45`, `$12.99`, `1.0850`)
/// turned into spaces. Digits touching letters (`sh1t`, `b00bs`, `88th`) are kept.
fn without_numbers(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return std::borrow::Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || (matches!(chars[i], '.' | ',' | ':')
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        // A letter right next to it, or one punctuation mark away (`c.0.c.k`).
        let near_letter = |at: Option<usize>, step_back: bool| -> bool {
            let Some(at) = at else { return false };
            let Some(&c) = chars.get(at) else {
                return false;
            };
            if c.is_alphabetic() {
                return true;
            }
            let beyond = if step_back {
                at.checked_sub(1)
            } else {
                Some(at + 1)
            };
            !c.is_whitespace()
                && !c.is_alphanumeric()
                && beyond
                    .and_then(|b| chars.get(b))
                    .is_some_and(|c| c.is_alphabetic())
        };
        let letter_before = near_letter(start.checked_sub(1), true);
        let letter_after = near_letter(Some(i), false);
        // A code's digits are no letters in disguise: five or more, or four
        // against a capital (`NL837261945BR`, `AB1234`); `n1663r` is still read.
        let digits = chars[start..i]
            .iter()
            .filter(|c| c.is_ascii_digit())
            .count();
        let capital_beside = start
            .checked_sub(1)
            .and_then(|b| chars.get(b))
            .is_some_and(|c| c.is_uppercase())
            || chars.get(i).is_some_and(|c| c.is_uppercase());
        let long_run = digits >= 5 || digits >= 4 && capital_beside;
        if (letter_before || letter_after) && !long_run {
            out.extend(&chars[start..i]);
        } else {
            out.extend(std::iter::repeat_n(' ', i - start));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Runs of three or more single-letter words, joined (`f u c k` → `fuck`).
fn single_letter_runs(words: &[&str]) -> Vec<String> {
    let mut runs = Vec::new();
    let mut current = String::new();
    let mut count = 0;
    for word in words.iter().chain(std::iter::once(&"")) {
        if word.chars().count() == 1 {
            current.push_str(word);
            count += 1;
        } else {
            if count >= 3 {
                runs.push(std::mem::take(&mut current));
            }
            current.clear();
            count = 0;
        }
    }
    runs
}

/// One letter written four times or more (`kkkkkk`, Portuguese laughter): no
/// word, though rustrict reads three `k` as the Klan. (`kkk` in lower case at the
/// start or end of a line, or anywhere in a Portuguese one, is laughter too: see
/// [`short_laughter`].)
fn stretched_letter(word: &str) -> bool {
    let bare: Vec<char> = word.chars().filter(|c| c.is_alphanumeric()).collect();
    let Some(&first) = bare.first() else {
        return false;
    };
    let same = bare
        .iter()
        .all(|c| c.to_lowercase().eq(first.to_lowercase()));
    first.is_alphabetic() && same && bare.len() >= 4
}

/// French elisions (`d'ici`, `l'Angers`, `qu'il`): the first part written with
/// an apostrophe before a word that starts with a vowel or `h`. rustrict reads
/// the two parts as one word (`d'ici` as `dick`).
const ELISIONS: [&str; 12] = [
    "c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu",
];

/// Whether `tokens[i]` is a French elision that rustrict misreads, in a French
/// line (by its other words: [`line_language`], or [`sole_language`]): its
/// word, read alone, is nothing rustrict acts on (`d'ici`, `d'Angers`; not
/// `d'enculé`, `d'imbécile`), rustrict's match in the two parts joined stops
/// short of their end (`dici` is read as `dic…`; `c'unt`, `s'hit` and `t'its`
/// are rude words whole, split by an apostrophe), and `c'` only stands before
/// the words French elides it before (`c'est`, `c'était`, `c'en`).
fn french_elision(tokens: &[&str], i: usize) -> bool {
    let Some(token) = tokens.get(i) else {
        return false;
    };
    let bare = word_with_apostrophes(token);
    let Some((first, rest)) = bare.split_once(['\'', '’']) else {
        return false;
    };
    let vowel_start = rest
        .chars()
        .next()
        .and_then(|c| c.to_lowercase().next())
        .is_some_and(|c| "aeiouyhàâéèêëîïôûù".contains(c));
    let first = first.to_lowercase();
    let c_before = |rest: &str| {
        matches!(
            rest.to_lowercase().as_str(),
            "est" | "était" | "étaient" | "etait" | "etaient" | "en"
        )
    };
    if !ELISIONS.contains(&first.as_str())
        || !vowel_start
        || rest.chars().count() < 2
        || !rest.chars().all(char::is_alphabetic)
        || first == "c" && !c_before(rest)
    {
        return false;
    }
    let read = analyze(rest);
    if read.is(Type::INAPPROPRIATE) || read.is(harmful() & Type::MODERATE_OR_HIGHER) {
        return false;
    }
    let joined = format!("{first}{}", rest.to_lowercase());
    if censored(&joined).ends_with('*') {
        return false;
    }
    let others = all_but(tokens, i);
    line_language(&others).or_else(|| sole_language(&others)) == Some("fr")
}

/// `token` without the punctuation round it, apostrophes kept (`j’ai`, `d'ici`).
fn word_with_apostrophes(token: &str) -> &str {
    token.trim_matches(|c: char| !c.is_alphanumeric() && !matches!(c, '\'' | '’'))
}

/// `tokens` without the one at `i`: the words a line's language is read from
/// for one of its words.
fn all_but<'a>(tokens: &[&'a str], i: usize) -> Vec<&'a str> {
    all_but_span(tokens, i..i + 1)
}

/// Words besides the articles after which `kkk` is a noun, the Klan (`membro
/// da kkk`, `entra pra kkk`, `tudo pela kkk`, `apoyo al kkk`, `join kkk`).
const KLAN_BEFORE: [&str; 21] = [
    "da", "do", "na", "no", "à", "ao", "pra", "para", "uma", "um", "dos", "das", "nos", "nas",
    "pela", "pelo", "com", "contra", "al", "of", "join",
];

/// `kkk` in lower case, the short laughter (`ez demais kkk`): let through at a
/// line's start, and at its end or anywhere in a Portuguese line — but never
/// after an article or one of [`KLAN_BEFORE`] (`o kkk`, `a kkk voltou`,
/// `membro da kkk`).
fn short_laughter(word: &str) -> bool {
    word.trim_matches(|c: char| !c.is_alphanumeric()) == "kkk"
}

/// Words after which a place is named, in the six languages (`from`, `aus`,
/// `depuis`, `desde`, `uit`…), and the articles that may stand between (`aan het
/// Rapenburg`, `im Wankdorf`).
const PLACE_WORDS: &[&str] = &[
    "in", "at", "from", "to", "near", "into", "around", "via", "aus", "nach", "bei", "von", "im",
    "am", "zum", "zur", "vom", "ab", "à", "au", "de", "depuis", "près", "vers", "en", "dans",
    "pour", "em", "no", "na", "do", "da", "desde", "para", "pra", "perto", "hacia", "cerca", "del",
    "uit", "naar", "bij", "te", "van", "aan", "op", "rond",
];
const ARTICLES: &[&str] = &[
    "the", "der", "die", "das", "dem", "den", "le", "la", "les", "l'", "el", "los", "las", "o",
    "a", "os", "as", "het", "de",
];

/// Nouns for a settlement or a place, in the six languages: a name beside
/// them is a place's (`the village of Twatt`, `Bastardo é uma vila`, `a vila
/// Fucking`, `Titting ist ein Dorf`).
const PLACE_NOUNS: &[&str] = &[
    "village",
    "town",
    "city",
    "hamlet",
    "suburb",
    "county",
    "borough",
    "district",
    "region",
    "province",
    "island",
    "river",
    "mountain",
    "valley",
    "station",
    "street",
    "dorf",
    "stadt",
    "ortschaft",
    "gemeinde",
    "kreis",
    "bezirk",
    "insel",
    "fluss",
    "berg",
    "bahnhof",
    "straße",
    "strasse",
    "ville",
    "commune",
    "bourg",
    "hameau",
    "île",
    "rivière",
    "fleuve",
    "vallée",
    "gare",
    "rue",
    "pueblo",
    "ciudad",
    "aldea",
    "municipio",
    "provincia",
    "isla",
    "río",
    "valle",
    "estación",
    "calle",
    "vila",
    "cidade",
    "aldeia",
    "município",
    "concelho",
    "freguesia",
    "ilha",
    "serra",
    "estação",
    "rua",
    "dorp",
    "stad",
    "gemeente",
    "provincie",
    "eiland",
    "rivier",
    "dal",
    "straat",
    "wijk",
    "plaats",
    "plaatsje",
];

/// Words between a place noun and the name it introduces (`village called`,
/// `town of`, `vila chamada`).
const NAMING_WORDS: &[&str] = &[
    "called", "named", "of", "genannt", "namens", "appelé", "appelée", "nommé", "nommée",
    "llamado", "llamada", "chamado", "chamada", "de", "do", "da", "genaamd", "heet",
];

/// Prepositions that put a place in a region (`Dildo in Newfoundland`, `Titting
/// im Altmühltal`, `Pussy en Savoie`, `Twatt fica nas Orkney`).
const LOCATIVES: &[&str] = &[
    "in", "im", "en", "na", "nas", "no", "nos", "dans", "bei", "near", "aan", "nahe", "près",
    "cerca",
];

/// Titles a name follows (`Herr Kuntz`, `señor Cuca`, `Mr Shittu`).
const NAME_TITLES: &[&str] = &[
    "mr", "mrs", "miss", "ms", "dr", "mister", "herr", "frau", "monsieur", "madame", "mme",
    "senhor", "senhora", "dona", "señor", "señora", "doña", "sr", "sra", "meneer", "mevrouw",
];

/// Words that mark a line's language: its commonest words — articles,
/// pronouns, particles, common adverbs and verbs (a few of the oldest are
/// shared by two languages, `que`, `le`, `du`, and count for both; none added
/// since is in another language's list; those English chat writes too, `van`,
/// `mon`, `ton`, count only beside another marker, see [`sole_language`]; the
/// most common ones of all, `de`, `en`, `a`, `is`, are left out, and so is `u`,
/// English chat's `you` and Dutch's polite one: `u kunt uw vragen stellen`).
const LANGUAGE_MARKERS: [(&str, &[&str]); 6] = [
    (
        "en",
        &[
            "you", "your", "you're", "the", "and", "are", "this", "that", "what", "with", "my",
            "he", "she", "they", "ur", "i'm", "it's", "not", "just",
        ],
    ),
    (
        "nl",
        &[
            "het", "een", "niet", "ik", "je", "jij", "gij", "hij", "wij", "zijn", "maar", "ook",
            "nog", "wel", "geen", "wat", "hoe", "waarom", "laat", "dat", "dit", "deze", "toch",
            "echt", "zo", "nu", "bij", "naar", "heeft", "staat", "gaat", "kan", "moet", "weer",
            "zit", "al", "er", "op", "met", "voor", "van", "uw", "jullie", "hebt", "heb", "wordt",
            "gewoon", "omdat", "graag", "alleen", "veel", "ze", "iets", "iedereen", "hele",
            "tegen", "uit", "om", "mijn", "jouw", "ons", "mij", "jou", "haar", "waar", "wanneer",
            "zou", "zal", "kunnen", "beetje", "altijd", "nooit", "daar", "geweest", "zij",
            "mensen",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ist", "nicht", "ich", "du", "ein", "eine", "mit", "auf",
            "auch", "noch", "schon", "doch", "mal", "wie", "was", "hab", "habe", "kein", "den",
            "dem", "einen", "einem", "sind", "wir", "ihr", "aber", "oder", "wenn", "weil", "im",
            "vom", "zum", "zur", "beim", "sich", "sehr", "jetzt", "für", "über", "jede", "jeder",
            "jeden", "heute", "heut", "nur", "hatte", "bist", "kann", "nach", "dann", "gibt",
            "geht", "nichts", "immer", "gleich", "wird", "ob", "uns", "euch", "mich", "dich",
            "mir", "dir", "dass", "grad", "gerade", "bisschen", "bitte", "danke",
        ],
    ),
    (
        "es",
        &[
            "el", "los", "las", "que", "y", "es", "no", "por", "para", "una", "con", "pero", "muy",
            "esto", "eso", "qué", "como", "va", "se", "lo", "le", "del", "al", "más", "está",
            "tiene", "este", "esta", "mi", "su", "pues", "hay", "también", "cuando", "donde",
            "hoy", "mañana", "ahora", "siempre", "tengo", "estoy", "eres", "soy", "alguien",
            "nadie", "mucho", "hasta", "aquí", "ahí", "casi", "había", "hace", "tú", "usted",
            "ellos", "entonces", "después", "todavía", "ayer",
        ],
    ),
    (
        "pt",
        &[
            "o", "os", "as", "que", "e", "é", "não", "um", "uma", "com", "para", "pra", "mas",
            "muito", "isso", "esse", "essa", "você", "tá", "eu", "do", "da", "no", "na", "dos",
            "das", "ao", "mais", "tem", "são", "já", "foi", "ele", "ela", "aqui", "minha",
            "minhas", "meu", "meus", "alguém", "tão", "também", "ninguém", "quem", "nós", "vocês",
            "estou", "tô", "mesmo", "agora", "então", "ainda", "só", "sem", "num", "numa", "isto",
            "aquele", "aquela", "vai", "vou", "hoje", "amanhã", "sempre", "tudo", "onde", "quando",
            "cá", "lá", "muita", "nossa", "nosso", "depois", "ontem", "eles", "elas", "havia",
            "quase",
        ],
    ),
    (
        "fr",
        &[
            "le", "la", "les", "et", "est", "pas", "je", "tu", "il", "une", "des", "pour", "avec",
            "mais", "c'est", "ce", "qui", "du", "au", "on", "ça", "sur", "dans", "elle", "nous",
            "vous", "sont", "très", "aux", "ils", "mon", "ma", "ton", "tes", "sa", "ses", "leur",
            "notre", "votre", "j'ai", "t'as", "y'a", "fait", "faut", "peut", "tout", "tous",
            "toute", "rien", "jamais", "toujours", "demain", "quand", "où", "parce", "déjà",
            "aussi", "trop", "moi", "toi", "lui", "eux", "suis", "avait", "était", "vraiment",
            "quoi", "comme",
        ],
    ),
];

/// The line's language when its words say so: two markers of one language or
/// more, more than of any other, and none of English (whose rude words are the
/// ones rustrict reads).
fn line_language(tokens: &[&str]) -> Option<&'static str> {
    let counts = marker_counts(tokens);
    if counts[0] > 0 {
        return None;
    }
    let (best, count) = counts.iter().enumerate().skip(1).max_by_key(|(_, c)| **c)?;
    let tied = counts
        .iter()
        .enumerate()
        .skip(1)
        .any(|(n, c)| n != best && c == count);
    (*count >= 2 && !tied).then_some(LANGUAGE_MARKERS[best].0)
}

/// Whether `word` is one of the words that mark a language (any language,
/// English too), in any case.
pub(crate) fn is_language_marker(word: &str) -> bool {
    let word = word.to_lowercase();
    LANGUAGE_MARKERS
        .iter()
        .any(|(_, markers)| markers.contains(&word.as_str()))
}

/// Whether the line may be in `lang`: a marker of it, and none of English.
pub(crate) fn may_be_in(tokens: &[&str], lang: &str) -> bool {
    let counts = marker_counts(tokens);
    counts[0] == 0
        && LANGUAGE_MARKERS
            .iter()
            .zip(counts)
            .any(|((l, _), count)| *l == lang && count > 0)
}

/// How many of each language's markers the line has, in the order of
/// [`LANGUAGE_MARKERS`] (English first).
fn marker_counts(tokens: &[&str]) -> [usize; LANGUAGE_MARKERS.len()] {
    let mut counts = [0usize; LANGUAGE_MARKERS.len()];
    for token in tokens {
        // A typographic apostrophe, as phone keyboards write it (`j’ai`), is `'`.
        let word = word_with_apostrophes(token)
            .to_lowercase()
            .replace('’', "'");
        for (n, (_, markers)) in LANGUAGE_MARKERS.iter().enumerate() {
            if markers.contains(&word.as_str()) {
                counts[n] += 1;
            }
        }
    }
    counts
}

/// Whether `word`, of three to six letters, is an everyday word of some
/// language that rustrict reads as English abuse ([`local_everyday`]);
/// remembered as [`analyze`] is.
fn local_anywhere(word: &str) -> bool {
    remembered(&LOCAL_ANYWHERE, word, || {
        let trimmed = word.trim_matches(|c: char| !c.is_alphanumeric());
        let letters = trimmed.chars().count();
        (3..=6).contains(&letters)
            && trimmed.chars().all(char::is_alphabetic)
            && hosts::is_local_word_anywhere(&trimmed.to_lowercase())
    })
}

/// Whether `tokens[i]` is an everyday word of the line's language that rustrict
/// reads as English abuse (`hoe laat?`, `dikke kans`, `venga va`).
fn local_everyday(tokens: &[&str], i: usize) -> bool {
    let Some(word) = tokens.get(i) else {
        return false;
    };
    // The word first (one lookup a language, remembered), the line's language
    // only then: by the other words (`hoe` marks Dutch, but not for itself),
    // two markers of it, or one and none of any other language (`judd trump
    // killt heute alles`).
    if !local_anywhere(word) {
        return false;
    }
    let bare = word
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    let others = all_but(tokens, i);
    line_language(&others)
        .or_else(|| sole_language(&others))
        .is_some_and(|lang| hosts::is_local_word(lang, &bare))
}

/// Verbs of the launch languages that rustrict reads as severe abuse, known by
/// a subject beside them: Dutch `kunt`, can (`je kunt het`, `gij kunt da`),
/// in a line with no marker of English. With a subject English chat writes too
/// (`u`), only in a line of the verb's language as [`local_everyday`] reads it
/// (`kunt u de link nog een keer sturen`, never `wat kunt u r`).
const EVERYDAY_VERBS: [(&str, &str, &[&str]); 1] =
    [("nl", "kunt", &["je", "jij", "u", "gij", "ge"])];

/// Subjects of [`EVERYDAY_VERBS`] that English chat writes too.
const ENGLISH_SUBJECTS: [&str; 1] = ["u"];

/// Whether `tokens[i]` is one of the [`EVERYDAY_VERBS`] with its subject.
fn everyday_verb(tokens: &[&str], i: usize) -> bool {
    let bare = |t: &str| {
        t.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let Some(word) = tokens
        .get(i)
        .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()))
    else {
        return false;
    };
    EVERYDAY_VERBS.iter().any(|(lang, verb, subjects)| {
        // Most words are no verb of the list: no allocation for them.
        if !word.eq_ignore_ascii_case(verb) {
            return false;
        }
        let subject = [i.checked_sub(1), Some(i + 1)]
            .into_iter()
            .flatten()
            .filter_map(|j| tokens.get(j))
            .map(|t| bare(t))
            .find(|t| subjects.contains(&t.as_str()));
        let others = all_but(tokens, i);
        match subject {
            None => false,
            Some(s) if ENGLISH_SUBJECTS.contains(&s.as_str()) => {
                line_language(&others).or_else(|| sole_language(&others)) == Some(*lang)
            }
            Some(_) => marker_counts(&others)[0] == 0,
        }
    })
}

/// Nouns of the launch languages that rustrict reads as English hate, known by
/// the words of their own language right before them, in a line of that
/// language ([`line_language`]): French `retard`, a delay, after a preposition
/// (`en retard`, `du retard`, `sans retard`), after `de` that follows an amount
/// (`10 min de retard`, `peu de retard`, not `espèce de retard`), or after an
/// article or possessive that follows a preposition (`désolé pour le retard`,
/// `pour mon retard`; not `regardez le retard du chat`, `mon retard préféré`,
/// `pour ce retard`), never before `mental` nor in a line about a mind (`un QI
/// en retard`). A line whose other words only lean to the language will do
/// ([`leans_to`]: `soyez pas en retard`). `un retard`, `le retard` and `trop
/// retard` may be the insult and stay read.
struct EverydayNoun {
    lang: &'static str,
    nouns: &'static [&'static str],
    /// Words right before the noun.
    after: &'static [&'static str],
    /// Words right before the noun when the word before them is an amount.
    after_amount: &'static [&'static str],
    amounts: &'static [&'static str],
    /// Words right before the noun when the word before them is a preposition.
    after_preposition: &'static [&'static str],
    prepositions: &'static [&'static str],
    /// Words right after the noun that make it the insult.
    not_before: &'static [&'static str],
    /// Words of a mind: anywhere in the line, they make the noun the insult
    /// (`un QI en retard`).
    within_a_head: &'static [&'static str],
}

const EVERYDAY_NOUNS: [EverydayNoun; 1] = [EverydayNoun {
    lang: "fr",
    nouns: &["retard", "retards"],
    // `d` is `d’` with the typographic apostrophe phones write, trimmed as a
    // sign by [`bare_is`].
    after: &["en", "du", "d'", "d", "avec", "sans", "aucun"],
    after_amount: &["de", "d'", "d"],
    amounts: &[
        "min",
        "mins",
        "minute",
        "minutes",
        "h",
        "heure",
        "heures",
        "jour",
        "jours",
        "s",
        "sec",
        "secondes",
        "semaine",
        "semaines",
        "mois",
        "an",
        "ans",
        "peu",
        "beaucoup",
        "pas",
        "plus",
        "moins",
        "trop",
        "tellement",
        "autant",
    ],
    after_preposition: &[
        "le", "les", "mon", "ton", "son", "notre", "votre", "leur", "leurs",
    ],
    prepositions: &[
        "pour", "par", "malgré", "avec", "sans", "à", "a", "de", "sur",
    ],
    not_before: &[
        "mental",
        "mentale",
        "mentaux",
        "total",
        "cérébral",
        "intellectuel",
    ],
    within_a_head: MIND_WORDS,
}];

/// Whether `tokens[i]` is one of the [`EVERYDAY_NOUNS`] where its language puts
/// a noun, in a line of that language.
fn everyday_noun(tokens: &[&str], i: usize) -> bool {
    EVERYDAY_NOUNS.iter().any(|noun| {
        // Most words are none of the nouns: nothing more is looked at.
        if !bare_is(tokens, i, noun.nouns) {
            return false;
        }
        let Some(previous) = i.checked_sub(1) else {
            return false;
        };
        let earlier = |list: &[&str]| previous > 0 && bare_is(tokens, previous - 1, list);
        let amount = || {
            earlier(noun.amounts)
                || previous > 0 && tokens[previous - 1].starts_with(|c: char| c.is_ascii_digit())
        };
        // The first word of the frame that places the noun.
        let frame = if bare_is(tokens, previous, noun.after) {
            previous
        } else if bare_is(tokens, previous, noun.after_amount) && amount()
            || bare_is(tokens, previous, noun.after_preposition) && earlier(noun.prepositions)
        {
            previous - 1
        } else {
            return false;
        };
        // `retard mental` is the insult whatever comes before.
        if bare_is(tokens, i + 1, noun.not_before)
            || (0..tokens.len()).any(|j| bare_is(tokens, j, noun.within_a_head))
        {
            return false;
        }
        let others = all_but(tokens, i);
        line_language(&others).or_else(|| sole_language(&others)) == Some(noun.lang)
            || leans_to(&all_but_span(tokens, frame..i + 1), noun.lang)
    })
}

/// French `retardé`, delayed, which rustrict reads as English hate: everyday
/// after what runs late (`vol AF 1680 retardé`, `le match est encore
/// retardé`), or before by how long or why (`retardé de 20 min`, `retardé
/// d'une heure`, `retardé par la pluie`, `retardé à 21h`, `retardé à cause de
/// l'orage`), in a line with no marker of English nor word of a mind
/// ([`MIND_WORDS`]). Said of someone it stays read: after `t'es`, `un`,
/// `quel`… (`t'es retardé par nature`), before
/// `comme`, with a cause that is someone's (`à cause de ta mère`), or with
/// what runs late only named after `du` (`le mec du live est retardé`).
// Out of line: it runs for few words, and inlined it would grow each caller
// of `allowed_at` in the bootstrap.
#[inline(never)]
fn everyday_participle(tokens: &[&str], i: usize) -> bool {
    if !bare_is(tokens, i, &["retardé", "retardée", "retardés", "retardées"]) {
        return false;
    }
    let said_of_someone = i
        .checked_sub(1)
        .is_some_and(|j| bare_is(tokens, j, PARTICIPLE_OF_SOMEONE))
        || bare_is(tokens, i + 1, &["comme"]);
    if said_of_someone || (0..tokens.len()).any(|j| bare_is(tokens, j, MIND_WORDS)) {
        return false;
    }
    // A flight's or a train's number (`1680`), or its letters (`AF`).
    let code = |t: &str| {
        t.chars().any(|c| c.is_ascii_digit())
            || (2..=3).contains(&t.len()) && t.chars().all(|c| c.is_ascii_uppercase())
    };
    // What runs late, right before, or before a verb, an adverb or a code,
    // named as the subject (not `du live`), in the same clause.
    let late = (1..=4).any(|back| {
        i.checked_sub(back).is_some_and(|j| {
            bare_is(tokens, j, LATE_THINGS)
                && !(j > 0 && bare_is(tokens, j - 1, &["du", "des", "de", "d'", "en"]))
                && (j + 1..i).all(|k| bare_is(tokens, k, LATE_BRIDGE) || code(tokens[k]))
                && tokens[j..i].iter().all(|t| !ends_a_clause(t))
        })
    });
    // By how long: a number or a count, then a unit of time (`de 20 min`,
    // `de 2h`, `d'une heure`), not `de deux générations`.
    let unit = |t: &str| {
        let t = t.trim_start_matches(|c: char| c.is_ascii_digit() || c == ',' || c == '.');
        pii::one_of(
            t.trim_end_matches(|c: char| !c.is_alphanumeric()),
            TIME_UNITS,
        )
    };
    let count = |t: &str| {
        t.starts_with(|c: char| c.is_ascii_digit())
            || pii::one_of(t, &["une", "un", "deux", "trois", "quelques", "plusieurs"])
    };
    // `n` counts and a unit follows, in it (`20min`, `2h`) or right after it;
    // or `n` is the unit, its number a word of digits the line's words leave
    // out (`de 20 minutes`).
    let counted = |n: &str, after: usize| {
        n.starts_with(|c: char| c.is_ascii_digit()) && unit(n)
            || count(n) && tokens.get(after).is_some_and(|u| unit(u))
            || unit(n)
    };
    let how_long = match tokens.get(i + 1).map(|t| t.replace('’', "'")) {
        Some(next) if pii::one_of(&next, &["de"]) => {
            tokens.get(i + 2).is_some_and(|n| counted(n, i + 3))
        }
        Some(next) => next.strip_prefix("d'").is_some_and(|n| counted(n, i + 2)),
        None => false,
    };
    // An hour of the clock (`21h`, `21h30`, `20:45`), not `24h/24`.
    let hour = |t: &str| {
        let t = t.trim_end_matches(|c: char| !c.is_alphanumeric());
        let (h, m) = t.split_once(['h', 'H', ':']).unwrap_or((t, "x"));
        (1..=2).contains(&h.len())
            && h.chars().all(|c| c.is_ascii_digit())
            && m.len() <= 2
            && m.chars().all(|c| c.is_ascii_digit())
    };
    // Why: something's doing (`par la pluie`) or a cause that is no one's.
    let whose = |j: usize| bare_is(tokens, j, SOMEONES);
    let article = |j: usize| {
        bare_is(tokens, j, &["la", "le", "les", "un", "une", "des"])
            || tokens.get(j).is_some_and(|t| {
                let t = t.to_lowercase();
                t.starts_with("l'") || t.starts_with("l’")
            })
    };
    let why = bare_is(tokens, i + 1, &["par"]) && article(i + 2)
        || bare_is(tokens, i + 1, &["à", "a"]) && tokens.get(i + 2).is_some_and(|t| hour(t))
        || bare_is(tokens, i + 1, &["à", "a", "en"])
            && bare_is(tokens, i + 2, &["cause", "raison"])
            && !whose(i + 4)
            && !whose(i + 3);
    // The participle's accent and its frame say French; English may not.
    (late || how_long || why) && marker_counts(tokens)[0] == 0
}

/// Words of a mind: in a line with one, `retard` and `retardé` are the insult
/// (`un QI en retard`, `retardé de 2 minutes de cerveau`).
const MIND_WORDS: &[&str] = &["qi", "cerveau", "tête", "neurone", "neurones"];

/// Words right before `retardé` that make it said of someone.
const PARTICIPLE_OF_SOMEONE: &[&str] = &[
    "t'es",
    "es",
    "êtes",
    "un",
    "une",
    "des",
    "de",
    "d'",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "sale",
    "ce",
    "cette",
    "ces",
    "gros",
    "grosse",
    "espèce",
    "vrai",
    "vraie",
    "complètement",
    "totalement",
];

/// Words of a cause that is someone's (`à cause de ta mère`, `de toi`).
const SOMEONES: &[&str] = &[
    "ta", "ton", "tes", "sa", "son", "ses", "vos", "votre", "toi", "vous", "lui", "eux", "elle",
    "moi",
];

/// Units of time after `retardé de`.
const TIME_UNITS: &[&str] = &[
    "s", "sec", "secondes", "min", "mins", "mn", "minute", "minutes", "h", "heure", "heures",
    "jour", "jours", "semaine", "semaines", "mois",
];

/// Things that run late in French chat, before [`everyday_participle`].
const LATE_THINGS: &[&str] = &[
    "vol",
    "vols",
    "train",
    "trains",
    "tgv",
    "ter",
    "rer",
    "bus",
    "tram",
    "métro",
    "metro",
    "avion",
    "match",
    "matchs",
    "départ",
    "envoi",
    "d'envoi",
    "début",
    "l'avion",
    "lancement",
    "stream",
    "live",
    "lives",
    "décollage",
    "atterrissage",
    "concert",
    "course",
    "colis",
    "livraison",
    "sortie",
    "réunion",
    "rdv",
    "épisode",
    "patch",
    "annonce",
    "tirage",
    "ferry",
    "navette",
    "finale",
    "tournoi",
    "gp",
    "billets",
    "résultats",
    "reprise",
];

/// Words between one of [`LATE_THINGS`] and the participle (`a encore été`).
const LATE_BRIDGE: &[&str] = &[
    "est",
    "a",
    "été",
    "sera",
    "sont",
    "ont",
    "encore",
    "déjà",
    "légèrement",
    "fortement",
    "aussi",
    "carrément",
    "bien",
];

/// English `cracker`, which rustrict reads as a slur: the praise of a thing of
/// play (`a cracker of a game`, `what a cracker of a goal`), or the food and
/// the Christmas toy right beside their word (`cream crackers`, `christmas
/// crackers`, `cheese and crackers`), in a line with no word that aims it at
/// someone (`you`, `white`, `dumb`). Looser praise (`what a cracker`, `an
/// absolute cracker from 30 yards`) stays read: the same frames call people
/// the slur (`that ref? a cracker`).
fn everyday_cracker(tokens: &[&str], i: usize) -> bool {
    if !bare_is(tokens, i, &["cracker", "crackers"])
        || (0..tokens.len()).any(|j| bare_is(tokens, j, CRACKER_AIMED))
    {
        return false;
    }
    let ends_clause = |j: usize| ends_a_clause(tokens[j]);
    let of_play = !ends_clause(i)
        && bare_is(tokens, i + 1, &["of"])
        && bare_is(tokens, i + 2, &["a", "an"])
        && bare_is(tokens, i + 3, PLAY_WORDS);
    // Not a person called one (`christmas cracker ref`, `cream cracker of a
    // striker`).
    let of_someone = !ends_clause(i) && bare_is(tokens, i + 1, CRACKER_NOT_BEFORE);
    // `christmas crackers`, `cheese and crackers`, `crackers with cheese`; not
    // `merry christmas cracker`.
    let before = i > 0
        && !of_someone
        && !ends_clause(i - 1)
        && (bare_is(tokens, i - 1, CRACKER_FOODS)
            && !(i > 1 && bare_is(tokens, i - 2, &["merry", "happy"]))
            || i > 1
                && bare_is(tokens, i - 1, &["and", "with", "on"])
                && !ends_clause(i - 2)
                && bare_is(tokens, i - 2, CRACKER_FOODS));
    let after = !ends_clause(i)
        && bare_is(tokens, i + 1, &["and", "with", "on"])
        && bare_is(tokens, i + 2, CRACKER_FOODS);
    of_play || before || after
}

/// Words that aim `cracker` at someone.
const CRACKER_AIMED: &[&str] = &[
    "you",
    "your",
    "you're",
    "youre",
    "ur",
    "u",
    "ya",
    "white",
    "whitey",
    "dumb",
    "stupid",
    "redneck",
    "hillbilly",
    "honky",
    "racist",
    "ass",
    "trash",
    "inbred",
    "boy",
    "boys",
    "he's",
    "she's",
    "hes",
    "shes",
    "they're",
    "him",
    "filthy",
    "pale",
    "trailer",
    "people",
];

/// Words after `cracker` that make it a person's name for someone.
const CRACKER_NOT_BEFORE: &[&str] = &[
    "of", "ref", "referee", "keeper", "striker", "host", "streamer", "manager", "player", "fans",
    "guy", "lad", "mate", "fella", "people", "family", "kid",
];

/// Things of play a cracker of one is (`a cracker of a game`).
const PLAY_WORDS: &[&str] = &[
    "goal",
    "game",
    "match",
    "strike",
    "shot",
    "volley",
    "finish",
    "header",
    "free-kick",
    "save",
    "try",
    "race",
    "fight",
    "final",
    "innings",
    "knock",
    "frame",
    "rally",
    "point",
    "lap",
    "round",
    "set",
    "tiebreak",
    "century",
    "derby",
    "tie",
    "bout",
    "contest",
    "half",
    "start",
    "finale",
    "comeback",
];

/// Words right beside crackers to eat or pull.
const CRACKER_FOODS: &[&str] = &[
    "cheese",
    "christmas",
    "xmas",
    "cream",
    "rice",
    "prawn",
    "graham",
    "water",
    "ritz",
    "oat",
    "pâté",
    "pate",
    "hummus",
    "soup",
    "dip",
];

/// Whether `token` ends a clause: a comma, a full stop, `!`, `?`, `;`, `:`
/// or `…` at its end.
fn ends_a_clause(token: &str) -> bool {
    token.ends_with([',', '.', '!', '?', ';', ':', '…'])
}

/// Whether a line's words lean to `lang`: none of English's markers, and more
/// of `lang`'s than of any other language, one at least. Weaker than
/// [`line_language`], for words whose frame already says the language
/// (`soyez pas en retard`); the frame's own words are left out of `tokens`.
fn leans_to(tokens: &[&str], lang: &str) -> bool {
    let counts = marker_counts(tokens);
    let Some(n) = LANGUAGE_MARKERS.iter().position(|(l, _)| *l == lang) else {
        return false;
    };
    counts[0] == 0
        && counts[n] > 0
        && counts
            .iter()
            .enumerate()
            .all(|(m, c)| m == n || *c < counts[n])
}

/// `tokens` without those in `span`.
fn all_but_span<'a>(tokens: &[&'a str], span: std::ops::Range<usize>) -> Vec<&'a str> {
    tokens
        .iter()
        .enumerate()
        .filter(|(n, _)| !span.contains(n))
        .map(|(_, t)| *t)
        .collect()
}

/// Markers English chat writes too (`wat`, `dat`, `van`, `die`, `was`, `con`,
/// `pas`, `mon`), and all of one or two letters (`op`, `al`, `ze`, `y`, `as`):
/// none of them marks a line alone.
const ENGLISH_CHAT_MARKERS: [&str; 15] = [
    "wat", "dat", "van", "hoe", "die", "was", "den", "con", "pas", "mon", "ton", "sur", "est",
    "les", "mal",
];

/// The language of a line with a single marker, one that is no word of English
/// chat ([`ENGLISH_CHAT_MARKERS`]), and no marker of any other language or of
/// English.
fn sole_language(tokens: &[&str]) -> Option<&'static str> {
    let long: Vec<&str> = tokens
        .iter()
        .copied()
        .filter(|t| {
            let word = word_with_apostrophes(t).to_lowercase();
            word.chars().count() >= 3 && !ENGLISH_CHAT_MARKERS.contains(&word.as_str())
        })
        .collect();
    let counts = marker_counts(&long);
    if marker_counts(tokens) != counts {
        return None;
    }
    let mut marked = counts.iter().enumerate().filter(|(_, c)| **c > 0);
    match (marked.next(), marked.next()) {
        (Some((n, 1)), None) if n > 0 => Some(LANGUAGE_MARKERS[n].0),
        _ => None,
    }
}

/// Particles between a given name and a family name (`van`, `von`, `de`, `dos`).
const NAME_PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "ten", "ter", "da", "das", "do", "dos", "del", "di", "le",
    "la", "du", "zu",
];

/// Written as a name: a capital, then three letters or more, all lower case
/// (`Kilian`, `Wankdorf`; not `KILIAN`, not `kilian`). Trailing punctuation is
/// left out.
fn title_case(word: &str) -> bool {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase)
        && word.chars().count() >= 4
        && chars.all(|c| c.is_lowercase() || c == '-')
}

/// Whether the words before `i` name a place there: a place word, maybe followed
/// by an article (`à bitche`, `aan het Rapenburg`).
fn after_place_word(tokens: &[&str], i: usize) -> bool {
    let is = |j: usize, list: &[&str]| bare_is(tokens, j, list);
    (i >= 1 && is(i - 1, PLACE_WORDS)) || (i >= 2 && is(i - 1, ARTICLES) && is(i - 2, PLACE_WORDS))
}

/// Whether `tokens[j]`, lower case and without punctuation around it, is one
/// of `list`.
fn bare_is(tokens: &[&str], j: usize, list: &[&str]) -> bool {
    tokens.get(j).is_some_and(|w| {
        pii::one_of(
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\''),
            list,
        )
    })
}

/// Written as a proper name: [`title_case`], or a short abbreviation in capitals
/// (`NRW`, `UK`).
fn proper(word: &str) -> bool {
    let w = word.trim_matches(|c: char| !c.is_alphanumeric());
    let count = w.chars().count();
    let mut chars = w.chars();
    let capital = chars.next().is_some_and(char::is_uppercase);
    capital && count >= 3 && chars.all(|c| c.is_lowercase() || c == '-')
        || (2..=5).contains(&count) && w.chars().all(char::is_uppercase)
}

/// Whether the words around `tokens[i]` say it names a place: a place noun just
/// before it (maybe with `called`, `of`: `the village of Twatt`, `a vila
/// Fucking`) or within three words after it (`Bastardo é uma vila`), or a
/// locative and a proper name after it, a word or two later (`Dildo in
/// Newfoundland`, `Twatt fica nas Orkney`, `Pussy en Savoie`).
fn beside_place_noun(tokens: &[&str], i: usize) -> bool {
    let is = |j: usize, list: &[&str]| bare_is(tokens, j, list);
    if i >= 1 && is(i - 1, PLACE_NOUNS)
        || i >= 2 && is(i - 1, NAMING_WORDS) && is(i - 2, PLACE_NOUNS)
    {
        return true;
    }
    if (i + 1..=i + 3).any(|j| is(j, PLACE_NOUNS)) {
        return true;
    }
    (i + 1..=i + 2).any(|j| {
        is(j, LOCATIVES)
            && (tokens.get(j + 1).is_some_and(|w| proper(w))
                || is(j + 1, ARTICLES) && tokens.get(j + 2).is_some_and(|w| proper(w)))
    })
}

/// Whether `word` may be a name ([`named_in_context`]): four letters or more,
/// a name of the gazetteer or written as a name; remembered as [`analyze`] is.
fn name_like(word: &str) -> bool {
    remembered(&NAME_LIKE, word, || {
        hosts::letters(word).is_some_and(|bare| hosts::is_host_name(&bare) || title_case(word))
    })
}

/// Whether the line writes `tokens[i]` as a name, so that a rude word inside it is
/// not read: a gazetteer name rude whole or inflected (`Bitche`, `Kilian`,
/// [`hosts::is_host_name`]) or an unknown word with a rude part inside
/// (`Shittu`, `Cockfosters`: rustrict's match [`hosts::embedded`]), when it
/// - follows a place word (`depuis condom`, `back to Cockfosters`; a name may be
///   written in lower case there unless it reads as profanity or an insult), or
/// - is written as a name beside another word written as one that carries no
///   rude word itself (`Danny Shittu`, `Luca Kilian`, `Dick van Burik`).
///
/// Slurs are never read as names, nor severe abuse beside another name, nor a
/// word a line writes in lower case or shouts in capitals (`you dickhead`,
/// `DICKHEAD`).
fn named_in_context(tokens: &[&str], i: usize) -> bool {
    let Some(word) = tokens.get(i) else {
        return false;
    };
    // Neither in the gazetteer nor written as a name: nothing below holds.
    if !name_like(word) {
        return false;
    }
    let Some(bare) = hosts::letters(word) else {
        return false;
    };
    let gazetteer = hosts::is_host_name(&bare);
    let written_as_name = title_case(word);
    // Slurs never pass as names.
    if analyze(&bare).is(Type::OFFENSIVE & Type::SEVERE) {
        return false;
    }
    // A word that reads as profanity or an insult is not taken for a name on
    // the word of its neighbours alone (`to dick` is not a town).
    let lower_case_ok =
        || analyze(&bare).isnt((Type::PROFANE | Type::MEAN) & Type::MODERATE_OR_HIGHER);
    let embedded = written_as_name && hosts::embedded(&bare);
    // A name written as one beside a place noun or before a locative and a
    // region (`Titz in NRW`, `Twatt fica nas Orkney`), or after a title (`Herr
    // Kuntz`); never a rude word with an insult's ending. Beside a place, a rude
    // word inside a longer one passes; a title, or a rude word whole, needs the
    // gazetteer or a word that reads as neither profanity nor an insult
    // (`Titting im Altmühltal`; `Mr Dickweed` is caught).
    if written_as_name && !insult_compound(&bare) {
        let placed = beside_place_noun(tokens, i);
        let titled = i >= 1 && bare_is(tokens, i - 1, NAME_TITLES);
        if placed && embedded && !hosts::hateful_or_severe(&bare)
            || (placed || titled) && (gazetteer || lower_case_ok())
        {
            return true;
        }
    }
    if !(gazetteer || embedded) {
        return false;
    }
    // After a place word a name may be written in lower case, unless it reads as
    // profanity or an insult.
    if after_place_word(tokens, i) && (written_as_name || gazetteer && lower_case_ok()) {
        return true;
    }
    let clean_name = |j: usize| {
        tokens
            .get(j)
            .is_some_and(|w| title_case(w) && analyze(w).isnt(harmful() & Type::MODERATE_OR_HIGHER))
    };
    // A family name may follow its particles (`Dick van Burik`).
    let mut next = i + 1;
    while tokens.get(next).is_some_and(|w| NAME_PARTICLES.contains(w)) && next < i + 3 {
        next += 1;
    }
    // Beside another name, never severe abuse, nor a rude word made an insult by
    // its tail (`Cheers Fuckface`, `Hello Dickhead`). A name rude
    // whole after a capitalised word passes (`Luca Kilian`, `Moby Dick`), and so
    // would a capitalised insult (`Absolute Prick`): the learned second opinion
    // still reads that line.
    written_as_name
        && !hosts::hateful_or_severe(&bare)
        && !insult_compound(&bare)
        && ((i >= 1 && clean_name(i - 1)) || clean_name(next))
}

/// Whether `tokens[i]` is a word of a host phrase of two or three words that the
/// line writes in full (`blue tits`, `magna cum laude`; [`hosts::is_host_phrase`]).
/// Asked only of words rustrict flags: the others need no pass.
fn in_host_phrase(tokens: &[&str], i: usize) -> bool {
    (2..=3).any(|len| {
        (i.saturating_sub(len - 1)..=i)
            .filter(|&start| start + len <= tokens.len())
            .any(|start| hosts::is_host_phrase(&tokens[start..start + len]))
    })
}

/// Words that speak of a person: to the reader (`you`, `ur`, `du`, `tu`, `jij`,
/// `vc`) or of someone, their body and their acts (`her`, `his`, `my`, `sein`,
/// `ses`, `dela`, `haar`). Some also mean other things (French `je`, `du`;
/// Dutch `te`, `zijn`): there the rules decide alone, which costs only a clean
/// line the model might have cleared.
const PERSON_WORDS: &[&str] = &[
    "you", "u", "ur", "youre", "you're", "ya", "yer", "your", "yours", "yourself", "her", "hers",
    "herself", "him", "his", "himself", "she", "he", "my", "me", "i", "i'd", "im", "i'm", "our",
    "their", "them", "they", "tú", "tu", "te", "ti", "usted", "tus", "su", "sus", "ella", "él",
    "mi", "mis", "você", "voce", "vc", "teu", "tua", "teus", "tuas", "seu", "sua", "seus", "suas",
    "ela", "ele", "dela", "dele", "meu", "minha", "meus", "minhas", "du", "dich", "dir", "dein",
    "deine", "deinen", "deiner", "ihr", "ihre", "ihren", "ihrer", "ihm", "sie", "er", "sein",
    "seine", "seinen", "mein", "meine", "meinen", "euch", "toi", "t'es", "ta", "ton", "tes",
    "vous", "votre", "vos", "elle", "il", "lui", "ses", "sa", "son", "ma", "mon", "mes", "je",
    "j'", "jij", "jou", "jouw", "jullie", "uw", "haar", "hem", "zijn", "ze", "zij", "hij", "mijn",
    "m'n", "z'n",
];

/// Words before a noun said of someone (`a`, `such`, `ein`, `une`, `een`, `um`).
const PREDICATE_WORDS: &[&str] = &[
    "a", "an", "such", "absolute", "total", "proper", "utter", "ein", "eine", "einen", "so'n",
    "un", "une", "una", "uno", "um", "uma", "een", "'n",
];

/// Whether a rude word is said of someone: a word that speaks of a person
/// within the three words before it or the two after (`you stupid prick`,
/// `grab her tits`, `my cock is…`, `sex with her`), or a noun that ends the
/// line or a clause one or two words after `a`, `such`, `een`… (`what a dick,`,
/// `such a stupid prick lol`): the frames of insults and remarks, whatever the
/// model reads.
fn said_of_someone(tokens: &[&str], i: usize) -> bool {
    // Read with a typed apostrophe as a straight one (`t’es`).
    let is = |j: usize, list: &[&str]| {
        tokens.get(j).is_some_and(|w| {
            let w = w.replace('’', "'");
            pii::one_of(
                w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\''),
                list,
            )
        })
    };
    // The clause: from after the last token that ends one before `i` to the
    // first that ends one from `i` on.
    let ends = |t: &&str| ends_a_clause(t);
    let start = tokens[..i].iter().rposition(ends).map_or(0, |j| j + 1);
    let end = tokens[i..]
        .iter()
        .position(ends)
        .map_or(tokens.len(), |j| i + j + 1);
    if (start..end)
        .filter(|&j| j != i)
        .any(|j| is(j, PERSON_WORDS))
    {
        return true;
    }
    let closes = i + 1 == tokens.len()
        || tokens[i].ends_with([',', '.', '!', '?', ';', ':', '…', '"', ')', '»', '”'])
        || tokens.get(i + 1).is_some_and(|next| {
            !next.chars().any(char::is_alphanumeric)
                || intent::tokens(next)
                    .first()
                    .is_some_and(|w| intent::laughter(w))
        });
    closes && (i.saturating_sub(2)..i).any(|j| is(j, PREDICATE_WORDS))
}

/// The fewest words (tokens with a letter) of a line in which a rude word may
/// have an ordinary reading.
const ORDINARY_READING_WORDS: usize = 5;

/// Whether a rude word the line writes whole may be an ordinary word in an
/// ordinary sense (`cock pheasant`, `prick out the seedlings`, `le scrotum`,
/// `anus en endeldarm`): written in plain letters (those of the launch
/// languages: ASCII and Latin-1's, and `œ`; not full-width or look-alike ones
/// such as `ı` or `ŧ`), not shouted in capitals, not sworn (the line's only word,
/// its first set off by punctuation, or any with a `!`: `arse, my bet slip…`),
/// no slur nor hate at all (`the nazis were right`), no insult compound, not
/// [`said_of_someone`], in a line of [`ORDINARY_READING_WORDS`] words or more.
/// Only the learned second opinion reading the whole line as clean lets it
/// through (see [`InlineModerator::doubtful_words_only`]).
fn ordinary_reading(tokens: &[&str], i: usize, bare: &str) -> bool {
    let Some(token) = tokens.get(i) else {
        return false;
    };
    let word = token.trim_matches(|c: char| !c.is_alphanumeric());
    let plain = word.chars().all(|c| {
        c.is_ascii_alphabetic()
            || ('\u{c0}'..='\u{ff}').contains(&c) && c.is_alphabetic()
            || matches!(c, 'œ' | 'Œ' | '-' | '\'' | '’')
    });
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let shouted = letters > 1
        && word
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
    let words = tokens
        .iter()
        .filter(|t| t.chars().any(char::is_alphabetic))
        .count();
    let sworn =
        words == 1 || i == 0 && token.ends_with([',', '!', '.', '?']) || token.ends_with('!');
    // The model judges a word by the line around it: a short line is too little
    // to tell a bird from a remark (`nice tits`, `so horny rn`).
    words >= ORDINARY_READING_WORDS
        && plain
        && letters >= 3
        && !shouted
        && !sworn
        // Hate, slurs included (`hosts::slur` is hate too), from the remembered
        // analysis.
        && analyze(bare).isnt(Type::OFFENSIVE & Type::MODERATE_OR_HIGHER)
        && !insult_compound(bare)
        && !said_of_someone(tokens, i)
}

/// What follows a rude word to make an insult of it in English compounds
/// (`fuckface`, `dickhead`, `shitbag`, `cockwomble`).
const INSULT_TAILS: [&str; 21] = [
    "face", "head", "hole", "wad", "bag", "stain", "sucker", "licker", "nugget", "muncher",
    "womble", "wit", "brain", "stick", "weasel", "lord", "weed", "breath", "boy", "waffle",
    "gibbon",
];

/// Whether rustrict's match in `bare` (lower case, letters only) is followed by
/// one of [`INSULT_TAILS`] and nothing else.
fn insult_compound(bare: &str) -> bool {
    let censored = censored(bare);
    let Some(last) = censored.rfind('*') else {
        return false;
    };
    let tail = &censored[last + 1..];
    INSULT_TAILS
        .iter()
        .any(|t| tail == *t || tail.strip_suffix('s') == Some(t))
}

/// Two words of five letters or more: a phrase of real words, not a rude word
/// split in two to hide it (`fu ck`, `bast ards`), which leaves a short part.
fn both_long(a: &str, b: &str) -> bool {
    let letters = |w: &str| w.chars().filter(|c| c.is_alphabetic()).count();
    letters(a) >= 5 && letters(b) >= 5
}

/// Whether rustrict masks every letter of `phrase` but the first.
fn whole_phrase_matched(phrase: &str) -> bool {
    censored(phrase)
        .chars()
        .skip(1)
        .all(|c| c == '*' || c.is_whitespace())
}

/// Whether rustrict's match in a phrase of two words takes in every letter of
/// both but the first (and a plural `s` at the end): a rude word split to hide it
/// is all match (`fu ck` → `f****`, `bast ards` → `********s`), whereas a reading
/// across the end of one real word and the start of the next leaves letters of
/// them (`hab ich` → `hab****`, `de goal` → `d****al`, `bit? can't`).
fn split_wholly_matched(phrase: &str) -> bool {
    let censored: Vec<char> = censored(phrase).chars().collect();
    let last = censored.len().saturating_sub(1);
    censored
        .iter()
        .enumerate()
        .skip(1)
        .all(|(i, c)| !c.is_alphanumeric() || *c == '*' || (i == last && (*c == 's' || *c == 'S')))
}

/// Whether rustrict's match in `a b` takes in the whole of whichever of the two
/// is a word of five letters or more (all of it masked but its first letter): a
/// rude word split to hide it leaves fragments (`motherf ucker`), whereas a
/// match across the end of a real word and a short one (`Utrecht, wat` read as
/// `twat`) takes only the long word's tail.
fn long_words_matched(a: &str, b: &str) -> bool {
    let letters = |w: &str| w.chars().filter(|c| c.is_alphabetic()).count();
    let censored: Vec<char> = censored(&format!("{a} {b}")).chars().collect();
    let a_len = a.chars().count();
    // rustrict drops marks and zero-width characters: when the lengths differ the
    // two words cannot be told apart, and the phrase does not count.
    if censored.len() != a_len + 1 + b.chars().count() {
        return false;
    }
    let (first, second) = (
        censored.get(..a_len).unwrap_or_default(),
        censored.get(a_len + 1..).unwrap_or_default(),
    );
    let wholly = |part: &[char]| part.iter().filter(|c| c.is_alphabetic()).count() <= 1;
    (letters(a) < 5 || wholly(first)) && (letters(b) < 5 || wholly(second))
}

/// The kinds of abuse the stage scores (rustrict's), at any severity.
pub(crate) fn harmful() -> Type {
    Type::PROFANE | Type::OFFENSIVE | Type::SEXUAL | Type::MEAN
}

/// Toxicity 0–1 by rustrict's severity, and the categories found.
fn toxicity(analysis: Type) -> (f32, Vec<&'static str>) {
    let categories: Vec<&'static str> = [
        (Type::PROFANE, "profanity"),
        (Type::OFFENSIVE, "hate"),
        (Type::SEXUAL, "sexual"),
        (Type::MEAN, "harassment"),
    ]
    .into_iter()
    .filter(|(t, _)| analysis.is(*t & Type::MODERATE_OR_HIGHER))
    .map(|(_, name)| name)
    .collect();
    let harmful = harmful();
    let score = if analysis.is(harmful & Type::SEVERE) {
        1.0
    } else if analysis.is(harmful & Type::MODERATE) {
        0.7
    } else if analysis.is(harmful & Type::MILD) {
        0.3
    } else {
        0.0
    };
    (score, categories)
}

/// The learned model clears a line whose only finding is in words the rules are
/// unsure of when each of its heads of abuse is under this (out of fold on the
/// training lines, 0.1 clears 125 of 145 such clean lines and 5 of 124 abusive
/// ones; 0.15 would clear 10 clean lines more and 4 abusive ones).
const CLEAR_BELOW: f32 = 0.1;

/// Texts up to this many characters (words, two-word phrases, letter runs) have
/// their analysis remembered: chat repeats its words, and the analysis of a text
/// never changes.
const CACHED_TEXT_MAX: usize = 48;
/// Entries remembered per thread before the memory is cleared.
const CACHE_ENTRIES: usize = 16_384;

/// A memo of results per short text, per thread.
pub(crate) type Memo<V> = std::cell::RefCell<rustc_hash::FxHashMap<MemoKey, V>>;

/// Bytes of a text a [`MemoKey`] holds in itself.
const SHORT_KEY: usize = 22;

/// A memo's key: the text's bytes, held in the key itself when short (most
/// words), so that a lookup compares them without reading another allocation.
#[derive(Clone)]
pub(crate) enum MemoKey {
    Short { len: u8, bytes: [u8; SHORT_KEY] },
    Long(Box<[u8]>),
}

impl MemoKey {
    fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= SHORT_KEY => {
                let mut short = [0; SHORT_KEY];
                short[..bytes.len()].copy_from_slice(bytes);
                MemoKey::Short { len, bytes: short }
            }
            _ => MemoKey::Long(bytes.into()),
        }
    }
}

impl std::borrow::Borrow<[u8]> for MemoKey {
    fn borrow(&self) -> &[u8] {
        match self {
            MemoKey::Short { len, bytes } => &bytes[..usize::from(*len)],
            MemoKey::Long(bytes) => bytes,
        }
    }
}

// Hashed and compared as the bytes they hold, as a lookup by `&[u8]` is.
impl std::hash::Hash for MemoKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::borrow::Borrow::<[u8]>::borrow(self).hash(state);
    }
}

impl PartialEq for MemoKey {
    fn eq(&self, other: &Self) -> bool {
        std::borrow::Borrow::<[u8]>::borrow(self) == std::borrow::Borrow::<[u8]>::borrow(other)
    }
}

impl Eq for MemoKey {}

thread_local! {
    /// One censor per thread, reset for each text, so its internal sets keep their
    /// capacity instead of growing from nothing every time.
    static CENSOR: std::cell::RefCell<Option<Censor<std::vec::IntoIter<char>>>> =
        const { std::cell::RefCell::new(None) };
    static ANALYSES: Memo<Type> = Memo::default();
    static CENSORED: Memo<Box<str>> = Memo::default();
    static LOCATED: Memo<Box<str>> = Memo::default();
    static HOST_WORDS: Memo<bool> = Memo::default();
    static NAME_LIKE: Memo<bool> = Memo::default();
    static LOCAL_ANYWHERE: Memo<bool> = Memo::default();
}

/// The words of `text` between whitespace, in a vector sized once for the
/// most a line can hold (a word and a space each), not grown word by word.
pub(crate) fn split_words(text: &str) -> Vec<&str> {
    let mut words = Vec::with_capacity(text.len() / 2 + 1);
    words.extend(words_of(text));
    words
}

/// The words of `text` between whitespace, as `str::split_whitespace` finds
/// them: split a byte at a time when the text is ASCII without a vertical tab
/// (the one ASCII whitespace `u8::is_ascii_whitespace` leaves out), which is
/// most chat.
pub(crate) fn words_of(text: &str) -> WordsOf<'_> {
    if text.is_ascii() && !text.as_bytes().contains(&0x0b) {
        WordsOf::Ascii(text.split_ascii_whitespace())
    } else {
        WordsOf::Any(text.split_whitespace())
    }
}

/// The iterator of [`words_of`].
pub(crate) enum WordsOf<'a> {
    Ascii(std::str::SplitAsciiWhitespace<'a>),
    Any(std::str::SplitWhitespace<'a>),
}

impl<'a> Iterator for WordsOf<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            WordsOf::Ascii(words) => words.next(),
            WordsOf::Any(words) => words.next(),
        }
    }
}

/// `compute(text)`, remembered in `memo` when `text` is short
/// ([`CACHED_TEXT_MAX`]); the memo is cleared when full.
pub(crate) fn remembered<V: Clone>(
    memo: &'static std::thread::LocalKey<Memo<V>>,
    text: &str,
    compute: impl FnOnce() -> V,
) -> V {
    if text.len() > CACHED_TEXT_MAX {
        return compute();
    }
    if let Some(found) = memo.with(|cache| cache.borrow().get(text.as_bytes()).cloned()) {
        return found;
    }
    let result = compute();
    memo.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(MemoKey::new(text), result.clone());
    });
    result
}

/// Whether `word` is never read as abuse whatever the tenant allows: a real word
/// or name that only carries a rude word inside it ([`hosts`]), or one letter
/// stretched ([`stretched_letter`]); remembered as [`analyze`] is.
fn host_word(word: &str) -> bool {
    remembered(&HOST_WORDS, word, || {
        hosts::is_host_word(word) || hosts::is_host_compound(word) || stretched_letter(word)
    })
}

/// A line's words, split at whitespace, and which of them are never read as
/// abuse ([`InlineModerator::allowed_at`]), worked out once, when first asked.
struct Words<'a> {
    tokens: Vec<&'a str>,
    allowed: std::cell::OnceCell<Vec<bool>>,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            tokens: split_words(text),
            allowed: std::cell::OnceCell::new(),
        }
    }

    fn allowed(&self, moderator: &InlineModerator) -> &[bool] {
        self.allowed.get_or_init(|| {
            (0..self.tokens.len())
                .map(|i| moderator.allowed_at(&self.tokens, i))
                .collect()
        })
    }
}

/// rustrict's analysis of `text`: the same as `Censor::from_str(text).analyze()`.
fn analyze(text: &str) -> Type {
    remembered(&ANALYSES, text, || {
        let chars: Vec<char> = text.chars().collect();
        CENSOR.with(|slot| match slot.try_borrow_mut() {
            Ok(mut slot) => match slot.as_mut() {
                Some(censor) => {
                    censor.reset(chars.into_iter());
                    censor.analyze()
                }
                None => slot.insert(Censor::new(chars.into_iter())).analyze(),
            },
            // Re-entered (cannot happen today): a fresh censor is always right.
            Err(_) => Censor::from_str(text).analyze(),
        })
    })
}

/// rustrict's censoring of `text` (what it masks, with `*`): the same as
/// `Censor::from_str(text).censor()`, remembered as [`analyze`] is.
fn censored(text: &str) -> String {
    remembered(&CENSORED, text, || Censor::from_str(text).censor().into()).into()
}

/// rustrict's censoring of `text` at the threshold the stage acts on
/// ([`harmful`], moderate or worse), mean words too, which [`censored`] leaves
/// as written: where a match lies in a word (`exploser`, French, to explode,
/// holds `loser`), remembered as [`analyze`] is.
pub(crate) fn located(text: &str) -> String {
    remembered(&LOCATED, text, || {
        let mut censor = Censor::from_str(text);
        censor.with_censor_threshold(harmful() & Type::MODERATE_OR_HIGHER);
        censor.censor().into()
    })
    .into()
}

include!(concat!(env!("OUT_DIR"), "/rustrict_context.rs"));

/// Words either side of a finding that rustrict's reading of it may depend
/// on: one of its false positives or safe phrases, which clears a match it
/// contains, has at most [`FALSE_POSITIVE_WORDS`] words (five in rustrict
/// 0.7.39: `im in restricted chat mode`).
const CONTEXT_WORDS: usize = FALSE_POSITIVE_WORDS.saturating_sub(1);

/// rustrict's reading of the whole of `text` ([`analyze`]; split into `tokens`
/// at whitespace, slices of it), from cheaper parts ([`across::read`]):
/// rustrict reads the words (short and remembered) and the runs of words a
/// match could cross, each a slice of the line as written. When none of them
/// finds anything, neither does the whole line, and its findings are
/// rustrict's counters over the line (spam, self-censoring). Otherwise each
/// finding is read again with [`CONTEXT_WORDS`] words either side (one
/// stretch where they overlap), for a false positive only the line's context
/// shows (`maine coon`, `am gay`): the stretches' findings, their spam and
/// self-censoring aside, and the line's counters are the whole line's. A line
/// with a `*` (whose self-censoring a stretch would count again) is read
/// whole.
fn line_analysis(text: &str, tokens: &[&str]) -> Type {
    let by_parts = || -> Option<Type> {
        let found = |part: &str| analyze(part) & !(Type::SPAM | Type::SAFE) != Type::NONE;
        let reading = across::read(text)?;
        let offset = |t: &str| (t.as_ptr() as usize).checked_sub(text.as_ptr() as usize);
        let slice = |first: usize, last: usize| -> Option<&str> {
            let start = offset(tokens.get(first)?)?;
            let end = offset(tokens.get(last)?)? + tokens.get(last)?.len();
            text.get(start..end)
        };
        // The findings, as the words they run over.
        let mut findings: Vec<(usize, usize)> = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            if found(token) {
                findings.push((i, i));
            }
        }
        for &(first, last) in &reading.spans {
            if found(slice(first, last)?) {
                findings.push((first, last));
            }
        }
        if findings.is_empty() {
            return Some(reading.counters);
        }
        if text.contains('*') {
            return None;
        }
        findings.sort_unstable();
        let mut analysis = reading.counters;
        let mut stretch: Option<(usize, usize)> = None;
        let last_word = tokens.len().checked_sub(1)?;
        for (first, last) in findings {
            let (from, to) = (
                first.saturating_sub(CONTEXT_WORDS),
                (last + CONTEXT_WORDS).min(last_word),
            );
            stretch = match stretch {
                Some((a, b)) if from <= b + 1 => Some((a, b.max(to))),
                Some((a, b)) => {
                    analysis |= analyze(slice(a, b)?) & !(Type::SPAM | Type::SAFE);
                    Some((from, to))
                }
                None => Some((from, to)),
            };
        }
        let (a, b) = stretch?;
        if (a, b) == (0, last_word) && analysis == reading.counters {
            // One stretch, the whole line.
            return None;
        }
        Some(analysis | (analyze(slice(a, b)?) & !(Type::SPAM | Type::SAFE)))
    };
    by_parts().unwrap_or_else(|| analyze(text))
}

/// The inline stage, built once per cold start.
#[derive(Debug, Clone, Default)]
pub struct InlineModerator {
    pub config: ModerationConfig,
}

impl InlineModerator {
    pub fn new(config: ModerationConfig) -> Self {
        Self { config }
    }

    /// Words never read as abuse: the tenant's allowed words, and real words and
    /// names that only carry a rude word inside them ([`hosts`]).
    fn allowed(&self, word: &str) -> bool {
        let listed = if word.is_ascii() {
            // No allocation for most words: the list's entries are lower case.
            let bare = || {
                word.bytes()
                    .filter(u8::is_ascii_alphanumeric)
                    .map(|b| b.to_ascii_lowercase())
            };
            let mut short = [0u8; 32];
            let mut len = 0;
            for b in bare() {
                if let Some(slot) = short.get_mut(len) {
                    *slot = b;
                }
                len += 1;
            }
            match short.get(..len) {
                // Compared as slices: most entries differ in length.
                Some(short) => self
                    .config
                    .allowed_words
                    .iter()
                    .any(|w| w.as_bytes() == short),
                None => self
                    .config
                    .allowed_words
                    .iter()
                    .any(|w| w.bytes().eq(bare())),
            }
        } else {
            let bare: String = word
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase();
            self.config.allowed_words.contains(&bare)
        };
        listed || host_word(word)
    }

    /// The lexicon's swearing in `text`, but the tenant's allowed words.
    fn lexicon_spans(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        let mut spans = lexicon::find(text);
        if !self.config.allowed_words.is_empty() {
            spans.retain(|span| {
                let bare: String = text[span.clone()]
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect::<String>()
                    .to_lowercase();
                !self.config.allowed_words.contains(&bare)
            });
        }
        spans
    }

    /// Whether `tokens[i]` is never read as abuse: an allowed word, one the
    /// line writes as a name ([`named_in_context`]), an everyday word of the
    /// line's language ([`local_everyday`], [`everyday_verb`],
    /// [`everyday_noun`], [`everyday_participle`], [`everyday_cracker`]), a word of a host phrase ([`in_host_phrase`]), or a
    /// French elision ([`french_elision`]).
    fn allowed_at(&self, tokens: &[&str], i: usize) -> bool {
        tokens.get(i).is_some_and(|w| {
            self.allowed(w)
                || named_in_context(tokens, i)
                || short_laughter(w)
                    && (i == 0
                        || !bare_is(tokens, i - 1, ARTICLES)
                            && !bare_is(tokens, i - 1, &KLAN_BEFORE)
                            && (i + 1 == tokens.len() || line_language(tokens) == Some("pt")))
                || local_everyday(tokens, i)
                || everyday_verb(tokens, i)
                || everyday_noun(tokens, i)
                || everyday_participle(tokens, i)
                || everyday_cracker(tokens, i)
                || analyze(w) != Type::NONE && in_host_phrase(tokens, i)
                || analyze(w) != Type::NONE && french_elision(tokens, i)
        })
    }

    /// rustrict reads across word boundaries to catch `f u c k`, which also makes it
    /// see words that are not there ("never a pe…"). A whole-text finding counts only
    /// if a single word, a two-word phrase or a run of single letters carries it;
    /// allowed words are left out.
    fn confirmed_analysis(&self, text: &str) -> Type {
        self.confirmed(text, &Words::new(text))
    }

    /// [`Self::confirmed_analysis`] of `text`, split into `line`.
    fn confirmed(&self, text: &str, line: &Words) -> Type {
        let acted_on = (harmful() | Type::SPAM) & Type::MODERATE_OR_HIGHER;
        let tokens = &line.tokens;
        let whole = line_analysis(text, tokens);
        if whole.isnt(acted_on) {
            return whole;
        }
        let words: Vec<&str> = tokens
            .iter()
            .zip(line.allowed(self))
            .filter(|(_, allowed)| !**allowed)
            .map(|(t, _)| *t)
            .collect();
        let mut confirmed = Type::NONE;
        for (i, word) in words.iter().enumerate() {
            confirmed |= analyze(word);
            if let Some(next) = words.get(i + 1) {
                // Two long words joined count only when rustrict's match is the
                // whole phrase (its own phrases, such as `shoot school`), not a
                // fragment across the space (`bonne décision` read as `boned`).
                let joined = format!("{word} {next}");
                let phrase = analyze(&joined);
                if phrase != Type::NONE
                    && (if both_long(word, next) {
                        whole_phrase_matched(&joined)
                    } else {
                        long_words_matched(word, next) && split_wholly_matched(&joined)
                    })
                {
                    confirmed |= phrase;
                }
            }
        }
        for run in single_letter_runs(&words) {
            confirmed |= analyze(&run);
        }
        confirmed
    }

    /// Whether every word that carries rustrict's finding in `text` is one the
    /// rules are unsure of, and nothing else in the line is abuse without them: a
    /// name of the gazetteer written as a name (`Bitche`), or a word with the rude
    /// part at its start or inside it (`Cockfosters`, `Wankdorf`; not at its end,
    /// as compound insults have it: `Kanalfucker`), written in letters only; never
    /// a slur, severe abuse or a rude word with an insult's ending; or a rude word
    /// written whole that may be an ordinary word ([`ordinary_reading`]: no hate,
    /// though severe sex may be clinical, `scrotum`). The learned second opinion
    /// decides those lines.
    fn doubtful_words_only(&self, line: &Words, analysis: Type) -> bool {
        let acted_on = harmful() & Type::MODERATE_OR_HIGHER;
        let tokens = &line.tokens;
        let allowed = line.allowed(self);
        let mut carried = Type::NONE;
        let mut doubtful_at: Vec<usize> = Vec::new();
        for i in 0..tokens.len() {
            if allowed[i] {
                continue;
            }
            let found = analyze(tokens[i]);
            if found.isnt(acted_on) {
                continue;
            }
            // A word written with digits or signs for letters is dodging a
            // filter (`sh1tt3st`, `m*therfu*ker`), not unsure.
            let word = tokens[i].trim_matches(|c: char| !c.is_alphanumeric());
            let plain = word
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’'));
            if !plain {
                return false;
            }
            let bare: String = word
                .chars()
                .filter(|c| c.is_alphabetic())
                .flat_map(char::to_lowercase)
                .collect();
            // A name rude whole counts only written as a name (`Dick Advocaat`,
            // not `ref is a dick`).
            let written_as_name = word.chars().next().is_some_and(char::is_uppercase)
                && word.chars().skip(1).any(char::is_lowercase);
            let long = bare.chars().count() >= 4;
            let doubtful = long
                && (hosts::is_host_name(&bare) && written_as_name
                    || hosts::embedded_before_a_tail(&bare))
                && !hosts::hateful_or_severe(&bare)
                && !insult_compound(&bare)
                || ordinary_reading(tokens, i, &bare);
            if !doubtful {
                return false;
            }
            carried |= found;
            doubtful_at.push(i);
        }
        if doubtful_at.is_empty() || (analysis & acted_on) != (carried & acted_on) {
            return false;
        }
        // Nothing else in the line is abuse once those words are taken out
        // (`Dick fu ck off`).
        let rest: Vec<&str> = tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| !doubtful_at.contains(i))
            .map(|(_, t)| *t)
            .collect();
        self.confirmed_analysis(&rest.join(" ")).isnt(acted_on)
    }

    /// Whether the learned model reads `text` as clean: every head of abuse under
    /// [`CLEAR_BELOW`], far under its own threshold.
    fn model_clears(&self, text: &str, skip: &[RuleSet]) -> bool {
        // A tenant that runs the model in shadow mode has the rules alone decide.
        if skip.contains(&RuleSet::Learned)
            || self.config.shadow_rule_sets.contains(&RuleSet::Learned)
        {
            return false;
        }
        let Some(model) = learned::model() else {
            return false;
        };
        let opinion = model.opinion(text);
        let worst = model
            .heads
            .iter()
            .zip(&opinion)
            .filter(|(head, _)| head.name != "scam")
            .map(|(_, p)| *p)
            .fold(0.0_f32, f32::max);
        worst < CLEAR_BELOW
    }

    /// `text` with abusive words censored, word by word (allowed words kept); `None`
    /// when no single word or letter run carries the abuse.
    fn censor_words(&self, text: &str) -> Option<String> {
        let mut changed = false;
        let tokens: Vec<&str> = text.split(' ').collect();
        let mut out: Vec<String> = Vec::with_capacity(tokens.len());
        let mut i = 0;
        while i < tokens.len() {
            // A run of single letters (`f u c k`) is judged and masked as one word.
            let run_end = (i..tokens.len())
                .take_while(|&j| tokens[j].chars().count() == 1)
                .last()
                .map_or(i, |j| j + 1);
            if run_end - i >= 3 {
                let joined: String = tokens[i..run_end].concat();
                if analyze(&joined).is(Type::INAPPROPRIATE) {
                    out.extend(tokens[i..run_end].iter().map(|_| "*".to_owned()));
                    changed = true;
                } else {
                    out.extend(tokens[i..run_end].iter().map(|t| (*t).to_owned()));
                }
                i = run_end;
                continue;
            }
            let token = tokens[i];
            if self.allowed_at(&tokens, i) || analyze(token).isnt(Type::INAPPROPRIATE) {
                out.push(token.to_owned());
            } else {
                out.push(censored(token));
                changed = true;
            }
            i += 1;
        }
        changed.then(|| out.join(" "))
    }

    /// The learned model's strongest head over its threshold (unless the rule set
    /// is in shadow mode for this pass): for a sentence head on a line that
    /// speaks to someone, [`learned::ADDRESSED_THRESHOLD`] when that is lower.
    /// `unquoted` is the line as the grammar
    /// read it (personal data masked) with the quotations it reports blanked
    /// ([`intent::mentions_blanked`]), `lower` is `text` in lower case, and
    /// `linked` whether it holds a link, as the stage found them.
    fn second_opinion(
        &self,
        text: &str,
        unquoted: Option<&str>,
        lower: &str,
        linked: bool,
        skip: &[RuleSet],
    ) -> Option<(&'static str, f32)> {
        if skip.contains(&RuleSet::Learned) {
            return None;
        }
        let model = learned::model()?;
        // A head speaks for the rule set of its kind: a tenant that runs toxicity
        // (or spam) in shadow mode is not held by the model's word on it either.
        let mut opinion = model.opinion(text);
        // A quotation the line reports is mentioned, not said, as the grammar
        // reads it: the sentence heads read the line without it.
        if let Some(unquoted) = unquoted {
            let again = model.opinion(unquoted);
            for ((head, p), q) in model.heads.iter().zip(opinion.iter_mut()).zip(again) {
                if learned::SENTENCE_HEADS.contains(&head.name.as_str()) {
                    *p = q;
                }
            }
        }
        for (head, p) in model.heads.iter().zip(opinion.iter_mut()) {
            let set = if head.name == "scam" {
                RuleSet::Spam
            } else {
                RuleSet::Toxicity
            };
            if self.config.shadow_rule_sets.contains(&set)
                || skip.contains(&set)
                || !learned::speaks_on(&head.name, text)
            {
                *p = 0.0;
            }
        }
        // A sentence head counts lower on a line that speaks to someone (looked
        // at only when that could change what the heads say).
        let addressed = model.heads.iter().zip(&opinion).any(|(head, &p)| {
            let lowest = learned::threshold_on(&head.name, f64::from(head.threshold), true);
            f64::from(p) >= lowest && p < head.threshold
        }) && learned::addresses_someone(unquoted.unwrap_or(text));
        let threshold = |head: &learned::Head| {
            learned::threshold_on(&head.name, f64::from(head.threshold), addressed) as f32
        };
        let (mut head, mut p) = model.strongest_at(&opinion, threshold)?;
        // A head not asked about the line, each looked at only when it would
        // speak.
        let silence = |opinion: &mut [f32], name: &str| {
            for (h, q) in model.heads.iter().zip(opinion.iter_mut()) {
                if h.name == name {
                    *q = 0.0;
                }
            }
        };
        // A line that warns of a scam, with no link of its own, is no scam.
        if head.name == "scam" && !linked && scam::warns(lower) {
            silence(&mut opinion, "scam");
            (head, p) = model.strongest_at(&opinion, threshold)?;
        }
        // A line that denies the threat the grammar reads in it (`je te tue
        // pas`, `no te voy a matar`) and states none: the threat head reads
        // the words and not their denial. The grammar reads the line again
        // once, only when a sentence head would speak.
        let denials = std::cell::OnceCell::new();
        let denied = || *denials.get_or_init(|| intent::denials(unquoted.unwrap_or(text)));
        if head.name == "threat" && denied().threat {
            silence(&mut opinion, "threat");
            (head, p) = model.strongest_at(&opinion, threshold)?;
        }
        // So too the harassment head, on a line that is nothing but an insult
        // it denies (`du bist nicht dumm`, `je bent niet dom hoor`).
        if head.name == "harassment" && denied().insult {
            silence(&mut opinion, "harassment");
            (head, p) = model.strongest_at(&opinion, threshold)?;
        }
        let head = learned::HEADS.into_iter().find(|h| *h == head.name)?;
        Some((head, p))
    }

    /// Decides what happens to `text` written by `author`. Rule sets in shadow
    /// mode are evaluated but not enforced: what they would have done is in
    /// [`Verdict::would_have`], and the verdict is what the enforced ones decide.
    pub fn moderate(&self, text: &str, author: &AuthorStanding) -> Verdict {
        let mut skip: Vec<RuleSet> = Vec::new();
        let mut would_have = Vec::new();
        loop {
            let mut verdict = self.evaluate(text, author, &skip);
            match verdict.rule {
                Some(rule)
                    if self.config.shadow_rule_sets.contains(&rule) && !skip.contains(&rule) =>
                {
                    would_have.push(ShadowFinding {
                        rule_set: rule,
                        action: verdict.action,
                        categories: verdict.categories,
                        reason: verdict.reason,
                    });
                    skip.push(rule);
                }
                _ => {
                    verdict.would_have = would_have;
                    return verdict;
                }
            }
        }
    }

    fn evaluate(&self, text: &str, author: &AuthorStanding, skip: &[RuleSet]) -> Verdict {
        let config = &self.config;
        let mut categories: Vec<String> = Vec::new();
        let mut scores = BTreeMap::new();

        let findings = pii::find(text, &config.phone_regions);
        for f in &findings {
            let name = format!("pii.{}", f.kind.as_str());
            if !categories.contains(&name) {
                categories.push(name);
            }
        }
        let masked = pii::mask(text, &findings);

        let privileged = author.role >= Role::Moderator;
        let lower = text.to_lowercase();
        if !privileged && !skip.contains(&RuleSet::Lists) {
            if let Some(word) = config.blocked_words.iter().find(|w| {
                if w.chars().all(char::is_alphanumeric) {
                    lower
                        .split(|c: char| !c.is_alphanumeric())
                        .any(|t| t == w.as_str())
                } else {
                    // A phrase or an entry with punctuation: as written.
                    lower.contains(w.as_str())
                }
            }) {
                categories.push("blocked_word".into());
                return Verdict {
                    action: Action::Block,
                    text: None,
                    stored: String::new(),
                    categories,
                    scores,
                    reason: Some(format!("the word `{word}` is not allowed here")),
                    rule: Some(RuleSet::Lists),
                    would_have: Vec::new(),
                };
            }
            let found = if config.blocked_domains.is_empty() {
                Vec::new()
            } else {
                link_hosts(&lower)
            };
            if let Some(domain) = found.iter().find(|d| {
                config
                    .blocked_domains
                    .iter()
                    .any(|b| **d == b.as_str() || d.ends_with(&format!(".{b}")))
            }) {
                categories.push("blocked_domain".into());
                return Verdict {
                    action: Action::Block,
                    text: None,
                    stored: String::new(),
                    categories,
                    scores,
                    reason: Some(format!("links to {domain} are not allowed here")),
                    rule: Some(RuleSet::Lists),
                    would_have: Vec::new(),
                };
            }
        }

        // Numbers standing alone are not words: rustrict reads digits as letters, which
        // costs it most of its time on scores, prices and times and reads some of them
        // as abuse ("88", "69"). Tenants block coded numbers with `blockedWords`.
        let numberless = without_numbers(&masked);
        let words = Words::new(&numberless);
        let analysis = self.confirmed(&numberless, &words);
        // Swearing in the launch languages rustrict does not read: masked.
        let sworn = self.lexicon_spans(&masked);
        // A quotation the line reports, blanked once for the grammar and the
        // learned model alike.
        let unquoted = intent::mentions_blanked(&masked);
        let intent_found = if privileged {
            None
        } else {
            intent::assess_unquoted(&masked, unquoted.as_deref())
        };
        // A finding carried only by words the rules are unsure of (names, rude
        // parts inside longer words) stands only if the learned model does not
        // read the line as clean.
        let analysis = if !privileged
            && sworn.is_empty()
            && intent_found.is_none()
            && analysis.is(harmful() & Type::MODERATE_OR_HIGHER)
            && self.doubtful_words_only(&words, analysis)
            && self.model_clears(text, skip)
        {
            analysis & !(harmful() & Type::ANY)
        } else {
            analysis
        };
        let (mut tox, mut tox_categories) = toxicity(analysis);
        if !sworn.is_empty() {
            tox = tox.max(0.7);
            if !tox_categories.contains(&"profanity") {
                tox_categories.push("profanity");
            }
        }
        // Threats and harassment without a swear word: held, blocked when severe.
        if let Some(found) = intent_found {
            tox = tox.max(if found.severity >= 3 { 1.0 } else { 0.7 });
            if !tox_categories.contains(&found.kind.as_str()) {
                tox_categories.push(found.kind.as_str());
            }
        }
        let (spam, scam) = spam_score(text, &lower, analysis);
        // Scams without the usual keywords: links by their look, lures together.
        let hosts = link_hosts(&lower);
        let (scam_score, scam_signals) = scam::assess(&lower, &hosts, &config.allowed_domains);
        let scam = scam || scam_score >= 0.5;
        let spam = spam.max(scam_score);
        scores.insert("scam".to_owned(), scam_score);
        scores.insert("toxicity".to_owned(), tox);
        scores.insert("spam".to_owned(), spam);
        if privileged {
            let action = if findings.is_empty() {
                Action::Allow
            } else {
                Action::Mask
            };
            return Verdict {
                action,
                text: Some(masked.clone()),
                stored: masked,
                categories,
                scores,
                reason: None,
                rule: None,
                would_have: Vec::new(),
            };
        }
        categories.extend(tox_categories.iter().map(|c| c.to_string()));
        if spam >= config.spam_threshold * 2.0 / 3.0 {
            categories.push(if scam { "scam".into() } else { "spam".into() });
        }

        // Reputation moves thresholds by up to ±0.1.
        let shift = (author.reputation.clamp(0.0, 1.0) - 0.5) * 0.2;
        let toxicity_threshold = (config.toxicity_threshold + shift).min(1.0);
        let spam_threshold = (config.spam_threshold + shift).min(1.0);

        let censored = if tox >= 0.5 {
            let by_rustrict = self.censor_words(&masked);
            if sworn.is_empty() {
                by_rustrict
            } else {
                // The lexicon's words masked too (found again in rustrict's
                // censored text, whose lengths may differ).
                let base = by_rustrict.unwrap_or_else(|| masked.clone());
                Some(lexicon::mask(&base, &self.lexicon_spans(&base)))
            }
        } else {
            None
        };
        let tox_on = !skip.contains(&RuleSet::Toxicity);
        let spam_on = !skip.contains(&RuleSet::Spam);
        let links_on = !skip.contains(&RuleSet::Links);
        let (action, reason, rule) = if tox_on && tox >= toxicity_threshold {
            (
                Action::Block,
                Some(format!(
                    "the message is abusive ({})",
                    tox_categories.join(", ")
                )),
                Some(RuleSet::Toxicity),
            )
        } else if spam_on && spam >= spam_threshold {
            (Action::Shadow, None, Some(RuleSet::Spam))
        } else if tox_on && tox >= 0.5 && author.reputation < 0.3 {
            (
                Action::Hold,
                Some("held for review".to_owned()),
                Some(RuleSet::Toxicity),
            )
        } else if spam_on && spam >= spam_threshold * 2.0 / 3.0 {
            let reason = if scam_signals.is_empty() {
                "held for review".to_owned()
            } else {
                format!("held for review (scam signs: {})", scam_signals.join(", "))
            };
            (Action::Hold, Some(reason), Some(RuleSet::Spam))
        } else if links_on
            && !author.trusted_links
            && config
                .links_min_reputation
                .is_some_and(|min| author.reputation < min)
            && !link_hosts(&lower).is_empty()
        {
            (
                Action::Hold,
                Some("links from new members are reviewed first".to_owned()),
                Some(RuleSet::Links),
            )
        } else if tox_on
            && tox >= 0.5
            && tox_categories
                .iter()
                .any(|c| matches!(*c, "harassment" | "hate" | "threat"))
        {
            // Swearing may be masked; abuse aimed at people waits for a moderator.
            (
                Action::Hold,
                Some("held for review".to_owned()),
                Some(RuleSet::Toxicity),
            )
        } else if tox_on && tox >= 0.5 && censored.as_deref().is_some_and(|c| c != masked) {
            // Masked only when the mask changes what the room sees.
            (Action::Mask, None, Some(RuleSet::Toxicity))
        } else if tox_on && tox >= 0.5 {
            // Abuse that no single word carries cannot be masked: review it.
            (
                Action::Hold,
                Some("held for review".to_owned()),
                Some(RuleSet::Toxicity),
            )
        } else if !findings.is_empty() {
            (Action::Mask, None, None)
        } else {
            (Action::Allow, None, None)
        };
        // The learned second opinion, on what the rules would deliver as written
        // (or with only personal data masked): held for review when a head is sure.
        let (action, reason, rule) = if action == Action::Allow
            || (action == Action::Mask && rule.is_none())
        {
            match self.second_opinion(text, unquoted.as_deref(), &lower, !hosts.is_empty(), skip) {
                Some((head, p)) => {
                    if !categories.iter().any(|c| c == head) {
                        categories.push(head.to_owned());
                    }
                    scores.insert(format!("learned.{head}"), p);
                    (
                        Action::Hold,
                        Some(format!("held for review (second opinion: {head}, {p:.2})")),
                        Some(RuleSet::Learned),
                    )
                }
                None => (action, reason, rule),
            }
        } else {
            (action, reason, rule)
        };
        let text = match action {
            Action::Allow => Some(text.to_owned()),
            Action::Mask if rule == Some(RuleSet::Toxicity) => censored,
            Action::Mask => Some(masked.clone()),
            Action::Shadow | Action::Hold | Action::Block => None,
        };
        let stored = match (&text, action) {
            (_, Action::Block) => String::new(),
            (Some(shown), _) => shown.clone(),
            (None, _) => masked,
        };
        Verdict {
            action,
            text,
            stored,
            categories,
            scores,
            reason,
            rule,
            would_have: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn occurrences_are_where_the_standard_search_finds_them() {
        for (hay, needle) in [
            ("dm me now, dm me", "dm me"),
            ("aaaa", "aa"),
            ("ünïcödé wörds", "wö"),
            ("é", "\u{301}"),
            ("", "x"),
            ("abc", ""),
            ("lien en bio", "en bio"),
        ] {
            let mine: Vec<usize> = super::occurrences(hay, needle).collect();
            // The standard search's, overlapping: from every start.
            let theirs: Vec<usize> = if needle.is_empty() {
                Vec::new()
            } else {
                (0..hay.len())
                    .filter(|&i| hay.is_char_boundary(i) && hay[i..].starts_with(needle))
                    .collect()
            };
            assert_eq!(mine, theirs, "{needle:?} in {hay:?}");
            assert_eq!(
                super::holds(hay, needle),
                !needle.is_empty() && hay.contains(needle)
            );
        }
    }

    #[test]
    fn words_of_a_text_are_what_split_whitespace_finds() {
        // Every string of up to five characters from an alphabet of ASCII and
        // other whitespace (the vertical tab among them), letters, and
        // controls that are no whitespace.
        let alphabet = [
            'a', ' ', '\t', '\n', '\u{0b}', '\u{0c}', '\r', '\u{a0}', '\u{3000}', 'é', '\u{1c}',
        ];
        let mut text = String::new();
        let mut checked = 0;
        for len in 0..=5u32 {
            for n in 0..alphabet.len().pow(len) {
                text.clear();
                let mut n = n;
                for _ in 0..len {
                    text.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                let ours: Vec<&str> = words_of(&text).collect();
                let std: Vec<&str> = text.split_whitespace().collect();
                assert_eq!(ours, std, "{text:?}");
                checked += 1;
            }
        }
        assert!(checked > 170_000, "{checked}");
    }

    #[test]
    fn phrases_are_found_where_a_search_for_each_finds_them() {
        const LIST: [&str; 8] = ["ab", "a", "", "abc", "bca", "ü", "üb", "dm me"];
        let set = super::Phrases::new(LIST.iter());
        // Every line of up to five characters over a small alphabet, and a few longer.
        let alphabet = ['a', 'b', 'c', 'ü', ' '];
        let mut hays: Vec<String> = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = hays
                .iter()
                .filter(|h| h.chars().count() == hays.last().map_or(0, |l| l.chars().count()))
                .flat_map(|h| alphabet.iter().map(move |c| format!("{h}{c}")))
                .collect();
            hays.extend(longer);
        }
        hays.push("dm me now, dm me".into());
        for hay in &hays {
            let mut mine = Vec::new();
            set.any(hay, |k, _, at| {
                mine.push((at, k));
                false
            });
            let mut theirs: Vec<(usize, usize)> = LIST
                .iter()
                .enumerate()
                .flat_map(|(k, p)| super::occurrences(hay, p).map(move |at| (at, k)))
                .collect();
            theirs.sort_unstable();
            assert_eq!(mine, theirs, "in {hay:?}");
        }
        // The stage's own sets fit.
        assert!(super::LURES.len() + super::BAIT.len() <= 64);
    }

    use super::*;

    /// Where the parts and the whole line part ways: any finding (its `SAFE`
    /// mark aside, which the stage never reads).
    fn parts_differ(text: &str) -> Option<String> {
        // The runs of words read word by word are the ones read character by
        // character.
        let sorted = |mut spans: Vec<(usize, usize)>| {
            spans.sort_unstable();
            spans
        };
        let by_word = across::read(text).map(|r| sorted(r.spans));
        let by_character = across::spans_by_character(text).map(sorted);
        if by_word != by_character {
            return Some(format!(
                "{text:?}: {by_word:?} by word, {by_character:?} by character"
            ));
        }
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let parts = line_analysis(text, &tokens) & !Type::SAFE;
        let whole = analyze(text) & !Type::SAFE;
        (parts != whole).then(|| format!("{text:?}: whole {whole:?}, parts {parts:?}"))
    }

    #[test]
    fn a_finding_is_read_in_its_context_as_in_the_whole_line() {
        for text in [
            // A false positive of two words around the finding (`maine coon`,
            // `am gay`), far from the line's ends.
            "we went to the cat show and my big maine coon won first prize in the long hair class",
            "honestly the new signing said i am gay and proud in the interview and the fans loved it",
            // Two findings far apart: two stretches.
            "what a shit start from the lads today but the second half was fine and then total crap again",
            // Rude words across words, among ordinary ones.
            "the ref is a f u c k i n g joke and everyone in the ground could see it from the stands",
        ] {
            assert_eq!(parts_differ(text), None);
        }
    }

    /// The lines of the development side of the corpus (the test half is
    /// never read here).
    fn development_lines() -> Vec<String> {
        let root = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../functions/moderation/corpus"
        );
        let mut files: Vec<std::path::PathBuf> = ["train", "eval/dev"]
            .iter()
            .flat_map(|dir| std::fs::read_dir(format!("{root}/{dir}")).expect("corpus folder"))
            .map(|entry| entry.expect("corpus entry").path())
            .collect();
        files.push(format!("{root}/labelled.jsonl").into());
        let mut lines = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("corpus file");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let value: serde_json::Value = serde_json::from_str(line).expect("corpus line");
                lines.push(value["text"].as_str().expect("text").to_owned());
            }
        }
        lines
    }

    #[test]
    fn the_parts_find_what_the_whole_line_finds_in_long_lines_of_corpus_words() {
        // Lines of 8 to 31 words, made of runs of one to five words in a row
        // of the corpus (its phrases stay together), from a fixed seed. (A
        // one-off run of 300,000 such lines, a third with findings, found no
        // difference.)
        let lines = development_lines();
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert!(words.len() > 100_000, "the corpus is read");
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut random = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as usize
        };
        let (mut with_findings, mut differ) = (0, Vec::new());
        for _ in 0..3_000 {
            let len = 8 + random() % 24;
            let mut text = String::new();
            let mut count = 0;
            while count < len {
                let at = random() % words.len();
                for word in words.iter().skip(at).take(1 + random() % 5) {
                    text.push_str(word);
                    text.push(' ');
                    count += 1;
                }
            }
            with_findings += usize::from(analyze(&text) & !(Type::SPAM | Type::SAFE) != Type::NONE);
            differ.extend(parts_differ(&text));
        }
        assert!(with_findings > 500, "{with_findings} lines with findings");
        assert!(
            differ.is_empty(),
            "{} lines differ: {:#?}",
            differ.len(),
            differ
        );
    }

    #[test]
    fn the_parts_find_what_the_whole_line_finds_in_the_corpus() {
        let (mut lines, mut followed, mut differ) = (0, 0, Vec::new());
        for text in development_lines() {
            lines += 1;
            followed += usize::from(across::read(&text).is_some());
            differ.extend(parts_differ(&text));
        }
        assert!(lines > 15_000, "the corpus is read ({lines} lines)");
        assert!(
            followed * 10 > lines * 8,
            "{followed} of {lines} lines followed"
        );
        assert!(
            differ.is_empty(),
            "{} lines differ: {:#?}",
            differ.len(),
            differ
        );
    }

    mod parts {
        use proptest::prelude::*;

        proptest! {
            /// Lines of rude fragments, split words, evasions, stars, false
            /// positives of two words and ordinary words, apart by spaces,
            /// tabs and line breaks: the parts find what the whole line finds.
            #[test]
            fn the_parts_find_what_the_whole_line_finds(
                words in prop::collection::vec((prop_oneof![
                    3 => prop::sample::select(vec![
                        "fu", "ck", "f", "u", "c", "k", "sh", "it", "wan", "ker", "a", "ss",
                        "hole", "bit", "ch", "n1gg", "$h1t", "@ss", "c0ck", "SHIT", "f*ck",
                        "***", "the", "ref", "is", "what", "goal", "cocktail", "Scunthorpe",
                        "bell", "end", "...", "!!!", "GOAL", "mother", "pen", "island", "cum",
                        "laude", "tit", "le", "café", "olé", "puta", "merde", "kut",
                        "am", "gay", "virgin", "islands", "trans", "fat", "kiss", "of",
                        "death", "maine", "coon", "S******", "m*****", "x*y*z*w", "g", "ag",
                        "aga", "y", "damn", "hell", "(.)(.)", "lol",
                    ]).prop_map(String::from),
                    1 => "[a-zA-Z0-9*@$!. ]{1,6}",
                ], prop::sample::select(vec![" ", " ", " ", "  ", "\t", "\n"])), 0..24),
            ) {
                let mut text = String::new();
                for (word, gap) in &words {
                    text.push_str(word);
                    text.push_str(gap);
                }
                prop_assert_eq!(super::parts_differ(&text), None);
            }
        }
    }

    fn check(text: &str) -> Verdict {
        InlineModerator::default().moderate(text, &AuthorStanding::default())
    }

    /// Asserts that every one of `texts` is delivered as written.
    fn all_allowed(texts: &[&str]) {
        for text in texts {
            assert_eq!(
                check(text).action,
                Action::Allow,
                "{text}: {:?}",
                check(text)
            );
        }
    }

    #[test]
    fn clean_chat_passes_untouched() {
        for text in [
            "What a goal! 2-1 at half time",
            "kick-off at 19:45, tickets were $12.99",
            "Scunthorpe United away this weekend",
            "the assassin's creed trailer drops at 9",
            "anyone fancy a cocktail after the match?",
            "GOAL",
            "I've supported them since 2004",
        ] {
            let v = check(text);
            assert_eq!(v.action, Action::Allow, "{text}: {v:?}");
            assert_eq!(v.text.as_deref(), Some(text));
        }
    }

    #[test]
    fn swearing_in_the_other_launch_languages_is_masked() {
        for (text, shown) in [
            ("que merda de passe foi esse", "que m**** de passe foi esse"),
            ("Schiri = W1chs3r 🤡", "Schiri = W****** 🤡"),
            ("k.u.t. VAR weer", "k****. VAR weer"),
            ("árbitro hijo de puta, roja", "árbitro h*** d* p***, roja"),
            // Spelt out letter by letter: only the first letter is left.
            ("fils de p u t e", "fils de p * * *"),
            ("k u t scheids, fluit eens", "k * * scheids, fluit eens"),
        ] {
            let v = check(text);
            assert_eq!(v.action, Action::Mask, "{text}: {v:?}");
            assert_eq!(v.text.as_deref(), Some(shown), "{text}");
            assert!(v.categories.contains(&"profanity".to_owned()), "{v:?}");
        }
        for text in ["que passe bonito", "die Kutsche kommt", "hijo de Carlos"] {
            assert_eq!(check(text).action, Action::Allow, "{text}");
        }
    }

    #[test]
    fn a_reading_across_two_real_words_is_no_abuse_but_a_split_word_is() {
        for text in [
            "Mahlzeit, hab ich den Anpfiff verpasst?",
            "voordat ik de goal zag",
            "stream hapert weer, zit vast op 480p",
            "can you turn the music down a bit? can't hear commentary",
            "passe le 2e match ? 21h ou 21h15 ?",
        ] {
            let v = check(text);
            assert_eq!(v.action, Action::Allow, "{text}: {v:?}");
        }
        for text in ["fu ck you", "what a bi tch", "you ar sehole", "bast ards"] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
    }

    #[test]
    fn everyday_words_of_the_line_language_are_no_english_abuse() {
        for text in [
            "hoe laat begint het?",
            "dat is een dikke kans, echt",
            "hoe is dat geen rood",
            // A word of three letters, too short to be a host word.
            "ik hou van deze club, wat een wedstrijd",
            // A French delay, after a word of French.
            "le train a du retard, je vais louper le début",
            "désolé pour le retard les gars, le stream reprend",
            "le Lyria vient de passer, 10 min de retard comme d’hab",
            "je suis encore en retard, je rejoins le live dans deux minutes",
            // A frame of French alone, in a line of a single French marker.
            "coup d'envoi à 21h pile, soyez pas en retard",
            "il a 10 minutes de retard",
            // Delayed: what runs late, by how long, or why.
            "vol AF 1680 retardé, je regarde le match à la porte d'embarquement",
            "le match a encore été retardé, la pelouse est gelée",
            "vol retardé de deux heures",
            "notre avion est retardé d'une heure",
            "le concert est retardé à 22h30",
            "le GP est retardé par la pluie, drapeau rouge",
            "coup d'envoi retardé à cause de l'orage",
            "le vol est retardé de 20 minutes",
            // A cracker of a game, and crackers to eat.
            "what a cracker of a game at Anfield tonight",
            "a cracker of an innings from Root",
            "cheese and crackers at half time",
            "christmas crackers on the table for the big match",
            "u kunt uw vragen stellen via de chat, ze worden beantwoord",
            // A verb rustrict reads as severe, with its subject.
            "je kunt vanaf de brug precies de finish zien, top plek",
            "gij kunt da, zet door!",
            // Markers of the common words of each language, not only its articles.
            "bierfalle killt echt jede nacktschnecke, 40 stück heut morgen",
            "minhas couves tão cheias de lagarta, alguém tem dica natural?",
            // Words German and Dutch share mark neither.
            "hoe kan die club leider blijven? werden gewoon weggespeeld",
            // One marker, and no other language's.
            "judd trump killt heute alles, 3 centuries in 4 frames",
            // A Spanish verb's regular form, which Debian's list heads as `cumplir`.
            "hoy cumple 30 años",
            "mañana cumple años mi hermana",
            // A French elision is two words (`d'ici` is no `dick`).
            "c'est loin d'ici, je suis les Ducs d'Angers",
        ] {
            let v = check(text);
            assert_eq!(v.action, Action::Allow, "{text}: {v:?}");
        }
        // The same words in an English line, or with no language to go by.
        for text in [
            "you are a dirty hoe",
            "you are a dirty hou",
            "t'es un retard",
            "le retard face lol what a noob",
            "regardez le retard du chat",
            "bande de retards, allez jouer ailleurs",
            "du retard",
            "pedazo de retard",
            "t'es trop retard",
            "votez pas pour ce retard",
            "mon retard préféré est de retour",
            "t'as du retard mental mon pauvre",
            "il a un QI en retard ce trader",
            // Delayed said of someone.
            "t'es retardé ou quoi",
            "t'es un retardé par nature",
            "t'es retardé à 24h/24 frère",
            "t'es retardé de deux générations",
            "t'es retardé à cause de ta mère",
            "gg le match, TG retardé",
            "ce mec du live est retardé sérieux",
            "le match est retardé comme toi",
            "quelle sortie de retardé du gardien",
            "il est retardé de 2 minutes de cerveau",
            // The slur aimed at someone, whatever the frame.
            "you dumb cracker",
            "that cracker ref robbed us of the game",
            "what a cracker of a person, ban him",
            "merry christmas cracker, go back to the trailer",
            "christmas cracker ref lmao",
            "the cream cracker of a striker cannot finish lol",
            "crackers and cheese, that's all those people eat",
            "u kunt",
            "shut up u kunt",
            "wat kunt u r",
            "omg wat a kunt u r",
            "hoe",
            "dirty hoe",
            "op is a dirty hoe",
            "wat a homo",
            "y u such a bicho",
            "s'hit you",
            "d'enculé",
            // Elisions that are rude words split, or a rude word elided, in
            // French lines.
            "c'est un d'enculé, toi",
            "ta mère est une c'unt",
            "c'est de la s'hit",
            "montre tes t'its",
            "mais quelle espèce d'imbécile ce joueur",
            "come on c'unt",
        ] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
    }

    #[test]
    fn a_line_s_language_needs_more_markers_than_any_other() {
        assert_eq!(line_language(&["j’ai", "pas", "vu"]), Some("fr"));
        assert_eq!(line_language(&["j'ai", "pas", "vu"]), Some("fr"));
        // Two Dutch, two German: neither.
        assert_eq!(line_language(&["hoe", "kan", "die", "der"]), None);
        // One marker is not enough, and English wins over all.
        assert_eq!(line_language(&["jede", "nacktschnecke"]), None);
        assert_eq!(line_language(&["the", "jede", "heut", "morgen"]), None);
    }

    #[test]
    fn laughter_is_no_klan() {
        for text in [
            "ez demais kkk",
            "perdeu o pênalti kkkkkk",
            "KKKKKK que isso",
            "o leiloeiro fala rápido demais kkk não entendi nada",
            // `ta` is Brazilian `tá` without its accent, no French marker.
            "o jogo ta muito bom kkk ta demais",
        ] {
            let v = check(text);
            assert_eq!(v.action, Action::Allow, "{text}: {v:?}");
        }
        assert_ne!(check("join the KKK").action, Action::Allow);
        assert_ne!(check("the kkk is back in town").action, Action::Allow);
        assert_ne!(check("no al kkk en el barrio").action, Action::Allow);
        assert_ne!(check("the kkk, back in town").action, Action::Allow);
        assert_ne!(check("o kkk, grupo racista").action, Action::Allow);
        for text in [
            "sou fã da kkk, odeio negros",
            "sou kkk, com orgulho",
            "tudo pela kkk, sempre",
            "apoyo al kkk",
            "entra pra kkk, irmão",
            "apoio total à kkk, limpeza já",
            "membro da kkk com orgulho",
            "a kkk voltou e vai limpar tudo",
        ] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
    }

    #[test]
    fn names_with_a_rude_word_inside_pass_where_the_line_writes_them_as_names() {
        for text in [
            "Danny Shittu at the back for QPR was an absolute unit",
            "Luca Kilian mit dem Kopfball geklärt",
            "Paul Dickov scoring against Gillingham in '99",
            "Dick van Burik war so ein solider Verteidiger",
            "getting the Piccadilly line back to Cockfosters after the game",
            "YB spielt heute im Wankdorf, die Stimmung wird brutal",
            "ik woon praktisch aan het Rapenburg",
            "mon oncle suit le stream depuis condom dans le gers",
            // A family name of the name tables (`names-dataset`), not of Faker's.
            "Stefan Kuntz hat mit der U21 damals echt was aufgebaut",
            // Names that begin with a slur and go on with a tail of their own.
            "Fagner subindo pela direita de novo, o cara não cansa",
            "Coonan to Cooney, goal",
            "Coonabarabran in NSW has the darkest skies",
            "Negernbötel bei Bad Segeberg zeigt das Spiel",
        ] {
            let v = check(text);
            assert_eq!(v.action, Action::Allow, "{text}: {v:?}");
            assert_eq!(v.text.as_deref(), Some(text));
        }
        // The same words, not written as names, are still read.
        for text in [
            "shut up you dickhead",
            "YOU ARE A DICKHEAD",
            "Dickhead",
            "go back to dick",
            "Shittu is what you are",
            "Heil Hitler",
            "Stupid Faggot",
            "Cheers Fuckface",
            "Hello Dickhead",
            "you belong in the kkk now",
            "you fagot",
            "you Coon-ey",
            "you're a total coonan",
            "dirty chinkuli eat your dog",
            "Niger go home",
            "coons everywhere",
            "shut up you kunt",
            "Hey Wanker",
        ] {
            let v = check(text);
            assert_ne!(v.action, Action::Allow, "{text}: {v:?}");
        }
    }

    #[test]
    fn links_are_found_however_they_are_written() {
        assert_eq!(
            link_hosts("see (https://u@bad.example/x), www.spam.example and evil.example/win"),
            vec!["bad.example", "spam.example", "evil.example"]
        );
        assert_eq!(
            link_hosts("go to shop.com! or http://1.2.3.4/x"),
            vec!["shop.com"]
        );
        assert!(link_hosts("e.g. ada@example.com scored 1.0850 lol.jk").is_empty());
        let moderator = InlineModerator::new(ModerationConfig {
            blocked_domains: vec!["bad.example".into()],
            blocked_words: vec!["final score".into()],
            ..ModerationConfig::default()
        });
        let standing = AuthorStanding::default();
        for text in [
            "click (https://u@bad.example/prize)",
            "bad.example/prize now",
            "what was the FINAL SCORE?",
        ] {
            assert_eq!(
                moderator.moderate(text, &standing).action,
                Action::Block,
                "{text}"
            );
        }
    }

    #[test]
    fn numbers_standing_alone_are_not_read_as_words() {
        assert_eq!(without_numbers("c.0.c.k and 5h1t"), "c.0.c.k and 5h1t");
        assert_eq!(
            without_numbers("2-1 at 19:45, $12.99"),
            " -  at      , $     "
        );
        assert_eq!(without_numbers("sh1t b00bs 88th"), "sh1t b00bs 88th");
        assert_eq!(without_numbers("no digits"), "no digits");
        // Four digits in a row are a code's, not letters in disguise.
        assert_eq!(without_numbers("NL837261945BR"), "NL         BR");
        assert_eq!(without_numbers("n1663r"), "n1663r");
        let v = check("código de rastreio NL837261945BR e nada de chegar");
        assert_eq!(v.action, Action::Allow, "{v:?}");
        assert_eq!(without_numbers("in the 88 minute"), "in the    minute");
        let v = check("what a finish in the 88 minute, 69 points now");
        assert_eq!(v.action, Action::Allow, "{v:?}");
    }

    #[test]
    fn personal_data_is_masked() {
        let v = check("text me at +44 20 7946 0958 or ada@example.com");
        assert_eq!(v.action, Action::Mask);
        assert_eq!(v.text.as_deref(), Some("text me at [phone] or [email]"));
        assert!(v.categories.contains(&"pii.phone".to_owned()));
    }

    #[test]
    fn obfuscated_abuse_is_not_delivered_as_is() {
        for text in [
            "you are a f u c k i n g idiot",
            "sh1t ref",
            "what a fucking cunt",
        ] {
            let v = check(text);
            assert_ne!(v.text.as_deref(), Some(text), "{text}: {v:?}");
        }
    }

    #[test]
    fn a_rude_word_split_in_two_is_found_but_not_one_across_real_words() {
        // The rules alone: the learned second opinion only watches.
        let rules = InlineModerator::new(ModerationConfig {
            shadow_rule_sets: vec![RuleSet::Learned],
            ..ModerationConfig::default()
        });
        let standing = AuthorStanding::default();
        for text in ["motherf ucker ref", "what a fu cking mess", "sh it ref"] {
            let v = rules.moderate(text, &standing);
            assert_ne!(v.text.as_deref(), Some(text), "{text}: {v:?}");
        }
        for text in [
            "ik kijk vanuit Utrecht, wat een wedstrijd",
            "gisteravond wat gegeten in Maastricht, wat een stad",
        ] {
            let v = rules.moderate(text, &standing);
            assert_eq!(v.action, Action::Allow, "{text}: {v:?}");
        }
    }

    #[test]
    fn a_warning_of_a_scam_is_no_scam() {
        for text in [
            "don't click any links in chat promising free skins, it's a scam every single time",
            "no hagáis clic en links que regalan skins gratis, es estafa",
            "klik niet op links met gratis skins, dat is oplichting",
            "não cliquem em link prometendo skin grátis, é golpe",
            "otra vez el bot del \"iPhone gratis\", reportad y no hagáis caso",
            "le bot \"iPhone gratuit\" est de retour, signalez et ignorez",
            "pas op allemaal, @gratis_btc_winactie is nep, rapporteer die bot en klik niet op de link",
        ] {
            let v = check(text);
            assert_eq!(v.action, Action::Allow, "{text}: {v:?}");
        }
        for text in [
            "lost crypto to a scam? we recover it, telegram @RecoverFundsPro",
            "not a scam!! free skins at bit.ly/skinz, dm me",
            "c'est pas du tout une arnaque, skins gratuits sur skinzdrop.xyz",
            "scammers hate this: free robux at robux-gift.xyz",
            "avoid phishing! verify your account now at steam-verify.xyz",
            "report the fake bots, the real giveaway is at bit.ly/realdrop, claim now",
            "meldet euch bei mir für gratis Skins, nur heute, schreibt mir auf Telegram",
        ] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
    }

    #[test]
    fn a_quotation_the_line_reports_is_no_abuse_of_the_writer() {
        // Reported to be condemned: neither the grammar nor the learned
        // model's sentence heads read the quotation as said.
        for text in [
            "the guy who yelled 'go back to your country' at the winger got banned for life",
            "alguien escribio 'payaso inutil' al portero antes, que feo, el chaval tiene 19 años",
            "alguém chamou o goleiro de 'palhaço inútil' mais cedo, que feio",
        ] {
            let v = check(text);
            assert_eq!(v.action, Action::Allow, "{text}: {v:?}");
        }
        // Said, or a room set on someone: not delivered.
        for text in [
            "'go back to your country'",
            "payaso inutil, nadie te quiere aca",
            "everyone write 'go back to your country' under his post",
        ] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
    }

    #[test]
    fn one_lure_word_alone_holds_nothing() {
        // A contact app or a prize named in passing: talk, not a lure.
        for text in [
            "dm me when the second half starts, I'm cooking",
            "she blocked me on whatsapp for spoiling the final 😂",
            "add me on steam after the match, same name",
            "hit me up on discord after the match, same name",
        ] {
            let v = check(text);
            assert_eq!(v.action, Action::Allow, "{text}: {v:?}");
            let spam = v.scores.get("spam").copied().unwrap_or_default();
            assert!(spam > 0.0 && spam < 0.5, "{text}: spam {spam}");
        }
        // The same words with a way to reach the writer, or with bait, still
        // hold at least (as they did before lone words stopped holding).
        for text in [
            "dm me on telegram @vip_tips_daily for the fixed matches",
            "whatsapp me 06 48 21 93 70 for the betting group",
            "tips every day, join t.me/vipwinners",
            "giveaway for my followers, dm me to enter",
        ] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
    }

    #[test]
    fn scams_are_shadowed() {
        let v = check("FREE BTC giveaway!!! dm me on telegram to claim your prize");
        assert_eq!(v.action, Action::Shadow, "{v:?}");
        assert!(v.categories.contains(&"scam".to_owned()));
        assert_eq!(v.text, None);
    }

    #[test]
    fn a_shouted_chant_is_not_spam_but_a_flood_still_is() {
        // Capitals are counted once, not again through rustrict's own count.
        all_allowed(&[
            "VAMOOOO FLAMENGOOOO 🔴⚫🔴⚫",
            "ALLEZ LES BLEUUUUS ON Y CROIT",
            // A letter stretched inside a word is a cry, not a flood.
            "GOOOOOOOOOOOOOOOOOL DO MENGÃO",
            "NOOOOOOOOOOOOOOOOO not again",
        ]);
        for flood in [
            "BUY BUY BUY BUY BUY BUY BUY BUY BUY BUY!!!!!!!!!!!!",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "BUY NOWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
        ] {
            let v = check(flood);
            assert_ne!(v.action, Action::Allow, "{v:?}");
            assert!(v.categories.contains(&"spam".to_owned()), "{v:?}");
        }
    }

    #[test]
    fn place_names_and_word_boundaries_are_not_abuse() {
        all_allowed(&[
            "that was never a penalty",
            "Middlesex need 45 from 30 balls",
            "heading to Cockermouth for the away game",
        ]);
        // A mean word inside a real one, which rustrict reads but does not mask
        // (`loser` in French `exploser`, `imploser`); the mean word alone is read.
        all_allowed(&[
            "il va exploser le chrono sur ce contre-la-montre",
            "la bulle va imploser, je vends tout",
        ]);
        assert_ne!(check("loser").action, Action::Allow);
        // Compounds of a host word, as German and Dutch write them.
        all_allowed(&[
            "wegen Kanalarbeiten ist die Zufahrt zum Stadion dicht",
            "Dickdarmspiegelung morgen früh, deswegen heut nur Tee",
            "der Hauptkanal ist gesperrt",
            // A slur read across the parts of a compound.
            "die Königsklasse ist zurück, Keymer greift am Königsflügel an",
        ]);
        // WordNet's names of animals, foods and plants, and its adverbs, written
        // in full; the rude word alone is still read.
        all_allowed(&[
            "blue tits nesting in the box outside my window",
            "spotted dick and custard in the press room",
            "ze is cum laude afgestudeerd, knap hoor",
        ]);
        for text in [
            "nice tits",
            "what a dick, spotted him cheating",
            "tits, blue ones",
        ] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
        // Names the words around them write as places or persons.
        all_allowed(&[
            "Titz in NRW has a u19 side playing tomorrow",
            "Titting im Altmühltal, falls jemand fragt",
            "Twatt fica nas Orkney, meu amigo jura que é real",
        ]);
        // Lower case, or an insult made of a rude word, is no name there.
        for text in [
            "shit in London",
            "the town of Dickhead",
            "miss shitface",
            "Mr Dickweed again",
            "qué tal, Bastardo",
        ] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
        // Rude words beside a host word are no compound of it.
        for text in ["scunthorpecunt", "Kanalfucker", "cockpitbitches everywhere"] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
        let v = check("Middlesex fans are fucking great");
        assert_eq!(v.action, Action::Mask, "{v:?}");
        let shown = v.text.unwrap_or_default();
        assert!(shown.starts_with("Middlesex fans are "), "{shown}");
        assert!(!shown.contains("fucking"), "{shown}");
    }

    #[test]
    fn repeat_offenders_get_tighter_thresholds() {
        use sideline_domain::moderation::reputation;
        let moderator = InlineModerator::default();
        let swearing = "this ref is shit";
        let fresh = moderator.moderate(
            swearing,
            &AuthorStanding {
                role: Role::Member,
                reputation: reputation(sideline_domain::scoring::Tier::None, 0),
                trusted_links: false,
            },
        );
        assert_eq!(fresh.action, Action::Mask, "{fresh:?}");
        let repeat = moderator.moderate(
            swearing,
            &AuthorStanding {
                role: Role::Member,
                reputation: reputation(sideline_domain::scoring::Tier::None, 3),
                trusted_links: false,
            },
        );
        assert_eq!(repeat.action, Action::Hold, "{repeat:?}");
    }

    #[test]
    fn the_learned_second_opinion_clears_names_and_words_the_rules_are_unsure_of() {
        // Names and words with a rude part inside, which no list holds.
        all_allowed(&[
            "Bitche contre Sarreguemines ce soir, qui vient ?",
            "picked up a new glove at Dick's Sporting Goods",
            "the cumbia they played at half time was a banger",
            "cumbria looks lovely in the snow today",
        ]);
        // Not dodged words, compound insults, or a rude word beside them.
        for text in [
            "the ref is a dick",
            "Dick fu ck off",
            "Bitche is a c0cksucker",
            "Kanalfucker",
            "what a dickweed",
            "cumbria is full of dickheads",
        ] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
        // With the model in shadow mode the rules alone decide.
        assert_rules_alone_alter("cumbria looks lovely in the snow today");
    }

    /// With the learned model in shadow mode, the rules alone alter `text`.
    fn assert_rules_alone_alter(text: &str) {
        let shadowed = InlineModerator::new(ModerationConfig {
            shadow_rule_sets: vec![RuleSet::Learned],
            ..ModerationConfig::default()
        })
        .moderate(text, &AuthorStanding::default());
        assert_ne!(shadowed.action, Action::Allow, "{shadowed:?}");
    }

    #[test]
    fn a_rude_word_with_an_ordinary_sense_passes_where_the_model_reads_the_line_as_clean() {
        all_allowed(&[
            "cock pheasant strutting across the stubble, proper king of the field",
            "the nude marble in hall 4 is a Roman copy of a Greek original",
            "anal fissures: conservative management first, fibre plus topical GTN",
            "de penis en de prostaat, urologie hoofdstuk 4",
        ]);
        for text in [
            // Too short a line to read the word by, sworn as an exclamation,
            // full-width letters, shouted, or the model's reading.
            "nice tits",
            "arse, my bet slip just went in the bin",
            "ｔｉｔｓ out for the lads tonight",
            "GET YOUR TITS OUT FOR THE LADS",
            "he is such a prick to everyone here",
            "what a bitch that commentator is",
            // Said of someone, whatever the model reads.
            "you stupid prick, get off the pitch and go home",
            "what a cock, spotted him diving again in the box",
            // Of someone in the same clause, hate, look-alike letters, emoji
            // as words.
            "i want to grab her tits so badly",
            "smack that ass and call her daddy",
            "my penis is ready for her right now",
            "her sister is a hooker in amsterdam lol",
            "the nazis were right about everything honestly lads",
            "les nazis avaient raison sur tout franchement",
            "t’es vraiment un nazi sans aucun doute",
            "grab her tıts so badly tonight lads",
            "nice tits 😍😍😍 wow wow",
            "tits out for the lads tonight boys",
        ] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
        assert_rules_alone_alter("the nude marble in hall 4 is a Roman copy of a Greek original");
    }

    #[test]
    fn the_lexicon_reads_the_insults_of_its_lists_but_not_their_everyday_words() {
        // Entries of `cuss` the development side confirms, read by the rules alone.
        for text in [
            "sai daqui seu viado",
            "eres un pelotudo, no sabes ni jugar",
            "ferme ta gueule avec tes pronos",
        ] {
            assert_rules_alone_alter(text);
        }
        // Words it rates rude that are everyday words of their language's list.
        all_allowed(&[
            "echa un chorro de leche a la masa y remueve",
            "o bebê acordou pra mamar bem na hora do pênalti",
        ]);
    }

    /// Asserts that the shipped model's head `name`, alone, would hold `text`.
    fn head_would_hold(name: &str, text: &str) {
        let model = learned::model().expect("the shipped model");
        let (head, p) = model
            .heads
            .iter()
            .zip(model.opinion(text))
            .find(|(h, _)| h.name == name)
            .expect("the head");
        assert!(p >= head.threshold, "{name} on {text}: {p}");
    }

    #[test]
    fn the_threat_head_is_not_asked_about_a_threat_the_line_denies() {
        // The head reads the words, not their denial: alone, it would hold these.
        let denied = [
            "i won't kill you lol",
            "ik ga je niet vermoorden",
            "não vou te matar calma",
            "je vais pas te tuer t'inquiète",
        ];
        for text in denied {
            head_would_hold("threat", text);
        }
        all_allowed(&denied);
        // Not when the line says more: the threat put off, another beside it.
        for text in [
            "i won't kill you yet",
            "i won't kill you, i'll make you suffer",
            "je vais pas te lâcher, je vais te tuer",
        ] {
            assert_ne!(check(text).action, Action::Allow, "{text}");
        }
    }

    #[test]
    fn the_harassment_head_is_not_asked_about_an_insult_the_line_denies() {
        // Alone, the head would hold it: it reads `dumm`, not `nicht`.
        let text = "du bist nicht dumm";
        head_would_hold("harassment", text);
        all_allowed(&[text, "je bent niet dom hoor"]);
        // Not when the line says more.
        assert_ne!(
            check("du bist nicht dumm, du bist einfach nur hässlich").action,
            Action::Allow
        );
    }

    #[test]
    fn a_sentence_head_counts_lower_on_a_line_that_speaks_to_someone() {
        let model = learned::model().expect("the shipped model");
        let threat = model
            .heads
            .iter()
            .find(|h| h.name == "threat")
            .expect("a threat head");
        // Under the threat head's own threshold, over the addressed one.
        let text = "gonna run you over in the car park after the show";
        let v = check(text);
        assert_eq!(v.action, Action::Hold, "{v:?}");
        assert_eq!(v.rule, Some(RuleSet::Learned));
        let p = *v
            .scores
            .get("learned.threat")
            .expect("held by the threat head");
        assert!(
            p >= learned::ADDRESSED_THRESHOLD && p < threat.threshold,
            "{p} against {}",
            threat.threshold
        );
    }

    #[test]
    fn the_learned_second_opinion_holds_what_the_rules_would_deliver() {
        // Portuguese abuse that neither rustrict nor the lexicon knows.
        let text = "cala a boca seu arrombado";
        let v = check(text);
        assert_eq!(v.action, Action::Hold, "{v:?}");
        assert_eq!(v.rule, Some(RuleSet::Learned));
        assert!(v.categories.contains(&"profanity".to_owned()), "{v:?}");
        assert!(v.scores["learned.profanity"] >= 0.5, "{v:?}");
        assert!(
            v.reason
                .as_deref()
                .is_some_and(|r| r.starts_with("held for review (second opinion: profanity")),
            "{v:?}"
        );
        assert_eq!(v.text, None);

        // In shadow mode it only says what it would have done.
        let shadowed = InlineModerator::new(ModerationConfig {
            shadow_rule_sets: vec![RuleSet::Learned],
            ..ModerationConfig::default()
        })
        .moderate(text, &AuthorStanding::default());
        assert_eq!(shadowed.action, Action::Allow);
        assert_eq!(shadowed.text.as_deref(), Some(text));
        assert_eq!(shadowed.would_have.len(), 1);
        assert_eq!(shadowed.would_have[0].rule_set, RuleSet::Learned);
        assert_eq!(shadowed.would_have[0].action, Action::Hold);
        // Nor does it hold what a tenant watches toxicity for in shadow mode.
        let toxicity_shadowed = InlineModerator::new(ModerationConfig {
            shadow_rule_sets: vec![RuleSet::Toxicity],
            ..ModerationConfig::default()
        })
        .moderate(text, &AuthorStanding::default());
        assert_eq!(
            toxicity_shadowed.action,
            Action::Allow,
            "{toxicity_shadowed:?}"
        );

        // Moderators are not second-guessed; ordinary chat is left alone.
        let moderator = InlineModerator::default().moderate(
            text,
            &AuthorStanding {
                role: Role::Moderator,
                ..AuthorStanding::default()
            },
        );
        assert_eq!(moderator.action, Action::Allow);
        for clean in [
            "que golazo de Messi",
            "nice save by the keeper",
            "ik kijk vanuit Utrecht, wat een wedstrijd",
            "der Schiri hat heute einen schlechten Tag",
            // Short lines: few features, each weighs as in a line of 48.
            "once",
            "message 2",
            "Nobody",
            "het is niet wat ik dacht",
        ] {
            assert_eq!(check(clean).action, Action::Allow, "{clean}");
        }
    }

    #[test]
    fn moderators_are_only_pii_masked() {
        let v = InlineModerator::default().moderate(
            "dm me on telegram, free btc",
            &AuthorStanding {
                role: Role::Moderator,
                reputation: 0.5,
                trusted_links: false,
            },
        );
        assert_eq!(v.action, Action::Allow);
    }

    #[test]
    fn tenant_lists_block() {
        let moderator = InlineModerator::new(ModerationConfig {
            blocked_words: vec!["rivalname".into()],
            blocked_domains: vec!["spam.example".into()],
            ..ModerationConfig::default()
        });
        let standing = AuthorStanding::default();
        assert_eq!(
            moderator
                .moderate("RivalName are rubbish", &standing)
                .action,
            Action::Block
        );
        assert_eq!(
            moderator
                .moderate("see https://www.spam.example/win", &standing)
                .action,
            Action::Block
        );
        assert_eq!(
            moderator
                .moderate("see https://club.example/news", &standing)
                .action,
            Action::Allow
        );
    }
}
