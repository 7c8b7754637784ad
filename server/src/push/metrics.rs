//! Push counters for `/metrics`: what this instance queued, sent, retried
//! and gave up on, and how long the oldest due push has waited (read from
//! the shared queue, so every instance reports the same queue).

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::db::push::Service;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServiceLabels {
    pub service: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    pub service: String,
    pub reason: String,
}

/// Why a push was not delivered.
#[derive(Debug, Clone, Copy)]
pub enum Failure {
    /// The service refused the message (400-class): it will never pass.
    Refused,
    /// The device's token is dead; the device is forgotten.
    Unregistered,
    /// Retried `MAX_ATTEMPTS` times without success.
    GaveUp,
    /// Its moment passed before it could be sent (a call stopped ringing).
    Expired,
}

impl Failure {
    fn as_str(self) -> &'static str {
        match self {
            Failure::Refused => "refused",
            Failure::Unregistered => "unregistered",
            Failure::GaveUp => "gave_up",
            Failure::Expired => "expired",
        }
    }
}

#[derive(Clone, Default)]
pub struct PushMetrics {
    queued: Family<KindLabels, Counter>,
    sent: Family<ServiceLabels, Counter>,
    failed: Family<FailureLabels, Counter>,
    retried: Family<ServiceLabels, Counter>,
    due: Gauge,
    oldest_due_age: Gauge<f64, AtomicU64>,
}

impl PushMetrics {
    pub fn register(&self, registry: &mut Registry) {
        let push = registry.sub_registry_with_prefix("push");
        push.register(
            "queued",
            "Pushes queued by this instance",
            self.queued.clone(),
        );
        push.register("sent", "Pushes the service accepted", self.sent.clone());
        push.register(
            "failed",
            "Pushes not delivered, by reason",
            self.failed.clone(),
        );
        push.register(
            "retried",
            "Sends that failed and were put back to retry",
            self.retried.clone(),
        );
        push.register(
            "queue_due",
            "Pushes due and waiting for a worker",
            self.due.clone(),
        );
        push.register(
            "queue_oldest_due_seconds",
            "How long the oldest due push has waited",
            self.oldest_due_age.clone(),
        );
    }

    pub fn queued(&self, kind: &str, n: usize) {
        let labels = KindLabels {
            kind: kind.to_string(),
        };
        self.queued.get_or_create(&labels).inc_by(n as u64);
    }

    pub fn sent(&self, service: Service) {
        self.sent.get_or_create(&service_labels(service)).inc();
    }

    pub fn failed(&self, service: Service, failure: Failure) {
        let labels = FailureLabels {
            service: service.as_str().to_string(),
            reason: failure.as_str().to_string(),
        };
        self.failed.get_or_create(&labels).inc();
    }

    pub fn retried(&self, service: Service) {
        self.retried.get_or_create(&service_labels(service)).inc();
    }

    pub fn queue(&self, due: i64, oldest_due_age_secs: f64) {
        self.due.set(due);
        self.oldest_due_age.set(oldest_due_age_secs);
    }
}

fn service_labels(service: Service) -> ServiceLabels {
    ServiceLabels {
        service: service.as_str().to_string(),
    }
}
