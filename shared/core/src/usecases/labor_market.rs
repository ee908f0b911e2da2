//! `labor-market-sync` (OPS-3; VAC-2, VAC-5, GRT-4 out, VAC-6 in): documents from the
//! `integration` FIFO queue to AIS "Labor Market", and AIS's messages from its inbound queue onto
//! the vacancies. Each event is handled once (`consume::once`).
//!
//! AIS's answers: 2xx delivered; 409 delivered before (the document carries the event ID as its
//! `Idempotency-Key`); any other 4xx is a poison message (recorded with AIS's answer, then to
//! the dead-letter queue); 5xx, timeouts and no connection are retried with backoff.

use crate::ais::{self, ActivityStore, Answer, Gateway, Inbound};
use crate::clock::Clock;
use crate::consume::{once, Consumer, Delivery, Handling, Work};
use crate::outbox::Event;
use crate::ports::ProcessedEvents;
use async_trait::async_trait;
use std::sync::Arc;

pub const CONSUMER: &str = "labor-market-sync";
/// The processed-event records of inbound messages (their IDs are AIS's).
pub const INBOUND_CONSUMER: &str = "labor-market-sync.inbound";

#[derive(Clone)]
pub struct LaborMarketSync {
    pub gateway: Arc<dyn Gateway>,
    pub activity: Arc<dyn ActivityStore>,
    pub processed: Arc<dyn ProcessedEvents>,
    pub clock: Arc<dyn Clock>,
    /// The inbound queue's name: its messages come from AIS.
    pub inbound_queue: Option<String>,
}

impl LaborMarketSync {
    fn is_inbound(&self, d: &Delivery) -> bool {
        self.inbound_queue.as_deref().is_some_and(|q| d.source.rsplit(':').next() == Some(q))
    }

    async fn outbound(&self, d: &Delivery) -> Handling {
        let event = match Event::parse(&d.body) {
            Ok(e) => e,
            Err(reason) => return Handling::unreadable(reason),
        };
        let handled = match ais::document(&event) {
            Err(reason) => once(self.processed.as_ref(), CONSUMER, &event, self.clock.now(), || async { Work::Poison(reason) }).await,
            Ok(document) => {
                once(self.processed.as_ref(), CONSUMER, &event, self.clock.now(), || async {
                    match self.gateway.deliver(&document).await {
                        Answer::Delivered => Work::Done { outcome: "delivered", detail: None },
                        Answer::AlreadyDelivered => Work::Done { outcome: "already_delivered", detail: None },
                        Answer::Rejected { status, answer } => Work::Poison(format!("AIS answered {status}: {answer}")),
                        Answer::Unavailable(reason) => Work::Retry(reason),
                    }
                })
                .await
            }
        };
        Handling { event_id: event.event_id, event_type: event.kind, handled }
    }

    async fn inbound(&self, d: &Delivery) -> Handling {
        let message = match Inbound::parse(&d.body) {
            Ok(m) => m,
            Err(reason) => return Handling::unreadable(reason),
        };
        let event = message.as_event();
        let now = self.clock.now();
        let handled = once(self.processed.as_ref(), INBOUND_CONSUMER, &event, now, || async {
            match self.activity.record_responses(&message.vacancy_id, message.responses_count, message.as_of, now).await {
                Ok(Some(true)) => Work::Done { outcome: "recorded", detail: None },
                Ok(Some(false)) => Work::Done { outcome: "stale", detail: Some("a later count is recorded".into()) },
                Ok(None) => Work::Poison(format!("unknown vacancy {}", message.vacancy_id)),
                Err(e) => Work::Retry(crate::telemetry::chain(&e)),
            }
        })
        .await;
        Handling { event_id: event.event_id, event_type: event.kind, handled }
    }
}

#[async_trait]
impl Consumer for LaborMarketSync {
    fn name(&self) -> &'static str {
        CONSUMER
    }

    async fn handle(&self, d: &Delivery) -> Handling {
        if self.is_inbound(d) {
            self.inbound(d).await
        } else {
            self.outbound(d).await
        }
    }
}
