//! Latency percentiles.

use std::time::Duration;

use serde_json::{Value, json};

/// Request latencies, sorted once.
pub struct Latencies {
    sorted: Vec<Duration>,
}

impl Latencies {
    pub fn new(mut samples: Vec<Duration>) -> Latencies {
        samples.sort_unstable();
        Latencies { sorted: samples }
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Nearest-rank percentile: the smallest sample that at least `p`% of
    /// the samples do not exceed. Zero when there are no samples.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.sorted.is_empty() {
            return Duration::ZERO;
        }
        let rank = (p / 100.0 * self.sorted.len() as f64).ceil() as usize;
        self.sorted[rank.clamp(1, self.sorted.len()) - 1]
    }

    pub fn max(&self) -> Duration {
        self.sorted.last().copied().unwrap_or_default()
    }

    pub fn mean(&self) -> Duration {
        if self.sorted.is_empty() {
            return Duration::ZERO;
        }
        self.sorted.iter().sum::<Duration>() / self.sorted.len() as u32
    }

    /// `p50 1.23 ms, p99 4.56 ms, max 7.89 ms`
    pub fn line(&self) -> String {
        format!(
            "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms (mean {:.2} ms, {} samples)",
            ms(self.percentile(50.0)),
            ms(self.percentile(90.0)),
            ms(self.percentile(99.0)),
            ms(self.max()),
            ms(self.mean()),
            self.len()
        )
    }

    pub fn json(&self) -> Value {
        json!({
            "p50": round3(ms(self.percentile(50.0))),
            "p90": round3(ms(self.percentile(90.0))),
            "p99": round3(ms(self.percentile(99.0))),
            "max": round3(ms(self.max())),
            "mean": round3(ms(self.mean())),
            "samples": self.len(),
        })
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(values: impl IntoIterator<Item = u64>) -> Latencies {
        Latencies::new(values.into_iter().map(Duration::from_millis).collect())
    }

    #[test]
    fn nearest_rank_percentiles() {
        let l = millis((1..=100).rev());
        assert_eq!(l.percentile(50.0), Duration::from_millis(50));
        assert_eq!(l.percentile(99.0), Duration::from_millis(99));
        assert_eq!(l.percentile(100.0), Duration::from_millis(100));
        assert_eq!(l.percentile(0.0), Duration::from_millis(1));
        assert_eq!(l.max(), Duration::from_millis(100));
        assert_eq!(l.mean(), Duration::from_micros(50_500));
    }

    #[test]
    fn small_and_empty_sets() {
        let one = millis([7]);
        assert_eq!(one.percentile(50.0), Duration::from_millis(7));
        assert_eq!(one.percentile(99.0), Duration::from_millis(7));
        let none = millis([]);
        assert_eq!(none.percentile(99.0), Duration::ZERO);
        assert_eq!(none.max(), Duration::ZERO);
        assert_eq!(none.mean(), Duration::ZERO);
    }
}
