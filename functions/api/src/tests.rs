use std::collections::HashMap;

use sideline_domain::scoring::{contributions, Activity, Parent};
use sideline_memory::{MemoryStore, RecordingConnections, RecordingExportFiles};
use sideline_ports::{Adapters, ManualClock};

use super::*;

const NOW_MS: i64 = 1_800_000_000_000;
const SECRET: &[u8] = b"host-secret-for-tests";

type Deps = ApiDeps<Adapters<MemoryStore, RecordingConnections, ManualClock>, RecordingExportFiles>;

fn deps() -> Deps {
    ApiDeps {
        ports: Adapters {
            store: MemoryStore::new(),
            connections: RecordingConnections::new(),
            clock: ManualClock::at(NOW_MS),
        },
        settings: Arc::new(TenantSettings::default()),
        secret: Some(SECRET.to_vec()),
        files: RecordingExportFiles::new(),
        export_inline_bytes: DEFAULT_EXPORT_INLINE_BYTES,
        limits: Default::default(),
    }
}

/// A signed request, as a host's backend sends one.
fn signed(method: &str, path: &str, body: &str, extra: &[(&str, &str)], at_s: i64) -> ApiRequest {
    let signature = signing::sign(
        SECRET,
        at_s,
        Scheme::V2 {
            method,
            path_and_query: path,
            body,
        },
    );
    let mut headers = HashMap::from([
        ("X-Sideline-Timestamp".to_owned(), at_s.to_string()),
        ("X-Sideline-Signature".to_owned(), signature),
    ]);
    for (k, v) in extra {
        headers.insert((*k).to_owned(), (*v).to_owned());
    }
    ApiRequest::new(method, path, headers, body.to_owned())
}

/// Ada (`acme`), known by a live connection `ada-1`.
async fn ada_connected(deps: &Deps) -> (TenantId, UserId) {
    let tenant = TenantId::parse("acme").unwrap();
    let ada = UserId::derive(&tenant, "ada");
    deps.ports
        .store
        .put_connection(&sideline_domain::connection::ConnectionRecord {
            tenant: tenant.clone(),
            connection_id: sideline_domain::ids::ConnectionId::parse("ada-1").unwrap(),
            user: ada.clone(),
            name: "Ada".into(),
            role: sideline_domain::identity::Role::Member,
            connected_at_ms: NOW_MS,
            expires_at_s: NOW_MS / 1000 + 7800,
            rooms: Default::default(),
        })
        .await
        .unwrap();
    (tenant, ada)
}

/// Each call signs at a second of its own: the same request signed in the same
/// second is the same signature, which the API takes for a replay.
async fn call(
    deps: &Deps,
    method: &str,
    path: &str,
    body: &str,
    extra: &[(&str, &str)],
) -> ApiResponse {
    static SECOND: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(-200);
    let at = NOW_MS / 1000 + SECOND.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    handle(signed(method, path, body, extra, at), deps).await
}

#[tokio::test]
async fn a_scored_user_reads_back_with_a_breakdown_that_sums_to_the_score() {
    let deps = deps();
    let tenant = TenantId::parse("acme").unwrap();
    let ada = UserId::derive(&tenant, "ada");
    let config = TenantConfig::default();
    let made = contributions(
        &Activity::MessageSent {
            author: ada.clone(),
            parent: Parent::None,
        },
        NOW_MS - 86_400_000,
        &config.scoring,
    );
    deps.ports
        .store
        .score_event(&tenant, "e1", None, &made, &config, NOW_MS)
        .await
        .unwrap();
    for user in ["ada", ada.as_str()] {
        let response = call(
            &deps,
            "GET",
            &format!("/v1/tenants/acme/users/{user}/score"),
            "",
            &[],
        )
        .await;
        assert_eq!(response.status_code, 200, "{}", response.body);
        let body = response.value();
        let expected = 10.0 * (-0.05f64).exp();
        let score = body["score"].as_f64().unwrap();
        assert!((score - expected).abs() <= 1e-9 * expected, "{body}");
        assert_eq!(body["tier"], "none");
        assert_eq!(body["nextTier"], "silver");
        assert!((body["breakdown"]["thread_start"].as_f64().unwrap() - expected).abs() < 1e-9);
        assert_eq!(body["userId"], ada.as_str());
        assert_eq!(body["configVersion"], 0);
    }
    let unknown = call(&deps, "GET", "/v1/tenants/acme/users/nobody/score", "", &[]).await;
    assert_eq!(unknown.status_code, 404);
}

#[tokio::test]
async fn signatures_are_bound_to_the_request_and_good_once() {
    let deps = deps();
    let path = "/v1/tenants/acme/config";
    let request = signed("GET", path, "", &[], NOW_MS / 1000);
    assert_eq!(handle(request.clone(), &deps).await.status_code, 200);
    // The same request again: a replay.
    let replay = handle(request.clone(), &deps).await;
    assert_eq!(replay.status_code, 401);
    assert!(replay.body.contains("already used"), "{}", replay.body);
    // Its signature on another route.
    let mut moved = request.clone();
    moved.raw_path = "/v1/tenants/acme/users/ada/score".into();
    assert_eq!(handle(moved, &deps).await.status_code, 401);
    // Too old, unsigned, no secret configured.
    let old = signed("GET", path, "", &[], NOW_MS / 1000 - 301);
    assert_eq!(handle(old, &deps).await.status_code, 401);
    let unsigned = ApiRequest::new("GET", path, HashMap::new(), String::new());
    assert_eq!(handle(unsigned, &deps).await.status_code, 401);
    let closed = ApiDeps {
        secret: None,
        ..deps
    };
    let fresh = signed("GET", path, "", &[], NOW_MS / 1000 + 1);
    assert_eq!(handle(fresh, &closed).await.status_code, 403);
}

#[tokio::test]
async fn config_changes_are_versioned_checked_and_refused_when_stale() {
    let deps = deps();
    let path = "/v1/tenants/acme/config";
    let first = call(&deps, "GET", path, "", &[]).await;
    assert_eq!(first.value()["version"], 0);
    assert_eq!(first.value()["config"]["scoring"]["threadStart"], 10.0);

    let doc = r#"{"scoring": {"threadStart": 12}, "moderation": {"linksMinReputation": 0.6}}"#;
    let put = call(&deps, "PUT", path, doc, &[("If-Match", "0")]).await;
    assert_eq!(put.status_code, 200, "{}", put.body);
    assert_eq!(put.value()["version"], 1);
    let now = deps
        .settings
        .current(&deps.ports.store, &TenantId::parse("acme").unwrap(), NOW_MS)
        .await
        .unwrap();
    assert_eq!(now.config.scoring.thread_start, 12.0);

    // The same change again (its answer lost, say): the same answer, stored once.
    let retried = call(&deps, "PUT", path, doc, &[("If-Match", "0")]).await;
    assert_eq!(retried.status_code, 200, "{}", retried.body);
    assert_eq!(retried.value()["version"], 1);
    assert_eq!(retried.value()["updatedAt"], put.value()["updatedAt"]);

    // Stale, bad, and unconditional writes store nothing.
    let stale = call(&deps, "PUT", path, "{}", &[("If-Match", "0")]).await;
    assert_eq!(stale.status_code, 409);
    assert_eq!(stale.value()["currentVersion"], 1);
    for (doc, field) in [
        (r#"{"scoring": {"decayPerDay": -1}}"#, "scoring.decayPerDay"),
        (r#"{"tiers": {"silver": 600}}"#, "tiers.gold"),
        (r#"{"scoring": {"thredStart": 1}}"#, "scoring.thredStart"),
        (
            r#"{"moderation": {"toxicityThreshold": 3}}"#,
            "moderation.toxicityThreshold",
        ),
        (r#"{"moderation": {"colour": "red"}}"#, "moderation.colour"),
        ("not json", "."),
    ] {
        let bad = call(&deps, "PUT", path, doc, &[("If-Match", "1")]).await;
        assert_eq!(bad.status_code, 400, "{doc}: {}", bad.body);
        assert_eq!(bad.value()["path"], field, "{doc}");
    }
    assert_eq!(call(&deps, "PUT", path, "{}", &[]).await.status_code, 428);
    let current = call(&deps, "GET", path, "", &[]).await.value();
    assert_eq!(current["version"], 1);
    assert_eq!(current["config"]["scoring"]["threadStart"], 12.0);

    // Rollback: version 1 written back as version 2.
    let v2 = call(
        &deps,
        "PUT",
        path,
        r#"{"scoring": {"threadStart": 20}}"#,
        &[("If-Match", "1")],
    )
    .await;
    assert_eq!(v2.value()["version"], 2);
    let old = call(&deps, "GET", &format!("{path}?version=1"), "", &[])
        .await
        .value();
    let back = call(
        &deps,
        "PUT",
        path,
        &old["config"].to_string(),
        &[("If-Match", "2")],
    )
    .await;
    assert_eq!(back.value()["version"], 3);
    assert_eq!(back.value()["config"], old["config"]);
    assert_eq!(
        call(&deps, "GET", &format!("{path}?version=9"), "", &[])
            .await
            .status_code,
        404
    );
    assert_eq!(
        call(&deps, "GET", &format!("{path}?version=x"), "", &[])
            .await
            .status_code,
        400
    );
}

#[tokio::test]
async fn unknown_routes_tenants_and_methods_are_refused() {
    let deps = deps();
    assert_eq!(
        call(&deps, "GET", "/v1/tenants/acme/nothing", "", &[])
            .await
            .status_code,
        404
    );
    assert_eq!(
        call(&deps, "GET", "/v2/anything", "", &[])
            .await
            .status_code,
        404
    );
    assert_eq!(
        call(&deps, "GET", "/v1/tenants/bad%20tenant/config", "", &[])
            .await
            .status_code,
        404
    );
    assert_eq!(
        call(&deps, "DELETE", "/v1/tenants/acme/config", "", &[])
            .await
            .status_code,
        405
    );
    assert_eq!(
        call(&deps, "GET", "/v1/tenants/acme/users/%zz/score", "", &[])
            .await
            .status_code,
        404
    );
}

#[tokio::test]
async fn erasure_requests_are_taken_once_and_read_back_without_the_user() {
    let deps = deps();
    let (_, ada) = ada_connected(&deps).await;

    let first = call(&deps, "POST", "/v1/tenants/acme/users/ada/erasure", "", &[]).await;
    assert_eq!(first.status_code, 202, "{}", first.body);
    let body: Value = serde_json::from_str(&first.body).unwrap();
    assert_eq!(body["status"], "pending");
    let id = body["requestId"].as_str().unwrap().to_owned();
    // The host's id or the canonical one: the same request.
    let again = call(
        &deps,
        "POST",
        &format!("/v1/tenants/acme/users/{ada}/erasure"),
        "",
        &[],
    )
    .await;
    assert_eq!(again.status_code, 202);
    assert!(again.body.contains(&id));

    let status = call(
        &deps,
        "GET",
        &format!("/v1/tenants/acme/erasures/{id}"),
        "",
        &[],
    )
    .await;
    assert_eq!(status.status_code, 200, "{}", status.body);
    assert!(status.body.contains("\"pending\""));
    assert!(!status.body.contains(ada.as_str()));

    // The on-demand run takes it to completion; the receipt names nobody.
    let run = call(&deps, "POST", "/v1/tenants/acme/retention/run", "", &[]).await;
    assert_eq!(run.status_code, 200, "{}", run.body);
    let status = call(
        &deps,
        "GET",
        &format!("/v1/tenants/acme/erasures/{id}"),
        "",
        &[],
    )
    .await;
    let view: Value = serde_json::from_str(&status.body).unwrap();
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["receipt"]["seq"], 1);
    assert_eq!(view["receipt"]["counts"]["profile"], 1);
    assert!(!status.body.contains(ada.as_str()));
    assert!(!status.body.contains("Ada"));

    for (method, path, want) in [
        ("POST", "/v1/tenants/acme/users/nobody/erasure", 404),
        ("POST", "/v1/tenants/acme/users/%ZZ/erasure", 400),
        ("GET", "/v1/tenants/acme/erasures/not-an-id", 400),
        (
            "GET",
            "/v1/tenants/acme/erasures/00000000-0000-4000-8000-000000000000",
            404,
        ),
        ("DELETE", "/v1/tenants/acme/erasures/x", 405),
        ("GET", "/v1/tenants/acme/users/ada/erasure", 405),
    ] {
        let response = call(&deps, method, path, "", &[]).await;
        assert_eq!(
            response.status_code, want,
            "{method} {path}: {}",
            response.body
        );
    }
    assert_eq!(
        deps.ports.store.due_erasures(10).await.unwrap().len(),
        1,
        "unknown users leave no request (the one due is ada's re-check)"
    );
}

#[tokio::test]
async fn a_large_export_is_kept_as_a_file_and_answered_with_a_link() {
    let deps = Deps {
        export_inline_bytes: 64,
        ..deps()
    };
    let (tenant, ada) = ada_connected(&deps).await;
    let response = call(&deps, "POST", "/v1/tenants/acme/users/ada/export", "", &[]).await;
    assert_eq!(response.status_code, 200, "{}", response.body);
    let link = response.value();
    assert_eq!(link["format"], "sideline.user-export-link", "{link}");
    assert_eq!(link["expiresAt"], format_time(NOW_MS + 3_600_000));
    assert!(
        !response.body.contains(ada.as_str()),
        "the link names nobody"
    );
    let url = link["url"].as_str().unwrap();
    let subject = url
        .strip_prefix("memory://exports/acme/")
        .and_then(|rest| rest.strip_suffix(".json"))
        .unwrap();
    assert!(subject.starts_with("h_"), "{url}");
    let kept = deps.files.kept(&tenant, subject).unwrap();
    assert_eq!(link["bytes"], kept.len());
    let document: Value = serde_json::from_slice(&kept).unwrap();
    assert_eq!(document["format"], "sideline.user-export");
    assert_eq!(document["userId"], ada.as_str());
    assert_eq!(document["profile"]["name"], "Ada");

    // Small enough: answered whole, nothing more kept.
    let whole = Deps {
        export_inline_bytes: DEFAULT_EXPORT_INLINE_BYTES,
        limits: Default::default(),
        ..deps
    };
    let response = call(&whole, "POST", "/v1/tenants/acme/users/ada/export", "", &[]).await;
    assert_eq!(response.value()["format"], "sideline.user-export");
    assert_eq!(whole.files.len(), 1);

    // Erasing the user removes the file with the rest.
    let erase = call(
        &whole,
        "POST",
        "/v1/tenants/acme/users/ada/erasure",
        "",
        &[],
    )
    .await;
    assert_eq!(erase.status_code, 202, "{}", erase.body);
    let run = call(&whole, "POST", "/v1/tenants/acme/retention/run", "", &[]).await;
    assert_eq!(run.status_code, 200, "{}", run.body);
    assert_eq!(run.value()["erasures"]["completed"], 1, "{}", run.body);
    assert!(whole.files.is_empty());
}

#[tokio::test]
async fn a_retried_settings_change_records_its_holds_once() {
    let deps = deps();
    let tenant = TenantId::parse("acme").unwrap();
    let ada = UserId::derive(&tenant, "ada");
    let path = "/v1/tenants/acme/config";
    let doc = format!(r#"{{"retention": {{"legalHold": {{"users": ["{ada}"]}}}}}}"#);
    for _ in 0..2 {
        let put = call(&deps, "PUT", path, &doc, &[("If-Match", "0")]).await;
        assert_eq!(put.status_code, 200, "{}", put.body);
        assert_eq!(put.value()["version"], 1);
    }
    let holds: Vec<_> = deps
        .ports
        .store
        .decisions()
        .into_iter()
        .filter(|d| d.kind == sideline_domain::moderation::DecisionKind::LegalHoldSet)
        .collect();
    assert_eq!(holds.len(), 1, "{holds:?}");
    assert_eq!(holds[0].subject.as_ref(), Some(&ada));
    // Another document on the same base is still a conflict.
    let other = call(&deps, "PUT", path, "{}", &[("If-Match", "0")]).await;
    assert_eq!(other.status_code, 409);
}

fn body_of(response: &ApiResponse) -> Value {
    serde_json::from_str(&response.body).unwrap_or(Value::Null)
}

/// Ada connected and in `match:9`, her frames so far taken.
async fn ada_in_the_room(deps: &Deps) -> sideline_domain::ids::ConnectionId {
    let (tenant, ada) = ada_connected(deps).await;
    let id = sideline_domain::ids::ConnectionId::parse("ada-1").unwrap();
    deps.ports.connections.open(&id);
    sideline_ports::RoomStore::join_room(
        &deps.ports.store,
        &tenant,
        &RoomId::parse("match:9").unwrap(),
        &sideline_domain::connection::Member {
            connection_id: id.clone(),
            user: ada,
            name: "Ada".into(),
            role: sideline_domain::identity::Role::Member,
            joined_at_ms: NOW_MS,
            expires_at_s: NOW_MS / 1000 + 7800,
            correlation_id: None,
            tier: Tier::None,
        },
        50,
    )
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn the_host_sets_up_a_room_and_bad_settings_change_nothing() {
    let deps = deps();
    let path = "/v1/tenants/acme/rooms/match:9";
    assert_eq!(call(&deps, "GET", path, "", &[]).await.status_code, 404);
    let good = r#"{"title":"Ajax – PSV","object":"match:9","opensAt":"2027-01-15T08:00:00Z","closesAt":"2027-01-15T10:00:00Z"}"#;
    let set = call(&deps, "PUT", path, good, &[]).await;
    assert_eq!(set.status_code, 200, "{}", set.body);
    let room = body_of(&set);
    assert_eq!(room["title"], "Ajax – PSV");
    assert_eq!(room["opensAt"], "2027-01-15T08:00:00.000Z");
    assert_eq!(room["mode"], "open");
    for (bad, says) in [
        (r#"{"title":""}"#, "title"),
        (r#"{"opensAt":"tomorrow"}"#, "opensAt"),
        (
            r#"{"opensAt":"2027-01-15T10:00:00Z","closesAt":"2027-01-15T08:00:00Z"}"#,
            "after",
        ),
        (r#"{"colour":"red"}"#, "unknown field"),
        ("[1]", "invalid type"),
    ] {
        let refused = call(&deps, "PUT", path, bad, &[]).await;
        assert_eq!(refused.status_code, 400, "{bad}");
        assert!(refused.body.contains(says), "{bad}: {}", refused.body);
    }
    let read = call(&deps, "GET", path, "", &[]).await;
    assert_eq!(body_of(&read), room, "the refusals changed nothing");
    let bad_room = call(&deps, "GET", "/v1/tenants/acme/rooms/bad%20room", "", &[]).await;
    assert_eq!(bad_room.status_code, 400);
    assert_eq!(call(&deps, "DELETE", path, "", &[]).await.status_code, 405);
}

#[tokio::test]
async fn a_system_message_reaches_the_room_and_a_retry_is_the_same_message() {
    let deps = deps();
    let ada = ada_in_the_room(&deps).await;
    let path = "/v1/tenants/acme/rooms/match:9/messages";
    let body = r#"{"text":"GOAL! 2–1","name":"Match centre","clientMsgId":"goal-67"}"#;
    let posted = call(&deps, "POST", path, body, &[]).await;
    assert_eq!(posted.status_code, 201, "{}", posted.body);
    let frames = deps.ports.connections.take(&ada);
    assert_eq!(frames[0]["type"], "message");
    assert_eq!(frames[0]["text"], "GOAL! 2–1");
    assert_eq!(frames[0]["system"], true);
    assert_eq!(frames[0]["author"]["name"], "Match centre");
    assert_eq!(frames[0]["seq"], 1, "numbered like members' messages");
    let again = call(&deps, "POST", path, body, &[]).await;
    assert_eq!(again.status_code, 200);
    assert_eq!(body_of(&again)["duplicate"], true);
    assert_eq!(body_of(&again)["messageId"], body_of(&posted)["messageId"]);
    assert!(
        deps.ports.connections.take(&ada).is_empty(),
        "a retry is not sent twice"
    );
    // The retry took no number: the next message is the next one.
    let next = call(&deps, "POST", path, r#"{"text":"Half time"}"#, &[]).await;
    assert_eq!(next.status_code, 201, "{}", next.body);
    assert_eq!(deps.ports.connections.take(&ada)[0]["seq"], 2);
    for bad in [
        r#"{"text":"  "}"#,
        r#"{"text":"hi","name":""}"#,
        r#"{}"#,
        r#"{"text":"hi","replyTo":"x"}"#,
    ] {
        assert_eq!(
            call(&deps, "POST", path, bad, &[]).await.status_code,
            400,
            "{bad}"
        );
    }
    assert_eq!(deps.ports.store.message_count(), 2);
    // The system author is no user of the API's.
    let system = format!("/v1/tenants/acme/users/{}/score", system_author());
    assert_eq!(call(&deps, "GET", &system, "", &[]).await.status_code, 404);
}

#[tokio::test]
async fn the_backend_creates_and_closes_polls_the_room_sees() {
    let deps = deps();
    let ada = ada_in_the_room(&deps).await;
    let path = "/v1/tenants/acme/rooms/match:9/polls";
    let created = call(
        &deps,
        "POST",
        path,
        r#"{"question":"Man of the match?","options":["De Jong","Tadić"],"closesInS":600,"context":{"object":"match:9","at":"90:00"}}"#,
        &[],
    )
    .await;
    assert_eq!(created.status_code, 201, "{}", created.body);
    let poll = body_of(&created)["poll"].clone();
    assert_eq!(poll["status"], "open");
    let frames = deps.ports.connections.take(&ada);
    assert_eq!(frames[0]["type"], "poll");
    assert_eq!(frames[0]["poll"]["id"], poll["id"]);
    for bad in [
        r#"{"question":"Q?","options":["one"]}"#,
        r#"{"question":"Q?","options":["a","b"],"closesInS":-1}"#,
        r#"{"question":"Q?"}"#,
        r#"{"question":"Q?","options":["a","b"],"closesIn":60}"#,
        r#"not json"#,
    ] {
        assert_eq!(
            call(&deps, "POST", path, bad, &[]).await.status_code,
            400,
            "{bad}"
        );
    }
    let id = poll["id"].as_str().unwrap();
    let close = format!("{path}/{id}/close");
    let closed = call(&deps, "POST", &close, "", &[]).await;
    assert_eq!(closed.status_code, 200, "{}", closed.body);
    assert_eq!(body_of(&closed)["poll"]["status"], "closed");
    assert_eq!(
        deps.ports.connections.take(&ada)[0]["poll"]["status"],
        "closed"
    );
    assert_eq!(call(&deps, "POST", &close, "", &[]).await.status_code, 409);
    let unknown = format!("{path}/01a1fd1e-9833-7c11-9d4e-0a1b2c3d4e5f/close");
    assert_eq!(
        call(&deps, "POST", &unknown, "", &[]).await.status_code,
        404
    );
}
