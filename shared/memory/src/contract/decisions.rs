//! The contract of the decision record.

use super::*;

pub async fn decisions_are_written_once<S: DecisionLog>(store: &S) {
    let t = fresh_tenant("decision");
    let d = Decision::automatic(&t, DecisionKind::MessageBlocked, Stage::Inline, NOW_MS);
    store.record_decision(&d).await.expect("record");
    let again = store.record_decision(&d).await.expect_err("immutable");
    assert!(
        matches!(again, DecisionError::AlreadyRecorded { id } if id == d.id),
        "{again:?}"
    );
}
