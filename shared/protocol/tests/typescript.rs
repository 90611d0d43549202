//! The TypeScript client's wire types come from here: this test writes the
//! declarations of every server frame (and the views, ids and enums they carry)
//! from the Rust types' `TS` derives, and a sample of every frame as serde
//! serialises it, typed against those declarations. Both files are committed; the
//! test fails when either differs from what the Rust types give now, and the
//! client's build type-checks the samples (an optional field never filled, a
//! field serde leaves out but the declaration requires, or a field serde writes
//! that the declaration lacks, fails `tsc`).
//!
//! After changing a wire type: `SIDELINE_WRITE_TS=1 cargo test -p sideline-protocol
//! --test typescript`, then commit both files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sideline_domain::identity::Role;
use sideline_domain::ids::{ConnectionId, RoomId, TenantId, UserId};
use sideline_domain::message::{Author, ClientMsgId, Emoji, MessageId};
use sideline_domain::moderation::{Priority, ReviewItem, ReviewStatus, SanctionKind};
use sideline_domain::poll::{Moment, PollId, ResultsShown};
use sideline_domain::room::{Capability, RoomMode};
use sideline_domain::scoring::Tier;
use sideline_domain::tenant::Privilege;
use sideline_protocol::{
    AckStatus, BoardEntryView, ErrorCode, LeaderboardView, MessageView, OwnPlace, PollStatus,
    PollView, PresenceView, ScoreView, ServerFrame, UserView,
};
use ts_rs::{Config, TypeVisitor, TS};

const HEADER: &str = "\
// Generated from the Rust wire types (shared/protocol, shared/domain) by
// `cargo test -p sideline-protocol --test typescript`. Do not edit: change the
// Rust types, then run that with SIDELINE_WRITE_TS=1 and commit the result.
";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every declaration reachable from the given types, by name.
struct Declarations<'a> {
    cfg: &'a Config,
    decls: BTreeMap<String, String>,
}

impl TypeVisitor for Declarations<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and wrappers (`string`, `Array<…>`) have no file, hence no
        // declaration of their own.
        if T::output_path().is_none() {
            return;
        }
        let name = T::ident(self.cfg);
        if self.decls.contains_key(&name) {
            return;
        }
        let docs = T::docs().unwrap_or_default();
        let decl = format!("{docs}export {}", pretty(&T::decl(self.cfg)));
        self.decls.insert(name, decl);
        T::visit_dependencies(self);
    }
}

/// The declarations file: the frames and everything they name, plus the views
/// the frames flatten (so the client can name them too).
fn declarations() -> String {
    let cfg = Config::new().with_large_int("number");
    let mut walk = Declarations {
        cfg: &cfg,
        decls: BTreeMap::new(),
    };
    walk.visit::<ServerFrame>();
    walk.visit::<MessageView>();
    walk.visit::<PresenceView>();
    walk.visit::<ScoreView>();
    walk.visit::<LeaderboardView>();
    let mut out = String::from(HEADER);
    for decl in walk.decls.values() {
        out.push('\n');
        out.push_str(decl);
        out.push('\n');
    }
    out
}

/// Lays a ts-rs declaration (one line) out one field per line: a newline after
/// `{`, after each field's `,` and before `}`, and before each `| {` of a union
/// of objects. Doc comments and string literals pass through untouched.
fn pretty(decl: &str) -> String {
    fn newline(out: &mut String, depth: usize) {
        while out.ends_with(' ') {
            out.pop();
        }
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    }
    let mut out = String::new();
    let mut depth = 0usize;
    let mut angle = 0usize;
    let (mut in_str, mut in_comment) = (false, false);
    let mut chars = decl.chars().peekable();
    while let Some(c) = chars.next() {
        if in_comment {
            if c == '\n' {
                newline(&mut out, depth);
                continue;
            }
            out.push(c);
            in_comment = !out.ends_with("*/");
            continue;
        }
        if in_str {
            out.push(c);
            in_str = c != '"';
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '/' if chars.peek() == Some(&'*') => {
                in_comment = true;
                out.push(c);
            }
            '\n' => newline(&mut out, depth),
            '<' => {
                angle += 1;
                out.push(c);
            }
            '>' => {
                angle = angle.saturating_sub(1);
                out.push(c);
            }
            '{' => {
                out.push(c);
                depth += 1;
                newline(&mut out, depth);
                if chars.peek() == Some(&' ') {
                    chars.next();
                }
            }
            '}' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' if depth > 0 && angle == 0 => {
                out.push(c);
                newline(&mut out, depth);
                if chars.peek() == Some(&' ') {
                    chars.next();
                }
            }
            '|' if depth == 0 && out.trim_end().ends_with('}') => {
                newline(&mut out, 0);
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    // Lines left empty (a `,` before `}`, a newline around a doc comment) go.
    let mut lines: Vec<&str> = out
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    if let Some(last) = lines.last_mut() {
        *last = last.trim_end();
    }
    lines.join("\n")
}

// ---- samples ----------------------------------------------------------------

fn room() -> RoomId {
    RoomId::parse("match:123").unwrap()
}

fn user() -> UserId {
    UserId::parse("u_0123456789abcdef0123456789abcdef").unwrap()
}

fn user_view() -> UserView {
    UserView {
        id: user(),
        name: "Ana".into(),
        role: Role::Member,
        tier: Tier::Silver,
    }
}

const AT: &str = "2026-12-03T15:00:00.000Z";

// Fixed ids (not `at`, whose random bits would change the samples every run).
fn message_id() -> MessageId {
    MessageId::parse("01a23c6b-6180-7000-8000-000000000001").unwrap()
}

fn message(full: bool) -> MessageView {
    MessageView {
        id: message_id(),
        room: room(),
        author: Author {
            id: user(),
            name: "Ana".into(),
            role: Role::Member,
            tier: Tier::Gold,
        },
        text: "what a goal".into(),
        created_at: AT.into(),
        reply_to: full.then(|| MessageId::parse("01a23c6b-3a70-7000-8000-000000000002").unwrap()),
        reactions: if full {
            BTreeMap::from([("👍".to_owned(), 3)])
        } else {
            BTreeMap::new()
        },
        pending: full,
        system: full,
        seq: full.then_some(42),
    }
}

fn moment(full: bool) -> Moment {
    Moment {
        object: full.then(|| "match:123".into()),
        at: full.then(|| "67:12".into()),
        position_ms: Some(754_200),
    }
}

fn poll(full: bool) -> PollView {
    PollView {
        id: PollId::parse("01a23c6b-6180-7000-8000-000000000003").unwrap(),
        room: room(),
        question: "Who scores next?".into(),
        options: vec!["Home".into(), "Away".into()],
        multiple: false,
        results: ResultsShown::Live,
        status: if full {
            PollStatus::Closed
        } else {
            PollStatus::Open
        },
        counts: full.then(|| vec![4, 2]),
        voters: 6,
        closes_at: full.then(|| AT.into()),
        closed_at: full.then(|| AT.into()),
        context: full.then(|| moment(true)),
        created_at: AT.into(),
        mine: full.then(|| vec![0]),
    }
}

fn review_item(full: bool) -> ReviewItem {
    ReviewItem {
        tenant: TenantId::parse("acme").unwrap(),
        room: room(),
        message_id: message_id(),
        author_id: user(),
        text: "call me on [phone]".into(),
        status: ReviewStatus::Pending,
        priority: Priority::High,
        reason: "personal data".into(),
        categories: vec!["pii".into()],
        reports: 1,
        due_at_ms: 1_796_324_400_000,
        created_at_ms: 1_796_310_000_000,
        decided_by: full.then(|| "u_fedcba9876543210fedcba9876543210".into()),
    }
}

fn request_id(full: bool) -> Option<String> {
    full.then(|| "r1".into())
}

fn score(full: bool) -> ScoreView {
    ScoreView {
        user_id: user(),
        score: 212.5,
        tier: Tier::Silver,
        next_tier: full.then_some(Tier::Gold),
        points_to_next: full.then_some(287.5),
        privileges: Privilege::default(),
        at: AT.into(),
    }
}

fn board(full: bool) -> LeaderboardView {
    LeaderboardView {
        room: full.then(room),
        window: full.then_some("week"),
        period: full.then(|| "2026-W49".into()),
        entries: vec![BoardEntryView {
            rank: 1,
            user_id: user(),
            score: 320.0,
        }],
        next: full.then(|| "cursor".into()),
        me: full.then_some(OwnPlace {
            rank: Some(7),
            rank_beyond: Some(1000),
            score: 12.0,
        }),
        at: AT.into(),
    }
}

/// The frame of each kind with every optional field filled (`full`) or none.
fn frame(kind: usize, full: bool) -> Option<ServerFrame> {
    let room = room();
    let some = |s: &str| full.then(|| s.to_owned());
    Some(match kind {
        0 => ServerFrame::Joined {
            room,
            role: Role::Member,
            mode: RoomMode::Open,
            slow_mode_s: 0,
            capabilities: vec![Capability::Read, Capability::React, Capability::Write],
            title: some("Final"),
            object: some("match:123"),
            opens_at: some(AT),
            closes_at: some(AT),
            tier: Tier::None,
            presence: PresenceView {
                count: 1,
                users: full.then(|| vec![user_view()]),
            },
            history: vec![message(full)],
            next: full.then(message_id),
            polls: vec![poll(full)],
            request_id: request_id(full),
        },
        1 => ServerFrame::Left {
            room,
            request_id: request_id(full),
        },
        2 => ServerFrame::Ack {
            client_msg_id: ClientMsgId::parse("c1").unwrap(),
            message_id: full.then(message_id),
            status: AckStatus::Masked,
            duplicate: full,
            reason: some("personal data"),
            request_id: request_id(full),
        },
        3 => ServerFrame::Message {
            message: message(full),
        },
        4 => ServerFrame::Reaction {
            room,
            message_id: message_id(),
            emoji: Emoji::parse("👍").unwrap(),
            count: 3,
            on: true,
            user: user_view(),
            request_id: request_id(full),
        },
        5 => ServerFrame::Typing {
            room,
            user: user_view(),
        },
        6 => ServerFrame::History {
            room,
            messages: vec![message(full)],
            next: full.then(message_id),
            request_id: request_id(full),
        },
        7 => ServerFrame::Presence {
            room,
            presence: PresenceView {
                count: 1,
                users: full.then(|| vec![user_view()]),
            },
            request_id: request_id(full),
        },
        8 => ServerFrame::Pong {
            connection_id: ConnectionId::parse("abc=").unwrap(),
            server_time: AT.into(),
            request_id: request_id(full),
        },
        9 => ServerFrame::Moderated {
            room,
            op: "mute",
            message_id: full.then(message_id),
            user_id: full.then(user),
            until: some(AT),
            request_id: request_id(full),
        },
        10 => ServerFrame::ReviewQueue {
            room,
            items: vec![review_item(full)],
            next: full.then(message_id),
            request_id: request_id(full),
        },
        11 => ServerFrame::Reported {
            room,
            message_id: message_id(),
            duplicate: full,
            request_id: request_id(full),
        },
        12 => ServerFrame::Sanctioned {
            room: full.then_some(room),
            sanction: SanctionKind::Mute,
            until: some(AT),
            reason: some("spam"),
        },
        13 => ServerFrame::MessageRemoved {
            room,
            message_id: message_id(),
        },
        14 => ServerFrame::Room {
            room,
            mode: RoomMode::Readonly,
            slow_mode_s: 10,
            request_id: request_id(full),
        },
        15 => ServerFrame::Score {
            score: score(full),
            request_id: request_id(full),
        },
        16 => ServerFrame::Leaderboard {
            board: board(full),
            request_id: request_id(full),
        },
        17 => ServerFrame::Poll {
            poll: poll(full),
            request_id: request_id(full),
        },
        18 => ServerFrame::Tier {
            tier: Tier::Gold,
            previous: Tier::Silver,
            score: 512.0,
            privileges: Privilege::default(),
        },
        19 => ServerFrame::Error {
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
            action: some("send"),
            request_id: request_id(full),
            client_msg_id: some("c1"),
            retry_after_ms: full.then_some(1500),
            retryable: full.then_some(true),
        },
        20 => ServerFrame::Batch {
            room: room.clone(),
            frames: if full {
                vec![ServerFrame::Message {
                    message: message(true),
                }]
            } else {
                Vec::new()
            },
        },
        _ => return None,
    })
}

/// The kind of a frame, by the variant (no `_` arm: a new variant does not
/// compile here until it has a sample above).
fn kind_of(frame: &ServerFrame) -> usize {
    match frame {
        ServerFrame::Joined { .. } => 0,
        ServerFrame::Left { .. } => 1,
        ServerFrame::Ack { .. } => 2,
        ServerFrame::Message { .. } => 3,
        ServerFrame::Reaction { .. } => 4,
        ServerFrame::Typing { .. } => 5,
        ServerFrame::History { .. } => 6,
        ServerFrame::Presence { .. } => 7,
        ServerFrame::Pong { .. } => 8,
        ServerFrame::Moderated { .. } => 9,
        ServerFrame::ReviewQueue { .. } => 10,
        ServerFrame::Reported { .. } => 11,
        ServerFrame::Sanctioned { .. } => 12,
        ServerFrame::MessageRemoved { .. } => 13,
        ServerFrame::Room { .. } => 14,
        ServerFrame::Score { .. } => 15,
        ServerFrame::Leaderboard { .. } => 16,
        ServerFrame::Poll { .. } => 17,
        ServerFrame::Tier { .. } => 18,
        ServerFrame::Error { .. } => 19,
        ServerFrame::Batch { .. } => 20,
    }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

/// The samples file: each frame kind full (typed `DeepRequired<…>`, so a declared
/// optional field serde never writes fails, at any depth) and bare, the views
/// with optional fields of their own bare, and a check that every kind of frame
/// has a sample.
fn samples() -> String {
    let mut out = String::from(HEADER);
    out.push_str(
        "\nimport type { KnownFrame, Moment, OwnPlace } from \"../../src/protocol.gen.js\";\n\
         \ntype Of<T extends KnownFrame[\"type\"]> = Extract<KnownFrame, { type: T }>;\n\
         // Every optional field made required, however deep.\n\
         type DeepRequired<T> = T extends (infer U)[]\n  ? DeepRequired<U>[]\n  : T extends object\n    ? { [K in keyof T]-?: DeepRequired<T[K]> }\n    : T;\n",
    );
    let mut names = Vec::new();
    for kind in 0.. {
        let Some(full) = frame(kind, true) else { break };
        assert_eq!(kind_of(&full), kind);
        let bare = frame(kind, false).unwrap();
        let value = serde_json::to_value(&full).unwrap();
        let tag = value["type"].as_str().unwrap().to_owned();
        for (suffix, frame, ty) in [
            ("full", &full, format!("DeepRequired<Of<\"{tag}\">>")),
            ("bare", &bare, format!("Of<\"{tag}\">")),
        ] {
            let name = format!("{tag}_{suffix}");
            out.push_str(&format!("\nexport const {name}: {ty} = {};\n", json(frame)));
            names.push(name);
        }
    }
    // Views whose optional fields the bare frames do not reach (a bare frame
    // leaves them out whole).
    let bare_place = OwnPlace {
        rank: None,
        rank_beyond: Some(1000),
        score: 12.0,
    };
    for (name, ty, value) in [
        ("moment_bare", "Moment", json(&moment(false))),
        ("own_place_bare", "OwnPlace", json(&bare_place)),
    ] {
        out.push_str(&format!("\nexport const {name}: {ty} = {value};\n"));
    }
    out.push_str(&format!(
        "\nconst all = [{}] as const;\n\
         type Missing = Exclude<KnownFrame[\"type\"], (typeof all)[number][\"type\"]>;\n\
         // Fails to compile, naming the kind, when a frame kind has no sample.\n\
         export const everyKindHasASample: [Missing] extends [never] ? true : Missing = true;\n",
        names.join(", ")
    ));
    out
}

/// Compares a generated file with the committed one (or writes it).
fn check(relative: &str, generated: &str) -> Result<(), String> {
    let path = root().join(relative);
    if std::env::var_os("SIDELINE_WRITE_TS").is_some() {
        std::fs::write(&path, generated).map_err(|e| format!("{relative}: {e}"))?;
        return Ok(());
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == generated {
        return Ok(());
    }
    let first = committed
        .lines()
        .zip(generated.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
    Err(format!(
        "{relative} is not what the Rust types give (first difference at line {}:\n  committed: {:?}\n  generated: {:?}); \
         run `SIDELINE_WRITE_TS=1 cargo test -p sideline-protocol --test typescript` and commit it",
        first + 1,
        committed.lines().nth(first).unwrap_or("<end>"),
        generated.lines().nth(first).unwrap_or("<end>"),
    ))
}

#[test]
fn the_clients_wire_types_are_generated_from_the_rust_types() {
    let results = [
        check("clients/js/src/protocol.gen.ts", &declarations()),
        check("clients/js/test/types/frames.gen.ts", &samples()),
    ];
    let errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn the_layout_keeps_comments_and_strings_and_breaks_objects() {
    let decl = "type A = { \"type\": \"a\", \n/**\n * {not, a} field\n */\nx: Array<number>, y: { [key in string]: number }, } | { \"type\": \"b\", };";
    assert_eq!(
        pretty(decl),
        "type A = {\n  \"type\": \"a\",\n  /**\n   * {not, a} field\n   */\n  x: Array<number>,\n  y: {\n    [key in string]: number\n  },\n}\n| {\n  \"type\": \"b\",\n};"
    );
    assert_eq!(
        pretty("type T = \"none\" | \"silver\";"),
        "type T = \"none\" | \"silver\";"
    );
}

/// ts-rs reads `skip_serializing_if` only with `#[serde(default)]`: every field
/// serde may leave out must say so to ts-rs itself, on the next line.
#[test]
fn every_field_serde_may_leave_out_is_optional_in_typescript() {
    let mut missing = Vec::new();
    for dir in ["shared/protocol/src", "shared/domain/src"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            if !text.contains("derive(") || !text.contains(" TS") {
                continue;
            }
            let lines: Vec<&str> = text.lines().collect();
            for (n, line) in lines.iter().enumerate() {
                let derives_ts = |line: &str| line.contains("derive(") && line.contains(" TS)");
                // Only in types that derive TS: the nearest derive above says.
                let in_ts_type = lines[..n]
                    .iter()
                    .rev()
                    .find(|l| l.trim_start().starts_with("#[derive("))
                    .is_some_and(|l| derives_ts(l));
                if in_ts_type
                    && line.contains("skip_serializing_if")
                    && !lines
                        .get(n + 1)
                        .is_some_and(|next| next.trim_start().starts_with("#[ts("))
                {
                    missing.push(format!("{}:{}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(missing.is_empty(), "no #[ts(optional)] after: {missing:?}");
}
