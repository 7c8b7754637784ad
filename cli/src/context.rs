//! One run of `cs`: the core's `Client` over the data directory, the short
//! wait for the server, the outbox before exiting, and turning what was
//! typed (a ticket number, a department name) into the core's ids.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cs_core::{
    Client, CoreError, DepartmentInfo, SendState, SyncState, SyncStateListener, TaskHandle,
    TicketFilter, TicketItem, UserInfo, file_token_store,
};
use tokio::sync::watch;
use tokio::time::Instant;
use uuid::Uuid;

use crate::error::{CliError, CliResult};
use crate::output::{self, out};

/// How long to wait for a first connection (a refused one ends the wait
/// at once; the core's own connect timeout is 5 s).
const CONNECT_WAIT: Duration = Duration::from_secs(4);
/// How long to let a connected client catch up (a first sync of a big
/// queue takes a while).
const SYNC_WAIT: Duration = Duration::from_secs(60);
/// How long to wait for the outbox to drain once online.
const DRAIN_WAIT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(25);

/// Whether the server took part in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Connected and caught up: the cache is fresh and the outbox drains.
    Online,
    /// Unreachable: reads come from the cache, writes wait in the outbox.
    Offline,
}

/// What became of a change the command queued.
pub enum Settled {
    Sent,
    Refused(String),
    /// Offline: it waits in the outbox.
    Queued,
    /// Online, but not confirmed within the wait: it stays queued.
    Waiting,
}

#[derive(Debug, Clone, Copy)]
struct Conn {
    state: SyncState,
    /// Connection attempts that ended without getting live.
    failures: u32,
}

struct ConnWatch(watch::Sender<Conn>);

impl SyncStateListener for ConnWatch {
    fn on_state(&self, state: SyncState) {
        self.0.send_modify(|conn| {
            if state == SyncState::Offline
                && matches!(conn.state, SyncState::Connecting | SyncState::Syncing)
            {
                conn.failures += 1;
            }
            conn.state = state;
        });
    }
}

pub struct Ctx {
    pub client: Arc<Client>,
    pub server: String,
    pub data_dir: String,
    conn: watch::Receiver<Conn>,
    _conn_handle: Arc<TaskHandle>,
    reach: Option<Reach>,
    pending_at_start: i64,
    /// The command reported the outbox itself: `finish` stays quiet.
    pub reported: bool,
}

impl Ctx {
    /// Opens the cache and the session kept in `data_dir`; the core starts
    /// connecting at once when someone is signed in.
    pub fn open(server: &str, data_dir: &Path) -> CliResult<Ctx> {
        let dir = data_dir
            .to_str()
            .ok_or_else(|| CliError::usage("the data directory must be a UTF-8 path"))?
            .to_string();
        let token = data_dir.join("token").to_string_lossy().into_owned();
        let client = Client::new(server.to_string(), dir.clone(), file_token_store(token))
            .map_err(|e| match e {
                CoreError::Storage { message } => {
                    CliError::failed(format!("cannot open the data directory {dir}: {message}"))
                }
                other => other.into(),
            })?;
        let (tx, conn) = watch::channel(Conn {
            state: SyncState::Offline,
            failures: 0,
        });
        let conn_handle = client.observe_sync_state(Arc::new(ConnWatch(tx)));
        let pending_at_start = client.pending_count()?;
        Ok(Ctx {
            client,
            server: server.to_string(),
            data_dir: dir,
            conn,
            _conn_handle: conn_handle,
            reach: None,
            pending_at_start,
            reported: false,
        })
    }

    /// The signed-in user, or the error that says how to sign in.
    pub fn me(&self) -> CliResult<UserInfo> {
        self.client.current_user().ok_or_else(|| {
            CliError::failed("not signed in (run `cs login EMAIL` or `cs register EMAIL NAME`)")
        })
    }

    /// Waits (once per run) until the client is live, or a connection
    /// attempt failed, or the wait is over. A server that answers but no
    /// longer takes the session is an error, not "offline".
    pub async fn connect(&mut self) -> CliResult<Reach> {
        if let Some(reach) = self.reach {
            return Ok(reach);
        }
        self.me()?;
        let start = Instant::now();
        let mut rx = self.conn.clone();
        let live = loop {
            let conn = *rx.borrow_and_update();
            if conn.state == SyncState::Live {
                break Some(true);
            }
            if conn.state == SyncState::SignedOut {
                return Err(CliError::failed(
                    "signed out: the server no longer accepts this session \
                     (run `cs login EMAIL`)",
                ));
            }
            if conn.failures > 0 {
                break Some(false);
            }
            let limit = if conn.state == SyncState::Syncing {
                SYNC_WAIT
            } else {
                CONNECT_WAIT
            };
            match tokio::time::timeout_at(start + limit, rx.changed()).await {
                Ok(Ok(())) => {}
                _ => break None,
            }
        };
        let reach = match live {
            Some(true) => Reach::Online,
            // The attempt failed: unreachable, or the session was revoked?
            Some(false) => match self.client.refresh_departments().await {
                Err(CoreError::Unauthorized { .. } | CoreError::SignedOut { .. }) => {
                    return Err(CliError::failed(
                        "not signed in: the server no longer accepts this session \
                         (run `cs login EMAIL`)",
                    ));
                }
                _ => Reach::Offline,
            },
            None => Reach::Offline,
        };
        self.reach = Some(reach);
        Ok(reach)
    }

    /// Waits for a change just queued to be confirmed or refused, when
    /// online; `state_of` reads its state from the cache.
    pub async fn settle(
        &mut self,
        state_of: impl Fn(&Client) -> CliResult<Option<SendState>>,
    ) -> CliResult<Settled> {
        if self.connect().await? == Reach::Offline {
            return Ok(Settled::Queued);
        }
        let deadline = Instant::now() + DRAIN_WAIT;
        loop {
            match state_of(&self.client)? {
                Some(SendState::Pending) => {}
                Some(SendState::Sent) => return Ok(Settled::Sent),
                Some(SendState::Failed { reason }) => return Ok(Settled::Refused(reason)),
                None => return Ok(Settled::Refused("it is no longer in the cache".into())),
            }
            if Instant::now() >= deadline {
                return Ok(Settled::Waiting);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Prints what became of a queued change; `what` names it ("the
    /// message"), `done` is the line for a confirmed one.
    pub fn report(
        &mut self,
        settled: Settled,
        what: &str,
        done: impl FnOnce() -> String,
    ) -> CliResult {
        match settled {
            Settled::Sent => out!("{}", done()),
            Settled::Queued => {
                self.reported = true;
                out!("queued (offline): {what} will be sent when the server can be reached");
            }
            Settled::Waiting => {
                self.reported = true;
                out!("queued: {what} is waiting for the server; the next `cs` command sends it");
            }
            Settled::Refused(reason) => {
                self.reported = true;
                return Err(CliError::failed(format!(
                    "the server refused {what}: {reason} \
                     (`cs outbox --retry` tries again, `cs outbox --discard` drops it)"
                )));
            }
        }
        Ok(())
    }

    /// Waits up to a few seconds for the outbox to drain when online;
    /// returns how many changes still wait.
    pub async fn drain(&mut self) -> CliResult<i64> {
        let mut left = self.client.pending_count()?;
        if left > 0 && self.connect().await? == Reach::Online {
            let deadline = Instant::now() + DRAIN_WAIT;
            while left > 0 && Instant::now() < deadline {
                tokio::time::sleep(POLL).await;
                left = self.client.pending_count()?;
            }
        }
        Ok(left)
    }

    /// Before exiting: lets the outbox drain and says what is left.
    pub async fn finish(mut self) -> CliResult {
        if self.client.current_user().is_none() {
            return Ok(());
        }
        let left = self.drain().await?;
        if self.reported {
            return Ok(());
        }
        if left > 0 {
            let why = match self.reach {
                Some(Reach::Offline) => " (offline): the next `cs` command run online sends them",
                _ => ": the next `cs` command sends them",
            };
            output::note(format!("{left} change(s) waiting in the outbox{why}"));
        }
        if self.pending_at_start > left {
            let failed = crate::outbox::failed_changes(&self.client)?;
            if failed.is_empty() {
                output::note(format!(
                    "sent {} change(s) queued earlier",
                    self.pending_at_start - left
                ));
            } else {
                output::note(format!(
                    "the server refused {} queued change(s): see `cs outbox`",
                    failed.len()
                ));
            }
        }
        Ok(())
    }

    /// Every cached ticket (for lookups by number).
    pub fn all_tickets(&self) -> CliResult<Vec<TicketItem>> {
        Ok(self.client.tickets(TicketFilter::default(), u32::MAX)?)
    }

    /// A ticket by number (`42`, `#42`) or id, from the cache after the
    /// wait for sync; an id not cached yet is fetched when online.
    pub async fn resolve_ticket(&mut self, arg: &str) -> CliResult<TicketItem> {
        let arg = arg.trim();
        let digits = arg.strip_prefix('#').unwrap_or(arg);
        if let Ok(number) = digits.parse::<i64>() {
            let reach = self.connect().await?;
            return self
                .all_tickets()?
                .into_iter()
                .find(|t| t.number == Some(number))
                .ok_or_else(|| {
                    let hint = match reach {
                        Reach::Online => "",
                        Reach::Offline => " (offline: only cached tickets are known)",
                    };
                    CliError::usage(format!("no ticket #{number}{hint}"))
                });
        }
        let Ok(id) = Uuid::parse_str(arg) else {
            return Err(CliError::usage(format!(
                "{arg:?} is neither a ticket number nor a ticket id"
            )));
        };
        let id = id.to_string();
        if let Some(detail) = self.client.ticket_detail(id.clone())? {
            return Ok(detail.ticket);
        }
        if self.connect().await? == Reach::Online {
            match self.client.refresh_ticket(id.clone()).await {
                Ok(()) => {}
                Err(CoreError::NotFound { .. } | CoreError::Forbidden { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            if let Some(detail) = self.client.ticket_detail(id.clone())? {
                return Ok(detail.ticket);
            }
        }
        Err(CliError::usage(format!("no ticket {id}")))
    }

    /// The departments: fresh from the server when online, else cached.
    /// The flag says whether they are fresh.
    pub async fn departments(&mut self) -> CliResult<(Vec<DepartmentInfo>, bool)> {
        if self.connect().await? == Reach::Online {
            match self.client.refresh_departments().await {
                Ok(list) => return Ok((list, true)),
                Err(e) if e.is_retryable() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok((self.client.departments()?, false))
    }

    /// A department id from an id or a name (any case): from the cache
    /// first, then from the server.
    pub async fn resolve_department(&mut self, arg: &str) -> CliResult<String> {
        let arg = arg.trim();
        if let Ok(id) = Uuid::parse_str(arg) {
            return Ok(id.to_string());
        }
        let find = |list: &[DepartmentInfo]| {
            list.iter()
                .find(|d| d.name.eq_ignore_ascii_case(arg))
                .map(|d| d.id.clone())
        };
        if let Some(id) = find(&self.client.departments()?) {
            return Ok(id);
        }
        let (list, fresh) = self.departments().await?;
        if let Some(id) = find(&list) {
            return Ok(id);
        }
        let known = if list.is_empty() {
            if fresh {
                " (there are no departments yet)".to_string()
            } else {
                " (offline, and no departments are cached: give the department's id)".to_string()
            }
        } else {
            let names: Vec<&str> = list.iter().map(|d| d.name.as_str()).collect();
            format!(" (departments: {})", names.join(", "))
        };
        Err(CliError::usage(format!(
            "unknown department {arg:?}{known}"
        )))
    }

    /// A department's name from the cache, else its id.
    pub fn department_name(&self, id: &str) -> String {
        self.client
            .departments()
            .ok()
            .and_then(|list| list.into_iter().find(|d| d.id == id).map(|d| d.name))
            .unwrap_or_else(|| id.to_string())
    }
}
