//! Where a write's time goes on its way to the sockets, for `/metrics`:
//! the group-commit writers (how long a request waited for its batch, how
//! long the batch took to write and commit, how big it was) and the feed
//! follower (how long a pass took to read the feed, and to address and hand
//! every frame to the sockets' queues, and how many commits it delivered
//! from the rows their writer handed it). `loadgen chat-latency` reads them
//! before and after a run to split a message's latency into its stages.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WriterLabels {
    pub writer: String,
}

#[derive(Clone)]
pub struct StageMetrics {
    queued: Family<WriterLabels, Histogram>,
    batch: Family<WriterLabels, Histogram>,
    batch_size: Family<WriterLabels, Histogram>,
    feed_read: Histogram,
    feed_deliver: Histogram,
    feed_handed: Counter,
}

/// 50 µs to ~0.8 s.
fn durations() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 15))
}

impl Default for StageMetrics {
    fn default() -> Self {
        StageMetrics {
            queued: Family::new_with_constructor(durations),
            batch: Family::new_with_constructor(durations),
            batch_size: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(1.0, 2.0, 8))
            }),
            feed_read: durations(),
            feed_deliver: durations(),
            feed_handed: Counter::default(),
        }
    }
}

impl StageMetrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "write_queued_seconds",
            "Time a write request waited for its batch to start",
            self.queued.clone(),
        );
        registry.register(
            "write_batch_seconds",
            "Time a batch of writes took to write and commit",
            self.batch.clone(),
        );
        registry.register(
            "write_batch_size",
            "Requests written in one batch",
            self.batch_size.clone(),
        );
        registry.register(
            "feed_read_seconds",
            "Time the feed follower took to read new changes",
            self.feed_read.clone(),
        );
        registry.register(
            "feed_deliver_seconds",
            "Time the feed follower took to address and queue their frames",
            self.feed_deliver.clone(),
        );
        registry.register(
            "feed_handed",
            "Commits the feed follower delivered from the rows their writer handed it, \
             without reading the feed",
            self.feed_handed.clone(),
        );
    }

    pub fn write_queued(&self, writer: &str, seconds: f64) {
        self.queued.get_or_create(&labels(writer)).observe(seconds);
    }

    pub fn write_batch(&self, writer: &str, seconds: f64, size: usize) {
        self.batch.get_or_create(&labels(writer)).observe(seconds);
        self.batch_size
            .get_or_create(&labels(writer))
            .observe(size as f64);
    }

    pub fn feed_read(&self, seconds: f64) {
        self.feed_read.observe(seconds);
    }

    pub fn feed_deliver(&self, seconds: f64) {
        self.feed_deliver.observe(seconds);
    }

    pub fn feed_handed(&self) {
        self.feed_handed.inc();
    }
}

fn labels(writer: &str) -> WriterLabels {
    WriterLabels {
        writer: writer.to_string(),
    }
}
