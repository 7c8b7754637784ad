//! Durations by logarithmic bucket, so a range's median can be estimated
//! from its days: percentiles do not add up, bucket counts do.
//!
//! Bucket 0 holds 0–10 s; bucket k ≥ 1 holds [10·1.25^(k-1), 10·1.25^k)
//! seconds. A percentile is reported as its bucket's geometric middle,
//! within about 12 % of the true value.

const FIRST_EDGE_SECS: f64 = 10.0;
const GROWTH: f64 = 1.25;

/// Counts by bucket, dense: a range's report merges thousands of these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
}

impl Histogram {
    pub fn add(&mut self, secs: i64) {
        self.add_to(bucket(secs), 1);
    }

    fn add_to(&mut self, bucket: usize, n: u64) {
        if self.counts.len() <= bucket {
            self.counts.resize(bucket + 1, 0);
        }
        self.counts[bucket] += n;
    }

    pub fn merge(&mut self, other: &Histogram) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The estimated `p`-quantile (0 < p ≤ 1), nearest rank; `None` when empty.
    pub fn quantile(&self, p: f64) -> Option<i64> {
        let rank = rank(self.count(), p)?;
        let mut seen = 0;
        for (bucket, n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(middle(bucket));
            }
        }
        None
    }

    /// `[[bucket, count], …]` of the buckets in use, as stored.
    pub fn to_json(&self) -> String {
        let pairs: Vec<[u64; 2]> = (self.counts.iter().enumerate())
            .filter(|(_, n)| **n > 0)
            .map(|(b, n)| [b as u64, *n])
            .collect();
        serde_json::to_string(&pairs).expect("numbers serialise")
    }

    pub fn from_json(text: &str) -> Result<Histogram, serde_json::Error> {
        let pairs: Vec<(u16, u64)> = serde_json::from_str(text)?;
        let mut h = Histogram::default();
        for (bucket, n) in pairs {
            h.add_to(usize::from(bucket), n);
        }
        Ok(h)
    }
}

/// The 1-based nearest rank of the `p`-quantile among `n` values.
pub fn rank(n: u64, p: f64) -> Option<u64> {
    (n > 0).then(|| ((p * n as f64).ceil() as u64).clamp(1, n))
}

/// The exact `p`-quantile of sorted values (nearest rank).
pub fn quantile_of_sorted(sorted: &[i64], p: f64) -> Option<i64> {
    let r = rank(sorted.len() as u64, p)?;
    sorted.get(r as usize - 1).copied()
}

/// Bucket 120 starts past 1,000 years: every duration has one.
const MAX_BUCKET: usize = 120;

fn bucket(secs: i64) -> usize {
    let secs = secs.max(0) as f64;
    if secs < FIRST_EDGE_SECS {
        return 0;
    }
    let b = ((secs / FIRST_EDGE_SECS).ln() / GROWTH.ln()).floor() as usize + 1;
    b.min(MAX_BUCKET)
}

fn middle(bucket: usize) -> i64 {
    if bucket == 0 {
        return (FIRST_EDGE_SECS / 2.0) as i64;
    }
    (FIRST_EDGE_SECS * GROWTH.powf(bucket as f64 - 0.5)).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quantile_is_within_twelve_percent_of_the_true_value() {
        let mut h = Histogram::default();
        let values: Vec<i64> = (1..=1000).map(|i| i * 37).collect();
        for v in &values {
            h.add(*v);
        }
        for p in [0.5, 0.9] {
            let exact = quantile_of_sorted(&values, p).unwrap() as f64;
            let estimate = h.quantile(p).unwrap() as f64;
            assert!(
                (estimate / exact - 1.0).abs() < 0.12,
                "p{p}: {estimate} vs {exact}"
            );
        }
    }

    #[test]
    fn merged_days_count_every_value_and_round_trip_as_json() {
        let (mut a, mut b) = (Histogram::default(), Histogram::default());
        a.add(5);
        a.add(3_600);
        b.add(3_600);
        b.add(86_400);
        a.merge(&b);
        assert_eq!(a.count(), 4);
        assert_eq!(Histogram::from_json(&a.to_json()).unwrap(), a);
        // Two of four values are an hour: the median's bucket holds 3,600 s.
        let median = a.quantile(0.5).unwrap();
        assert!((3_200..=4_000).contains(&median), "{median}");
        assert_eq!(Histogram::default().quantile(0.5), None);
    }

    #[test]
    fn nearest_rank_quantiles_of_sorted_values() {
        assert_eq!(quantile_of_sorted(&[], 0.5), None);
        assert_eq!(quantile_of_sorted(&[7], 0.9), Some(7));
        assert_eq!(quantile_of_sorted(&[1, 2, 3, 4], 0.5), Some(2));
        assert_eq!(
            quantile_of_sorted(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9),
            Some(9)
        );
    }
}
