//! The daily report, computed from the timeline.
//!
//! - [`facts`] turns changed tickets and new timeline events into facts:
//!   "a ticket opened", "a first reply after 42 business minutes", "a call
//!   answered, 3 minutes of talk", each with the department, local day and
//!   agent it counts for, and an id naming what it came from.
//! - [`job`] follows the change feed, records each fact once, and rebuilds
//!   the per-day rows of the days that gained facts.
//! - [`Tally`] is one such row: a day's figures for a department or an
//!   agent, made from facts, added up over a range.

pub mod csv;
pub mod facts;
pub mod histogram;
pub mod job;

use protocol::{CallFigures, CsatFigures, DurationFigures, ReportFigures};

use histogram::{Histogram, quantile_of_sorted};

/// What a fact records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactKind {
    Opened,
    Resolved,
    Reopened,
    /// Value: business seconds from opening to the first public staff reply.
    FirstResponse,
    /// Value: business seconds from opening to the first resolution.
    Resolution,
    SlaBreach,
    /// Value: the score, 1–5.
    Csat,
    /// Value: seconds of talk.
    CallAnswered,
    CallMissed,
    CallDeclined,
    CallCancelled,
}

impl FactKind {
    pub const ALL: [FactKind; 11] = [
        FactKind::Opened,
        FactKind::Resolved,
        FactKind::Reopened,
        FactKind::FirstResponse,
        FactKind::Resolution,
        FactKind::SlaBreach,
        FactKind::Csat,
        FactKind::CallAnswered,
        FactKind::CallMissed,
        FactKind::CallDeclined,
        FactKind::CallCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Opened => "opened",
            FactKind::Resolved => "resolved",
            FactKind::Reopened => "reopened",
            FactKind::FirstResponse => "first_response",
            FactKind::Resolution => "resolution",
            FactKind::SlaBreach => "sla_breach",
            FactKind::Csat => "csat",
            FactKind::CallAnswered => "call_answered",
            FactKind::CallMissed => "call_missed",
            FactKind::CallDeclined => "call_declined",
            FactKind::CallCancelled => "call_cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<FactKind> {
        FactKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether the value is a duration, whose quantiles need every value.
    pub fn is_duration(self) -> bool {
        matches!(self, FactKind::FirstResponse | FactKind::Resolution)
    }
}

/// Business durations of one kind: exact quantiles when made from the
/// values, estimated ones when added up from days.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Durations {
    pub count: u64,
    pub median: Option<i64>,
    pub p90: Option<i64>,
    pub hist: Histogram,
}

impl Durations {
    fn of(mut values: Vec<i64>) -> Durations {
        values.sort_unstable();
        let mut hist = Histogram::default();
        for v in &values {
            hist.add(*v);
        }
        Durations {
            count: values.len() as u64,
            median: quantile_of_sorted(&values, 0.5),
            p90: quantile_of_sorted(&values, 0.9),
            hist,
        }
    }

    fn add(&mut self, other: &Durations) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            // One span's exact figures stay exact.
            *self = other.clone();
            return;
        }
        self.count += other.count;
        self.hist.merge(&other.hist);
        // Estimated from the merged buckets when the figures are read.
        self.median = None;
        self.p90 = None;
    }

    fn figures(&self) -> DurationFigures {
        let exact = self.median.is_some() || self.count == 0;
        DurationFigures {
            count: self.count,
            median_secs: if exact {
                self.median
            } else {
                self.hist.quantile(0.5)
            },
            p90_secs: if exact {
                self.p90
            } else {
                self.hist.quantile(0.9)
            },
        }
    }
}

/// A department's (or an agent's) figures for a day or a range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub opened: u64,
    pub resolved: u64,
    pub reopened: u64,
    pub first_response: Durations,
    pub resolution: Durations,
    pub sla_breaches: u64,
    pub calls_placed: u64,
    pub calls_answered: u64,
    pub calls_missed: u64,
    pub calls_declined: u64,
    pub talk_secs: u64,
    pub csat_count: u64,
    pub csat_sum: u64,
}

impl Tally {
    /// The figures of these facts (kind, value).
    pub fn of(facts: impl IntoIterator<Item = (FactKind, i64)>) -> Tally {
        let facts: Vec<(FactKind, i64)> = facts.into_iter().collect();
        let counted = facts.iter().map(|(kind, value)| (*kind, 1, *value));
        let durations = facts.iter().copied().filter(|(kind, _)| kind.is_duration());
        Tally::from_counts(counted, durations)
    }

    /// The figures from facts counted by kind (kind, how many, sum of their
    /// values) and the values of the duration facts, which quantiles need.
    pub fn from_counts(
        counted: impl IntoIterator<Item = (FactKind, u64, i64)>,
        durations: impl IntoIterator<Item = (FactKind, i64)>,
    ) -> Tally {
        let mut t = Tally::default();
        for (kind, n, sum) in counted {
            let sum = sum.max(0) as u64;
            match kind {
                FactKind::Opened => t.opened += n,
                FactKind::Resolved => t.resolved += n,
                FactKind::Reopened => t.reopened += n,
                FactKind::FirstResponse | FactKind::Resolution => {}
                FactKind::SlaBreach => t.sla_breaches += n,
                FactKind::Csat => {
                    t.csat_count += n;
                    t.csat_sum += sum;
                }
                FactKind::CallAnswered => {
                    t.calls_placed += n;
                    t.calls_answered += n;
                    t.talk_secs += sum;
                }
                FactKind::CallMissed => {
                    t.calls_placed += n;
                    t.calls_missed += n;
                }
                FactKind::CallDeclined => {
                    t.calls_placed += n;
                    t.calls_declined += n;
                }
                FactKind::CallCancelled => t.calls_placed += n,
            }
        }
        let (mut first_responses, mut resolutions) = (Vec::new(), Vec::new());
        for (kind, value) in durations {
            match kind {
                FactKind::FirstResponse => first_responses.push(value),
                FactKind::Resolution => resolutions.push(value),
                _ => {}
            }
        }
        t.first_response = Durations::of(first_responses);
        t.resolution = Durations::of(resolutions);
        t
    }

    /// Adds another span's figures (durations through their histograms).
    pub fn add(&mut self, other: &Tally) {
        self.opened += other.opened;
        self.resolved += other.resolved;
        self.reopened += other.reopened;
        self.first_response.add(&other.first_response);
        self.resolution.add(&other.resolution);
        self.sla_breaches += other.sla_breaches;
        self.calls_placed += other.calls_placed;
        self.calls_answered += other.calls_answered;
        self.calls_missed += other.calls_missed;
        self.calls_declined += other.calls_declined;
        self.talk_secs += other.talk_secs;
        self.csat_count += other.csat_count;
        self.csat_sum += other.csat_sum;
    }

    pub fn csat_average(&self) -> Option<f64> {
        (self.csat_count > 0).then(|| {
            // Two decimals: the wire carries no false precision.
            let avg = self.csat_sum as f64 / self.csat_count as f64;
            (avg * 100.0).round() / 100.0
        })
    }

    pub fn figures(&self) -> ReportFigures {
        ReportFigures {
            opened: self.opened,
            resolved: self.resolved,
            reopened: self.reopened,
            first_response: self.first_response.figures(),
            resolution: self.resolution.figures(),
            sla_breaches: self.sla_breaches,
            calls: CallFigures {
                placed: self.calls_placed,
                answered: self.calls_answered,
                missed: self.calls_missed,
                declined: self.calls_declined,
                talk_secs: self.talk_secs,
            },
            csat: CsatFigures {
                count: self.csat_count,
                average: self.csat_average(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_counts_each_kind_and_takes_exact_quantiles() {
        let t = Tally::of([
            (FactKind::Opened, 1),
            (FactKind::Opened, 1),
            (FactKind::FirstResponse, 60),
            (FactKind::FirstResponse, 600),
            (FactKind::FirstResponse, 120),
            (FactKind::CallAnswered, 95),
            (FactKind::CallMissed, 0),
            (FactKind::CallCancelled, 0),
            (FactKind::Csat, 5),
            (FactKind::Csat, 2),
        ]);
        let f = t.figures();
        assert_eq!(f.opened, 2);
        assert_eq!(f.first_response.count, 3);
        assert_eq!(f.first_response.median_secs, Some(120));
        assert_eq!(f.first_response.p90_secs, Some(600));
        assert_eq!(f.resolution.median_secs, None);
        assert_eq!(
            (
                f.calls.placed,
                f.calls.answered,
                f.calls.missed,
                f.calls.talk_secs
            ),
            (3, 1, 1, 95)
        );
        assert_eq!(f.csat.average, Some(3.5));
    }

    #[test]
    fn days_add_up_with_estimated_quantiles() {
        let mut range = Tally::of([(FactKind::Resolution, 3_600), (FactKind::Opened, 1)]);
        range.add(&Tally::of([
            (FactKind::Resolution, 3_600),
            (FactKind::Resolution, 7_200),
        ]));
        assert_eq!(range.opened, 1);
        assert_eq!(range.resolution.count, 3);
        let median = range.figures().resolution.median_secs.unwrap();
        assert!((3_200..=4_000).contains(&median), "{median}");
    }

    #[test]
    fn every_kind_has_a_name_it_parses_back_from() {
        for kind in FactKind::ALL {
            assert_eq!(FactKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(FactKind::parse("nonsense"), None);
    }
}
