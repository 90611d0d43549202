//! The DynamoDB adapter: one table, every key tenant-scoped, no secondary indexes.
//! `docs/data-model.md` lists every item, key and access pattern.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | connection | `T#{tenant}#C#{connectionId}` | `CONN` |
//! | room | `T#{tenant}#R#{room}` | `META` |
//! | membership | `T#{tenant}#R#{room}` | `MEMBER#{connectionId}` |
//! | message | `T#{tenant}#R#{room}` | `MSG#{messageId}` |
//! | idempotency key | `T#{tenant}#R#{room}` | `CMID#{userId}#{clientMsgId}` |
//! | reaction | `T#{tenant}#R#{room}` | `RX#{messageId}#{emoji}#{userId}` |
//! | rate counter | `T#{tenant}#R#{room}` | `RL#{userId}#{windowStart}` |

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, Delete, DeleteRequest, KeySchemaElement,
    KeyType, Put, ReturnValue, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;

use crate::identity::{Role, TenantId, UserId};
use crate::message::{
    Author, ClientMsgId, Emoji, MessageId, MessageText, StoredMessage, Visibility,
};
use crate::ports::{
    CommunityStore, ConnectionId, ConnectionRecord, HistoryPage, Member, PutMessage,
    ReactionChange, ReactionRequest, RoomInfo, SeenEvents, StoreError,
};
use crate::room::{RoomId, RoomMode};

type Item = HashMap<String, AttributeValue>;

mod moderation;
pub use moderation::{decision_item, report_item};

/// How long a `clientMsgId` is remembered: retries later than this post again.
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 3600;

/// Largest batch `BatchWriteItem` takes.
const BATCH_WRITE_MAX: usize = 25;

fn connection_pk(tenant: &TenantId, id: &ConnectionId) -> String {
    format!("T#{tenant}#C#{id}")
}

fn room_pk(tenant: &TenantId, room: &RoomId) -> String {
    format!("T#{tenant}#R#{room}")
}

/// A list of strings as an attribute.
fn string_list(values: &[String]) -> AttributeValue {
    AttributeValue::L(values.iter().map(s).collect())
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))])
}

fn unavailable<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    StoreError::Unavailable(Box::new(e))
}

/// Reads typed attributes; a missing or mistyped attribute is corruption, never a default.
struct Attrs<'a>(&'a Item);

impl Attrs<'_> {
    fn str(&self, name: &str) -> Result<&str, StoreError> {
        match self.0.get(name) {
            Some(AttributeValue::S(v)) => Ok(v),
            _ => Err(StoreError::Corrupt(format!("missing string `{name}`"))),
        }
    }

    fn opt_str(&self, name: &str) -> Option<&str> {
        match self.0.get(name) {
            Some(AttributeValue::S(v)) => Some(v),
            _ => None,
        }
    }

    fn num(&self, name: &str) -> Result<i64, StoreError> {
        match self.0.get(name) {
            Some(AttributeValue::N(v)) => v
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("bad number `{name}`"))),
            _ => Err(StoreError::Corrupt(format!("missing number `{name}`"))),
        }
    }

    /// A non-negative count that may be absent (0), saturating at `u32::MAX`.
    fn opt_count(&self, name: &str) -> Result<u32, StoreError> {
        match self.0.get(name) {
            None => Ok(0),
            Some(_) => Ok(u32::try_from(self.num(name)?.max(0)).unwrap_or(u32::MAX)),
        }
    }

    /// A list of strings (absent: empty).
    fn strings(&self, name: &str) -> Vec<String> {
        match self.0.get(name) {
            Some(AttributeValue::L(list)) => {
                list.iter().filter_map(|v| v.as_s().ok().cloned()).collect()
            }
            _ => Vec::new(),
        }
    }

    fn role(&self, name: &str) -> Result<Role, StoreError> {
        let raw = self.str(name)?;
        Role::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("bad role `{raw}`")))
    }

    fn user(&self, name: &str) -> Result<UserId, StoreError> {
        UserId::parse(self.str(name)?).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    fn connection_id(&self, name: &str) -> Result<ConnectionId, StoreError> {
        ConnectionId::parse(self.str(name)?)
            .ok_or_else(|| StoreError::Corrupt(format!("bad connection id `{name}`")))
    }

    fn room(&self, name: &str) -> Result<RoomId, StoreError> {
        RoomId::parse(self.str(name)?).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    fn message_id(&self, name: &str) -> Result<MessageId, StoreError> {
        MessageId::parse(self.str(name)?).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

impl TryFrom<&Item> for ConnectionRecord {
    type Error = StoreError;

    fn try_from(item: &Item) -> Result<Self, StoreError> {
        let a = Attrs(item);
        let rooms = match item.get("rooms") {
            Some(AttributeValue::Ss(set)) => set
                .iter()
                .map(|r| RoomId::parse(r).map_err(|e| StoreError::Corrupt(e.to_string())))
                .collect::<Result<BTreeSet<_>, _>>()?,
            None => BTreeSet::new(),
            Some(_) => return Err(StoreError::Corrupt("`rooms` is not a string set".into())),
        };
        Ok(Self {
            tenant: TenantId::parse(a.str("tenant")?)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            connection_id: a.connection_id("connectionId")?,
            user: a.user("userId")?,
            name: a.str("name")?.to_owned(),
            role: a.role("role")?,
            connected_at_ms: a.num("connectedAt")?,
            expires_at_s: a.num("ttl")?,
            rooms,
        })
    }
}

fn connection_item(r: &ConnectionRecord) -> Item {
    let mut item = key(connection_pk(&r.tenant, &r.connection_id), "CONN");
    item.insert("kind".into(), s("connection"));
    item.insert("tenant".into(), s(r.tenant.as_str()));
    item.insert("connectionId".into(), s(r.connection_id.as_str()));
    item.insert("userId".into(), s(r.user.as_str()));
    item.insert("name".into(), s(&r.name));
    item.insert("role".into(), s(r.role.as_str()));
    item.insert("connectedAt".into(), n(r.connected_at_ms));
    item.insert("ttl".into(), n(r.expires_at_s));
    if !r.rooms.is_empty() {
        item.insert(
            "rooms".into(),
            AttributeValue::Ss(r.rooms.iter().map(|r| r.as_str().to_owned()).collect()),
        );
    }
    item
}

impl TryFrom<&Item> for Member {
    type Error = StoreError;

    fn try_from(item: &Item) -> Result<Self, StoreError> {
        let a = Attrs(item);
        Ok(Self {
            connection_id: a.connection_id("connectionId")?,
            user: a.user("userId")?,
            name: a.str("name")?.to_owned(),
            role: a.role("role")?,
            joined_at_ms: a.num("joinedAt")?,
            expires_at_s: a.num("ttl")?,
            correlation_id: a.opt_str("correlationId").map(str::to_owned),
        })
    }
}

/// The item a membership is stored as.
pub fn member_item(tenant: &TenantId, room: &RoomId, m: &Member) -> Item {
    let mut item = key(room_pk(tenant, room), format!("MEMBER#{}", m.connection_id));
    item.insert("kind".into(), s("member"));
    item.insert("tenant".into(), s(tenant.as_str()));
    item.insert("room".into(), s(room.as_str()));
    item.insert("connectionId".into(), s(m.connection_id.as_str()));
    item.insert("userId".into(), s(m.user.as_str()));
    item.insert("name".into(), s(&m.name));
    item.insert("role".into(), s(m.role.as_str()));
    item.insert("joinedAt".into(), n(m.joined_at_ms));
    item.insert("ttl".into(), n(m.expires_at_s));
    if let Some(correlation) = &m.correlation_id {
        item.insert("correlationId".into(), s(correlation));
    }
    item
}

fn room_info(item: &Item) -> Result<RoomInfo, StoreError> {
    let a = Attrs(item);
    let raw = a.str("mode")?;
    Ok(RoomInfo {
        mode: RoomMode::parse(raw)
            .ok_or_else(|| StoreError::Corrupt(format!("bad mode `{raw}`")))?,
        created_at_ms: a.num("createdAt")?,
        slow_mode_s: a.opt_count("slowModeS")?,
    })
}

/// The item a message is stored as.
pub fn message_item(m: &StoredMessage) -> Item {
    let mut item = key(room_pk(&m.tenant, &m.room), format!("MSG#{}", m.id));
    item.insert("kind".into(), s("message"));
    item.insert("tenant".into(), s(m.tenant.as_str()));
    item.insert("room".into(), s(m.room.as_str()));
    item.insert("messageId".into(), s(m.id.to_string()));
    item.insert("authorId".into(), s(m.author.id.as_str()));
    item.insert("authorName".into(), s(&m.author.name));
    item.insert("authorRole".into(), s(m.author.role.as_str()));
    item.insert("text".into(), s(m.text.as_str()));
    item.insert("createdAt".into(), n(m.created_at_ms));
    item.insert("clientMsgId".into(), s(m.client_msg_id.as_str()));
    item.insert("visibility".into(), s(m.visibility.as_str()));
    if let Some(reply_to) = m.reply_to {
        item.insert("replyTo".into(), s(reply_to.to_string()));
    }
    if let Some(correlation) = &m.correlation_id {
        item.insert("correlationId".into(), s(correlation));
    }
    item.insert(
        "reactions".into(),
        AttributeValue::M(
            m.reactions
                .iter()
                .map(|(emoji, count)| (emoji.clone(), n(count)))
                .collect(),
        ),
    );
    item
}

impl TryFrom<&Item> for StoredMessage {
    type Error = StoreError;

    fn try_from(item: &Item) -> Result<Self, StoreError> {
        let a = Attrs(item);
        let mut reactions = BTreeMap::new();
        if let Some(AttributeValue::M(map)) = item.get("reactions") {
            for (emoji, count) in map {
                let count = match count {
                    AttributeValue::N(v) => v.parse::<i64>().unwrap_or(0),
                    _ => return Err(StoreError::Corrupt("bad reaction count".into())),
                };
                if count > 0 {
                    reactions.insert(emoji.clone(), count as u64);
                }
            }
        }
        Ok(Self {
            tenant: TenantId::parse(a.str("tenant")?)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            room: a.room("room")?,
            id: a.message_id("messageId")?,
            author: Author {
                id: a.user("authorId")?,
                name: a.str("authorName")?.to_owned(),
                role: a.role("authorRole")?,
            },
            text: MessageText::from_stored(a.str("text")?.to_owned()),
            created_at_ms: a.num("createdAt")?,
            reply_to: a
                .opt_str("replyTo")
                .map(MessageId::parse)
                .transpose()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            client_msg_id: ClientMsgId::parse(a.str("clientMsgId")?)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            correlation_id: a.opt_str("correlationId").map(str::to_owned),
            reactions,
            visibility: Visibility::parse(a.str("visibility")?)
                .ok_or_else(|| StoreError::Corrupt("bad visibility".into()))?,
        })
    }
}

fn reaction_sk(message: &MessageId, emoji: &Emoji, user: &UserId) -> String {
    format!("RX#{message}#{}#{user}", emoji.as_str())
}

/// The item a reaction is stored as (its presence is the reaction).
pub fn reaction_item(tenant: &TenantId, room: &RoomId, r: &ReactionRequest<'_>) -> Item {
    let mut item = key(
        room_pk(tenant, room),
        reaction_sk(r.message, r.emoji, r.user),
    );
    item.insert("kind".into(), s("reaction"));
    item.insert("tenant".into(), s(tenant.as_str()));
    item.insert("room".into(), s(room.as_str()));
    item.insert("messageId".into(), s(r.message.to_string()));
    item.insert("emoji".into(), s(r.emoji.as_str()));
    item.insert("userId".into(), s(r.user.as_str()));
    item.insert("role".into(), s(r.role.as_str()));
    item.insert("createdAt".into(), n(r.at_ms));
    if let Some(correlation) = r.correlation_id {
        item.insert("correlationId".into(), s(correlation));
    }
    item
}

/// An item as the stream carries it (DynamoDB JSON), for stand-ins of the stream.
pub fn stream_image(item: &Item) -> crate::stream::Image {
    item.iter()
        .filter_map(|(k, v)| Some((k.clone(), stream_value(v)?)))
        .collect()
}

fn stream_value(v: &AttributeValue) -> Option<crate::stream::AttrValue> {
    use crate::stream::AttrValue as A;
    Some(match v {
        AttributeValue::S(s) => A::S(s.clone()),
        AttributeValue::N(n) => A::N(n.clone()),
        AttributeValue::Bool(b) => A::Bool(*b),
        AttributeValue::Null(b) => A::Null(*b),
        AttributeValue::Ss(v) => A::Ss(v.clone()),
        AttributeValue::Ns(v) => A::Ns(v.clone()),
        AttributeValue::M(m) => A::M(
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), stream_value(v)?)))
                .collect(),
        ),
        AttributeValue::L(l) => A::L(l.iter().filter_map(stream_value).collect()),
        _ => return None,
    })
}

/// Which parts of a cancelled transaction failed their condition.
fn cancelled_conditions(
    err: &SdkError<TransactWriteItemsError, impl std::fmt::Debug>,
) -> Option<Vec<bool>> {
    let SdkError::ServiceError(service) = err else {
        return None;
    };
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = service.err() else {
        return None;
    };
    Some(
        cancelled
            .cancellation_reasons()
            .iter()
            .map(|r| r.code() == Some("ConditionalCheckFailed"))
            .collect(),
    )
}

fn is_conditional_failure(err: &SdkError<UpdateItemError, impl std::fmt::Debug>) -> bool {
    matches!(err, SdkError::ServiceError(e) if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)))
}

fn is_put_conditional_failure(err: &SdkError<PutItemError, impl std::fmt::Debug>) -> bool {
    matches!(err, SdkError::ServiceError(e) if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)))
}

/// A [`CommunityStore`] on one DynamoDB table.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// A store on `table` with a client built from `sdk`.
    pub fn from_sdk(sdk: &aws_types::SdkConfig, table: impl Into<String>) -> Self {
        Self::new(Client::new(sdk), table)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table as `template.yaml` declares it (for devstack and tests;
    /// in AWS the template owns it). Does nothing if it exists.
    pub async fn ensure_table(&self) -> Result<(), StoreError> {
        let exists = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .is_ok();
        if exists {
            return Ok(());
        }
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| StoreError::Unavailable(Box::new(e)))
        };
        let key_el = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(|e| StoreError::Unavailable(Box::new(e)))
        };
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("PK")?)
            .attribute_definitions(attr("SK")?)
            .key_schema(key_el("PK", KeyType::Hash)?)
            .key_schema(key_el("SK", KeyType::Range)?)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .map_err(|e| StoreError::Unavailable(Box::new(e)))?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name("ttl")
                    .build()
                    .map_err(|e| StoreError::Unavailable(Box::new(e)))?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    /// Adds one to the counter `attr` of the item at `key` (creating it, with `kind`
    /// and a TTL) and returns the new count.
    async fn add_one(
        &self,
        key: Item,
        attr: &str,
        kind: &str,
        expires_at_s: i64,
    ) -> Result<u32, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression("ADD #count :one SET #ttl = :ttl, kind = :kind")
            .expression_attribute_names("#count", attr)
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ttl", n(expires_at_s))
            .expression_attribute_values(":kind", s(kind))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(unavailable)?;
        let attrs = out.attributes.unwrap_or_default();
        Ok(u32::try_from(Attrs(&attrs).num(attr)?).unwrap_or(u32::MAX))
    }

    /// Sets one attribute of a room's `META` item; `NotFound` if nobody ever joined it.
    async fn set_room_setting(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        attr: &str,
        value: AttributeValue,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(room_pk(tenant, room), "META")))
            .update_expression("SET #attr = :value")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#attr", attr)
            .expression_attribute_values(":value", value)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_conditional_failure(&err) => Err(StoreError::NotFound { what: "room" }),
            Err(err) => Err(unavailable(err)),
        }
    }

    /// One transaction: a per-user marker (conditional: the user's first time) and
    /// an update of the message it is about (conditional: the message exists). Returns
    /// whether the marker changed (false: the user had already done it, nothing was
    /// written) and the message as stored afterwards.
    async fn marker_and_message_update(
        &self,
        marker: TransactWriteItem,
        message_update: Update,
        message_key: Item,
    ) -> Result<(bool, Item), StoreError> {
        let result = self
            .client
            .transact_write_items()
            .transact_items(marker)
            .transact_items(TransactWriteItem::builder().update(message_update).build())
            .send()
            .await;
        let changed = match result {
            Ok(_) => true,
            Err(err) => match cancelled_conditions(&err) {
                Some(reasons) if reasons.get(1) == Some(&true) => {
                    return Err(StoreError::NotFound { what: "message" })
                }
                Some(reasons) if reasons.first() == Some(&true) => false,
                _ => return Err(unavailable(err)),
            },
        };
        let stored = self
            .get(message_key)
            .await?
            .ok_or(StoreError::NotFound { what: "message" })?;
        Ok((changed, stored))
    }

    async fn delete_keys(&self, keys: Vec<Item>) -> Result<(), StoreError> {
        for chunk in keys.chunks(BATCH_WRITE_MAX) {
            let mut requests = chunk
                .iter()
                .map(|k| {
                    DeleteRequest::builder()
                        .set_key(Some(k.clone()))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(|e| StoreError::Unavailable(Box::new(e)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            // Unprocessed items are throttled ones: retry them a few times.
            for attempt in 0..5u32 {
                if requests.is_empty() {
                    break;
                }
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(unavailable)?;
                requests = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&self.table))
                    .unwrap_or_default();
            }
            if !requests.is_empty() {
                return Err(StoreError::Unavailable(
                    "batch delete left unprocessed items".into(),
                ));
            }
        }
        Ok(())
    }
}

impl CommunityStore for DynamoStore {
    async fn put_connection(&self, record: &ConnectionRecord) -> Result<(), StoreError> {
        // The connection, the user's profile and their connection list: one
        // transaction, so a user's connections are always findable (for bans).
        let [profile, entry] = moderation::user_items(record);
        let mut request = self.client.transact_write_items();
        for item in [connection_item(record), profile, entry] {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .build()
                .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
            request = request.transact_items(TransactWriteItem::builder().put(put).build());
        }
        request.send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn connection(
        &self,
        tenant: &TenantId,
        id: &ConnectionId,
    ) -> Result<Option<ConnectionRecord>, StoreError> {
        self.get(key(connection_pk(tenant, id), "CONN"))
            .await?
            .as_ref()
            .map(ConnectionRecord::try_from)
            .transpose()
    }

    async fn remove_connection(
        &self,
        tenant: &TenantId,
        id: &ConnectionId,
    ) -> Result<Option<ConnectionRecord>, StoreError> {
        let Some(record) = self.connection(tenant, id).await? else {
            return Ok(None);
        };
        // Memberships first: if this fails half-way the connection is still there
        // to find them again on the next attempt.
        let mut keys: Vec<Item> = record
            .rooms
            .iter()
            .map(|room| key(room_pk(tenant, room), format!("MEMBER#{id}")))
            .collect();
        keys.push(key(
            moderation::user_pk(tenant, &record.user),
            format!("CONN#{id}"),
        ));
        self.delete_keys(keys).await?;
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(connection_pk(tenant, id), "CONN")))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(Some(record))
    }

    async fn join_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        member: &Member,
        max_rooms: usize,
    ) -> Result<RoomInfo, StoreError> {
        let pk = room_pk(tenant, room);
        let meta = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(pk.clone(), "META")))
            .update_expression(
                "SET #mode = if_not_exists(#mode, :open), createdAt = if_not_exists(createdAt, :now), kind = :kind, tenant = :tenant, room = :room",
            )
            .expression_attribute_names("#mode", "mode")
            .expression_attribute_values(":open", s(RoomMode::Open.as_str()))
            .expression_attribute_values(":now", n(member.joined_at_ms))
            .expression_attribute_values(":kind", s("room"))
            .expression_attribute_values(":tenant", s(tenant.as_str()))
            .expression_attribute_values(":room", s(room.as_str()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(unavailable)?;
        let info = room_info(
            meta.attributes
                .as_ref()
                .ok_or_else(|| StoreError::Corrupt("room update returned nothing".into()))?,
        )?;

        let note_room = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(connection_pk(tenant, &member.connection_id), "CONN")))
            .update_expression("ADD rooms :rooms")
            .condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(rooms) OR contains(rooms, :room) OR size(rooms) < :max)",
            )
            .expression_attribute_values(":rooms", AttributeValue::Ss(vec![room.as_str().to_owned()]))
            .expression_attribute_values(":room", s(room.as_str()))
            .expression_attribute_values(":max", n(max_rooms))
            .build()
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let put_member = Put::builder()
            .table_name(&self.table)
            .set_item(Some(member_item(tenant, room, member)))
            .build()
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(note_room).build())
            .transact_items(TransactWriteItem::builder().put(put_member).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(info),
            Err(err) => match cancelled_conditions(&err) {
                Some(reasons) if reasons.first() == Some(&true) => {
                    if self
                        .connection(tenant, &member.connection_id)
                        .await?
                        .is_none()
                    {
                        Err(StoreError::NotFound { what: "connection" })
                    } else {
                        Err(StoreError::LimitReached(format!(
                            "a connection may be in at most {max_rooms} rooms"
                        )))
                    }
                }
                _ => Err(unavailable(err)),
            },
        }
    }

    async fn leave_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
        correlation_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        let member_key = key(room_pk(tenant, room), format!("MEMBER#{id}"));
        if let Some(correlation) = correlation_id {
            // A delete cannot write attributes, so the leave's request id goes on the
            // item first; the stream's removal then carries it. No member, no write.
            let stamped = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(member_key.clone()))
                .update_expression("SET correlationId = :c")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_values(":c", s(correlation))
                .send()
                .await;
            match stamped {
                Ok(_) => {}
                Err(err) if is_conditional_failure(&err) => {}
                Err(err) => return Err(unavailable(err)),
            }
        }
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(member_key))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(connection_pk(tenant, id), "CONN")))
            .update_expression("DELETE rooms :rooms")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(
                ":rooms",
                AttributeValue::Ss(vec![room.as_str().to_owned()]),
            )
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(err) if is_conditional_failure(&err) => {}
            Err(err) => return Err(unavailable(err)),
        }
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn membership(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
    ) -> Result<Option<(Member, RoomInfo)>, StoreError> {
        let pk = room_pk(tenant, room);
        let (member, meta) = tokio::try_join!(
            self.get(key(pk.clone(), format!("MEMBER#{id}"))),
            self.get(key(pk, "META"))
        )?;
        match (member, meta) {
            (Some(member), Some(meta)) => Ok(Some((Member::try_from(&member)?, room_info(&meta)?))),
            _ => Ok(None),
        }
    }

    async fn room_members(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> Result<Vec<Member>, StoreError> {
        let mut members = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", s(room_pk(tenant, room)))
                .expression_attribute_values(":prefix", s("MEMBER#"))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                members.push(Member::try_from(item)?);
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(members)
    }

    async fn set_room_mode(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        mode: RoomMode,
    ) -> Result<(), StoreError> {
        self.set_room_setting(tenant, room, "mode", s(mode.as_str()))
            .await
    }

    async fn put_message(&self, message: &StoredMessage) -> Result<PutMessage, StoreError> {
        let pk = room_pk(&message.tenant, &message.room);
        let id_key = key(
            pk,
            format!(
                "CMID#{}#{}",
                message.author.id,
                message.client_msg_id.as_str()
            ),
        );
        let mut id_item = id_key.clone();
        id_item.insert("kind".into(), s("client_msg_id"));
        id_item.insert("messageId".into(), s(message.id.to_string()));
        id_item.insert(
            "ttl".into(),
            n(message.created_at_ms / 1000 + IDEMPOTENCY_TTL_SECS),
        );
        let claim_id = Put::builder()
            .table_name(&self.table)
            .set_item(Some(id_item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(message_item(message)))
            .build()
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(claim_id).build())
            .transact_items(TransactWriteItem::builder().put(put).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(PutMessage::Created),
            Err(err) => match cancelled_conditions(&err) {
                Some(reasons) if reasons.first() == Some(&true) => {
                    let existing = self
                        .get(id_key)
                        .await?
                        .ok_or_else(|| StoreError::Corrupt("idempotency key vanished".into()))?;
                    Ok(PutMessage::Duplicate {
                        existing: Attrs(&existing).message_id("messageId")?,
                    })
                }
                _ => Err(unavailable(err)),
            },
        }
    }

    async fn set_visibility(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        message: &MessageId,
        from: Visibility,
        to: Visibility,
    ) -> Result<StoredMessage, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(room_pk(tenant, room), format!("MSG#{message}"))))
            .update_expression("SET visibility = :to")
            .condition_expression("visibility = :from")
            .expression_attribute_values(":to", s(to.as_str()))
            .expression_attribute_values(":from", s(from.as_str()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => StoredMessage::try_from(
                out.attributes
                    .as_ref()
                    .ok_or_else(|| StoreError::Corrupt("update returned nothing".into()))?,
            ),
            Err(err) if is_conditional_failure(&err) => {
                match self.message(tenant, room, message).await? {
                    None => Err(StoreError::NotFound { what: "message" }),
                    Some(m) => Err(StoreError::Conflict(format!(
                        "the message is {}, not {}",
                        m.visibility.as_str(),
                        from.as_str()
                    ))),
                }
            }
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn message(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &MessageId,
    ) -> Result<Option<StoredMessage>, StoreError> {
        self.get(key(room_pk(tenant, room), format!("MSG#{id}")))
            .await?
            .as_ref()
            .map(StoredMessage::try_from)
            .transpose()
    }

    async fn history(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        before: Option<&MessageId>,
        limit: usize,
    ) -> Result<HistoryPage, StoreError> {
        // BETWEEN is inclusive, so `before` itself may come back and is dropped.
        let upper = match before {
            Some(b) => format!("MSG#{b}"),
            None => "MSG#~".to_owned(),
        };
        let mut messages = Vec::new();
        let mut start: Option<Item> = None;
        let mut more = false;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", s(room_pk(tenant, room)))
                .expression_attribute_values(":lo", s("MSG#"))
                .expression_attribute_values(":hi", s(upper.clone()))
                .scan_index_forward(false)
                .consistent_read(true)
                .limit((limit + 2) as i32)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                let message = StoredMessage::try_from(item)?;
                if Some(&message.id) == before {
                    continue;
                }
                if messages.len() == limit {
                    more = true;
                    break;
                }
                messages.push(message);
            }
            match out.last_evaluated_key {
                Some(k) if !more && !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        let next = if more {
            messages.last().map(|m| m.id)
        } else {
            None
        };
        Ok(HistoryPage { messages, next })
    }

    async fn set_reaction(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        reaction: &ReactionRequest<'_>,
    ) -> Result<ReactionChange, StoreError> {
        let (message, emoji, user, on) =
            (reaction.message, reaction.emoji, reaction.user, reaction.on);
        let pk = room_pk(tenant, room);
        let marker_key = key(
            pk.clone(),
            format!("RX#{message}#{}#{user}", emoji.as_str()),
        );
        let message_key = key(pk, format!("MSG#{message}"));
        let marker = if on {
            let item = reaction_item(tenant, room, reaction);
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(item))
                        .condition_expression("attribute_not_exists(PK)")
                        .build()
                        .map_err(|e| StoreError::Unavailable(Box::new(e)))?,
                )
                .build()
        } else {
            TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(marker_key))
                        .condition_expression("attribute_exists(PK)")
                        .build()
                        .map_err(|e| StoreError::Unavailable(Box::new(e)))?,
                )
                .build()
        };
        let count = Update::builder()
            .table_name(&self.table)
            .set_key(Some(message_key.clone()))
            .update_expression(if on {
                "SET reactions.#e = if_not_exists(reactions.#e, :zero) + :one"
            } else {
                "SET reactions.#e = reactions.#e - :one"
            })
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#e", emoji.as_str())
            .expression_attribute_values(":one", n(1))
            .set_expression_attribute_values(Some(if on {
                HashMap::from([(":one".to_owned(), n(1)), (":zero".to_owned(), n(0))])
            } else {
                HashMap::from([(":one".to_owned(), n(1))])
            }))
            .build()
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let (changed, stored) = self
            .marker_and_message_update(marker, count, message_key)
            .await?;
        let count = StoredMessage::try_from(&stored)?
            .reactions
            .get(emoji.as_str())
            .copied()
            .unwrap_or(0);
        Ok(ReactionChange { count, changed })
    }

    async fn count_send(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        user: &UserId,
        window_start_ms: i64,
        expires_at_s: i64,
    ) -> Result<u32, StoreError> {
        self.add_one(
            key(
                room_pk(tenant, room),
                format!("RL#{user}#{window_start_ms}"),
            ),
            "sends",
            "rate",
            expires_at_s,
        )
        .await
    }
}

impl SeenEvents for DynamoStore {
    async fn first_sighting(
        &self,
        tenant: &TenantId,
        consumer: &str,
        event_id: &str,
        now_s: i64,
        window_s: i64,
    ) -> Result<bool, StoreError> {
        let mut item = key(format!("T#{tenant}#EVT#{consumer}#{event_id}"), "SEEN");
        item.insert("kind".into(), s("seen"));
        item.insert("ttl".into(), n(now_s + window_s));
        // TTL deletion is lazy: an expired item still there counts as unseen.
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR #ttl <= :now")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", n(now_s))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_put_conditional_failure(&err) => Ok(false),
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn seen(
        &self,
        tenant: &TenantId,
        consumer: &str,
        event_id: &str,
        now_s: i64,
    ) -> Result<bool, StoreError> {
        let item = self
            .get(key(format!("T#{tenant}#EVT#{consumer}#{event_id}"), "SEEN"))
            .await?;
        Ok(match item {
            Some(item) => Attrs(&item).num("ttl")? > now_s,
            None => false,
        })
    }
}
