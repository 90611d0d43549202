//! The item codec: every domain record to the item it is stored as, and back. The
//! same decoders read query results and the stream's images (through
//! [`stored_from`]), so there is one typed path per item. A missing or mistyped
//! attribute is corruption, never a default — except where an attribute was added
//! after items were first written, as noted at the attribute.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use sideline_domain::connection::{ConnectionRecord, Member};
use sideline_domain::erasure::{ErasureDone, ErasureRequest, DONE_NOTE_TTL_S};
use sideline_domain::identity::Role;
use sideline_domain::ids::{ConnectionId, DecisionId, RoomId, TenantId, UserId};
use sideline_domain::message::{
    Author, ClientMsgId, Emoji, MessageId, MessageText, Reaction, StoredMessage, Visibility,
};
use sideline_domain::moderation::{
    Decision, DecisionKind, Priority, RecentMessage, Report, ReviewItem, ReviewStatus, Sanction,
    SanctionKind, Scope, Stage, UserProfile,
};
use sideline_domain::outbox::Stored;
use sideline_domain::poll::{Moment, Poll, PollActor, PollId, ResultsShown, Vote};
use sideline_domain::retention::Class;
use sideline_domain::room::{RoomInfo, RoomMode, RoomProfile};
use sideline_domain::scoring::{Tier, TierChange};
use sideline_ports::BackendError;

use super::{expiry, keys, Item};

/// The partition of the `owner` index listing what a user made or what is about
/// them: their messages, reactions and reports, and decisions about them.
pub fn owner_pk(tenant: &TenantId, user: &UserId) -> String {
    format!("T#{tenant}#O#{user}")
}

/// Lists an item under its user in the `owner` index (`owPk`, `owSk` = its time).
fn owned_by(item: &mut Item, tenant: &TenantId, user: &UserId, at_ms: i64) {
    item.insert("owPk".into(), s(owner_pk(tenant, user)));
    item.insert("owSk".into(), n(at_ms));
}

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// A list of strings as an attribute.
fn string_list(values: &[String]) -> AttributeValue {
    AttributeValue::L(values.iter().map(s).collect())
}

fn corrupt(e: impl ToString) -> BackendError {
    BackendError::Corrupt(e.to_string())
}

/// Reads typed attributes; a missing or mistyped attribute is corruption.
pub struct Attrs<'a>(pub &'a Item);

impl Attrs<'_> {
    pub fn str(&self, name: &str) -> Result<&str, BackendError> {
        match self.0.get(name) {
            Some(AttributeValue::S(v)) => Ok(v),
            _ => Err(corrupt(format!("missing string `{name}`"))),
        }
    }

    /// A number that need not be whole.
    pub fn float(&self, name: &str) -> Result<f64, BackendError> {
        match self.0.get(name) {
            Some(AttributeValue::N(v)) => v
                .parse()
                .map_err(|_| corrupt(format!("bad number `{name}`"))),
            _ => Err(corrupt(format!("missing number `{name}`"))),
        }
    }

    pub fn opt_str(&self, name: &str) -> Option<&str> {
        match self.0.get(name) {
            Some(AttributeValue::S(v)) => Some(v),
            _ => None,
        }
    }

    pub fn num(&self, name: &str) -> Result<i64, BackendError> {
        match self.0.get(name) {
            Some(AttributeValue::N(v)) => v
                .parse()
                .map_err(|_| corrupt(format!("bad number `{name}`"))),
            _ => Err(corrupt(format!("missing number `{name}`"))),
        }
    }

    pub fn opt_num(&self, name: &str) -> Result<Option<i64>, BackendError> {
        self.0.get(name).map(|_| self.num(name)).transpose()
    }

    /// A non-negative count that may be absent (0), saturating at `u32::MAX`.
    pub fn opt_count(&self, name: &str) -> Result<u32, BackendError> {
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

    fn role(&self, name: &str) -> Result<Role, BackendError> {
        let raw = self.str(name)?;
        Role::parse(raw).ok_or_else(|| corrupt(format!("bad role `{raw}`")))
    }

    pub fn tenant(&self) -> Result<TenantId, BackendError> {
        TenantId::parse(self.str("tenant")?).map_err(corrupt)
    }

    pub fn user(&self, name: &str) -> Result<UserId, BackendError> {
        UserId::parse(self.str(name)?).map_err(corrupt)
    }

    pub fn connection_id(&self, name: &str) -> Result<ConnectionId, BackendError> {
        ConnectionId::parse(self.str(name)?)
            .ok_or_else(|| corrupt(format!("bad connection id `{name}`")))
    }

    fn room(&self, name: &str) -> Result<RoomId, BackendError> {
        RoomId::parse(self.str(name)?).map_err(corrupt)
    }

    pub fn message_id(&self, name: &str) -> Result<MessageId, BackendError> {
        MessageId::parse(self.str(name)?).map_err(corrupt)
    }
}

pub fn connection_item(r: &ConnectionRecord) -> Item {
    let mut item = keys::connection(&r.tenant, &r.connection_id);
    item.insert("kind".into(), s("connection"));
    item.insert("tenant".into(), s(r.tenant.as_str()));
    item.insert("connectionId".into(), s(r.connection_id.as_str()));
    item.insert("userId".into(), s(r.user.as_str()));
    item.insert("name".into(), s(&r.name));
    item.insert("role".into(), s(r.role.as_str()));
    item.insert("connectedAt".into(), n(r.connected_at_ms));
    item.insert("ttl".into(), n(r.expires_at_s));
    expiry::stamp(&mut item, &r.tenant, Class::Live, r.expires_at_s * 1000);
    if !r.rooms.is_empty() {
        item.insert(
            "rooms".into(),
            AttributeValue::Ss(r.rooms.iter().map(|r| r.as_str().to_owned()).collect()),
        );
    }
    item
}

pub fn connection_from(item: &Item) -> Result<ConnectionRecord, BackendError> {
    let a = Attrs(item);
    let rooms = match item.get("rooms") {
        Some(AttributeValue::Ss(set)) => set
            .iter()
            .map(|r| RoomId::parse(r).map_err(corrupt))
            .collect::<Result<BTreeSet<_>, _>>()?,
        None => BTreeSet::new(),
        Some(_) => return Err(corrupt("`rooms` is not a string set")),
    };
    Ok(ConnectionRecord {
        tenant: a.tenant()?,
        connection_id: a.connection_id("connectionId")?,
        user: a.user("userId")?,
        name: a.str("name")?.to_owned(),
        role: a.role("role")?,
        connected_at_ms: a.num("connectedAt")?,
        expires_at_s: a.num("ttl")?,
        rooms,
    })
}

/// The profile and the user's connection entry written with each connection.
pub fn user_items(r: &ConnectionRecord) -> [Item; 2] {
    let mut profile = keys::profile(&r.tenant, &r.user);
    profile.insert("kind".into(), s("user"));
    profile.insert("userId".into(), s(r.user.as_str()));
    profile.insert("name".into(), s(&r.name));
    profile.insert("role".into(), s(r.role.as_str()));
    profile.insert("lastSeen".into(), n(r.connected_at_ms));
    expiry::stamp(
        &mut profile,
        &r.tenant,
        Class::ReadModels,
        r.connected_at_ms,
    );
    let mut conn = keys::user_connection(&r.tenant, &r.user, &r.connection_id);
    conn.insert("kind".into(), s("user_connection"));
    conn.insert("connectionId".into(), s(r.connection_id.as_str()));
    conn.insert("ttl".into(), n(r.expires_at_s));
    expiry::stamp(&mut conn, &r.tenant, Class::Live, r.expires_at_s * 1000);
    [profile, conn]
}

pub fn profile_from(item: &Item) -> Result<UserProfile, BackendError> {
    let a = Attrs(item);
    Ok(UserProfile {
        user: a.user("userId")?,
        name: a.str("name")?.to_owned(),
        role: a.role("role")?,
        last_seen_ms: a.num("lastSeen")?,
    })
}

/// The item a membership is stored as.
pub fn member_item(tenant: &TenantId, room: &RoomId, m: &Member) -> Item {
    let mut item = keys::member(tenant, room, &m.connection_id);
    item.insert("kind".into(), s("member"));
    item.insert("tenant".into(), s(tenant.as_str()));
    item.insert("room".into(), s(room.as_str()));
    item.insert("connectionId".into(), s(m.connection_id.as_str()));
    item.insert("userId".into(), s(m.user.as_str()));
    item.insert("name".into(), s(&m.name));
    item.insert("role".into(), s(m.role.as_str()));
    item.insert("joinedAt".into(), n(m.joined_at_ms));
    item.insert("ttl".into(), n(m.expires_at_s));
    expiry::stamp(&mut item, tenant, Class::Live, m.expires_at_s * 1000);
    if let Some(correlation) = &m.correlation_id {
        item.insert("correlationId".into(), s(correlation));
    }
    if m.tier != Tier::None {
        item.insert("tier".into(), s(m.tier.as_str()));
    }
    item
}

/// An optional tier attribute (items written before tiers existed have none).
fn opt_tier(a: &Attrs<'_>, name: &str) -> Result<Tier, BackendError> {
    match a.opt_str(name) {
        None => Ok(Tier::None),
        Some(raw) => Tier::parse(raw).ok_or_else(|| corrupt(format!("tier `{raw}`"))),
    }
}

pub fn member_from(item: &Item) -> Result<Member, BackendError> {
    let a = Attrs(item);
    Ok(Member {
        connection_id: a.connection_id("connectionId")?,
        user: a.user("userId")?,
        name: a.str("name")?.to_owned(),
        role: a.role("role")?,
        joined_at_ms: a.num("joinedAt")?,
        expires_at_s: a.num("ttl")?,
        correlation_id: a.opt_str("correlationId").map(str::to_owned),
        tier: opt_tier(&a, "tier")?,
    })
}

pub fn room_info(item: &Item) -> Result<RoomInfo, BackendError> {
    let a = Attrs(item);
    let raw = a.str("mode")?;
    Ok(RoomInfo {
        mode: RoomMode::parse(raw).ok_or_else(|| corrupt(format!("bad mode `{raw}`")))?,
        created_at_ms: a.num("createdAt")?,
        slow_mode_s: a.opt_count("slowModeS")?,
        opens_at_ms: a.opt_num("opensAt")?,
        closes_at_ms: a.opt_num("closesAt")?,
    })
}

/// What the host gave a room, from its `META` item.
pub fn room_profile(item: &Item) -> Result<RoomProfile, BackendError> {
    let a = Attrs(item);
    Ok(RoomProfile {
        title: a.opt_str("title").map(str::to_owned),
        object: a.opt_str("object").map(str::to_owned),
        opens_at_ms: a.opt_num("opensAt")?,
        closes_at_ms: a.opt_num("closesAt")?,
    })
}

/// The item a message is stored as.
pub fn message_item(m: &StoredMessage) -> Item {
    let mut item = keys::message(&m.tenant, &m.room, &m.id);
    expiry::stamp(&mut item, &m.tenant, Class::Messages, m.created_at_ms);
    owned_by(&mut item, &m.tenant, &m.author.id, m.created_at_ms);
    item.insert("kind".into(), s("message"));
    item.insert("tenant".into(), s(m.tenant.as_str()));
    item.insert("room".into(), s(m.room.as_str()));
    item.insert("messageId".into(), s(m.id.to_string()));
    item.insert("authorId".into(), s(m.author.id.as_str()));
    item.insert("authorName".into(), s(&m.author.name));
    item.insert("authorRole".into(), s(m.author.role.as_str()));
    if m.author.tier != Tier::None {
        item.insert("authorTier".into(), s(m.author.tier.as_str()));
    }
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
    if let Some(seq) = m.seq {
        item.insert("seq".into(), n(seq));
    }
    if m.batched {
        // The stream's fan-out consumer takes these (its filter matches it).
        item.insert("fanout".into(), s("batched"));
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

pub fn message_from(item: &Item) -> Result<StoredMessage, BackendError> {
    let a = Attrs(item);
    let mut reactions = BTreeMap::new();
    if let Some(AttributeValue::M(map)) = item.get("reactions") {
        for (emoji, count) in map {
            let count = match count {
                AttributeValue::N(v) => v.parse::<i64>().unwrap_or(0),
                _ => return Err(corrupt("bad reaction count")),
            };
            if count > 0 {
                reactions.insert(emoji.clone(), count.unsigned_abs());
            }
        }
    }
    // Messages stored before moderation existed have no visibility: they are public.
    let visibility = match a.opt_str("visibility") {
        None => Visibility::Public,
        Some(raw) => Visibility::parse(raw).ok_or_else(|| corrupt("bad visibility"))?,
    };
    Ok(StoredMessage {
        tenant: a.tenant()?,
        room: a.room("room")?,
        id: a.message_id("messageId")?,
        author: Author {
            id: a.user("authorId")?,
            name: a.str("authorName")?.to_owned(),
            role: a.role("authorRole")?,
            tier: opt_tier(&a, "authorTier")?,
        },
        text: MessageText::from_stored(a.str("text")?.to_owned()),
        created_at_ms: a.num("createdAt")?,
        reply_to: a
            .opt_str("replyTo")
            .map(MessageId::parse)
            .transpose()
            .map_err(corrupt)?,
        client_msg_id: ClientMsgId::parse(a.str("clientMsgId")?).map_err(corrupt)?,
        correlation_id: a.opt_str("correlationId").map(str::to_owned),
        reactions,
        visibility,
        seq: a
            .opt_num("seq")?
            .map(|seq| u64::try_from(seq).map_err(|_| corrupt("bad seq")))
            .transpose()?,
        batched: a.opt_str("fanout") == Some("batched"),
    })
}

/// The item a reaction is stored as (its presence is the reaction).
pub fn reaction_item(r: &Reaction) -> Item {
    let mut item = keys::reaction(&r.tenant, &r.room, &r.message, &r.emoji, &r.user);
    // Reactions and reports go with their message.
    expiry::stamp(
        &mut item,
        &r.tenant,
        Class::Messages,
        r.message.time_ms().unwrap_or(r.at_ms),
    );
    owned_by(&mut item, &r.tenant, &r.user, r.at_ms);
    item.insert("kind".into(), s("reaction"));
    item.insert("tenant".into(), s(r.tenant.as_str()));
    item.insert("room".into(), s(r.room.as_str()));
    item.insert("messageId".into(), s(r.message.to_string()));
    item.insert("emoji".into(), s(r.emoji.as_str()));
    item.insert("userId".into(), s(r.user.as_str()));
    item.insert("role".into(), s(r.role.as_str()));
    item.insert("createdAt".into(), n(r.at_ms));
    if let Some(correlation) = &r.correlation_id {
        item.insert("correlationId".into(), s(correlation));
    }
    if r.batched {
        // What the fan-out consumer's stream filter picks out, as for messages.
        item.insert("fanout".into(), s("batched"));
    }
    item
}

pub fn reaction_from(item: &Item) -> Result<Reaction, BackendError> {
    let a = Attrs(item);
    Ok(Reaction {
        tenant: a.tenant()?,
        room: a.room("room")?,
        message: a.message_id("messageId")?,
        emoji: Emoji::parse(a.str("emoji")?).map_err(corrupt)?,
        user: a.user("userId")?,
        role: a.role("role")?,
        at_ms: a.num("createdAt")?,
        correlation_id: a.opt_str("correlationId").map(str::to_owned),
        batched: a.opt_str("fanout") == Some("batched"),
    })
}

pub fn sanction_item(tenant: &TenantId, x: &Sanction) -> Item {
    let mut item = keys::sanction(tenant, &x.user, x.kind, &x.scope);
    item.insert("kind".into(), s("sanction"));
    item.insert("tenant".into(), s(tenant.as_str()));
    item.insert("userId".into(), s(x.user.as_str()));
    item.insert("sanction".into(), s(x.kind.as_str()));
    if let Some(room) = x.scope.room() {
        item.insert("room".into(), s(room.as_str()));
    }
    if let Some(until) = x.until_ms {
        item.insert("until".into(), n(until));
        item.insert(
            "ttl".into(),
            n((until / 1000)
                .saturating_add(sideline_domain::moderation::SANCTION_KEPT_AFTER_END_SECS)),
        );
    }
    if let Some(reason) = &x.reason {
        item.insert("reason".into(), s(reason));
    }
    item.insert("by".into(), s(&x.by));
    if let Some(role) = x.by_role {
        item.insert("byRole".into(), s(role.as_str()));
    }
    item.insert("createdAt".into(), n(x.at_ms));
    item
}

pub fn sanction_from(item: &Item) -> Result<Sanction, BackendError> {
    let a = Attrs(item);
    let raw = a.str("sanction")?;
    Ok(Sanction {
        user: a.user("userId")?,
        kind: SanctionKind::parse(raw).ok_or_else(|| corrupt(format!("bad sanction `{raw}`")))?,
        scope: match a.opt_str("room") {
            Some(room) => Scope::Room(RoomId::parse(room).map_err(corrupt)?),
            None => Scope::Tenant,
        },
        until_ms: a.opt_num("until")?,
        reason: a.opt_str("reason").map(str::to_owned),
        by: a.str("by")?.to_owned(),
        by_role: item.get("byRole").map(|_| a.role("byRole")).transpose()?,
        at_ms: a.num("createdAt")?,
    })
}

/// The item a decision is recorded as; the stream turns it into a
/// `community.moderation.*` event.
pub fn decision_item(d: &Decision) -> Item {
    let mut item = keys::decision(&d.tenant, &d.id);
    expiry::stamp(&mut item, &d.tenant, Class::Audit, d.at_ms);
    if let Some(subject) = &d.subject {
        owned_by(&mut item, &d.tenant, subject, d.at_ms);
    }
    item.insert("kind".into(), s("moderation"));
    item.insert("tenant".into(), s(d.tenant.as_str()));
    item.insert("decisionId".into(), s(d.id.to_string()));
    item.insert("decision".into(), s(d.kind.as_str()));
    item.insert("stage".into(), s(d.stage.as_str()));
    if let Some(actor) = &d.actor {
        item.insert("actorId".into(), s(actor.as_str()));
    }
    item.insert("actorRole".into(), s(&d.actor_role));
    if let Some(room) = &d.room {
        item.insert("room".into(), s(room.as_str()));
    }
    if let Some(subject) = &d.subject {
        item.insert("subjectId".into(), s(subject.as_str()));
    }
    if let Some(message) = &d.message {
        item.insert("messageId".into(), s(message.to_string()));
    }
    if let Some(reason) = &d.reason {
        item.insert("reason".into(), s(reason));
    }
    item.insert("categories".into(), string_list(&d.categories));
    item.insert(
        "scores".into(),
        AttributeValue::M(
            d.scores
                .iter()
                .map(|(k, v)| (k.clone(), n(format!("{v:.3}"))))
                .collect(),
        ),
    );
    item.insert("ruleVersion".into(), s(&d.rule_version));
    item.insert("enforced".into(), AttributeValue::Bool(d.enforced));
    if let Some(duration) = d.duration_s {
        item.insert("durationS".into(), n(duration));
    }
    item.insert("createdAt".into(), n(d.at_ms));
    if let Some(correlation) = &d.correlation_id {
        item.insert("correlationId".into(), s(correlation));
    }
    item
}

pub fn decision_from(item: &Item) -> Result<Decision, BackendError> {
    let a = Attrs(item);
    let kind = a.str("decision")?;
    let stage = a.str("stage")?;
    let mut scores = BTreeMap::new();
    if let Some(AttributeValue::M(map)) = item.get("scores") {
        for (name, v) in map {
            let score = match v {
                AttributeValue::N(raw) => raw.parse::<f32>().map_err(corrupt)?,
                _ => return Err(corrupt(format!("bad score `{name}`"))),
            };
            scores.insert(name.clone(), score);
        }
    }
    Ok(Decision {
        tenant: a.tenant()?,
        id: DecisionId::parse(a.str("decisionId")?).map_err(corrupt)?,
        kind: DecisionKind::parse(kind).ok_or_else(|| corrupt(format!("bad decision `{kind}`")))?,
        stage: Stage::parse(stage).ok_or_else(|| corrupt(format!("bad stage `{stage}`")))?,
        actor: a
            .opt_str("actorId")
            .map(UserId::parse)
            .transpose()
            .map_err(corrupt)?,
        actor_role: a.str("actorRole")?.to_owned(),
        room: a
            .opt_str("room")
            .map(RoomId::parse)
            .transpose()
            .map_err(corrupt)?,
        subject: a
            .opt_str("subjectId")
            .map(UserId::parse)
            .transpose()
            .map_err(corrupt)?,
        message: a
            .opt_str("messageId")
            .map(MessageId::parse)
            .transpose()
            .map_err(corrupt)?,
        reason: a.opt_str("reason").map(str::to_owned),
        categories: a.strings("categories"),
        scores,
        rule_version: a.str("ruleVersion")?.to_owned(),
        enforced: !matches!(item.get("enforced"), Some(AttributeValue::Bool(false))),
        duration_s: a.opt_num("durationS")?,
        at_ms: a.num("createdAt")?,
        correlation_id: a.opt_str("correlationId").map(str::to_owned),
    })
}

/// The item a report is stored as; the stream turns it into
/// `community.message.reported`.
pub fn report_item(r: &Report) -> Item {
    let mut item = keys::report(&r.tenant, &r.room, &r.message, &r.reporter);
    expiry::stamp(
        &mut item,
        &r.tenant,
        Class::Messages,
        r.message.time_ms().unwrap_or(r.at_ms),
    );
    owned_by(&mut item, &r.tenant, &r.reporter, r.at_ms);
    item.insert("kind".into(), s("report"));
    item.insert("tenant".into(), s(r.tenant.as_str()));
    item.insert("room".into(), s(r.room.as_str()));
    item.insert("messageId".into(), s(r.message.to_string()));
    item.insert("authorId".into(), s(r.author.as_str()));
    item.insert("userId".into(), s(r.reporter.as_str()));
    item.insert("role".into(), s(r.reporter_role.as_str()));
    item.insert("reason".into(), s(&r.reason));
    item.insert("createdAt".into(), n(r.at_ms));
    if let Some(correlation) = &r.correlation_id {
        item.insert("correlationId".into(), s(correlation));
    }
    item
}

pub fn report_from(item: &Item) -> Result<Report, BackendError> {
    let a = Attrs(item);
    Ok(Report {
        tenant: a.tenant()?,
        room: a.room("room")?,
        message: a.message_id("messageId")?,
        author: a.user("authorId")?,
        reporter: a.user("userId")?,
        reporter_role: a.role("role")?,
        reason: a.str("reason")?.to_owned(),
        at_ms: a.num("createdAt")?,
        correlation_id: a.opt_str("correlationId").map(str::to_owned),
    })
}

pub fn review_item(r: &ReviewItem) -> Item {
    let mut item = keys::review(&r.tenant, &r.message_id);
    item.insert("kind".into(), s("review"));
    item.insert("tenant".into(), s(r.tenant.as_str()));
    item.insert("room".into(), s(r.room.as_str()));
    item.insert("messageId".into(), s(r.message_id.to_string()));
    item.insert("authorId".into(), s(r.author_id.as_str()));
    item.insert("text".into(), s(&r.text));
    item.insert("status".into(), s(r.status.as_str()));
    item.insert("priority".into(), s(r.priority.as_str()));
    item.insert("reason".into(), s(&r.reason));
    item.insert("categories".into(), string_list(&r.categories));
    item.insert("reports".into(), n(r.reports));
    item.insert("dueAt".into(), n(r.due_at_ms));
    item.insert("createdAt".into(), n(r.created_at_ms));
    if let Some(by) = &r.decided_by {
        item.insert("decidedBy".into(), s(by));
    }
    item
}

pub fn review_from(item: &Item) -> Result<ReviewItem, BackendError> {
    let a = Attrs(item);
    let status = a.str("status")?;
    let priority = a.str("priority")?;
    Ok(ReviewItem {
        tenant: a.tenant()?,
        room: a.room("room")?,
        message_id: a.message_id("messageId")?,
        author_id: a.user("authorId")?,
        text: a.str("text")?.to_owned(),
        status: ReviewStatus::parse(status)
            .ok_or_else(|| corrupt(format!("bad status `{status}`")))?,
        priority: Priority::parse(priority)
            .ok_or_else(|| corrupt(format!("bad priority `{priority}`")))?,
        reason: a.str("reason")?.to_owned(),
        categories: a.strings("categories"),
        reports: a.opt_count("reports")?,
        due_at_ms: a.num("dueAt")?,
        created_at_ms: a.num("createdAt")?,
        decided_by: a.opt_str("decidedBy").map(str::to_owned),
    })
}

pub fn recent_from(v: &AttributeValue) -> Result<RecentMessage, BackendError> {
    let map = v.as_m().map_err(|_| corrupt("recent entry is not a map"))?;
    let a = Attrs(map);
    Ok(RecentMessage {
        room: a.room("room")?,
        message: a.message_id("messageId")?,
        fingerprint: a
            .str("fp")?
            .parse()
            .map_err(|_| corrupt("bad fingerprint"))?,
        at_ms: a.num("at")?,
    })
}

pub fn recent_value(r: &RecentMessage) -> AttributeValue {
    AttributeValue::M(HashMap::from([
        ("room".to_owned(), s(r.room.as_str())),
        ("messageId".to_owned(), s(r.message.to_string())),
        ("fp".to_owned(), s(r.fingerprint.to_string())),
        ("at".to_owned(), n(r.at_ms)),
    ]))
}

/// A user's tier change (`T#{tenant}#S#{userId}` / `TIER#{at}#{from}#{to}`): one item per
/// change, their tier history, kept as long as the read models.
pub fn tier_change_item(t: &TierChange) -> Item {
    let mut item = keys::key(
        format!("T#{}#S#{}", t.tenant, t.user),
        // Two changes in one millisecond (a settle and an event) differ in
        // their tiers.
        format!(
            "TIER#{:013}#{}#{}",
            t.at_ms.max(0),
            t.from.as_str(),
            t.to.as_str()
        ),
    );
    expiry::stamp(&mut item, &t.tenant, Class::ReadModels, t.at_ms);
    item.insert("kind".into(), s("tier"));
    item.insert("tenant".into(), s(t.tenant.as_str()));
    item.insert("userId".into(), s(t.user.as_str()));
    item.insert("from".into(), s(t.from.as_str()));
    item.insert("to".into(), s(t.to.as_str()));
    item.insert("score".into(), n(t.score));
    item.insert("at".into(), n(t.at_ms));
    item
}

pub fn tier_change_from(item: &Item) -> Result<TierChange, BackendError> {
    let a = Attrs(item);
    let tier = |name: &str| {
        let raw = a.str(name)?;
        Tier::parse(raw).ok_or_else(|| corrupt(format!("tier `{raw}`")))
    };
    Ok(TierChange {
        tenant: a.tenant()?,
        user: a.user("userId")?,
        from: tier("from")?,
        to: tier("to")?,
        score: a.float("score")?,
        at_ms: a.num("at")?,
    })
}

/// Any item, as the outbox knows it: the records that make events, decoded by
/// their `kind`; everything else is [`Stored::Other`].
pub fn stored_from(item: &Item) -> Result<Stored, BackendError> {
    Ok(match Attrs(item).opt_str("kind") {
        Some("member") => {
            let a = Attrs(item);
            Stored::Member {
                tenant: a.tenant()?,
                room: a.room("room")?,
                member: member_from(item)?,
            }
        }
        Some("message") => Stored::Message(message_from(item)?),
        Some("reaction") => Stored::Reaction(reaction_from(item)?),
        Some("report") => Stored::Report(report_from(item)?),
        Some("moderation") => Stored::Decision(decision_from(item)?),
        Some("tier") => Stored::TierChange(tier_change_from(item)?),
        Some("poll") => Stored::Poll(poll_from(item)?),
        Some("vote") => Stored::Vote(vote_from(item)?),
        Some("erasure_done") => Stored::ErasureDone(erasure_done_from(item)?),
        _ => Stored::Other,
    })
}

/// Every `kind` [`stored_from`] reads as a record that can make an event: the
/// table stream's filter (template.yaml) must let each through.
pub const EVENT_KINDS: [&str; 9] = [
    "member",
    "message",
    "reaction",
    "report",
    "moderation",
    "tier",
    "erasure_done",
    "poll",
    "vote",
];

/// The item a stored record is written as (the inverse of [`stored_from`]).
pub fn item_of(stored: &Stored) -> Option<Item> {
    Some(match stored {
        Stored::Member {
            tenant,
            room,
            member,
        } => member_item(tenant, room, member),
        Stored::Message(m) => message_item(m),
        Stored::Reaction(r) => reaction_item(r),
        Stored::Report(r) => report_item(r),
        Stored::Decision(d) => decision_item(d),
        Stored::TierChange(t) => tier_change_item(t),
        Stored::Poll(p) => poll_item(p),
        Stored::Vote(v) => vote_item(v),
        Stored::ErasureDone(d) => erasure_done_item(d),
        Stored::Other => return None,
    })
}

/// An erasure request: the request as a JSON document, its status and version.
pub fn erasure_item(request: &ErasureRequest) -> Result<Item, BackendError> {
    let doc =
        serde_json::to_string(request).map_err(|e| corrupt(format!("erasure request: {e}")))?;
    let mut item = keys::erasure_request(&request.tenant, &request.request_id);
    item.insert("kind".into(), s("erasure"));
    item.insert("doc".into(), s(doc));
    item.insert("status".into(), s(request.status.as_str()));
    item.insert("version".into(), n(request.version));
    Ok(item)
}

pub fn erasure_from(item: &Item) -> Result<ErasureRequest, BackendError> {
    let attrs = Attrs(item);
    serde_json::from_str(attrs.str("doc")?).map_err(|e| corrupt(format!("erasure request: {e}")))
}

/// A completion's note for the outbox.
pub fn erasure_done_item(done: &ErasureDone) -> Item {
    let mut item = keys::erasure_done(&done.tenant, &done.request_id);
    item.insert("kind".into(), s("erasure_done"));
    item.insert("tenant".into(), s(done.tenant.as_str()));
    item.insert("requestId".into(), s(&done.request_id));
    if let Some(p) = &done.pseudonym {
        item.insert("pseudonym".into(), s(p));
    }
    item.insert("at".into(), n(done.at_ms));
    item.insert("ttl".into(), n(done.at_ms / 1000 + DONE_NOTE_TTL_S));
    item
}

pub fn erasure_done_from(item: &Item) -> Result<ErasureDone, BackendError> {
    let a = Attrs(item);
    Ok(ErasureDone {
        tenant: a.tenant()?,
        request_id: a.str("requestId")?.to_owned(),
        pseudonym: a.opt_str("pseudonym").map(str::to_owned),
        at_ms: a.num("at")?,
    })
}

/// The attribute of option `i`'s count on a poll item (`c0` … `c9`): top-level
/// numbers, so a vote moves them with `ADD`.
pub fn count_attr(i: usize) -> String {
    format!("c{i}")
}

fn actor_attrs(item: &mut Item, prefix: &str, actor: &PollActor) {
    item.insert(format!("{prefix}By"), s(actor.id()));
    item.insert(format!("{prefix}Role"), s(actor.role()));
}

fn actor_from(a: &Attrs<'_>, prefix: &str) -> Result<Option<PollActor>, BackendError> {
    let Some(id) = a.opt_str(&format!("{prefix}By")) else {
        return Ok(None);
    };
    if id == "system" {
        return Ok(Some(match a.opt_str(&format!("{prefix}Role")) {
            None | Some("system") => PollActor::System,
            Some(_) => PollActor::Staff(a.role(&format!("{prefix}Role"))?),
        }));
    }
    Ok(Some(PollActor::User {
        id: UserId::parse(id).map_err(corrupt)?,
        role: a.role(&format!("{prefix}Role"))?,
    }))
}

/// The item a poll is stored as, tally included; kept as long as messages.
pub fn poll_item(p: &Poll) -> Item {
    let mut item = keys::poll(&p.tenant, &p.room, &p.id);
    expiry::stamp(&mut item, &p.tenant, Class::Messages, p.created_at_ms);
    // Listed under its creator: their export shows it, their erasure finds it.
    if let PollActor::User { id, .. } = &p.created_by {
        owned_by(&mut item, &p.tenant, id, p.created_at_ms);
    }
    item.insert("kind".into(), s("poll"));
    item.insert("tenant".into(), s(p.tenant.as_str()));
    item.insert("room".into(), s(p.room.as_str()));
    item.insert("pollId".into(), s(p.id.to_string()));
    item.insert("question".into(), s(&p.question));
    item.insert("options".into(), string_list(&p.options));
    item.insert("multiple".into(), AttributeValue::Bool(p.multiple));
    item.insert("results".into(), s(p.results.as_str()));
    if let Some(at) = p.closes_at_ms {
        item.insert("closesAt".into(), n(at));
    }
    actor_attrs(&mut item, "created", &p.created_by);
    item.insert("createdAt".into(), n(p.created_at_ms));
    if let Some(context) = &p.context {
        item.insert("context".into(), s(context.to_value().to_string()));
    }
    for i in 0..p.options.len() {
        item.insert(count_attr(i), n(p.counts.get(i).copied().unwrap_or(0)));
    }
    item.insert("voters".into(), n(p.voters));
    if let Some(at) = p.closed_at_ms {
        item.insert("closedAt".into(), n(at));
    }
    if let Some(by) = &p.closed_by {
        actor_attrs(&mut item, "closed", by);
    }
    if let Some(correlation) = &p.correlation_id {
        item.insert("correlationId".into(), s(correlation));
    }
    item
}

pub fn poll_from(item: &Item) -> Result<Poll, BackendError> {
    let a = Attrs(item);
    let options = a.strings("options");
    let results = a.str("results")?;
    let context = a
        .opt_str("context")
        .map(|raw| {
            serde_json::from_str::<serde_json::Value>(raw)
                .map_err(corrupt)
                .and_then(|v| Moment::parse(&v).map_err(corrupt))
        })
        .transpose()?;
    let counts = (0..options.len())
        .map(|i| {
            a.opt_num(&count_attr(i))
                .map(|c| c.unwrap_or(0).max(0) as u64)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Poll {
        tenant: a.tenant()?,
        room: a.room("room")?,
        id: PollId::parse(a.str("pollId")?).map_err(corrupt)?,
        question: a.str("question")?.to_owned(),
        multiple: matches!(item.get("multiple"), Some(AttributeValue::Bool(true))),
        results: ResultsShown::parse(results)
            .ok_or_else(|| corrupt(format!("bad results `{results}`")))?,
        closes_at_ms: a.opt_num("closesAt")?,
        created_by: actor_from(&a, "created")?.ok_or_else(|| corrupt("poll without creator"))?,
        created_at_ms: a.num("createdAt")?,
        context,
        counts,
        options,
        voters: a.opt_num("voters")?.unwrap_or(0).max(0) as u64,
        closed_at_ms: a.opt_num("closedAt")?,
        closed_by: actor_from(&a, "closed")?,
        correlation_id: a.opt_str("correlationId").map(str::to_owned),
    })
}

/// The item a vote is stored as: listed under its voter (export, erasure), kept
/// as long as the poll.
pub fn vote_item(v: &Vote) -> Item {
    let mut item = keys::vote(&v.tenant, &v.room, &v.poll, &v.user);
    let poll_ms = v.poll.time_ms().unwrap_or(v.at_ms);
    expiry::stamp(&mut item, &v.tenant, Class::Messages, poll_ms);
    owned_by(&mut item, &v.tenant, &v.user, v.at_ms);
    item.insert("kind".into(), s("vote"));
    item.insert("tenant".into(), s(v.tenant.as_str()));
    item.insert("room".into(), s(v.room.as_str()));
    item.insert("pollId".into(), s(v.poll.to_string()));
    item.insert("userId".into(), s(v.user.as_str()));
    item.insert("role".into(), s(v.role.as_str()));
    item.insert(
        "choices".into(),
        AttributeValue::L(v.choices.iter().map(n).collect()),
    );
    item.insert("at".into(), n(v.at_ms));
    item.insert("ver".into(), n(v.version));
    if let Some(correlation) = &v.correlation_id {
        item.insert("correlationId".into(), s(correlation));
    }
    if v.batched {
        item.insert("fanout".into(), s("batched"));
    }
    item
}

pub fn vote_from(item: &Item) -> Result<Vote, BackendError> {
    let a = Attrs(item);
    let choices = match item.get("choices") {
        Some(AttributeValue::L(list)) => list
            .iter()
            .map(|v| {
                v.as_n()
                    .ok()
                    .and_then(|raw| raw.parse::<u8>().ok())
                    .ok_or_else(|| corrupt("bad vote choice"))
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(corrupt("missing list `choices`")),
    };
    Ok(Vote {
        tenant: a.tenant()?,
        room: a.room("room")?,
        poll: PollId::parse(a.str("pollId")?).map_err(corrupt)?,
        user: a.user("userId")?,
        role: a.role("role")?,
        choices,
        at_ms: a.num("at")?,
        version: u32::try_from(a.num("ver")?).map_err(corrupt)?,
        correlation_id: a.opt_str("correlationId").map(str::to_owned),
        batched: a.opt_str("fanout") == Some("batched"),
    })
}
