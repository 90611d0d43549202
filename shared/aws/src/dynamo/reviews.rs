//! [`ReviewQueue`]: reports (one item per reporter, counted on the message) and
//! the review queue (one item per message under the tenant's `REVIEW` partition).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::message::MessageId;
use sideline_domain::moderation::{
    Report, ReportOutcome, ReviewFilter, ReviewItem, ReviewPage, ReviewStatus,
    REVIEW_DECIDED_TTL_SECS,
};
use sideline_ports::{BackendError, ReviewError, ReviewQueue};

use super::codec::{n, report_item, review_from, review_item, s, Attrs};
use super::{
    build_error, is_conditional_failure, is_put_conditional_failure, keys, unavailable,
    DynamoStore, Item,
};

impl DynamoStore {
    /// The review items about messages `author` wrote, as stored (the tenant's
    /// review partition, filtered).
    pub(super) async fn review_items_about(
        &self,
        tenant: &TenantId,
        author: &UserId,
    ) -> Result<Vec<Item>, BackendError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .filter_expression("authorId = :u")
            .expression_attribute_values(":pk", s(keys::review_pk(tenant)))
            .expression_attribute_values(":u", s(author.as_str()))
            .consistent_read(true);
        self.all_pages(query).await
    }
}

impl ReviewQueue for DynamoStore {
    async fn report(&self, report: &Report) -> Result<ReportOutcome, ReviewError> {
        let message_key = keys::message(&report.tenant, &report.room, &report.message);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(report_item(report)))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(build_error)?;
        let count = Update::builder()
            .table_name(&self.table)
            .set_key(Some(message_key.clone()))
            .update_expression("ADD reports :one")
            // The message as read: an author erased meanwhile fails it, so no
            // report keeps their id.
            .condition_expression("attribute_exists(PK) AND authorId = :author")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":author", s(report.author.as_str()))
            .build()
            .map_err(build_error)?;
        let (new, message) = self
            .marker_and_message_update(
                TransactWriteItem::builder().put(put).build(),
                count,
                message_key,
            )
            .await?
            .ok_or(ReviewError::MessageNotFound)?;
        let reports = Attrs(&message).opt_count("reports")?;
        Ok(ReportOutcome { reports, new })
    }

    async fn put_review(&self, item: &ReviewItem) -> Result<(), ReviewError> {
        // A refresh never takes the reports count back: a writer that read the
        // item before others' reports merges with what is stored and tries again.
        let mut item = item.clone();
        for _ in 0..5 {
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(review_item(&item)))
                .condition_expression(
                    "attribute_not_exists(PK) OR (#status = :pending AND (attribute_not_exists(reports) OR reports <= :reports))",
                )
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":pending", s(ReviewStatus::Pending.as_str()))
                .expression_attribute_values(":reports", n(item.reports))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(()),
                Err(err) if is_put_conditional_failure(&err) => {
                    match self.review_item(&item.tenant, &item.message_id).await? {
                        // Already decided: the decision stands.
                        Some(stored) if stored.status != ReviewStatus::Pending => return Ok(()),
                        Some(stored) => {
                            item = stored.refreshed(item.priority, &item.categories);
                        }
                        None => {}
                    }
                }
                Err(err) => return Err(unavailable(err).into()),
            }
        }
        Err(BackendError::Unavailable("review item kept changing".into()).into())
    }

    async fn close_review(
        &self,
        tenant: &TenantId,
        message: &MessageId,
        status: ReviewStatus,
        by: &str,
        at_ms: i64,
    ) -> Result<bool, ReviewError> {
        let index = super::expiry::index_values(
            &keys::review(tenant, message),
            tenant,
            sideline_domain::retention::Class::Reviews,
            at_ms,
        );
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::review(tenant, message)))
            .update_expression(
                "SET #status = :status, decidedBy = :by, #ttl = :ttl, xpPk = :xpPk, xpSk = :xpSk",
            )
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":xpPk", index.0)
            .expression_attribute_values(":xpSk", index.1)
            .expression_attribute_values(":ttl", n(at_ms / 1000 + REVIEW_DECIDED_TTL_SECS))
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status.as_str()))
            .expression_attribute_values(":by", s(by))
            .expression_attribute_values(":pending", s(ReviewStatus::Pending.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_conditional_failure(&err) => Ok(false),
            Err(err) => Err(unavailable(err).into()),
        }
    }

    async fn review_item(
        &self,
        tenant: &TenantId,
        message: &MessageId,
    ) -> Result<Option<ReviewItem>, ReviewError> {
        self.get(keys::review(tenant, message))
            .await?
            .as_ref()
            .map(review_from)
            .transpose()
            .map_err(Into::into)
    }

    async fn reviews_about(
        &self,
        tenant: &TenantId,
        author: &UserId,
    ) -> Result<Vec<ReviewItem>, ReviewError> {
        let items = self.review_items_about(tenant, author).await?;
        Ok(items.iter().map(review_from).collect::<Result<_, _>>()?)
    }

    async fn review_queue(
        &self,
        tenant: &TenantId,
        filter: &ReviewFilter,
        after: Option<&MessageId>,
        limit: usize,
    ) -> Result<ReviewPage, ReviewError> {
        let mut conditions = Vec::new();
        let mut values: HashMap<String, AttributeValue> =
            HashMap::from([(":pk".to_owned(), s(keys::review_pk(tenant)))]);
        let mut names = HashMap::new();
        if let Some(room) = &filter.room {
            conditions.push("room = :room");
            values.insert(":room".into(), s(room.as_str()));
        }
        if let Some(status) = filter.status {
            conditions.push("#status = :status");
            names.insert("#status".to_owned(), "status".to_owned());
            values.insert(":status".into(), s(status.as_str()));
        }
        if let Some(priority) = filter.priority {
            conditions.push("priority = :priority");
            values.insert(":priority".into(), s(priority.as_str()));
        }
        let key_condition = match after {
            Some(after) => {
                values.insert(":after".into(), s(format!("ITEM#{after}")));
                values.insert(":end".into(), s("ITEM$"));
                "PK = :pk AND SK BETWEEN :after AND :end"
            }
            None => {
                values.insert(":prefix".into(), s("ITEM#"));
                "PK = :pk AND begins_with(SK, :prefix)"
            }
        };
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(key_condition)
                .set_filter_expression((!conditions.is_empty()).then(|| conditions.join(" AND ")))
                .set_expression_attribute_names((!names.is_empty()).then(|| names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items.unwrap_or_default() {
                let review = review_from(&item)?;
                if Some(&review.message_id) != after {
                    items.push(review);
                }
            }
            start = out.last_evaluated_key;
            if items.len() > limit || start.is_none() {
                break;
            }
        }
        Ok(ReviewPage::from_overfetch(items, limit))
    }
}
