use chrono::{DateTime, Utc};

/// Times are stored as microseconds since the Unix epoch: sortable, compact,
/// and the same type on both dialects.
pub fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

pub fn from_micros(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}
