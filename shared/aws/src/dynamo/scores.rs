//! [`ScoreStore`]: a user's score and its capped buckets in a partition of their
//! own (`T#{tenant}#S#{userId}`, apart from the user's sanctions, which `send` reads
//! on every message), and a mark per scored event. One event's mark, buckets and
//! scores are one transaction; each bucket and score carries a version, so two
//! events touching the same user cannot both write from the same reading.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | score | `T#{tenant}#S#{userId}` | `SCORE` |
//! | bucket (own) | `T#{tenant}#S#{userId}` | `B#O#{kind}#{day}` |
//! | bucket (given) | `T#{tenant}#S#{author}` | `B#G#{giver}#{day}` |
//! | bucket (uncapped) | `T#{tenant}#S#{userId}` | `B#U` |
//! | scored event | `T#{tenant}#SCORED#{eventId}` | `SCORED` |

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::scoring::{
    Bucket, BucketKey, Contribution, Decayed, ScoringConfig, Touched, DAY_MS,
};
use sideline_ports::{BackendError, ScoreError, ScoreStore, Scored};

use super::codec::{n, s, Attrs};
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

impl DynamoStore {
    /// Reads the buckets and scores an event touches, with their versions.
    async fn touched(
        &self,
        tenant: &TenantId,
        contributions: &[Contribution],
    ) -> Result<(Touched, BTreeMap<BucketKey, i64>, BTreeMap<UserId, i64>), BackendError> {
        let (bucket_keys, users) = Touched::keys(contributions);
        let mut touched = Touched::default();
        let (mut bucket_versions, mut score_versions) = (BTreeMap::new(), BTreeMap::new());
        for bucket in bucket_keys {
            if let Some(item) = self.get(bucket_key(tenant, &bucket)).await? {
                let a = Attrs(&item);
                let raw = a.float("raw")?;
                bucket_versions.insert(bucket.clone(), a.num("version")?);
                touched.buckets.insert(
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
                score_versions.insert(user.clone(), a.num("version")?);
                if let Some(score) = decayed_from(&a)? {
                    touched.scores.insert(user, score);
                }
            }
        }
        Ok((touched, bucket_versions, score_versions))
    }
}

impl ScoreStore for DynamoStore {
    async fn score_event(
        &self,
        tenant: &TenantId,
        event_id: &str,
        contributions: &[Contribution],
        config: &ScoringConfig,
    ) -> Result<Scored, ScoreError> {
        let mut mark = key(format!("T#{tenant}#SCORED#{event_id}"), "SCORED");
        mark.insert("kind".into(), s("scored"));
        let newest = contributions.iter().map(|c| c.at_ms).max().unwrap_or(0);
        mark.insert("ttl".into(), n(newest / 1000 + SCORED_TTL_SECS));
        for _ in 0..ATTEMPTS {
            let (mut touched, bucket_versions, score_versions) =
                self.touched(tenant, contributions).await?;
            touched.apply(contributions, config);
            let mut request = self
                .client
                .transact_write_items()
                .transact_items(put_versioned(&self.table, mark.clone(), None)?);
            for (bucket, state) in &touched.buckets {
                let mut item = bucket_key(tenant, bucket);
                item.insert("kind".into(), s("score_bucket"));
                item.insert("raw".into(), n(state.raw));
                if let Some(sum) = state.sum {
                    item.insert("value".into(), n(sum.value));
                    item.insert("at".into(), n(sum.at_ms));
                }
                let version = bucket_versions.get(bucket).copied();
                item.insert("version".into(), n(version.unwrap_or(0) + 1));
                if let BucketKey::Own { day, .. } | BucketKey::Given { day, .. } = bucket {
                    item.insert(
                        "ttl".into(),
                        n((day + 1).saturating_mul(DAY_MS) / 1000 + BUCKET_TTL_SECS),
                    );
                }
                request = request.transact_items(put_versioned(&self.table, item, version)?);
            }
            for (user, score) in &touched.scores {
                let mut item = score_key(tenant, user);
                item.insert("kind".into(), s("score"));
                item.insert("userId".into(), s(user.as_str()));
                item.insert("value".into(), n(score.value));
                item.insert("at".into(), n(score.at_ms));
                let version = score_versions.get(user).copied();
                item.insert("version".into(), n(version.unwrap_or(0) + 1));
                request = request.transact_items(put_versioned(&self.table, item, version)?);
            }
            match request.send().await {
                Ok(_) => return Ok(Scored::Changed(touched.scores.into_iter().collect())),
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

    async fn score(&self, tenant: &TenantId, user: &UserId) -> Result<Option<Decayed>, ScoreError> {
        match self.get(score_key(tenant, user)).await? {
            Some(item) => Ok(decayed_from(&Attrs(&item))?),
            None => Ok(None),
        }
    }
}
