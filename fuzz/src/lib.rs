//! What each fuzz target checks, one function per target: the targets in
//! `fuzz_targets/` call these on libFuzzer's inputs, and the workspace's
//! `fuzz_regressions` test calls them on every input kept under `regressions/`,
//! so a crash once found stays a test. Each function must return on any input;
//! a panic is the failure. Where a reading has a property beyond "no panic" (a
//! stored document reads back, an error echoes at most what it may), it is
//! asserted here.

use serde_json::Value;
use sideline_domain::config::Limits;
use sideline_domain::identity::Identity;
use sideline_domain::message::MAX_CLIENT_MSG_ID_LEN;
use sideline_domain::tenant::TenantConfig;
use sideline_protocol::{parse_frame, MAX_REQUEST_ID_LEN};
use sideline_token::signing::{self, Scheme};
use sideline_token::{TokenConfig, TokenError, TokenVerifier, VerifyingKey};

/// What a target does with one input; a panic is a failure.
pub type Check = fn(&[u8]);

/// The fuzz targets, by name (the files in `fuzz_targets/`, the folders in
/// `seeds/` and `regressions/`).
pub const TARGETS: [(&str, Check); 5] = [
    ("client_frame", client_frame),
    ("token", token),
    ("host_events", host_events),
    ("stream_record", stream_record),
    ("tenant_config", tenant_config),
];

/// A client frame as `ws-message` receives it.
pub fn client_frame(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(error) = parse_frame(text, &Limits::default()) {
        // What an error echoes is bounded, whatever the frame held.
        let echoed = [
            (&error.action, 32),
            (&error.client_msg_id, MAX_CLIENT_MSG_ID_LEN),
            (&error.request_id, MAX_REQUEST_ID_LEN),
        ];
        for (text, most) in echoed {
            if let Some(text) = text {
                assert!(text.chars().count() <= most, "an error echoes {text:?}");
            }
        }
    }
}

/// The secret the token target's verifier is built with.
const TOKEN_SECRET: &[u8] = b"fuzzing-secret-0123456789";

/// A token as the authorizer receives it. The first byte picks what the rest is:
/// even, a token as sent (which almost never carries a valid signature); odd, the
/// claims of a token this function signs with the verifier's secret, so the
/// claims' checks are reached too.
pub fn token(data: &[u8]) {
    if let Some(Ok(identity)) = verify_token(data) {
        assert!(!identity.name.is_empty(), "a verified identity has no name");
    }
}

/// Whether the token target's input makes a token the verifier accepts.
pub fn verifies(data: &[u8]) -> bool {
    matches!(verify_token(data), Some(Ok(_)))
}

fn verify_token(data: &[u8]) -> Option<Result<Identity, TokenError>> {
    let (&mode, rest) = data.split_first()?;
    let config = TokenConfig {
        key: VerifyingKey::Hs256 {
            secret: TOKEN_SECRET.to_vec(),
        },
        audience: None,
        issuer: None,
    };
    let Ok(verifier) = TokenVerifier::new(&config) else {
        panic!("the fuzz secret is refused");
    };
    let token = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        sign_hs256(rest)
    };
    Some(verifier.verify(&token))
}

/// A JWS compact token over `payload` with HS256 and [`TOKEN_SECRET`].
fn sign_hs256(payload: &[u8]) -> String {
    let header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let signing_input = format!("{header}.{}", base64url(payload));
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, TOKEN_SECRET);
    let tag = aws_lc_rs::hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", base64url(tag.as_ref()))
}

/// Unpadded base64url.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            let index = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// The fixed "now" of the host-events target (2026-01-01T00:00:00Z).
const HOST_NOW_MS: i64 = 1_767_225_600_000;

/// A host-events request: its signature headers (the input's first two lines)
/// and its body (the rest), as `POST /events` reads them.
pub fn host_events(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let timestamp = parts.next();
    let signature = parts.next();
    let body = parts.next().unwrap_or_default();
    let verdict = signing::verify(
        TOKEN_SECRET,
        timestamp,
        signature,
        Scheme::V1 { body },
        HOST_NOW_MS / 1000,
    );
    assert!(
        verdict.is_err(),
        "a signature made without the secret passed"
    );
    if let Ok(events) = ingest::host::read_batch(body, HOST_NOW_MS) {
        assert!(
            (1..=ingest::host::MAX_EVENTS).contains(&events.len()),
            "a batch of {} events was read",
            events.len()
        );
        for envelope in events.into_iter().flatten() {
            assert!(envelope.event_type.starts_with("product."));
            if let Err(e) = serde_json::to_string(&envelope) {
                panic!("an accepted host event does not serialise: {e}");
            }
        }
    }
}

/// A DynamoDB stream record as Lambda delivers it to `ingest`: decoded into the
/// domain's change and mapped to the event it publishes.
pub fn stream_record(data: &[u8]) {
    let Ok(record) = serde_json::from_slice::<sideline_aws::stream::StreamRecord>(data) else {
        return;
    };
    if let Ok(Some(decoded)) = sideline_aws::stream::decode(&record) {
        if let Some(envelope) = sideline_domain::outbox::event_for(&decoded) {
            if let Err(e) = serde_json::to_string(&envelope) {
                panic!("a mapped event does not serialise: {e}");
            }
        }
    }
}

/// A tenant's config document as `PUT /v1/tenants/{tenant}/config` receives it. A
/// document that is accepted must read back the same once stored.
pub fn tenant_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = TenantConfig::parse(text) else {
        return;
    };
    let stored = match serde_json::to_string(&config) {
        Ok(stored) => stored,
        Err(e) => panic!("an accepted document does not serialise: {e}"),
    };
    match TenantConfig::parse(&stored) {
        Ok(again) => assert!(
            same_json(&again, &config),
            "a stored document reads back differently"
        ),
        Err(e) => panic!("a stored document is refused on reading: {e}"),
    }
}

/// Equal once both are written as JSON (numbers compared as written, so a float
/// that reads back one unit in the last place off does not count as a change).
fn same_json(a: &TenantConfig, b: &TenantConfig) -> bool {
    let value = |c: &TenantConfig| serde_json::to_value(c).unwrap_or(Value::Null);
    value(a) == value(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_known_values() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }
}
