//! [`Erasure`] on the table: requests (`T#{tenant}#ERASURE` / `REQ#{id}`, the
//! request as a JSON document with a version), the list of requests due
//! (`ERASURES`), the mark that refuses a user's connections (`ERASING` in their
//! partition), the receipt chain's head, the ledger (`T#{tenant}#ERASED`) and the
//! tenant's secret for keyed hashes.
//!
//! What a user left is found through the user, never by a scan: the `owner` index
//! (their messages, reactions, reports, decisions about them), their partition
//! (profile, connections, sanctions, counters), their score partition (scores,
//! room scores, buckets, tier record), the review partition filtered by author,
//! and in each room they wrote in, their client message ids, rate counters and
//! slow-mode slot. Each step lists what is left and erases the first `limit`
//! pieces; an erased item leaves those lists, so the lists are the cursor.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::{stream, StreamExt};

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValue, TransactWriteItem, Update,
};
use sideline_domain::erasure::{erased_author, kinds, ChainHead, ErasureDone, ErasureRequest};
use sideline_domain::ids::{ConnectionId, RoomId, TenantId, UserId};
use sideline_domain::tenant::TenantConfig;
use sideline_ports::{BackendError, Erased, Erasure, ErasureError, Pseudonyms, StoredPseudonym};

use super::codec::{
    count_attr, erasure_done_item, erasure_from, erasure_item, s, vote_from, Attrs,
};
use super::{
    build_error, cancelled_conditions, is_conditional_failure, is_put_conditional_failure, keys, n,
    unavailable, DynamoStore, Item,
};

/// One piece of work: its kind (for the counts) and what to do.
enum Work {
    /// Remove the reaction and take one off its message's count.
    Reaction {
        key: Item,
        message: Item,
        emoji: String,
    },
    /// Remove the report and take one off its message's reporters.
    Report { key: Item, message: Item },
    /// Turn the message into a tombstone; reports others made of it lose its
    /// author.
    Message(Item),
    /// Put the keyed hash in place of the subject; drop the reason.
    Decision(Item),
    /// Drop the text of a review item about the user's message.
    Review(Item),
    /// A decision the user made (their note of it): the actor becomes the
    /// keyed hash, in it and in the sanction or review item it wrote.
    Acted { note: Item, decision: Item },
    /// A connection: its memberships, itself and the user's entry for it.
    Connection { id: ConnectionId, entry: Item },
    /// Remove items outright (an item and what names it elsewhere).
    Delete(&'static str, Vec<Item>),
    /// Take the user out of the legal hold of a kept settings version.
    Settings { key: Item, user: String },
    /// Remove a vote, and take it out of its poll's tally while the poll is open
    /// (a closed poll's published result stands).
    Vote(Item),
    /// A poll the user created: its creator becomes the erased author.
    PollCreator(Item),
}

/// Pieces of work in flight at once.
const CONCURRENCY: usize = 16;

impl Work {
    /// Writes only items no other piece writes.
    fn stands_alone(&self) -> bool {
        !matches!(
            self,
            Work::Reaction { .. }
                | Work::Report { .. }
                | Work::Connection { .. }
                | Work::Vote(_)
                | Work::PollCreator(_)
        )
    }

    fn kind(&self) -> &'static str {
        match self {
            Work::Reaction { .. } => kinds::REACTIONS,
            Work::Report { .. } => kinds::REPORTS,
            Work::Message(_) => kinds::MESSAGES,
            Work::Decision(_) => kinds::DECISIONS,
            Work::Review(_) => kinds::REVIEWS,
            Work::Connection { .. } => kinds::CONNECTIONS,
            Work::Acted { .. } => kinds::ACTS,
            Work::Delete(kind, _) => kind,
            Work::Settings { .. } => kinds::SETTINGS,
            Work::Vote(_) => kinds::VOTES,
            Work::PollCreator(_) => kinds::POLLS,
        }
    }
}

fn keys_of(item: &Item) -> Item {
    item.iter()
        .filter(|(k, _)| *k == "PK" || *k == "SK")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn text_of<'a>(item: &'a Item, attr: &str) -> &'a str {
    match item.get(attr) {
        Some(AttributeValue::S(v)) => v,
        _ => "",
    }
}

fn sk_of(item: &Item) -> &str {
    text_of(item, "SK")
}

fn pk_of(item: &Item) -> &str {
    text_of(item, "PK")
}

/// A stored settings version whose legal hold names `user`, read.
fn settings_naming(item: &Item, user: &str) -> Option<TenantConfig> {
    TenantConfig::from_stored(text_of(item, "doc"))
        .ok()
        .filter(|c| c.retention.legal_hold.users.contains(user))
}

/// The room of a room partition key `T#{tenant}#R#{room}`.
fn room_of(tenant: &TenantId, pk: &str) -> Option<RoomId> {
    pk.strip_prefix(&format!("T#{tenant}#R#"))
        .and_then(|raw| RoomId::parse(raw).ok())
}

impl DynamoStore {
    /// Everything left to erase of `user`, in the order it is erased, and the
    /// rooms of their items.
    async fn erasure_work(
        &self,
        tenant: &TenantId,
        user: &UserId,
        rooms: &[RoomId],
    ) -> Result<(Vec<Work>, BTreeSet<RoomId>), BackendError> {
        let owned = self.owner_entries(tenant, user).await?;
        let mut found_rooms = BTreeSet::new();
        let (mut reactions, mut reports, mut messages, mut decisions) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for entry in owned {
            let (pk, sk) = (pk_of(&entry).to_owned(), sk_of(&entry).to_owned());
            if let Some(room) = room_of(tenant, &pk) {
                found_rooms.insert(room);
            }
            let message_key = |id: &str| keys::key(pk.clone(), format!("MSG#{id}"));
            if let Some(rest) = sk.strip_prefix("RX#") {
                // `RX#{messageId}#{emoji}#{userId}`
                let mut parts = rest.splitn(3, '#');
                if let (Some(id), Some(emoji)) = (parts.next(), parts.next()) {
                    reactions.push(Work::Reaction {
                        message: message_key(id),
                        emoji: emoji.to_owned(),
                        key: entry,
                    });
                }
            } else if let Some(rest) = sk.strip_prefix("REPORT#") {
                if let Some(id) = rest.split('#').next() {
                    reports.push(Work::Report {
                        message: message_key(id),
                        key: entry,
                    });
                }
            } else if sk.starts_with("VOTE#") {
                reports.push(Work::Vote(entry));
            } else if sk.starts_with("POLL#") {
                reports.push(Work::PollCreator(entry));
            } else if sk.starts_with("MSG#") {
                messages.push(Work::Message(entry));
            } else if sk.starts_with("D#") {
                decisions.push(Work::Decision(entry));
            }
        }
        let mut work = reactions;
        work.append(&mut reports);
        work.append(&mut messages);
        work.append(&mut decisions);
        work.extend(
            self.review_items_about(tenant, user)
                .await?
                .iter()
                .map(|item| Work::Review(keys_of(item))),
        );
        for item in self.query_partition(keys::user_pk(tenant, user)).await? {
            let sk = sk_of(&item).to_owned();
            let key = keys_of(&item);
            work.push(match sk.as_str() {
                "ERASING" => continue,
                "PROFILE" | "RECENT" => Work::Delete(kinds::PROFILE, vec![key]),
                // A pseudonym made in a race with the request: both sides go.
                "PSEUDO" => {
                    let mut doomed = vec![key];
                    if let Some(AttributeValue::S(p)) = item.get("pseudonym") {
                        doomed.push(keys::pseudonym_user(tenant, p));
                    }
                    Work::Delete(kinds::PROFILE, doomed)
                }
                _ if sk.starts_with("CONN#") => match ConnectionId::parse(&sk[5..]) {
                    Some(id) => Work::Connection { id, entry: key },
                    None => Work::Delete(kinds::CONNECTIONS, vec![key]),
                },
                _ if sk.starts_with("SANCTION#") => Work::Delete(kinds::SANCTIONS, vec![key]),
                _ if sk.starts_with("ACTED#") => Work::Acted {
                    decision: keys::key(format!("T#{tenant}#MODLOG"), format!("D#{}", &sk[6..])),
                    note: key,
                },
                _ => Work::Delete(kinds::COUNTERS, vec![key]),
            });
        }
        let every_room: BTreeSet<RoomId> = found_rooms.iter().chain(rooms).cloned().collect();
        for room in &every_room {
            let pk = keys::room_pk(tenant, room);
            for prefix in [
                format!("CMID#{user}#"),
                format!("RL#{user}#"),
                format!("SLOW#{user}"),
            ] {
                for item in self.query_prefix(pk.clone(), &prefix).await? {
                    work.push(Work::Delete(kinds::COUNTERS, vec![keys_of(&item)]));
                }
            }
        }
        for item in self.query_partition(keys::score_pk(tenant, user)).await? {
            let sk = sk_of(&item).to_owned();
            let mut doomed = vec![keys_of(&item)];
            // Each side of a credit given names the other: both go.
            if let Some(rest) = sk.strip_prefix("GAVE#") {
                if let Some((author, day)) = rest.split_once('#') {
                    doomed.push(keys::key(
                        format!("T#{tenant}#S#{author}"),
                        format!("B#G#{user}#{day}"),
                    ));
                }
            } else if let Some(rest) = sk.strip_prefix("B#G#") {
                if let Some((giver, day)) = rest.split_once('#') {
                    doomed.push(keys::key(
                        format!("T#{tenant}#S#{giver}"),
                        format!("GAVE#{user}#{day}"),
                    ));
                }
            } else if let Some(due) = sk.strip_prefix("DEMOTE#") {
                // The filed check itself, in its hour's partition.
                if let Ok(due_ms) = due.parse::<i64>() {
                    doomed.push(keys::key(
                        format!("DEMOTE#{}", due_ms.div_euclid(3_600_000)),
                        format!("{due_ms:013}#{tenant}#{user}"),
                    ));
                }
            }
            work.push(Work::Delete(kinds::SCORES, doomed));
        }
        // Old settings versions whose hold named them (the current one, the
        // last, is left alone: naming them, it keeps the erasure waiting).
        let mut versions = self
            .query_prefix(format!("T#{tenant}#CONFIG"), "V#")
            .await?;
        versions.pop();
        for item in versions {
            if settings_naming(&item, user.as_str()).is_some() {
                work.push(Work::Settings {
                    key: keys_of(&item),
                    user: user.as_str().to_owned(),
                });
            }
        }
        Ok((work, found_rooms))
    }

    /// Does one piece of work (an item gone meanwhile is done).
    async fn erase_one(
        &self,
        tenant: &TenantId,
        subject: &str,
        work: Work,
    ) -> Result<(), BackendError> {
        match work {
            Work::Reaction {
                key,
                message,
                emoji,
            } => {
                let update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(message))
                    .update_expression("SET reactions.#e = reactions.#e - :one")
                    .condition_expression("attribute_exists(PK) AND reactions.#e >= :one")
                    .expression_attribute_names("#e", emoji)
                    .expression_attribute_values(":one", n(1))
                    .build()
                    .map_err(build_error)?;
                self.delete_with(key, update).await
            }
            Work::Vote(key) => {
                let Some(item) = self.get(key.clone()).await? else {
                    return Ok(());
                };
                let vote = vote_from(&item)?;
                let mut adds = vec!["voters :minus".to_owned()];
                let mut update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(keys::poll(tenant, &vote.room, &vote.poll)))
                    .condition_expression("attribute_exists(PK) AND attribute_not_exists(closedAt)")
                    .expression_attribute_values(":minus", n(-1));
                for c in &vote.choices {
                    adds.push(format!("#c{c} :minus"));
                    update = update
                        .expression_attribute_names(format!("#c{c}"), count_attr(usize::from(*c)));
                }
                let update = update
                    .update_expression(format!("ADD {}", adds.join(", ")))
                    .build()
                    .map_err(build_error)?;
                self.delete_with(key, update).await
            }
            Work::PollCreator(key) => {
                self.update_if(
                    key,
                    "SET createdBy = :who REMOVE owPk, owSk",
                    "attribute_exists(PK)",
                    ("#unused", "unused"),
                    &[(":who", s(erased_author().as_str()))],
                )
                .await
            }
            Work::Report { key, message } => {
                let update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(message))
                    .update_expression("ADD reports :minus")
                    .condition_expression("attribute_exists(PK) AND reports >= :one")
                    .expression_attribute_values(":minus", n(-1))
                    .expression_attribute_values(":one", n(1))
                    .build()
                    .map_err(build_error)?;
                self.delete_with(key, update).await
            }
            Work::Message(key) => {
                // A message nobody reported: tombstone and out of the owner index
                // in one call.
                let unreported = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(key.clone()))
                    .update_expression(
                        "SET #text = :empty, authorName = :empty, authorId = :erased, \
                         visibility = :removed, clientMsgId = :cmid, erased = :yes \
                         REMOVE correlationId, authorTier, owPk, owSk",
                    )
                    .condition_expression(
                        "attribute_exists(PK) AND (attribute_not_exists(reports) OR reports = :zero)",
                    )
                    .expression_attribute_names("#text", "text")
                    .expression_attribute_values(":empty", s(""))
                    .expression_attribute_values(":erased", s(erased_author().as_str()))
                    .expression_attribute_values(":removed", s("removed"))
                    .expression_attribute_values(":cmid", s("erased"))
                    .expression_attribute_values(":yes", AttributeValue::Bool(true))
                    .expression_attribute_values(":zero", n(0))
                    .send()
                    .await;
                match unreported {
                    Ok(_) => return Ok(()),
                    Err(err) if is_conditional_failure(&err) => {}
                    Err(err) => return Err(unavailable(err)),
                }
                // Reported (or gone): the tombstone first, still listed by the
                // owner index; then the author's id goes from reports others made
                // of it; then the message leaves the index. A crash between finds
                // it again.
                let old = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(key.clone()))
                    .update_expression(
                        "SET #text = :empty, authorName = :empty, authorId = :erased, \
                         visibility = :removed, clientMsgId = :cmid, erased = :yes \
                         REMOVE correlationId, authorTier",
                    )
                    .condition_expression("attribute_exists(PK)")
                    .expression_attribute_names("#text", "text")
                    .expression_attribute_values(":empty", s(""))
                    .expression_attribute_values(":erased", s(erased_author().as_str()))
                    .expression_attribute_values(":removed", s("removed"))
                    .expression_attribute_values(":cmid", s("erased"))
                    .expression_attribute_values(":yes", AttributeValue::Bool(true))
                    .return_values(ReturnValue::AllOld)
                    .send()
                    .await;
                let old = match old {
                    Ok(out) => out.attributes.unwrap_or_default(),
                    Err(err) if is_conditional_failure(&err) => return Ok(()),
                    Err(err) => return Err(unavailable(err)),
                };
                if Attrs(&old).opt_num("reports")?.unwrap_or(0) > 0 {
                    let id = sk_of(&key).trim_start_matches("MSG#").to_owned();
                    for report in self
                        .query_prefix(pk_of(&key).to_owned(), &format!("REPORT#{id}#"))
                        .await?
                    {
                        self.update_existing(
                            keys_of(&report),
                            "SET authorId = :erased",
                            vec![(":erased", s(erased_author().as_str()))],
                            None,
                        )
                        .await?;
                    }
                }
                self.update_existing(key, "REMOVE owPk, owSk", Vec::new(), None)
                    .await
            }
            Work::Decision(key) => {
                self.update_existing(
                    key,
                    "SET subjectHash = :h REMOVE subjectId, reason, owPk, owSk",
                    vec![(":h", s(subject))],
                    None,
                )
                .await
            }
            Work::Review(key) => {
                self.update_existing(
                    key,
                    "SET #text = :empty, authorId = :erased",
                    vec![(":empty", s("")), (":erased", s(erased_author().as_str()))],
                    Some(("#text", "text")),
                )
                .await
            }
            Work::Connection { id, entry } => {
                let connection = keys::connection(tenant, &id);
                let mut doomed = Vec::new();
                if let Some(item) = self.get(connection.clone()).await? {
                    if let Some(AttributeValue::Ss(rooms)) = item.get("rooms") {
                        for room in rooms.iter().filter_map(|r| RoomId::parse(r).ok()) {
                            doomed.push(keys::member(tenant, &room, &id));
                        }
                    }
                }
                doomed.push(connection);
                doomed.push(entry);
                self.delete_keys(doomed).await
            }
            Work::Delete(_, keys) => self.delete_keys(keys).await,
            Work::Settings { key, user } => {
                let Some(item) = self.get(key.clone()).await? else {
                    return Ok(());
                };
                let Some(mut config) = settings_naming(&item, &user) else {
                    return Ok(());
                };
                config.retention.legal_hold.users.remove(&user);
                let old = text_of(&item, "doc").to_owned();
                self.update_if(
                    key,
                    "SET #doc = :new",
                    "#doc = :old",
                    ("#doc", "doc"),
                    &[(":new", s(config.to_value().to_string())), (":old", s(old))],
                )
                .await
            }
            Work::Acted { note, decision } => {
                if let Some(item) = self.get(decision.clone()).await? {
                    let attrs = Attrs(&item);
                    let user = attrs.opt_str("actorId").map(str::to_owned);
                    if let Some(user) = user {
                        let hash = vec![(":h", s(subject)), (":u", s(&user))];
                        // What the decision wrote in the user's name: the
                        // sanction it imposed, the review item it closed.
                        if let (Some(target), Some(kind)) = (
                            attrs.opt_str("subjectId"),
                            match attrs.opt_str("decision") {
                                Some("user_muted") => Some("mute"),
                                Some("user_banned") => Some("ban"),
                                Some("user_shadow_banned") => Some("shadow_ban"),
                                _ => None,
                            },
                        ) {
                            let pk = format!("T#{tenant}#U#{target}");
                            let mut scopes = vec![format!("SANCTION#{kind}#TENANT")];
                            if let Some(room) = attrs.opt_str("room") {
                                scopes.push(format!("SANCTION#{kind}#R#{room}"));
                            }
                            for sk in scopes {
                                self.update_if(
                                    keys::key(pk.clone(), sk),
                                    "SET #by = :h",
                                    "#by = :u",
                                    ("#by", "by"),
                                    &hash,
                                )
                                .await?;
                            }
                        }
                        if let Some(message) = attrs.opt_str("messageId") {
                            self.update_if(
                                keys::key(keys::review_pk(tenant), format!("ITEM#{message}")),
                                "SET #by = :h",
                                "#by = :u",
                                ("#by", "decidedBy"),
                                &hash,
                            )
                            .await?;
                        }
                        self.update_if(
                            decision,
                            "SET actorHash = :h REMOVE actorId",
                            "actorId = :u",
                            ("#unused", "actorId"),
                            &hash,
                        )
                        .await?;
                    }
                }
                self.delete_keys(vec![note]).await
            }
        }
    }

    /// Removes `key` and applies `update` to the message it counts on, at once;
    /// the removal alone if the message (or its count) is gone.
    async fn delete_with(&self, key: Item, update: Update) -> Result<(), BackendError> {
        // Only if still there: a run that raced this one took it (and the count)
        // already.
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key.clone()))
            .condition_expression("attribute_exists(PK)")
            .build()
            .map_err(build_error)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(delete).build())
            .transact_items(TransactWriteItem::builder().update(update).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => match cancelled_conditions(&err) {
                Some(reasons) if reasons.first() == Some(&true) => Ok(()),
                Some(reasons) if reasons.get(1) == Some(&true) => self.delete_keys(vec![key]).await,
                _ => Err(unavailable(err)),
            },
        }
    }

    /// An update made only when `condition` holds (else nothing happens).
    async fn update_if(
        &self,
        key: Item,
        expression: &str,
        condition: &str,
        name: (&str, &str),
        values: &[(&str, AttributeValue)],
    ) -> Result<(), BackendError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(expression)
            .condition_expression(condition);
        if expression.contains(name.0) || condition.contains(name.0) {
            request = request.expression_attribute_names(name.0, name.1);
        }
        for (placeholder, value) in values {
            if expression.contains(placeholder) || condition.contains(placeholder) {
                request = request.expression_attribute_values(*placeholder, value.clone());
            }
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(err) if is_conditional_failure(&err) => Ok(()),
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn update_existing(
        &self,
        key: Item,
        expression: &str,
        values: Vec<(&str, AttributeValue)>,
        name: Option<(&str, &str)>,
    ) -> Result<(), BackendError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(expression)
            .condition_expression("attribute_exists(PK)");
        for (placeholder, value) in values {
            request = request.expression_attribute_values(placeholder, value);
        }
        if let Some((placeholder, attr)) = name {
            request = request.expression_attribute_names(placeholder, attr);
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(err) if is_conditional_failure(&err) => Ok(()),
            Err(err) => Err(unavailable(err)),
        }
    }

    fn put_versioned(request: &ErasureRequest, table: &str) -> Result<Put, BackendError> {
        let builder = Put::builder()
            .table_name(table)
            .set_item(Some(erasure_item(request)?));
        let builder = if request.version == 0 {
            builder.condition_expression("attribute_not_exists(PK)")
        } else {
            builder
                .condition_expression("version = :v")
                .expression_attribute_values(":v", n(request.version - 1))
        };
        builder.build().map_err(build_error)
    }
}

fn put_item(table: &str, item: Item) -> Result<TransactWriteItem, BackendError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .build()
                .map_err(build_error)?,
        )
        .build())
}

fn delete_item(table: &str, key: Item) -> Result<TransactWriteItem, BackendError> {
    Ok(TransactWriteItem::builder()
        .delete(
            Delete::builder()
                .table_name(table)
                .set_key(Some(key))
                .build()
                .map_err(build_error)?,
        )
        .build())
}

impl Erasure for DynamoStore {
    async fn tenant_secret(
        &self,
        tenant: &TenantId,
        candidate: &[u8],
    ) -> Result<Vec<u8>, ErasureError> {
        let key = keys::tenant_secret(tenant);
        let read = |item: Item| match item.get("secret") {
            Some(AttributeValue::B(secret)) => Ok(secret.clone().into_inner()),
            _ => Err(BackendError::Corrupt("tenant secret unreadable".into())),
        };
        if let Some(item) = self.get(key.clone()).await? {
            return Ok(read(item)?);
        }
        let mut item = key.clone();
        item.insert(
            "secret".into(),
            AttributeValue::B(candidate.to_vec().into()),
        );
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match put {
            Ok(_) => Ok(candidate.to_vec()),
            // Another process stored one first: theirs stands.
            Err(err) if is_put_conditional_failure(&err) => match self.get(key).await? {
                Some(item) => Ok(read(item)?),
                None => Err(BackendError::Unavailable("tenant secret vanished".into()).into()),
            },
            Err(err) => Err(unavailable(err).into()),
        }
    }

    async fn erasure_request(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> Result<Option<ErasureRequest>, ErasureError> {
        match self.get(keys::erasure_request(tenant, request_id)).await? {
            Some(item) => Ok(Some(erasure_from(&item)?)),
            None => Ok(None),
        }
    }

    async fn open_erasure(&self, request: &ErasureRequest) -> Result<ErasureRequest, ErasureError> {
        let tenant = &request.tenant;
        // The pseudonym is dropped in the same transaction; one made meanwhile
        // fails its check and the whole is tried again.
        for _ in 0..3 {
            let mut stored = request.clone();
            let mut tx = self.client.transact_write_items().transact_items(put_item(
                &self.table,
                keys::erasure_due(tenant, &request.request_id),
            )?);
            if let Some(user) = &request.user {
                let mut mark = keys::erasing(tenant, user);
                mark.insert("kind".into(), s("erasing"));
                tx = tx.transact_items(put_item(&self.table, mark)?);
                let forward = keys::pseudonym(tenant, user);
                match self.get(forward.clone()).await? {
                    Some(item) => {
                        let pseudonym = Attrs(&item).str("pseudonym")?.to_owned();
                        let drop_forward = Delete::builder()
                            .table_name(&self.table)
                            .set_key(Some(forward))
                            .condition_expression("pseudonym = :p")
                            .expression_attribute_values(":p", s(&pseudonym))
                            .build()
                            .map_err(build_error)?;
                        tx = tx
                            .transact_items(
                                TransactWriteItem::builder().delete(drop_forward).build(),
                            )
                            .transact_items(delete_item(
                                &self.table,
                                keys::pseudonym_user(tenant, &pseudonym),
                            )?);
                        stored.pseudonym = Some(pseudonym);
                    }
                    None => {
                        let absent = ConditionCheck::builder()
                            .table_name(&self.table)
                            .set_key(Some(forward))
                            .condition_expression("attribute_not_exists(PK)")
                            .build()
                            .map_err(build_error)?;
                        tx = tx.transact_items(
                            TransactWriteItem::builder().condition_check(absent).build(),
                        );
                    }
                }
            }
            // The request last: its condition's place is known.
            tx = tx.transact_items(
                TransactWriteItem::builder()
                    .put(Self::put_versioned(&stored, &self.table)?)
                    .build(),
            );
            match tx.send().await {
                Ok(_) => return Ok(stored),
                Err(err) => match cancelled_conditions(&err) {
                    Some(reasons) if reasons.last() == Some(&true) => {
                        return Err(ErasureError::Conflict)
                    }
                    Some(reasons) if reasons.iter().any(|r| *r) => continue,
                    _ => return Err(unavailable(err).into()),
                },
            }
        }
        Err(ErasureError::Conflict)
    }

    async fn save_erasure(&self, request: &ErasureRequest) -> Result<(), ErasureError> {
        let mut tx = self.client.transact_write_items().transact_items(
            TransactWriteItem::builder()
                .put(Self::put_versioned(request, &self.table)?)
                .build(),
        );
        if !request.status.is_open() && request.rechecked_at_ms.is_some() {
            tx = tx.transact_items(delete_item(
                &self.table,
                keys::erasure_due(&request.tenant, &request.request_id),
            )?);
        }
        match tx.send().await {
            Ok(_) => Ok(()),
            Err(err) => match cancelled_conditions(&err) {
                Some(reasons) if reasons.first() == Some(&true) => Err(ErasureError::Conflict),
                _ => Err(unavailable(err).into()),
            },
        }
    }

    async fn due_erasures(&self, limit: usize) -> Result<Vec<(TenantId, String)>, ErasureError> {
        let mut due = Vec::new();
        for item in self.query_partition("ERASURES".to_owned()).await? {
            if due.len() >= limit {
                break;
            }
            let sk = sk_of(&item);
            if let Some((tenant, id)) = sk.split_once('#') {
                if let Ok(tenant) = TenantId::parse(tenant) {
                    due.push((tenant, id.to_owned()));
                }
            }
        }
        Ok(due)
    }

    async fn erasure_inventory(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<(BTreeMap<String, u64>, Vec<RoomId>), ErasureError> {
        let (work, rooms) = self.erasure_work(tenant, user, &[]).await?;
        let mut counts = BTreeMap::new();
        for piece in &work {
            *counts.entry(piece.kind().to_owned()).or_insert(0) += 1;
        }
        Ok((counts, rooms.into_iter().collect()))
    }

    async fn erase_items(
        &self,
        tenant: &TenantId,
        user: &UserId,
        subject: &str,
        rooms: &[RoomId],
        limit: usize,
    ) -> Result<Erased, ErasureError> {
        let (work, _) = self.erasure_work(tenant, user, rooms).await?;
        let mut erased = Erased {
            more: work.len() > limit,
            ..Erased::default()
        };
        // Pieces that write one item of their own go CONCURRENCY at a time;
        // reactions and reports (a transaction with their message, which
        // another may touch) and connections one by one, in order.
        let mut pieces = work.into_iter().take(limit).peekable();
        while pieces.peek().is_some() {
            let mut batch = Vec::new();
            while let Some(piece) = pieces.next_if(|p| p.stands_alone()) {
                batch.push(piece);
            }
            if batch.is_empty() {
                batch.extend(pieces.next());
            }
            let outcomes: Vec<(&'static str, Result<(), BackendError>)> = stream::iter(batch)
                .map(|piece| async move {
                    let kind = piece.kind();
                    (kind, self.erase_one(tenant, subject, piece).await)
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            for (kind, outcome) in outcomes {
                match outcome {
                    Ok(()) => *erased.counts.entry(kind.to_owned()).or_insert(0) += 1,
                    Err(err) => {
                        tracing::warn!(%tenant, kind, error = %err, "an item could not be erased; the next run tries again");
                        erased.failed += 1;
                    }
                }
            }
        }
        Ok(erased)
    }

    async fn chain_head(&self, tenant: &TenantId) -> Result<Option<ChainHead>, ErasureError> {
        let Some(item) = self.get(keys::receipt_head(tenant)).await? else {
            return Ok(None);
        };
        let a = Attrs(&item);
        Ok(Some(ChainHead {
            seq: u64::try_from(a.num("seq")?).unwrap_or(0),
            hash: a.str("hash")?.to_owned(),
        }))
    }

    async fn complete_erasure(
        &self,
        request: &ErasureRequest,
        user: &UserId,
        previous: Option<&ChainHead>,
    ) -> Result<(), ErasureError> {
        let tenant = &request.tenant;
        let receipt = request
            .receipt
            .as_ref()
            .ok_or_else(|| BackendError::Corrupt("completing without a receipt".into()))?;
        let mut head = keys::receipt_head(tenant);
        head.insert("seq".into(), n(receipt.seq));
        head.insert("hash".into(), s(&receipt.hash));
        let head_put = Put::builder().table_name(&self.table).set_item(Some(head));
        let head_put = match previous {
            None => head_put.condition_expression("attribute_not_exists(PK)"),
            Some(prev) => head_put
                .condition_expression("#h = :h")
                .expression_attribute_names("#h", "hash")
                .expression_attribute_values(":h", s(&prev.hash)),
        }
        .build()
        .map_err(build_error)?;
        let mut ledger = keys::ledger(tenant, &request.subject);
        ledger.insert(
            "erasedAt".into(),
            n(request.completed_at_ms.unwrap_or(request.requested_at_ms)),
        );
        ledger.insert("requestId".into(), s(&request.request_id));
        let result = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(Self::put_versioned(request, &self.table)?)
                    .build(),
            )
            .transact_items(TransactWriteItem::builder().put(head_put).build())
            .transact_items(put_item(&self.table, ledger)?)
            .transact_items(put_item(
                &self.table,
                erasure_done_item(&ErasureDone {
                    tenant: tenant.clone(),
                    request_id: request.request_id.clone(),
                    pseudonym: request.pseudonym.clone(),
                    at_ms: request.completed_at_ms.unwrap_or(request.requested_at_ms),
                }),
            )?)
            .transact_items(delete_item(&self.table, keys::erasing(tenant, user))?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => match cancelled_conditions(&err) {
                Some(reasons) if reasons.iter().any(|r| *r) => Err(ErasureError::Conflict),
                _ => Err(unavailable(err).into()),
            },
        }
    }

    async fn erased_at(
        &self,
        tenant: &TenantId,
        subject: &str,
    ) -> Result<Option<i64>, ErasureError> {
        match self.get(keys::ledger(tenant, subject)).await? {
            Some(item) => Ok(Some(Attrs(&item).num("erasedAt")?)),
            None => Ok(None),
        }
    }
}

impl Pseudonyms for DynamoStore {
    async fn stored_pseudonym(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<StoredPseudonym>, ErasureError> {
        match self.get(keys::pseudonym(tenant, user)).await? {
            Some(item) => {
                let a = Attrs(&item);
                Ok(Some(StoredPseudonym {
                    pseudonym: a.str("pseudonym")?.to_owned(),
                    not_before_ms: a.opt_num("notBefore")?.unwrap_or(0),
                }))
            }
            None => Ok(None),
        }
    }

    async fn create_pseudonym(
        &self,
        tenant: &TenantId,
        user: &UserId,
        subject: &str,
        candidate: &str,
        at_ms: i64,
    ) -> Result<Option<StoredPseudonym>, ErasureError> {
        let ledger_key = keys::ledger(tenant, subject);
        let erased_at = match self.get(ledger_key.clone()).await? {
            Some(item) => Some(Attrs(&item).num("erasedAt")?),
            None => None,
        };
        if erased_at.is_some_and(|erased| erased >= at_ms) {
            return Ok(None);
        }
        let stored = StoredPseudonym {
            pseudonym: candidate.to_owned(),
            not_before_ms: erased_at.map_or(0, |erased| erased + 1),
        };
        let mut forward = keys::pseudonym(tenant, user);
        forward.insert("kind".into(), s("pseudonym"));
        forward.insert("pseudonym".into(), s(candidate));
        forward.insert("notBefore".into(), n(stored.not_before_ms));
        let mut reverse = keys::pseudonym_user(tenant, candidate);
        reverse.insert("kind".into(), s("pseudonym_user"));
        reverse.insert("userId".into(), s(user.as_str()));
        let new_put = |item: Item| -> Result<TransactWriteItem, BackendError> {
            Ok(TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(item))
                        .condition_expression("attribute_not_exists(PK)")
                        .build()
                        .map_err(build_error)?,
                )
                .build())
        };
        let check = |key: Item, condition: &str, value: Option<AttributeValue>| {
            let builder = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .condition_expression(condition);
            let builder = match value {
                Some(v) => builder.expression_attribute_values(":e", v),
                None => builder,
            };
            builder
                .build()
                .map(|c| TransactWriteItem::builder().condition_check(c).build())
                .map_err(build_error)
        };
        let ledger_check = match erased_at {
            None => check(ledger_key, "attribute_not_exists(PK)", None)?,
            Some(erased) => check(ledger_key, "erasedAt = :e", Some(n(erased)))?,
        };
        let result = self
            .client
            .transact_write_items()
            .transact_items(new_put(forward)?)
            .transact_items(new_put(reverse)?)
            .transact_items(check(
                keys::erasing(tenant, user),
                "attribute_not_exists(PK)",
                None,
            )?)
            .transact_items(ledger_check)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Some(stored)),
            Err(err) => match cancelled_conditions(&err) {
                // Another writer's stands.
                Some(reasons) if reasons.first() == Some(&true) => {
                    self.stored_pseudonym(tenant, user).await
                }
                // Being erased, or erased meanwhile.
                Some(reasons) if reasons.iter().any(|r| *r) => Ok(None),
                _ => Err(unavailable(err).into()),
            },
        }
    }

    async fn user_behind(
        &self,
        tenant: &TenantId,
        pseudonym: &str,
    ) -> Result<Option<UserId>, ErasureError> {
        match self.get(keys::pseudonym_user(tenant, pseudonym)).await? {
            Some(item) => Ok(Some(Attrs(&item).user("userId")?)),
            None => Ok(None),
        }
    }
}
