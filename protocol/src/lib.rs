//! Wire types shared by the server and the core.
//!
//! Everything that crosses HTTP between the two is defined here once, so a
//! change to the contract is compiled on both sides. Requests reject unknown
//! fields; responses are plain data. Field names are `snake_case`, times are
//! RFC 3339, ids are UUIDs.

pub mod account;
pub mod call;
pub mod canned;
pub mod error;
pub mod push;
pub mod realtime;
pub mod report;
pub mod sla;
pub mod sync;
pub mod ticket;

pub use account::*;
pub use call::*;
pub use canned::{CannedReply, CreateCannedReply, UpdateCannedReply};
pub use error::*;
pub use push::*;
pub use realtime::*;
pub use report::*;
pub use sla::*;
pub use sync::*;
pub use ticket::*;

/// Deserialises a field that distinguishes "absent" (`None`) from an explicit
/// `null` (`Some(None)`), as PATCH bodies need for nullable fields.
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T, S>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
    where
        T: Serialize,
        S: Serializer,
    {
        // `None` is skipped by `skip_serializing_if`; what remains is the inner value.
        value
            .as_ref()
            .and_then(Option::as_ref)
            .serialize(serializer)
    }

    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}
