//! Request signatures with the host's shared secret (HMAC-SHA256, hex):
//!
//! - `v1` (host events, `POST /events`): over `"<timestamp>.<body>"`;
//! - `v2` (the server API): over `"<timestamp>\n<METHOD>\n<path with query>\n<body>"`,
//!   so a signature made for one route cannot be used on another.
//!
//! Both travel as `X-Sideline-Signature: v1=<hex>` / `v2=<hex>` with
//! `X-Sideline-Timestamp: <unix seconds>`, at most five minutes off the server's
//! clock.

use aws_lc_rs::hmac;

/// Clock skew tolerated on a signature's timestamp.
pub const MAX_SKEW_SECS: i64 = 300;

/// A signature scheme, and the text it signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme<'a> {
    V1 {
        body: &'a str,
    },
    V2 {
        method: &'a str,
        path_and_query: &'a str,
        body: &'a str,
    },
}

impl Scheme<'_> {
    fn prefix(&self) -> &'static str {
        match self {
            Scheme::V1 { .. } => "v1=",
            Scheme::V2 { .. } => "v2=",
        }
    }

    fn message(&self, timestamp: i64) -> String {
        match self {
            Scheme::V1 { body } => format!("{timestamp}.{body}"),
            Scheme::V2 {
                method,
                path_and_query,
                body,
            } => format!(
                "{timestamp}\n{}\n{path_and_query}\n{body}",
                method.to_ascii_uppercase()
            ),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(raw: &str) -> Option<Vec<u8>> {
    if !raw.len().is_multiple_of(2) {
        return None;
    }
    (0..raw.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(raw.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The `X-Sideline-Signature` value for `scheme` at `timestamp` (for clients and
/// tests).
pub fn sign(secret: &[u8], timestamp: i64, scheme: Scheme<'_>) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let tag = hmac::sign(&key, scheme.message(timestamp).as_bytes());
    format!("{}{}", scheme.prefix(), hex(tag.as_ref()))
}

/// Checks the two headers' values against `scheme` at `now_s`; the error says
/// what was wrong, for the 401's body. The tag is compared in constant time.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    scheme: Scheme<'_>,
    now_s: i64,
) -> Result<(), &'static str> {
    let timestamp = timestamp.ok_or("missing X-Sideline-Timestamp")?;
    let signature = signature.ok_or("missing X-Sideline-Signature")?;
    let timestamp: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| "X-Sideline-Timestamp must be unix seconds")?;
    // The timestamp is the client's: any i64 at all. Checked arithmetic, so an
    // absurd one is refused rather than overflowing.
    let skew = now_s
        .checked_sub(timestamp)
        .map(i64::unsigned_abs)
        .ok_or("signature timestamp is more than 5 minutes off")?;
    if skew > MAX_SKEW_SECS.unsigned_abs() {
        return Err("signature timestamp is more than 5 minutes off");
    }
    let tag = signature
        .trim()
        .strip_prefix(scheme.prefix())
        .and_then(decode_hex)
        .ok_or(match scheme {
            Scheme::V1 { .. } => "X-Sideline-Signature must be v1=<hex>",
            Scheme::V2 { .. } => "X-Sideline-Signature must be v2=<hex>",
        })?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    hmac::verify(&key, scheme.message(timestamp).as_bytes(), &tag).map_err(|_| "bad signature")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn v2_binds_method_path_and_body() {
        let get = Scheme::V2 {
            method: "GET",
            path_and_query: "/v1/tenants/acme/users/ada/score",
            body: "",
        };
        let signature = sign(b"s3cret", NOW, get);
        assert!(signature.starts_with("v2="));
        let ts = NOW.to_string();
        assert_eq!(
            verify(b"s3cret", Some(&ts), Some(&signature), get, NOW + 10),
            Ok(())
        );
        let other_route = Scheme::V2 {
            method: "GET",
            path_and_query: "/v1/tenants/acme/config",
            body: "",
        };
        assert_eq!(
            verify(b"s3cret", Some(&ts), Some(&signature), other_route, NOW),
            Err("bad signature")
        );
        let put = Scheme::V2 {
            method: "PUT",
            path_and_query: "/v1/tenants/acme/users/ada/score",
            body: "",
        };
        assert!(verify(b"s3cret", Some(&ts), Some(&signature), put, NOW).is_err());
        assert!(verify(b"other", Some(&ts), Some(&signature), get, NOW).is_err());
        assert!(verify(b"s3cret", Some(&ts), Some(&signature), get, NOW + 301).is_err());
        assert!(verify(
            b"s3cret",
            Some("-9223372036854775808"),
            Some(&signature),
            get,
            NOW
        )
        .is_err());
        assert!(verify(b"s3cret", None, Some(&signature), get, NOW).is_err());
        assert!(verify(b"s3cret", Some(&ts), Some("v2=zz"), get, NOW).is_err());
        // A v1 signature is not a v2 one.
        let v1 = sign(b"s3cret", NOW, Scheme::V1 { body: "" });
        assert!(verify(b"s3cret", Some(&ts), Some(&v1), get, NOW).is_err());
    }
}
