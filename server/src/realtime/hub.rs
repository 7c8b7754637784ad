//! The sockets this instance holds, indexed by who may receive what, and
//! delivery of serialised frames to an audience.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::extract::ws::Utf8Bytes;
use protocol::{Role, ServerEvent};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc};
use uuid::Uuid;

/// Frames for one audience, queued together: a socket is woken once for
/// them and writes them with one flush. Each frame is one serialised event,
/// shared by every socket it goes to.
pub type Frames = Arc<[Utf8Bytes]>;

/// Most frames the follower puts in one `Frames` (a commit's message and
/// ticket are two), which bounds a queued batch.
pub const BATCH_FRAMES: usize = 16;

/// Batches waiting for a slow client, per connection. Past this the client
/// is told to resync and disconnected, so one slow reader cannot grow the
/// server's memory.
pub const QUEUE_BATCHES: usize = 256;

/// An event as the frame sockets receive.
pub fn frame(event: &ServerEvent) -> Utf8Bytes {
    serde_json::to_string(event)
        .expect("events serialise")
        .into()
}

/// Who an event is for. Resolved against the connections of each instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Audience {
    /// Those who may see a ticket: its customer (unless `staff_only`), the
    /// staff of its department and admins; never `except`.
    Ticket {
        customer_id: Uuid,
        department_id: Uuid,
        staff_only: bool,
        except: Option<Uuid>,
    },
    /// Staff of a department, and admins.
    Department { department_id: Uuid },
    /// Staff of a department only (not admins): news that only concerns
    /// that department's sight, such as a ticket that left it.
    DepartmentStaff { department_id: Uuid },
    /// Every device of these users (a call ringing them, or news of it).
    Users { user_ids: Vec<Uuid> },
    /// One device: the user's session holding this token (a party of a
    /// call).
    Session { user_id: Uuid, token_hash: String },
}

/// What a connection is told to do, besides sending frames.
pub struct ConnSignals {
    /// Set when the queue overflowed: send `resync` and close.
    pub overflowed: AtomicBool,
    /// Set when the session was revoked: close.
    pub revoked: AtomicBool,
    /// Set when what the user may see changed (another department or
    /// role): close, so the client reconnects with its new sight.
    pub rescoped: AtomicBool,
    pub wake: Notify,
}

struct Conn {
    user_id: Uuid,
    role: Role,
    department_id: Option<Uuid>,
    token_hash: String,
    frames: mpsc::Sender<Frames>,
    signals: Arc<ConnSignals>,
}

#[derive(Default)]
struct Index {
    conns: HashMap<u64, Conn>,
    by_user: HashMap<Uuid, Vec<u64>>,
    by_department: HashMap<Uuid, Vec<u64>>,
    admins: Vec<u64>,
}

#[derive(Default)]
pub struct Hub {
    index: RwLock<Index>,
    next_id: AtomicU64,
}

/// Removes the connection from the hub when dropped.
pub struct Registration {
    hub: Arc<Hub>,
    pub id: u64,
    pub frames: mpsc::Receiver<Frames>,
    pub signals: Arc<ConnSignals>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.hub.remove(self.id);
    }
}

fn remove_from(list: &mut Vec<u64>, id: u64) {
    if let Some(pos) = list.iter().position(|c| *c == id) {
        list.swap_remove(pos);
    }
}

impl Hub {
    pub fn new() -> Arc<Hub> {
        Arc::new(Hub::default())
    }

    pub fn register(
        self: &Arc<Self>,
        user_id: Uuid,
        role: Role,
        department_id: Option<Uuid>,
        token_hash: String,
    ) -> Registration {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(QUEUE_BATCHES);
        let signals = Arc::new(ConnSignals {
            overflowed: AtomicBool::new(false),
            revoked: AtomicBool::new(false),
            rescoped: AtomicBool::new(false),
            wake: Notify::new(),
        });
        let mut index = self.index.write().unwrap();
        index.by_user.entry(user_id).or_default().push(id);
        match (role, department_id) {
            (Role::Admin, _) => index.admins.push(id),
            (Role::Agent | Role::Supervisor, Some(dept)) => {
                index.by_department.entry(dept).or_default().push(id)
            }
            _ => {}
        }
        index.conns.insert(
            id,
            Conn {
                user_id,
                role,
                department_id,
                token_hash,
                frames: tx,
                signals: signals.clone(),
            },
        );
        Registration {
            hub: self.clone(),
            id,
            frames: rx,
            signals,
        }
    }

    fn remove(&self, id: u64) {
        let mut index = self.index.write().unwrap();
        let Some(conn) = index.conns.remove(&id) else {
            return;
        };
        if let Some(list) = index.by_user.get_mut(&conn.user_id) {
            remove_from(list, id);
            if list.is_empty() {
                index.by_user.remove(&conn.user_id);
            }
        }
        if let Some(dept) = conn.department_id
            && let Some(list) = index.by_department.get_mut(&dept)
        {
            remove_from(list, id);
            if list.is_empty() {
                index.by_department.remove(&dept);
            }
        }
        if conn.role == Role::Admin {
            remove_from(&mut index.admins, id);
        }
    }

    pub fn connection_count(&self) -> usize {
        self.index.read().unwrap().conns.len()
    }

    /// Queues `frames` for every local connection in `audience`.
    pub fn deliver(&self, audience: &Audience, frame: &Frames) {
        let index = self.index.read().unwrap();
        let send = |id: &u64| {
            if let Some(conn) = index.conns.get(id) {
                push(conn, frame);
            }
        };
        match audience {
            Audience::Ticket {
                customer_id,
                department_id,
                staff_only,
                except,
            } => {
                let skip = |id: &&u64| {
                    except.is_some_and(|e| index.conns.get(id).is_some_and(|c| c.user_id == e))
                };
                if !staff_only {
                    for id in index.by_user.get(customer_id).into_iter().flatten() {
                        if index
                            .conns
                            .get(id)
                            .is_some_and(|c| c.role == Role::Customer)
                            && !skip(&id)
                        {
                            send(id);
                        }
                    }
                }
                for id in index.by_department.get(department_id).into_iter().flatten() {
                    if !skip(&id) {
                        send(id);
                    }
                }
                for id in index.admins.iter().filter(|id| !skip(id)) {
                    send(id);
                }
            }
            Audience::Department { department_id } => {
                for id in index.by_department.get(department_id).into_iter().flatten() {
                    send(id);
                }
                for id in &index.admins {
                    send(id);
                }
            }
            Audience::DepartmentStaff { department_id } => {
                for id in index.by_department.get(department_id).into_iter().flatten() {
                    send(id);
                }
            }
            Audience::Users { user_ids } => {
                for user in user_ids {
                    for id in index.by_user.get(user).into_iter().flatten() {
                        send(id);
                    }
                }
            }
            Audience::Session {
                user_id,
                token_hash,
            } => {
                for id in index.by_user.get(user_id).into_iter().flatten() {
                    if index
                        .conns
                        .get(id)
                        .is_some_and(|c| c.token_hash == *token_hash)
                    {
                        send(id);
                    }
                }
            }
        }
    }

    /// Closes a user's connections because their sight changed; they
    /// reconnect and register under their new department and role.
    pub fn rescope(&self, user_id: Uuid) {
        let index = self.index.read().unwrap();
        for id in index.by_user.get(&user_id).into_iter().flatten() {
            if let Some(conn) = index.conns.get(id) {
                conn.signals.rescoped.store(true, Ordering::SeqCst);
                conn.signals.wake.notify_one();
            }
        }
    }

    /// Closes the connections of a revoked token, or of every token of a user.
    pub fn revoke(&self, token_hash: Option<&str>, user_id: Option<Uuid>) {
        let index = self.index.read().unwrap();
        for conn in index.conns.values() {
            let hit = token_hash.is_some_and(|t| t == conn.token_hash)
                || user_id.is_some_and(|u| u == conn.user_id);
            if hit {
                conn.signals.revoked.store(true, Ordering::SeqCst);
                conn.signals.wake.notify_one();
            }
        }
    }
}

fn push(conn: &Conn, frame: &Frames) {
    if conn.signals.overflowed.load(Ordering::Relaxed) {
        return;
    }
    if conn.frames.try_send(frame.clone()).is_err() {
        conn.signals.overflowed.store(true, Ordering::SeqCst);
        conn.signals.wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(text: &'static str) -> Frames {
        Arc::from([Utf8Bytes::from_static(text)])
    }

    fn ticket_audience(customer: Uuid, dept: Uuid, staff_only: bool) -> Audience {
        Audience::Ticket {
            customer_id: customer,
            department_id: dept,
            staff_only,
            except: None,
        }
    }

    #[test]
    fn ticket_events_reach_the_customer_the_department_and_admins_only() {
        let hub = Hub::new();
        let (customer, other_customer, dept, other_dept) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let mut c = hub.register(customer, Role::Customer, None, "c".into());
        let mut oc = hub.register(other_customer, Role::Customer, None, "oc".into());
        let mut agent = hub.register(Uuid::new_v4(), Role::Agent, Some(dept), "a".into());
        let mut stranger = hub.register(Uuid::new_v4(), Role::Agent, Some(other_dept), "s".into());
        let mut admin = hub.register(Uuid::new_v4(), Role::Admin, None, "ad".into());

        hub.deliver(&ticket_audience(customer, dept, false), &frames("public"));
        hub.deliver(&ticket_audience(customer, dept, true), &frames("internal"));

        let drain = |r: &mut Registration| {
            let mut got = Vec::new();
            while let Ok(batch) = r.frames.try_recv() {
                got.extend(batch.iter().map(|f| f.to_string()));
            }
            got
        };
        assert_eq!(drain(&mut c), ["public"]);
        assert_eq!(drain(&mut agent), ["public", "internal"]);
        assert_eq!(drain(&mut admin), ["public", "internal"]);
        assert!(drain(&mut oc).is_empty());
        assert!(drain(&mut stranger).is_empty());
    }

    #[test]
    fn a_full_queue_flags_the_connection_instead_of_growing() {
        let hub = Hub::new();
        let customer = Uuid::new_v4();
        let dept = Uuid::new_v4();
        let reg = hub.register(customer, Role::Customer, None, "t".into());
        for _ in 0..QUEUE_BATCHES + 10 {
            hub.deliver(&ticket_audience(customer, dept, false), &frames("x"));
        }
        assert!(reg.signals.overflowed.load(Ordering::SeqCst));
        assert_eq!(reg.frames.len(), QUEUE_BATCHES);
    }

    #[test]
    fn dropping_the_registration_unregisters() {
        let hub = Hub::new();
        let reg = hub.register(
            Uuid::new_v4(),
            Role::Agent,
            Some(Uuid::new_v4()),
            "t".into(),
        );
        assert_eq!(hub.connection_count(), 1);
        drop(reg);
        assert_eq!(hub.connection_count(), 0);
    }
}
