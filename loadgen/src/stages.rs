//! The server's stage timings from `/metrics`, read before and after a run
//! to split a message's latency into its stages.

use serde_json::{Value, json};

use crate::stats::round3;

/// The write path's stage timings from the server's `/metrics` (sums and
/// counts of its histograms, `server/src/stage_metrics.rs`).
#[derive(Default, Clone, Copy)]
pub struct Stages {
    queued: (f64, f64),
    batch: (f64, f64),
    batch_size: (f64, f64),
    feed_read: (f64, f64),
    feed_deliver: (f64, f64),
    /// Commits delivered from handed rows, without a feed read.
    handed: f64,
}

impl Stages {
    pub async fn read(http: &reqwest::Client, base: &str) -> anyhow::Result<Stages> {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        let value = |series: &str| -> f64 {
            text.lines()
                .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
                .unwrap_or(0.0)
        };
        let pair = |name: &str, labels: &str| {
            (
                value(&format!("{name}_sum{labels}")),
                value(&format!("{name}_count{labels}")),
            )
        };
        let message = r#"{writer="message"}"#;
        Ok(Stages {
            queued: pair("cs_write_queued_seconds", message),
            batch: pair("cs_write_batch_seconds", message),
            batch_size: pair("cs_write_batch_size", message),
            feed_read: pair("cs_feed_read_seconds", ""),
            feed_deliver: pair("cs_feed_deliver_seconds", ""),
            handed: value("cs_feed_handed_total"),
        })
    }

    pub fn since(&self, before: &Stages) -> Stages {
        let minus = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0, a.1 - b.1);
        Stages {
            queued: minus(self.queued, before.queued),
            batch: minus(self.batch, before.batch),
            batch_size: minus(self.batch_size, before.batch_size),
            feed_read: minus(self.feed_read, before.feed_read),
            feed_deliver: minus(self.feed_deliver, before.feed_deliver),
            handed: self.handed - before.handed,
        }
    }

    fn mean((sum, count): (f64, f64)) -> f64 {
        if count > 0.0 { sum / count } else { 0.0 }
    }

    pub fn line(&self) -> String {
        format!(
            "mean per message: {:.3} ms queued for the writer, {:.3} ms writing its batch \
             (of {:.1}); per follower pass: {:.3} ms reading the feed ({} reads; {} commits \
             handed), {:.3} ms addressing and queueing the frames",
            Self::mean(self.queued) * 1000.0,
            Self::mean(self.batch) * 1000.0,
            Self::mean(self.batch_size),
            Self::mean(self.feed_read) * 1000.0,
            self.feed_read.1,
            self.handed,
            Self::mean(self.feed_deliver) * 1000.0,
        )
    }

    pub fn json(&self) -> Value {
        json!({
            "queued_for_writer": round3(Self::mean(self.queued) * 1000.0),
            "writing_batch": round3(Self::mean(self.batch) * 1000.0),
            "batch_size": round3(Self::mean(self.batch_size)),
            "feed_read": round3(Self::mean(self.feed_read) * 1000.0),
            "feed_reads": self.feed_read.1,
            "commits_handed": self.handed,
            "feed_deliver": round3(Self::mean(self.feed_deliver) * 1000.0),
        })
    }
}
