//! [`ScoreStore`]: a user's score and its capped buckets in a partition of their
//! own (`T#{tenant}#S#{userId}`, apart from the user's sanctions, which `send` reads
//! on every message), and a mark per scored event. One event's mark, buckets and
//! scores are one transaction; each bucket and score carries a version, so two
//! events touching the same user cannot both write from the same reading.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | score and tier | `T#{tenant}#S#{userId}` | `SCORE` |
//! | tier change (the outbox's; the tier history) | `T#{tenant}#S#{userId}` | `TIER#{at}#{from}#{to}` |
//! | bucket (own) | `T#{tenant}#S#{userId}` | `B#O#{kind}#{day}` |
//! | bucket (given) | `T#{tenant}#S#{author}` | `B#G#{giver}#{day}` |
//! | credit given (the giver's note of it) | `T#{tenant}#S#{giver}` | `GAVE#{author}#{day}` |
//! | a filed tier check (the user's note of it) | `T#{tenant}#S#{user}` | `DEMOTE#{due}` |
//! | bucket (uncapped) | `T#{tenant}#S#{userId}` | `B#U` |
//! | scored event | `T#{tenant}#SCORED#{eventId}` | `SCORED` |

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_domain::scoring::{
    board_key, standings_after, Bucket, BucketKey, Contribution, Decayed, Kind, Standing, Tier,
    TierChange, TierState, Touched, Window, DAY_MS,
};
use sideline_domain::tenant::TenantConfig;
use sideline_ports::{
    BackendError, Board, BoardEntry, DueDemotion, Rank, ScoreChange, ScoreError, ScoreRecords,
    ScoreStore, Scored, DEMOTION_LOOKBACK_MS, EXACT_RANKS, MAX_BOARD_DEPTH,
};

use super::schema::{window_index, LEADERBOARD_INDEX};

use super::codec::{n, s, tier_change_from, tier_change_item, Attrs};
use super::{
    build_error, cancelled_conditions,
    keys::{self, key},
    unavailable, DynamoStore, Item,
};

/// Buckets outlive their day by this much: a reaction removed later still lands
/// in its day's bucket.
const BUCKET_TTL_SECS: i64 = 400 * 86_400;
/// How long an event's mark keeps a replay from scoring it again.
const SCORED_TTL_SECS: i64 = 400 * 86_400;
/// Attempts when other events keep changing the same scores.
const ATTEMPTS: usize = 5;

fn score_pk(tenant: &TenantId, user: &UserId) -> String {
    keys::score_pk(tenant, user)
}

fn score_key(tenant: &TenantId, user: &UserId) -> Item {
    key(score_pk(tenant, user), "SCORE")
}

fn bucket_key(tenant: &TenantId, bucket: &BucketKey) -> Item {
    let sk = match bucket {
        BucketKey::Own { kind, day, .. } => format!("B#O#{}#{day}", kind.as_str()),
        BucketKey::Given { giver, day, .. } => format!("B#G#{giver}#{day}"),
        BucketKey::Uncapped { .. } => "B#U".to_owned(),
    };
    key(score_pk(tenant, bucket.user()), sk)
}

/// The bucket a sort key names (the inverse of [`bucket_key`]'s).
fn bucket_from_sk(user: &UserId, sk: &str) -> Result<BucketKey, BackendError> {
    let corrupt = || BackendError::corrupt(format!("bucket key `{sk}`"));
    let day = |raw: &str| raw.parse::<i64>().map_err(|_| corrupt());
    match sk.split('#').collect::<Vec<_>>().as_slice() {
        ["B", "U"] => Ok(BucketKey::Uncapped { user: user.clone() }),
        ["B", "O", kind, d] => Ok(BucketKey::Own {
            user: user.clone(),
            kind: Kind::parse(kind).ok_or_else(corrupt)?,
            day: day(d)?,
        }),
        ["B", "G", giver, d] => Ok(BucketKey::Given {
            author: user.clone(),
            giver: UserId::parse(giver).map_err(|_| corrupt())?,
            day: day(d)?,
        }),
        _ => Err(corrupt()),
    }
}

fn decayed_from(a: &Attrs<'_>) -> Result<Option<Decayed>, BackendError> {
    match (a.0.get("value"), a.0.get("at")) {
        (Some(_), Some(_)) => Ok(Some(Decayed::new(a.float("value")?, a.num("at")?))),
        _ => Ok(None),
    }
}

fn put_versioned(
    table: &str,
    item: Item,
    version: Option<i64>,
) -> Result<TransactWriteItem, BackendError> {
    let put = Put::builder().table_name(table).set_item(Some(item));
    let put = match version {
        Some(v) => put
            .condition_expression("version = :v")
            .expression_attribute_values(":v", n(v)),
        None => put.condition_expression("attribute_not_exists(PK)"),
    };
    Ok(TransactWriteItem::builder()
        .put(put.build().map_err(build_error)?)
        .build())
}

/// What an event touches, as read, with the versions the write is conditional on.
#[derive(Default)]
struct Read {
    touched: Touched,
    /// The touched users' scores in the event's room, with their versions.
    rooms: BTreeMap<UserId, (Decayed, i64)>,
    /// The touched users' points in each window, as kept.
    windows: BTreeMap<UserId, Vec<(Window, String, f64)>>,
    tiers: BTreeMap<UserId, TierState>,
    bucket_versions: BTreeMap<BucketKey, i64>,
    score_versions: BTreeMap<UserId, i64>,
}

fn tier_from(a: &Attrs<'_>) -> Result<TierState, BackendError> {
    match a.opt_str("tier") {
        None => Ok(TierState::START),
        Some(raw) => Ok(TierState {
            tier: Tier::parse(raw).ok_or_else(|| BackendError::corrupt(format!("tier `{raw}`")))?,
            promoted_at_ms: a.num("promotedAt")?,
        }),
    }
}

/// Shards of a tenant's board: each scored event writes one, so a tenant's
/// events spread over this many index partitions.
pub const TENANT_BOARD_SHARDS: u64 = 8;

/// FNV-1a of a user id: which shard of the tenant board they are on.
fn shard_of(user: &UserId) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in user.as_str().bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash % TENANT_BOARD_SHARDS
}

/// Where a board lives: its index, the index's key attributes, its partitions.
struct BoardIndex {
    index: &'static str,
    pk: &'static str,
    sk: &'static str,
    partitions: Vec<String>,
}

/// The attributes of a window on the score item: its period, its points, and
/// the index keys.
fn window_attrs(window: Window) -> (&'static str, &'static str, &'static str, &'static str) {
    match window {
        Window::Week => ("wk", "wkPts", "wkPk", "wkSk"),
        Window::Month => ("mo", "moPts", "moPk", "moSk"),
        Window::Season => ("ss", "ssPts", "ssPk", "ssSk"),
    }
}

fn window_partition(tenant: &TenantId, window: Window, period: &str, user: &UserId) -> String {
    format!("T#{tenant}#{}#{period}#{}", window.as_str(), shard_of(user))
}

fn board_index(tenant: &TenantId, board: &Board) -> BoardIndex {
    match board {
        Board::Tenant => BoardIndex {
            index: LEADERBOARD_INDEX,
            pk: "lbPk",
            sk: "lbSk",
            partitions: (0..TENANT_BOARD_SHARDS)
                .map(|shard| format!("T#{tenant}#LB#T#{shard}"))
                .collect(),
        },
        Board::Room(room) => BoardIndex {
            index: LEADERBOARD_INDEX,
            pk: "lbPk",
            sk: "lbSk",
            partitions: vec![format!("T#{tenant}#LB#R#{room}")],
        },
        Board::Window { window, period } => {
            let (_, _, pk, sk) = window_attrs(*window);
            BoardIndex {
                index: window_index(*window),
                pk,
                sk,
                partitions: (0..TENANT_BOARD_SHARDS)
                    .map(|shard| format!("T#{tenant}#{}#{period}#{shard}", window.as_str()))
                    .collect(),
            }
        }
    }
}

/// A user's points in each window's current period, as the score item keeps them.
fn windows_from(a: &Attrs<'_>) -> Result<Vec<(Window, String, f64)>, BackendError> {
    let mut out = Vec::new();
    for window in Window::ALL {
        let (period, points, _, _) = window_attrs(window);
        if let Some(p) = a.opt_str(period) {
            out.push((window, p.to_owned(), a.float(points)?));
        }
    }
    Ok(out)
}

/// Writes the windows onto a score item, on their boards when positive.
fn put_windows(
    item: &mut Item,
    tenant: &TenantId,
    user: &UserId,
    windows: &[(Window, String, f64)],
) {
    for (window, period, points) in windows {
        let (period_attr, points_attr, pk, sk) = window_attrs(*window);
        item.insert(period_attr.into(), s(period.clone()));
        item.insert(points_attr.into(), n(*points));
        if *points > 0.0 {
            item.insert(
                pk.into(),
                s(window_partition(tenant, *window, period, user)),
            );
            item.insert(sk.into(), n(*points));
        }
    }
}

/// Puts an item on its board (a sparse index): its partition and sort key, or
/// neither when its score is not positive.
fn place(item: &mut Item, partition: String, score: &Decayed, decay_per_day: f64) {
    if let Some(key) = board_key(score, decay_per_day) {
        item.insert("lbPk".into(), s(partition));
        item.insert("lbSk".into(), n(key));
    }
}

fn score_item(
    tenant: &TenantId,
    user: &UserId,
    standing: &Standing,
    version: i64,
    decay_per_day: f64,
) -> Item {
    let mut item = score_key(tenant, user);
    item.insert("kind".into(), s("score"));
    item.insert("userId".into(), s(user.as_str()));
    item.insert("value".into(), n(standing.score.value));
    item.insert("at".into(), n(standing.score.at_ms));
    item.insert("tier".into(), s(standing.tier.tier.as_str()));
    item.insert("promotedAt".into(), n(standing.tier.promoted_at_ms));
    item.insert("version".into(), n(version));
    super::expiry::stamp(
        &mut item,
        tenant,
        sideline_domain::retention::Class::ReadModels,
        standing.score.at_ms,
    );
    place(
        &mut item,
        format!("T#{tenant}#LB#T#{}", shard_of(user)),
        &standing.score,
        decay_per_day,
    );
    item
}

const HOUR_MS: i64 = 3_600_000;

/// A filed tier check: in its hour's partition, sorted by when it is due.
fn demotion_key(due: &DueDemotion) -> Item {
    key(
        format!("DEMOTE#{}", due.due_ms.div_euclid(HOUR_MS)),
        format!("{:013}#{}#{}", due.due_ms, due.tenant, due.user),
    )
}

/// The user's own record of a filed check (`T#{tenant}#S#{user}` /
/// `DEMOTE#{due}`), so erasure finds the check through the user.
fn demotion_pointer(due: &DueDemotion) -> Item {
    let mut item = keys_of_pointer(due);
    item.insert("kind".into(), s("demotion_ref"));
    item.insert(
        "ttl".into(),
        n(due.due_ms / 1000 + DEMOTION_LOOKBACK_MS / 1000 + 86_400),
    );
    item
}

fn keys_of_pointer(due: &DueDemotion) -> Item {
    key(
        score_pk(&due.tenant, &due.user),
        format!("DEMOTE#{:013}", due.due_ms),
    )
}

fn demotion_item(due: &DueDemotion) -> Item {
    let mut item = demotion_key(due);
    item.insert("kind".into(), s("demotion"));
    item.insert("tenant".into(), s(due.tenant.as_str()));
    item.insert("userId".into(), s(due.user.as_str()));
    item.insert("due".into(), n(due.due_ms));
    // Checks left unhandled past the pass's look-back are dropped by the table.
    item.insert(
        "ttl".into(),
        n(due.due_ms / 1000 + DEMOTION_LOOKBACK_MS / 1000 + 86_400),
    );
    item
}

fn room_key(tenant: &TenantId, user: &UserId, room: &RoomId) -> Item {
    key(score_pk(tenant, user), format!("R#{room}"))
}

fn tier_put(table: &str, change: &TierChange) -> Result<TransactWriteItem, BackendError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(tier_change_item(change)))
                .build()
                .map_err(build_error)?,
        )
        .build())
}

impl DynamoStore {
    /// Reads the buckets and scores an event touches, with their versions.
    async fn touched(
        &self,
        tenant: &TenantId,
        room: Option<&RoomId>,
        contributions: &[Contribution],
    ) -> Result<Read, BackendError> {
        let (bucket_keys, users) = Touched::keys(contributions);
        let mut read = Read::default();
        for bucket in bucket_keys {
            if let Some(item) = self.get(bucket_key(tenant, &bucket)).await? {
                let a = Attrs(&item);
                let raw = a.float("raw")?;
                read.bucket_versions
                    .insert(bucket.clone(), a.num("version")?);
                read.touched.buckets.insert(
                    bucket,
                    Bucket {
                        raw,
                        sum: decayed_from(&a)?,
                    },
                );
            }
        }
        for user in users {
            if let Some(item) = self.get(score_key(tenant, &user)).await? {
                let a = Attrs(&item);
                read.score_versions.insert(user.clone(), a.num("version")?);
                read.tiers.insert(user.clone(), tier_from(&a)?);
                read.windows.insert(user.clone(), windows_from(&a)?);
                if let Some(score) = decayed_from(&a)? {
                    read.touched.scores.insert(user.clone(), score);
                }
            }
            if let Some(room) = room {
                if let Some(item) = self.get(room_key(tenant, &user, room)).await? {
                    let a = Attrs(&item);
                    let score = decayed_from(&a)?.unwrap_or(Decayed::ZERO);
                    read.rooms.insert(user, (score, a.num("version")?));
                }
            }
        }
        Ok(read)
    }
}

impl ScoreStore for DynamoStore {
    async fn score_event(
        &self,
        tenant: &TenantId,
        event_id: &str,
        room: Option<&RoomId>,
        contributions: &[Contribution],
        config: &TenantConfig,
        now_ms: i64,
    ) -> Result<Scored, ScoreError> {
        // A tenant seen only through host events is listed for retention here.
        self.register_tenant(tenant, now_ms).await?;
        let mut mark = key(format!("T#{tenant}#SCORED#{event_id}"), "SCORED");
        mark.insert("kind".into(), s("scored"));
        let newest = contributions.iter().map(|c| c.at_ms).max().unwrap_or(0);
        mark.insert("ttl".into(), n(newest / 1000 + SCORED_TTL_SECS));
        let lambda = config.scoring.decay_per_day;
        for _ in 0..ATTEMPTS {
            let mut read = self.touched(tenant, room, contributions).await?;
            let before = read.touched.scores.clone();
            read.touched.apply_for(contributions, config);
            let mut request = self
                .client
                .transact_write_items()
                .transact_items(put_versioned(&self.table, mark.clone(), None)?);
            for (bucket, state) in &read.touched.buckets {
                let mut item = bucket_key(tenant, bucket);
                item.insert("kind".into(), s("score_bucket"));
                item.insert("raw".into(), n(state.raw));
                if let Some(sum) = state.sum {
                    item.insert("value".into(), n(sum.value));
                    item.insert("at".into(), n(sum.at_ms));
                }
                let version = read.bucket_versions.get(bucket).copied();
                item.insert("version".into(), n(version.unwrap_or(0) + 1));
                if let BucketKey::Own { day, .. } | BucketKey::Given { day, .. } = bucket {
                    item.insert(
                        "ttl".into(),
                        n((day + 1).saturating_mul(DAY_MS) / 1000 + BUCKET_TTL_SECS),
                    );
                }
                // A new bucket of credit given is noted in the giver's partition
                // too (`GAVE#{author}#{day}`), so erasing the giver finds it.
                if let (BucketKey::Given { author, giver, day }, None) = (bucket, version) {
                    let mut gave = key(score_pk(tenant, giver), format!("GAVE#{author}#{day}"));
                    gave.insert("kind".into(), s("gave"));
                    if let Some(ttl) = item.get("ttl") {
                        gave.insert("ttl".into(), ttl.clone());
                    }
                    request = request.transact_items(
                        TransactWriteItem::builder()
                            .put(
                                Put::builder()
                                    .table_name(&self.table)
                                    .set_item(Some(gave))
                                    .build()
                                    .map_err(build_error)?,
                            )
                            .build(),
                    );
                }
                request = request.transact_items(put_versioned(&self.table, item, version)?);
            }
            let standings = standings_after(
                &read.touched.scores,
                &read.tiers,
                lambda,
                |u| config.tiers_for(u),
                now_ms,
            );
            let mut changed = Vec::with_capacity(standings.len());
            for (user, standing, previous) in standings {
                let version = read.score_versions.get(&user).copied();
                let mut item =
                    score_item(tenant, &user, &standing, version.unwrap_or(0) + 1, lambda);
                // What the event changed the user's score by: their points in the
                // windows' current periods, and in the event's room.
                let old = before.get(&user).copied().unwrap_or(Decayed::ZERO);
                let delta = standing.score.minus(&old, lambda);
                let kept = read.windows.get(&user);
                let windows: Vec<(Window, String, f64)> = Window::ALL
                    .into_iter()
                    .filter_map(|window| {
                        let period = config.period(window, now_ms)?;
                        let had = kept
                            .and_then(|w| w.iter().find(|(w, p, _)| *w == window && *p == period))
                            .map_or(0.0, |(_, _, points)| *points);
                        let earned = read.touched.earned.get(&user).copied().unwrap_or(0.0);
                        Some((window, period, had + earned))
                    })
                    .collect();
                put_windows(&mut item, tenant, &user, &windows);
                request = request.transact_items(put_versioned(&self.table, item, version)?);
                if let Some(room) = room {
                    let (there, version) = match read.rooms.get(&user) {
                        Some((score, version)) => (*score, Some(*version)),
                        None => (Decayed::ZERO, None),
                    };
                    let after = there.plus(&delta, lambda);
                    let mut item = room_key(tenant, &user, room);
                    item.insert("kind".into(), s("room_score"));
                    item.insert("userId".into(), s(user.as_str()));
                    item.insert("value".into(), n(after.value));
                    item.insert("at".into(), n(after.at_ms));
                    item.insert("version".into(), n(version.unwrap_or(0) + 1));
                    super::expiry::stamp(
                        &mut item,
                        tenant,
                        sideline_domain::retention::Class::ReadModels,
                        after.at_ms,
                    );
                    place(&mut item, format!("T#{tenant}#LB#R#{room}"), &after, lambda);
                    request = request.transact_items(put_versioned(&self.table, item, version)?);
                }
                if previous < standing.tier.tier {
                    if let Some(due_ms) =
                        standing.demotion_due(&config.scoring, config.tiers_for(&user))
                    {
                        let due = DueDemotion {
                            tenant: tenant.clone(),
                            user: user.clone(),
                            due_ms,
                        };
                        for item in [demotion_item(&due), demotion_pointer(&due)] {
                            request = request.transact_items(
                                TransactWriteItem::builder()
                                    .put(
                                        Put::builder()
                                            .table_name(&self.table)
                                            .set_item(Some(item))
                                            .build()
                                            .map_err(build_error)?,
                                    )
                                    .build(),
                            );
                        }
                    }
                }
                if previous != standing.tier.tier {
                    request = request.transact_items(tier_put(
                        &self.table,
                        &TierChange {
                            tenant: tenant.clone(),
                            user: user.clone(),
                            from: previous,
                            to: standing.tier.tier,
                            score: standing.score.at(now_ms, lambda),
                            at_ms: now_ms,
                        },
                    )?);
                }
                changed.push(ScoreChange {
                    user,
                    standing,
                    previous,
                });
            }
            let items = request.get_transact_items().as_ref().map_or(0, Vec::len);
            match request.send().await {
                Ok(_) => {
                    self.score_items
                        .fetch_add(items as u64, std::sync::atomic::Ordering::Relaxed);
                    return Ok(Scored::Changed(changed));
                }
                Err(err) => match cancelled_conditions(&err) {
                    Some(reasons) if reasons.first() == Some(&true) => {
                        return Ok(Scored::Duplicate)
                    }
                    Some(reasons) if reasons.iter().any(|failed| *failed) => continue,
                    _ => return Err(unavailable(err).into()),
                },
            }
        }
        Err(ScoreError::Contended)
    }

    async fn user_score(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<Standing>, ScoreError> {
        let Some(item) = self.get(score_key(tenant, user)).await? else {
            return Ok(None);
        };
        let a = Attrs(&item);
        let Some(score) = decayed_from(&a)? else {
            return Ok(None);
        };
        Ok(Some(Standing {
            score,
            tier: tier_from(&a)?,
        }))
    }

    async fn leaderboard(
        &self,
        tenant: &TenantId,
        board: &Board,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<BoardEntry>, ScoreError> {
        let depth = offset.saturating_add(limit).min(MAX_BOARD_DEPTH);
        if depth <= offset {
            return Ok(Vec::new());
        }
        // The top `depth` of each shard hold the top `depth` of the board.
        let mut entries: Vec<(f64, BoardEntry)> = Vec::new();
        let index = board_index(tenant, board);
        for partition in &index.partitions {
            let mut start = None;
            let mut taken = 0u32;
            loop {
                let page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(index.index)
                    .key_condition_expression("#pk = :p")
                    .expression_attribute_names("#pk", index.pk)
                    .expression_attribute_values(":p", s(partition.clone()))
                    .scan_index_forward(false)
                    .limit(i32::try_from(depth - taken).unwrap_or(i32::MAX))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(unavailable)?;
                for item in page.items() {
                    let a = Attrs(item);
                    let key = a.float(index.sk)?;
                    let score = if board.decays() {
                        match decayed_from(&a)? {
                            Some(score) => score,
                            None => continue,
                        }
                    } else {
                        Decayed::new(key, 0)
                    };
                    entries.push((
                        key,
                        BoardEntry {
                            user: a.user("userId")?,
                            score,
                        },
                    ));
                    taken += 1;
                }
                match page.last_evaluated_key {
                    Some(next) if !next.is_empty() && taken < depth => start = Some(next),
                    _ => break,
                }
            }
        }
        entries.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.user.cmp(&b.1.user)));
        Ok(entries
            .into_iter()
            .take(depth as usize)
            .skip(offset as usize)
            .map(|(_, e)| e)
            .collect())
    }

    async fn board_scores(&self, tenant: &TenantId) -> Result<Vec<(UserId, Standing)>, ScoreError> {
        let index = board_index(tenant, &Board::Tenant);
        let mut entries = Vec::new();
        for partition in &index.partitions {
            let mut start = None;
            loop {
                let page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(index.index)
                    .key_condition_expression("#pk = :p")
                    .expression_attribute_names("#pk", index.pk)
                    .expression_attribute_values(":p", s(partition.clone()))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(unavailable)?;
                for item in page.items() {
                    let a = Attrs(item);
                    if let Some(score) = decayed_from(&a)? {
                        let tier = tier_from(&a)?;
                        entries.push((a.user("userId")?, Standing { score, tier }));
                    }
                }
                match page.last_evaluated_key {
                    Some(next) if !next.is_empty() => start = Some(next),
                    _ => break,
                }
            }
        }
        Ok(entries)
    }

    async fn rank(
        &self,
        tenant: &TenantId,
        board: &Board,
        user: &UserId,
    ) -> Result<Option<(Rank, Decayed)>, ScoreError> {
        let own = match board {
            Board::Tenant | Board::Window { .. } => score_key(tenant, user),
            Board::Room(room) => room_key(tenant, user, room),
        };
        let Some(item) = self.get(own).await? else {
            return Ok(None);
        };
        let a = Attrs(&item);
        let index = board_index(tenant, board);
        if a.0.get(index.sk).is_none() {
            return Ok(None);
        }
        let mine = a.float(index.sk)?;
        let score = match board {
            Board::Window { window, period } => {
                let (period_attr, _, _, _) = window_attrs(*window);
                if a.opt_str(period_attr) != Some(period.as_str()) {
                    return Ok(None);
                }
                Decayed::new(mine, 0)
            }
            _ => match decayed_from(&a)? {
                Some(score) => score,
                None => return Ok(None),
            },
        };
        // Those above, counted no further than the exact ranks go.
        let mut above = 0u32;
        for partition in &index.partitions {
            let mut start = None;
            loop {
                let page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(index.index)
                    .key_condition_expression("#pk = :p AND #sk > :k")
                    .expression_attribute_names("#pk", index.pk)
                    .expression_attribute_names("#sk", index.sk)
                    .expression_attribute_values(":p", s(partition.clone()))
                    .expression_attribute_values(":k", n(mine))
                    .select(aws_sdk_dynamodb::types::Select::Count)
                    .limit(
                        i32::try_from(EXACT_RANKS - above.min(EXACT_RANKS))
                            .unwrap_or(1)
                            .max(1),
                    )
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(unavailable)?;
                above = above.saturating_add(u32::try_from(page.count()).unwrap_or(0));
                match page.last_evaluated_key {
                    Some(next) if !next.is_empty() && above < EXACT_RANKS => start = Some(next),
                    _ => break,
                }
            }
            if above >= EXACT_RANKS {
                return Ok(Some((Rank::Beyond(EXACT_RANKS), score)));
            }
        }
        Ok(Some((Rank::Exact(above + 1), score)))
    }

    async fn file_demotion(&self, due: &DueDemotion) -> Result<(), ScoreError> {
        // The user's record first: a check is never filed where erasure cannot
        // find it.
        self.put(demotion_pointer(due)).await?;
        Ok(self.put(demotion_item(due)).await?)
    }

    async fn due_demotions(
        &self,
        until_ms: i64,
        limit: usize,
    ) -> Result<Vec<DueDemotion>, ScoreError> {
        let from = until_ms.saturating_sub(DEMOTION_LOOKBACK_MS);
        let mut out = Vec::new();
        // An hour's checks are few: each partition is read whole, oldest first.
        for hour in from.div_euclid(HOUR_MS)..=until_ms.div_euclid(HOUR_MS) {
            let max = s(format!("{:013}", until_ms.saturating_add(1)));
            for item in self
                .query_sk(format!("DEMOTE#{hour}"), "SK < :a", max, None)
                .await?
            {
                if out.len() >= limit {
                    return Ok(out);
                }
                let a = Attrs(&item);
                out.push(DueDemotion {
                    tenant: TenantId::parse(a.str("tenant")?)
                        .map_err(|e| BackendError::corrupt(e.to_string()))?,
                    user: a.user("userId")?,
                    due_ms: a.num("due")?,
                });
            }
        }
        Ok(out)
    }

    async fn clear_demotion(&self, due: &DueDemotion) -> Result<(), ScoreError> {
        for key in [demotion_key(due), keys_of_pointer(due)] {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key))
                .send()
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }

    async fn buckets(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<(BucketKey, Bucket)>, ScoreError> {
        let mut out = Vec::new();
        for item in self.query_prefix(score_pk(tenant, user), "B#").await? {
            let a = Attrs(&item);
            out.push((
                bucket_from_sk(user, a.str("SK")?)?,
                Bucket {
                    raw: a.float("raw")?,
                    sum: decayed_from(&a)?,
                },
            ));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    async fn score_records(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<ScoreRecords, ScoreError> {
        let mut records = ScoreRecords::default();
        for item in self.query_partition(score_pk(tenant, user)).await? {
            let a = Attrs(&item);
            let sk = a.str("SK")?;
            if sk == "SCORE" {
                records.windows = windows_from(&a)?;
            } else if let Some(raw) = sk.strip_prefix("R#") {
                let room = RoomId::parse(raw)
                    .map_err(|_| BackendError::corrupt(format!("room score key `{sk}`")))?;
                if let Some(score) = decayed_from(&a)? {
                    records.rooms.push((room, score));
                }
            } else if sk == "TIER" || sk.starts_with("TIER#") {
                // (`TIER`: the one record kept before the history was.)
                records.tier_changes.push(tier_change_from(&item)?);
            }
        }
        Ok(records)
    }

    async fn settle_tier(
        &self,
        tenant: &TenantId,
        user: &UserId,
        seen: &Standing,
        tier: TierState,
        score_now: f64,
        now_ms: i64,
    ) -> Result<bool, ScoreError> {
        let Some(item_before) = self.get(score_key(tenant, user)).await? else {
            return Ok(false);
        };
        let a = Attrs(&item_before);
        let version = a.num("version")?;
        let current = decayed_from(&a)?.map(|score| Standing {
            score,
            tier: tier_from(&a).unwrap_or(TierState::START),
        });
        if current.as_ref() != Some(seen) {
            return Ok(false);
        }
        let standing = Standing {
            score: seen.score,
            tier,
        };
        // The board key is the score's, which has not changed: keep it.
        let mut item = score_item(tenant, user, &standing, version + 1, 0.0);
        let windows = Window::ALL.into_iter().flat_map(|w| {
            let (period, points, pk, sk) = window_attrs(w);
            [period, points, pk, sk]
        });
        for name in ["lbPk", "lbSk"].into_iter().chain(windows) {
            match Attrs(&item_before).0.get(name) {
                Some(v) => item.insert(name.into(), v.clone()),
                None => item.remove(name),
            };
        }
        let mut request = self
            .client
            .transact_write_items()
            .transact_items(put_versioned(&self.table, item, Some(version))?);
        if seen.tier.tier != tier.tier {
            request = request.transact_items(tier_put(
                &self.table,
                &TierChange {
                    tenant: tenant.clone(),
                    user: user.clone(),
                    from: seen.tier.tier,
                    to: tier.tier,
                    score: score_now,
                    at_ms: now_ms,
                },
            )?);
        }
        match request.send().await {
            Ok(_) => Ok(true),
            Err(err) => match cancelled_conditions(&err) {
                Some(reasons) if reasons.iter().any(|failed| *failed) => Ok(false),
                _ => Err(unavailable(err).into()),
            },
        }
    }
}
