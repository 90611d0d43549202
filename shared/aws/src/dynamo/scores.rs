//! [`ScoreStore`]: a user's score and its capped buckets in a partition of their
//! own (`T#{tenant}#S#{userId}`, apart from the user's sanctions, which `send` reads
//! on every message), and a mark per scored event. One event's mark, buckets and
//! scores are one transaction; each bucket and score carries a version, so two
//! events touching the same user cannot both write from the same reading.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | score and tier | `T#{tenant}#S#{userId}` | `SCORE` |
//! | last tier change (the outbox's) | `T#{tenant}#S#{userId}` | `TIER` |
//! | bucket (own) | `T#{tenant}#S#{userId}` | `B#O#{kind}#{day}` |
//! | bucket (given) | `T#{tenant}#S#{author}` | `B#G#{giver}#{day}` |
//! | bucket (uncapped) | `T#{tenant}#S#{userId}` | `B#U` |
//! | scored event | `T#{tenant}#SCORED#{eventId}` | `SCORED` |

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::scoring::{
    standings_after, Bucket, BucketKey, Contribution, Decayed, Kind, Standing, Tier, TierChange,
    TierState, Touched, DAY_MS,
};
use sideline_domain::tenant::TenantConfig;
use sideline_ports::{BackendError, ScoreChange, ScoreError, ScoreStore, Scored};

use super::codec::{n, s, tier_change_item, Attrs};
use super::{build_error, cancelled_conditions, keys::key, unavailable, DynamoStore, Item};

/// Buckets outlive their day by this much: a reaction removed later still lands
/// in its day's bucket.
const BUCKET_TTL_SECS: i64 = 400 * 86_400;
/// How long an event's mark keeps a replay from scoring it again.
const SCORED_TTL_SECS: i64 = 400 * 86_400;
/// Attempts when other events keep changing the same scores.
const ATTEMPTS: usize = 5;

fn score_pk(tenant: &TenantId, user: &UserId) -> String {
    format!("T#{tenant}#S#{user}")
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

fn score_item(tenant: &TenantId, user: &UserId, standing: &Standing, version: i64) -> Item {
    let mut item = score_key(tenant, user);
    item.insert("kind".into(), s("score"));
    item.insert("userId".into(), s(user.as_str()));
    item.insert("value".into(), n(standing.score.value));
    item.insert("at".into(), n(standing.score.at_ms));
    item.insert("tier".into(), s(standing.tier.tier.as_str()));
    item.insert("promotedAt".into(), n(standing.tier.promoted_at_ms));
    item.insert("version".into(), n(version));
    item
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
                if let Some(score) = decayed_from(&a)? {
                    read.touched.scores.insert(user, score);
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
        contributions: &[Contribution],
        config: &TenantConfig,
        now_ms: i64,
    ) -> Result<Scored, ScoreError> {
        let mut mark = key(format!("T#{tenant}#SCORED#{event_id}"), "SCORED");
        mark.insert("kind".into(), s("scored"));
        let newest = contributions.iter().map(|c| c.at_ms).max().unwrap_or(0);
        mark.insert("ttl".into(), n(newest / 1000 + SCORED_TTL_SECS));
        let lambda = config.scoring.decay_per_day;
        for _ in 0..ATTEMPTS {
            let mut read = self.touched(tenant, contributions).await?;
            read.touched.apply(contributions, &config.scoring);
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
                request = request.transact_items(put_versioned(&self.table, item, version)?);
            }
            let standings = standings_after(
                &read.touched.scores,
                &read.tiers,
                &config.scoring,
                &config.tiers,
                now_ms,
            );
            let mut changed = Vec::with_capacity(standings.len());
            for (user, standing, previous) in standings {
                let version = read.score_versions.get(&user).copied();
                let item = score_item(tenant, &user, &standing, version.unwrap_or(0) + 1);
                request = request.transact_items(put_versioned(&self.table, item, version)?);
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
            match request.send().await {
                Ok(_) => return Ok(Scored::Changed(changed)),
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

    async fn buckets(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<(BucketKey, Bucket)>, ScoreError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :b)")
                .expression_attribute_values(":pk", s(score_pk(tenant, user)))
                .expression_attribute_values(":b", s("B#"))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in page.items() {
                let a = Attrs(item);
                let key = bucket_from_sk(user, a.str("SK")?)?;
                out.push((
                    key,
                    Bucket {
                        raw: a.float("raw")?,
                        sum: decayed_from(&a)?,
                    },
                ));
            }
            match page.last_evaluated_key {
                Some(next) if !next.is_empty() => start = Some(next),
                _ => break,
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
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
        let Some(item) = self.get(score_key(tenant, user)).await? else {
            return Ok(false);
        };
        let a = Attrs(&item);
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
        let mut request = self
            .client
            .transact_write_items()
            .transact_items(put_versioned(
                &self.table,
                score_item(tenant, user, &standing, version + 1),
                Some(version),
            )?);
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
