//! `report`: a user reports a message with a reason, once per message (a repeat is
//! acknowledged as `duplicate` and changes nothing). Every reported message enters
//! the review queue; when `reports_to_hide` distinct users have reported a public
//! message it is hidden pending review: held, gone from everyone's view but its
//! author's (`message_removed`), recorded as a `message_hidden` decision. Messages
//! of moderators and admins are queued but never hidden by reports; a message a
//! moderator has already decided on is not queued or hidden again. A shadow-banned
//! user's reports are acknowledged and count for nothing.

use sideline_domain::identity::Role;
use sideline_domain::message::Visibility;
use sideline_domain::moderation::{
    strongest, Decision, DecisionKind, Priority, Report as UserReport, ReviewItem, ReviewStatus,
    SanctionKind, Stage,
};
use sideline_ports::{DecisionLog, MessageError, MessageStore, Ports, ReviewQueue};
use sideline_protocol::{FrameError, Report, ServerFrame};

use crate::actions::Action;
use crate::{client_error, Context};

impl Action for Report {
    async fn apply<P: Ports>(self, ctx: &Context<'_, P>) -> Result<(), FrameError> {
        let Report {
            room,
            message_id,
            reason,
        } = self;

        let store = ctx.store();
        let tenant = &ctx.identity.tenant;
        let limits = &ctx.deps.limits;
        let (member, _info) = ctx.joined(&room).await?;
        let message = ctx.visible_message(&room, &message_id).await?;
        if message.author.id == ctx.identity.user {
            return Err(FrameError::bad_request(
                "you cannot report your own message",
            ));
        }
        // A shadow-banned user's reports are taken and count for nothing.
        let sanctions = ctx.sanctions().await?;
        if strongest(&sanctions, SanctionKind::ShadowBan, &room, ctx.now_ms).is_some() {
            ctx.reply(&ServerFrame::Reported {
                room,
                message_id,
                duplicate: false,
                request_id: ctx.request_id.clone(),
            })
            .await;
            return Ok(());
        }
        let outcome = store
            .report(&UserReport {
                tenant: tenant.clone(),
                room: room.clone(),
                message: message_id,
                author: message.author.id.clone(),
                reporter: ctx.identity.user.clone(),
                reporter_role: member.role,
                reason: reason.clone(),
                at_ms: ctx.now_ms,
                correlation_id: ctx.request_id.clone(),
            })
            .await
            .map_err(client_error)?;
        ctx.reply(&ServerFrame::Reported {
            room: room.clone(),
            message_id,
            duplicate: !outcome.new,
            request_id: ctx.request_id.clone(),
        })
        .await;
        if !outcome.new {
            return Ok(());
        }
        // A moderator's decision on the message stands: later reports are recorded
        // (and published) but neither queue nor hide it again.
        let queued = store
            .review_item(tenant, &message_id)
            .await
            .map_err(client_error)?;
        if queued
            .as_ref()
            .is_some_and(|q| q.status != ReviewStatus::Pending)
        {
            return Ok(());
        }
        let hide = outcome.reports >= limits.reports_to_hide
            && message.visibility == Visibility::Public
            && message.author.role < Role::Moderator;
        let priority = if hide || member.role >= Role::Moderator {
            Priority::High
        } else {
            Priority::Normal
        };
        let reported = format!("reported by {} (latest: {reason})", outcome.reports);
        let item = match queued {
            // Already queued (held, flagged, reported): keep its place and deadline.
            Some(q) => ReviewItem {
                reports: outcome.reports,
                reason: reported,
                ..q.refreshed(priority, &["reported".to_owned()])
            },
            None => ReviewItem {
                tenant: tenant.clone(),
                room: room.clone(),
                message_id,
                author_id: message.author.id.clone(),
                text: message.text.as_str().to_owned(),
                status: ReviewStatus::Pending,
                priority,
                reason: reported,
                categories: vec!["reported".into()],
                reports: outcome.reports,
                due_at_ms: ctx.now_ms + limits.review_sla.as_millis() as i64,
                created_at_ms: ctx.now_ms,
                decided_by: None,
            },
        };
        store.put_review(&item).await.map_err(client_error)?;
        if !hide {
            return Ok(());
        }
        match store
            .set_visibility(
                tenant,
                &room,
                &message_id,
                Visibility::Public,
                Visibility::Held,
            )
            .await
        {
            Ok(_) => {}
            // Hidden or removed meanwhile: nothing left to do.
            Err(MessageError::VisibilityChanged { .. }) => return Ok(()),
            Err(err) => return Err(client_error(err)),
        }
        let mut decision = Decision::automatic(
            tenant,
            DecisionKind::MessageHidden,
            Stage::Reports,
            ctx.now_ms,
        );
        decision.room = Some(room.clone());
        decision.subject = Some(message.author.id.clone());
        decision.message = Some(message_id);
        decision.reason = Some(format!(
            "{} distinct reports; hidden pending review",
            outcome.reports
        ));
        decision.categories = vec!["reported".into()];
        decision.correlation_id = ctx.request_id.clone();
        store
            .record_decision(&decision)
            .await
            .map_err(client_error)?;
        tracing::info!(message_id = %message_id, reports = outcome.reports, "message hidden by reports");
        // Its author still sees it, as pending.
        ctx.retract(room, message_id, |m| m.user != message.author.id)
            .await
    }
}
