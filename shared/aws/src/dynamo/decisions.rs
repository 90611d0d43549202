//! [`DecisionLog`]: the decision record, one item per decision under the tenant's
//! `MODLOG` partition, written once; a moderator's decision is also noted in
//! their own partition (`ACTED#{decisionId}`) for erasure.

use sideline_domain::moderation::Decision;
use sideline_ports::{DecisionError, DecisionLog};

use super::codec::{decision_item, s};
use super::{is_put_conditional_failure, keys, unavailable, DynamoStore};

impl DecisionLog for DynamoStore {
    async fn record_decision(&self, decision: &Decision) -> Result<(), DecisionError> {
        // A user's act (a moderator's) is noted in their partition first, so
        // erasing them finds it without reading the whole record.
        if let Some(actor) = &decision.actor {
            let mut note = keys::key(
                keys::user_pk(&decision.tenant, actor),
                format!("ACTED#{}", decision.id),
            );
            note.insert("kind".into(), s("acted"));
            self.put(note).await?;
        }
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(decision_item(decision)))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_put_conditional_failure(&err) => {
                Err(DecisionError::AlreadyRecorded { id: decision.id })
            }
            Err(err) => Err(unavailable(err).into()),
        }
    }
}
