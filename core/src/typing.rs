//! Who is typing where: ephemeral, in memory only. A "typing" signal lapses
//! after `TYPING_TTL` unless renewed (a client that vanished mid-sentence
//! never sends "stopped").

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a typing signal holds without news. Clients repeat it every few
/// seconds while the user types (the server allows 5 per 5 s).
pub const TYPING_TTL: Duration = Duration::from_secs(6);

#[derive(Default)]
pub struct Typing {
    /// (ticket id, user id) → when the signal lapses.
    until: Mutex<HashMap<(String, String), Instant>>,
}

impl Typing {
    /// Records a signal; whether what the ticket shows changed.
    pub fn set(&self, ticket_id: &str, user_id: &str, typing: bool) -> bool {
        let key = (ticket_id.to_string(), user_id.to_string());
        let mut until = self.until.lock().unwrap();
        if typing {
            until.insert(key, Instant::now() + TYPING_TTL).is_none()
        } else {
            until.remove(&key).is_some()
        }
    }

    /// The users typing in a ticket now, by id.
    pub fn who(&self, ticket_id: &str) -> Vec<String> {
        let now = Instant::now();
        let mut until = self.until.lock().unwrap();
        until.retain(|_, lapses| *lapses > now);
        let mut users: Vec<String> = until
            .keys()
            .filter(|(t, _)| t == ticket_id)
            .map(|(_, u)| u.clone())
            .collect();
        users.sort();
        users
    }

    pub fn clear(&self) {
        self.until.lock().unwrap().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_shows_until_stopped_and_only_in_its_ticket() {
        let typing = Typing::default();
        assert!(typing.set("t1", "bea", true));
        assert!(
            !typing.set("t1", "bea", true),
            "a renewal changes nothing shown"
        );
        assert_eq!(typing.who("t1"), ["bea"]);
        assert!(typing.who("t2").is_empty());
        assert!(typing.set("t1", "bea", false));
        assert!(typing.who("t1").is_empty());
    }

    #[test]
    fn a_signal_lapses() {
        let typing = Typing::default();
        typing.set("t1", "bea", true);
        typing
            .until
            .lock()
            .unwrap()
            .insert(("t1".into(), "bea".into()), Instant::now());
        assert!(typing.who("t1").is_empty());
    }
}
