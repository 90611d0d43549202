//! The wire protocol: client frames parsed into [`Command`]s, and server frames.
//!
//! Client frames carry `action`; server frames carry `type`. Any client frame may
//! carry `requestId`, echoed on the reply or error it causes. The names are a public
//! contract (see `docs/protocol.md`): extend them, never rename them.
//!
//! # Layout
//!
//! - [`client`]: [`parse_frame`] and the [`Command`] of each action.
//! - [`server`]: [`ServerFrame`] and the views it carries.
//! - [`error`]: [`ErrorCode`] and [`FrameError`].

pub mod client;
pub mod error;
pub mod server;

pub use client::{
    parse_frame, parse_new_poll, ClientFrame, Command, Configure, History, Join, Leaderboard,
    Leave, Moderate, ModerateOp, Ping, Poll, PollClose, PollOp, Presence, React, Report,
    SanctionScope, Score, Send, Typing, DEFAULT_BOARD_PAGE, MAX_BOARD_PAGE, MAX_POLL_SECS,
    MAX_REASON_CHARS, MAX_REVIEW_PAGE, MAX_SANCTION_SECS, MAX_SLOW_MODE_SECS,
};
pub use error::{ErrorCode, FrameError, MAX_REQUEST_ID_LEN};
pub use server::{
    AckStatus, BoardEntryView, LeaderboardView, MessageView, OwnPlace, PollStatus, PollView,
    PresenceView, ScoreView, ServerFrame, UserView,
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;
    use sideline_domain::config::Limits;
    use sideline_domain::ids::ConnectionId;
    use sideline_domain::message::MessageId;
    use sideline_domain::time::format_time;

    fn parse(body: &str) -> Result<ClientFrame, FrameError> {
        parse_frame(body, &Limits::default())
    }

    #[test]
    fn every_action_parses() {
        let id = MessageId::at(1_800_000_000_000);
        let frames = [
            r#"{"action":"join","room":"match:1","requestId":"r1"}"#.to_owned(),
            r#"{"action":"leave","room":"match:1"}"#.to_owned(),
            r#"{"action":"send","room":"match:1","text":"hi","clientMsgId":"c1"}"#.to_owned(),
            format!(
                r#"{{"action":"send","room":"m","text":"hi","clientMsgId":"c1","replyTo":"{id}"}}"#
            ),
            format!(r#"{{"action":"react","room":"m","messageId":"{id}","emoji":"👍","on":true}}"#),
            r#"{"action":"typing","room":"m"}"#.to_owned(),
            format!(r#"{{"action":"history","room":"m","before":"{id}","limit":10}}"#),
            format!(r#"{{"action":"history","room":"m","after":"{id}","limit":10}}"#),
            r#"{"action":"presence","room":"m"}"#.to_owned(),
            r#"{"action":"ping"}"#.to_owned(),
            r#"{"action":"configure","room":"m","mode":"stage"}"#.to_owned(),
        ];
        for f in frames {
            assert!(parse(&f).is_ok(), "{f}: {:?}", parse(&f));
        }
        assert_eq!(
            parse(r#"{"action":"join","room":"match:1","requestId":"r1"}"#)
                .unwrap()
                .request_id
                .as_deref(),
            Some("r1")
        );
    }

    #[test]
    fn bad_frames_get_clear_errors_with_echoes() {
        let e = parse("hello").unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert!(e.message.contains("JSON"));

        let e = parse("[1,2]").unwrap_err();
        assert!(e.message.contains("object"));

        let e = parse(r#"{"action":"dance","requestId":"r9"}"#).unwrap_err();
        assert!(e.message.contains("unknown action `dance`"));
        assert_eq!(e.request_id.as_deref(), Some("r9"));
        assert_eq!(e.action.as_deref(), Some("dance"));

        let e = parse(r#"{"action":"send","room":"m","clientMsgId":"c7"}"#).unwrap_err();
        assert!(e.message.contains("text"), "{}", e.message);
        assert_eq!(e.client_msg_id.as_deref(), Some("c7"));

        let e = parse(r#"{"action":"join","room":5}"#).unwrap_err();
        assert!(e.message.contains("invalid type"), "{}", e.message);

        let e = parse(r#"{"action":"join","room":"bad room"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);

        let long = "x".repeat(2001);
        let e = parse(&format!(
            r#"{{"action":"send","room":"m","text":"{long}","clientMsgId":"c"}}"#
        ))
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::TooLarge);

        let e = parse(r#"{"action":"send","room":"m","text":"  ","clientMsgId":"c"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);

        let e = parse(r#"{"action":"history","room":"m","limit":101}"#).unwrap_err();
        assert!(e.message.contains("limit"));

        let both = format!(
            r#"{{"action":"history","room":"m","before":"{0}","after":"{0}"}}"#,
            MessageId::at(1_800_000_000_000)
        );
        let e = parse(&both).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert!(e.message.contains("not both"), "{}", e.message);
        let e = parse(r#"{"action":"history","room":"m","after":"nope"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);

        let e = parse(r#"{"action":"ping","requestId":7}"#).unwrap_err();
        assert!(e.message.contains("requestId"));
    }

    #[test]
    fn server_frames_use_type_and_camel_case() {
        let frame = ServerFrame::Pong {
            connection_id: ConnectionId::parse("abc").unwrap(),
            server_time: format_time(0),
            request_id: Some("r".into()),
        };
        let v: Value = serde_json::from_slice(&frame.to_bytes()).unwrap();
        assert_eq!(v["type"], "pong");
        assert_eq!(v["connectionId"], "abc");
        assert_eq!(v["serverTime"], "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(1_795_248_000_120), "2026-11-21T08:00:00.120Z");
        assert_eq!(v["requestId"], "r");

        let err = FrameError::new(ErrorCode::RateLimited, "slow down").to_frame();
        let v: Value = serde_json::from_slice(&err.to_bytes()).unwrap();
        assert_eq!(v["type"], "error");
        assert_eq!(v["code"], "rate_limited");
    }

    /// A frame that is a JSON object with a known action and fields of the right
    /// types, in any order and with extra fields.
    fn plausible_frame() -> impl Strategy<Value = String> {
        let action = prop_oneof![
            Just("join"),
            Just("leave"),
            Just("send"),
            Just("react"),
            Just("typing"),
            Just("history"),
            Just("presence"),
            Just("ping"),
            Just("configure"),
            Just("moderate"),
            Just("report"),
            Just("dance"),
        ];
        let text = "\\PC{0,40}";
        (
            action,
            proptest::option::of(text),
            proptest::option::of(text),
            proptest::option::of(text),
            proptest::option::of(any::<i64>()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(text),
        )
            .prop_map(|(action, room, body, id, limit, on, op)| {
                let mut map = serde_json::Map::new();
                map.insert("action".into(), action.into());
                for (key, value) in [
                    ("room", room),
                    ("text", body),
                    ("clientMsgId", id.clone()),
                    ("messageId", id.clone()),
                    ("emoji", id),
                    ("op", op.clone()),
                    ("mode", op),
                ] {
                    if let Some(v) = value {
                        map.insert(key.into(), v.into());
                    }
                }
                if let Some(n) = limit {
                    map.insert("limit".into(), n.into());
                    map.insert("seconds".into(), n.into());
                    map.insert("durationS".into(), n.into());
                }
                if let Some(b) = on {
                    map.insert("on".into(), b.into());
                }
                Value::Object(map).to_string()
            })
    }

    proptest! {
        /// Any text at all: parsing never panics, and a refusal is a client error
        /// (never `internal`) with a message.
        #[test]
        fn any_text_parses_or_is_refused_clearly(body in "\\PC{0,200}") {
            if let Err(e) = parse(&body) {
                prop_assert!(matches!(e.code, ErrorCode::BadRequest | ErrorCode::TooLarge));
                prop_assert!(!e.message.is_empty());
            }
        }

        /// Frames shaped like real ones: accepted frames hold only valid values
        /// (rooms, ids, texts within limits), refusals echo the action.
        #[test]
        fn plausible_frames_are_accepted_only_when_valid(body in plausible_frame()) {
            match parse(&body) {
                Ok(frame) => {
                    let named = format!("\"action\":\"{}\"", frame.command.action());
                    let names_it = body.contains(&named);
                    prop_assert!(names_it);
                    if let Command::Send(send) = &frame.command {
                        prop_assert!(!send.text.as_str().trim().is_empty());
                        prop_assert!(send.text.as_str().chars().count() <= Limits::default().max_text_chars);
                    }
                    if let Command::History(h) = &frame.command {
                        prop_assert!(h.limit.is_none_or(|l| (1..=Limits::default().history_max).contains(&l)));
                    }
                }
                Err(e) => {
                    prop_assert!(e.action.is_some());
                    prop_assert!(matches!(e.code, ErrorCode::BadRequest | ErrorCode::TooLarge));
                }
            }
        }
    }
}
