//! [`DecisionLog`]: the decision record, one item per decision under the tenant's
//! `MODLOG` partition, written once.

use sideline_domain::moderation::Decision;
use sideline_ports::{DecisionError, DecisionLog};

use super::codec::decision_item;
use super::{is_put_conditional_failure, unavailable, DynamoStore};

impl DecisionLog for DynamoStore {
    async fn record_decision(&self, decision: &Decision) -> Result<(), DecisionError> {
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
