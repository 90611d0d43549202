//! The event bus port over `aws-sdk-eventbridge`.

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;
use sideline_ports::{EventSink, PutEntry, SinkError};

/// Puts events on an EventBridge bus.
#[derive(Clone, Debug)]
pub struct EventBridgeSink {
    client: Client,
}

impl EventBridgeSink {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    pub fn from_sdk(sdk: &aws_types::SdkConfig) -> Self {
        Self::new(Client::new(sdk))
    }
}

impl EventSink for EventBridgeSink {
    async fn put_events(&self, entries: &[PutEntry]) -> Result<Vec<Option<String>>, SinkError> {
        let request = entries
            .iter()
            .map(|e| {
                PutEventsRequestEntry::builder()
                    .source(&e.source)
                    .detail_type(&e.detail_type)
                    .detail(&e.detail)
                    .event_bus_name(&e.event_bus_name)
                    .build()
            })
            .collect();
        let out = self
            .client
            .put_events()
            .set_entries(Some(request))
            .send()
            .await
            .map_err(|e| SinkError::Unavailable(Box::new(e)))?;
        let results: Vec<Option<String>> = out
            .entries()
            .iter()
            .map(|r| {
                r.error_code()
                    .map(str::to_owned)
                    .or_else(|| r.event_id().is_none().then(|| "NoEventId".to_owned()))
            })
            .collect();
        // Trust the count as well as the entries: if they disagree, retry them all.
        let failed = results.iter().filter(|r| r.is_some()).count();
        if usize::try_from(out.failed_entry_count()).ok() != Some(failed)
            || results.len() != entries.len()
        {
            return Ok(vec![Some("InconsistentResponse".to_owned()); entries.len()]);
        }
        Ok(results)
    }
}
