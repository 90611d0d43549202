//! `send`: post a message. Order: membership, sanctions (a muted or banned user is
//! refused with the time left) and recent violations (the author's reputation),
//! read at once, then capability, reply target, slow mode, rate limit,
//! the inline moderation stage, then one conditional write that also makes
//! `clientMsgId` idempotent; only a newly stored message is broadcast, to the room
//! when public, to its author's connections when shadowed or held. A shadow-banned
//! author's messages are stored shadowed and acknowledged as delivered. Every
//! moderation outcome but `allow` is recorded as a decision; blocked, held and
//! shadowed messages count as violations towards automatic escalation.

use std::collections::BTreeMap;

use sideline_app::enforce::{record_violation, Violation};
use sideline_domain::identity::Role;
use sideline_domain::ids::{DecisionId, RoomId};
use sideline_domain::message::{
    Author, ClientMsgId, MessageId, MessageText, StoredMessage, Visibility,
};
use sideline_domain::moderation::{
    human_duration, reputation, strongest, violation_window_start, Decision, DecisionKind,
    Priority, ReviewItem, ReviewStatus, SanctionKind, Stage, UserStanding,
};
use sideline_domain::room::Capability;
use sideline_inline::{Action, AuthorStanding, Verdict};
use sideline_ports::{
    Counters, DecisionError, DecisionLog, MessageStore, Ports, PutMessage, ReviewQueue, RoomStore,
    Sanctions,
};
use sideline_protocol::{AckStatus, ErrorCode, FrameError, MessageView, ServerFrame};

use crate::actions::Action as ClientAction;
use crate::{client_error, require, Context};

impl ClientAction for sideline_protocol::Send {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let sideline_protocol::Send {
            room,
            text,
            client_msg_id,
            reply_to,
        } = self;

        let store = ctx.store();
        let tenant = &ctx.identity.tenant;
        let limits = &ctx.deps.limits;
        let (joined, standing, tier) = tokio::join!(
            ctx.joined(&room),
            store.standing(
                tenant,
                &ctx.identity.user,
                ctx.now_ms,
                violation_window_start(limits, ctx.now_ms)
            ),
            ctx.tier()
        );
        let (member, info) = joined?;
        let UserStanding {
            sanctions,
            violations,
        } = standing.map_err(client_error)?;
        let (tier, settings) = tier?;
        let privilege = settings.config.privileges.of(tier);
        // Sanctions bind every role: only a higher rank can impose them (an admin on a
        // moderator), and nobody outranks an admin.
        ctx.refuse_if_sanctioned(&sanctions, &room, &[SanctionKind::Ban, SanctionKind::Mute])?;
        let privileged = member.role >= Role::Moderator;
        require(&member, &info, Capability::Write)?;
        let shadow_banned =
            strongest(&sanctions, SanctionKind::ShadowBan, &room, ctx.now_ms).is_some();
        if let Some(target) = &reply_to {
            if store
                .message(tenant, &room, target)
                .await
                .map_err(client_error)?
                .is_none()
            {
                return Err(FrameError::new(
                    ErrorCode::NotFound,
                    "replyTo: message not found",
                ));
            }
        }

        if info.slow_mode_s > 0 && !privileged && !privilege.slow_mode_exempt {
            if let Some(wait_ms) = store
                .claim_slow_slot(
                    tenant,
                    &room,
                    &ctx.identity.user,
                    ctx.now_ms,
                    i64::from(info.slow_mode_s) * 1000,
                )
                .await
                .map_err(client_error)?
            {
                let mut err = FrameError::new(
                    ErrorCode::RateLimited,
                    format!(
                        "slow mode: one message every {} s; wait {}",
                        info.slow_mode_s,
                        human_duration(wait_ms)
                    ),
                );
                err.retry_after_ms = Some(wait_ms as u64);
                return refuse_unless_repeat(ctx, &room, &client_msg_id, shadow_banned, err).await;
            }
        }

        let window_ms = limits.rate_limit_window.as_millis() as i64;
        let window_start = ctx.now_ms - ctx.now_ms.rem_euclid(window_ms);
        let window_end = window_start + window_ms;
        let sent = store
            .count_send(
                tenant,
                &room,
                &ctx.identity.user,
                window_start,
                window_end / 1000 + 1,
            )
            .await
            .map_err(client_error)?;
        // The tier's multiplier raises the limit (never below the base).
        let allowed = (f64::from(limits.rate_limit_messages) * privilege.rate_multiplier.max(1.0))
            .floor() as u32;
        if sent > allowed {
            let mut err = FrameError::new(
                ErrorCode::RateLimited,
                format!(
                    "at most {} messages per {} s in one room",
                    allowed,
                    limits.rate_limit_window.as_secs()
                ),
            );
            err.retry_after_ms = Some((window_end - ctx.now_ms).max(0) as u64);
            return refuse_unless_repeat(ctx, &room, &client_msg_id, shadow_banned, err).await;
        }

        let moderator = ctx
            .deps
            .policies
            .with_document(tenant, settings.config.moderation.as_ref());
        let verdict = moderator.moderate(
            text.as_str(),
            &AuthorStanding {
                role: member.role,
                reputation: reputation(tier, violations),
                trusted_links: privilege.links_without_review,
            },
        );
        let record = Recorder {
            ctx,
            room: &room,
            verdict: &verdict,
        };
        let status = match verdict.action {
            Action::Block => {
                tracing::info!(categories = ?verdict.categories, "message blocked");
                let first = record.blocked(&client_msg_id).await?;
                ctx.reply(&ServerFrame::Ack {
                    client_msg_id,
                    message_id: None,
                    status: AckStatus::Blocked,
                    duplicate: !first,
                    reason: verdict.reason.clone(),
                    request_id: ctx.request_id.clone(),
                })
                .await;
                if first {
                    record.shadow_findings().await?;
                    record.violation().await?;
                }
                return Ok(());
            }
            Action::Allow => AckStatus::Delivered,
            Action::Mask => AckStatus::Masked,
            Action::Shadow => AckStatus::Shadowed,
            Action::Hold => AckStatus::Held,
        };
        // A shadow-banned author's messages reach nobody else, whatever the stage
        // said: not even a moderator's approval of a held one could publish them.
        let visibility = match verdict.action {
            _ if shadow_banned => Visibility::Shadowed,
            Action::Shadow => Visibility::Shadowed,
            Action::Hold => Visibility::Held,
            _ => Visibility::Public,
        };
        // A shadow-banned author is not told.
        let status = if shadow_banned && status != AckStatus::Held && status != AckStatus::Shadowed
        {
            AckStatus::Delivered
        } else {
            status
        };
        // Whom it goes to, read before it is stored: once acknowledged, delivery
        // must not hang on another read. A public message of a hot room goes by
        // the coalesced fan-out instead (`sideline_app::coalesce`), which reads
        // the members once a window: a room hot at the last look, whose member
        // count is fresh, is not read here.
        let hot = &ctx.deps.hot;
        let known = match visibility {
            Visibility::Public => hot.hot_members(tenant, &room, ctx.now_ms),
            _ => None,
        };
        let mut members = match known {
            Some(_) => Vec::new(),
            None => {
                let members = store
                    .room_members(tenant, &room)
                    .await
                    .map_err(client_error)?;
                hot.note_members(tenant, &room, members.len(), ctx.now_ms);
                members
            }
        };
        // Only what every member sees is numbered (a held or shadowed one would
        // read as a gap to everyone else).
        let seq = match visibility {
            Visibility::Public => Some(store.next_seq(tenant, &room).await.map_err(client_error)?),
            _ => None,
        };
        let count = known.unwrap_or(members.len());
        let batched = seq.is_some_and(|seq| {
            hot.batched(tenant, &room, seq, ctx.now_ms, count, limits.batch_above)
        });
        if !batched && known.is_some() {
            // It cooled: this one goes the immediate way, to members read now.
            members = store
                .room_members(tenant, &room)
                .await
                .map_err(client_error)?;
            hot.note_members(tenant, &room, members.len(), ctx.now_ms);
        }
        let message = StoredMessage {
            tenant: tenant.clone(),
            room: room.clone(),
            id: MessageId::at(ctx.now_ms),
            author: Author {
                id: ctx.identity.user.clone(),
                name: ctx.identity.name.clone(),
                role: member.role,
                tier,
            },
            text: MessageText::from_stored(verdict.stored.clone()),
            created_at_ms: ctx.now_ms,
            reply_to,
            client_msg_id: client_msg_id.clone(),
            correlation_id: ctx.request_id.clone(),
            reactions: BTreeMap::new(),
            visibility,
            seq,
            batched,
        };
        match store.put_message(&message).await.map_err(client_error)? {
            PutMessage::Duplicate { existing } => {
                ctx.reply(&ServerFrame::Ack {
                    client_msg_id,
                    message_id: Some(existing),
                    status,
                    duplicate: true,
                    reason: None,
                    request_id: ctx.request_id.clone(),
                })
                .await;
            }
            PutMessage::Created => {
                ctx.reply(&ServerFrame::Ack {
                    client_msg_id,
                    message_id: Some(message.id),
                    status,
                    duplicate: false,
                    reason: verdict.reason.clone(),
                    request_id: ctx.request_id.clone(),
                })
                .await;
                // Everyone, the sender's own connections included, gets a public message;
                // a shadowed or held one reaches the author's connections only.
                // Members a delivery misses find the gap in the numbers and catch up.
                members.retain(|m| visibility == Visibility::Public || m.user == ctx.identity.user);
                if !batched {
                    let frame = ServerFrame::Message {
                        message: MessageView::from(&message),
                    };
                    ctx.broadcaster().to_members(&members, &frame, None).await;
                }
                // Recorded once per message, not again for a retry: after the
                // delivery, so a record that fails (and a retry answered as a
                // duplicate) cannot keep the message from the room.
                record.shadow_findings().await?;
                let kind = match verdict.action {
                    Action::Mask => Some(DecisionKind::MessageMasked),
                    Action::Shadow => Some(DecisionKind::MessageShadowed),
                    Action::Hold => Some(DecisionKind::MessageHeld),
                    Action::Allow | Action::Block => None,
                };
                if let Some(kind) = kind {
                    record.decision(kind, Some(message.id)).await?;
                }
                if visibility == Visibility::Held {
                    store
                        .put_review(&ReviewItem {
                            tenant: tenant.clone(),
                            room: room.clone(),
                            message_id: message.id,
                            author_id: ctx.identity.user.clone(),
                            text: message.text.as_str().to_owned(),
                            status: ReviewStatus::Pending,
                            priority: review_priority(&verdict),
                            reason: verdict
                                .reason
                                .clone()
                                .unwrap_or_else(|| "held for review".into()),
                            categories: verdict.categories.clone(),
                            reports: 0,
                            due_at_ms: ctx.now_ms + limits.review_sla.as_millis() as i64,
                            created_at_ms: ctx.now_ms,
                            decided_by: None,
                        })
                        .await
                        .map_err(client_error)?;
                }
                if matches!(verdict.action, Action::Shadow | Action::Hold) {
                    record.violation().await?;
                }
            }
        }
        Ok(())
    }
}

/// Review priority of a held message: abuse aimed at people (threats, harassment,
/// hate) and high toxicity first.
/// Refuses a send by a limit (slow mode, the rate limit) with `refusal`, unless
/// it repeats one already stored: a client that had no answer the first time (its
/// invocation timed out) sends it again with the same `clientMsgId`, and the
/// limits count sends, which a repeat is not. A repeat is answered as `put_message`
/// answers one: the first id, `duplicate`. Two reads, on refusals only.
async fn refuse_unless_repeat<P: Ports>(
    ctx: &Context<'_, P>,
    room: &RoomId,
    client_msg_id: &ClientMsgId,
    shadow_banned: bool,
    refusal: FrameError,
) -> Result<(), FrameError> {
    let store = ctx.store();
    let tenant = &ctx.identity.tenant;
    let Some(id) = store
        .stored_client_msg(tenant, room, &ctx.identity.user, client_msg_id)
        .await
        .map_err(client_error)?
    else {
        return Err(refusal);
    };
    let stored = store
        .message(tenant, room, &id)
        .await
        .map_err(client_error)?;
    // As the first answer said: a shadow-banned author's messages read as delivered.
    let status = match stored.map(|m| m.visibility) {
        _ if shadow_banned => AckStatus::Delivered,
        Some(Visibility::Held) => AckStatus::Held,
        Some(Visibility::Shadowed) => AckStatus::Shadowed,
        _ => AckStatus::Delivered,
    };
    ctx.reply(&ServerFrame::Ack {
        client_msg_id: client_msg_id.clone(),
        message_id: Some(id),
        status,
        duplicate: true,
        reason: None,
        request_id: ctx.request_id.clone(),
    })
    .await;
    Ok(())
}

fn review_priority(verdict: &Verdict) -> Priority {
    let toxicity = verdict.scores.get("toxicity").copied().unwrap_or(0.0);
    if toxicity >= 0.7
        || verdict
            .categories
            .iter()
            .any(|c| c == "harassment" || c == "hate" || c == "threat")
    {
        Priority::High
    } else {
        Priority::Normal
    }
}

/// Writes what the inline stage decided into the decision record.
struct Recorder<'a, 'c, P> {
    ctx: &'a Context<'c, P>,
    room: &'a RoomId,
    verdict: &'a Verdict,
}

impl<P: Ports> Recorder<'_, '_, P> {
    fn base(&self, kind: DecisionKind) -> Decision {
        let ctx = self.ctx;
        let mut d = Decision::automatic(&ctx.identity.tenant, kind, Stage::Inline, ctx.now_ms);
        d.room = Some(self.room.clone());
        d.subject = Some(ctx.identity.user.clone());
        d.scores = self.verdict.scores.clone();
        d.correlation_id = ctx.request_id.clone();
        d
    }

    /// A decision carrying the verdict's categories and reason.
    fn of_verdict(&self, kind: DecisionKind) -> Decision {
        let mut d = self.base(kind);
        d.categories = self.verdict.categories.clone();
        d.reason = self.verdict.reason.clone();
        d
    }

    async fn decision(
        &self,
        kind: DecisionKind,
        message: Option<MessageId>,
    ) -> Result<(), FrameError> {
        let mut d = self.of_verdict(kind);
        d.message = message;
        self.ctx
            .store()
            .record_decision(&d)
            .await
            .map_err(client_error)
    }

    /// Records a blocked message under an id derived from its author, room and
    /// `clientMsgId`: a retry of the same send finds it recorded (false) and counts
    /// no second violation.
    async fn blocked(&self, client_msg_id: &ClientMsgId) -> Result<bool, FrameError> {
        let ctx = self.ctx;
        let mut d = self.of_verdict(DecisionKind::MessageBlocked);
        d.id = DecisionId::derived(&format!(
            "blocked\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            ctx.identity.tenant,
            self.room,
            ctx.identity.user,
            client_msg_id.as_str()
        ));
        match ctx.store().record_decision(&d).await {
            Ok(()) => Ok(true),
            Err(DecisionError::AlreadyRecorded { .. }) => Ok(false),
            Err(err) => Err(client_error(err)),
        }
    }

    /// Rule sets in shadow mode: what they would have done, recorded unenforced.
    async fn shadow_findings(&self) -> Result<(), FrameError> {
        for finding in &self.verdict.would_have {
            let kind = match finding.action {
                Action::Allow => continue,
                Action::Mask => DecisionKind::MessageMasked,
                Action::Shadow => DecisionKind::MessageShadowed,
                Action::Hold => DecisionKind::MessageHeld,
                Action::Block => DecisionKind::MessageBlocked,
            };
            let mut d = self.base(kind);
            d.enforced = false;
            d.categories = finding.categories.clone();
            d.reason = Some(format!(
                "shadow mode ({}): {}",
                finding.rule_set.as_str(),
                finding.reason.as_deref().unwrap_or("would have acted")
            ));
            self.ctx
                .store()
                .record_decision(&d)
                .await
                .map_err(client_error)?;
        }
        Ok(())
    }

    async fn violation(&self) -> Result<(), FrameError> {
        let ctx = self.ctx;
        record_violation(
            &ctx.deps.ports,
            &ctx.deps.limits,
            Violation {
                tenant: &ctx.identity.tenant,
                user: &ctx.identity.user,
                room: Some(self.room),
                now_ms: ctx.now_ms,
                correlation_id: ctx.request_id.as_deref(),
            },
        )
        .await
        .map_err(client_error)?;
        Ok(())
    }
}
