//! `Client`: what the apps hold. Reads come from the cache at once; writes
//! go to the outbox and show as pending; a background task keeps the cache
//! in step with the server.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use futures_util::StreamExt;
use protocol as wire;
use reqwest::Method;
use tokio::io::AsyncWriteExt;
use tokio::sync::{Notify, mpsc};
use tokio_util::io::ReaderStream;
use uuid::Uuid;

use crate::api::{self, Api};
use crate::call::manager::CallManager;
use crate::error::CoreError;
use crate::observe::{
    ColleaguesListener, Observers, SyncStateListener, TaskHandle, TicketDetailListener,
    TicketListListener,
};
use crate::session::TokenStore;
use crate::store::{Op, Store};
use crate::types::*;
use crate::{connection, runtime};

const MAX_SUBJECT: usize = 200;
const MAX_BODY: usize = 20_000;

/// Reports upload progress to the app.
#[uniffi::export(foreign)]
pub trait ProgressListener: Send + Sync {
    fn on_progress(&self, sent_bytes: u64, total_bytes: u64);
}

/// State shared by the `Client` and its background tasks.
pub struct Inner {
    pub api: Api,
    pub store: Store,
    pub data_dir: PathBuf,
    tokens: Arc<dyn TokenStore>,
    token: RwLock<Option<String>>,
    me: RwLock<Option<UserInfo>>,
    pub observers: Arc<Observers>,
    state: Mutex<SyncState>,
    /// Something was queued: drain the outbox.
    pub outbox_wake: Notify,
    /// Signed in, or the app asks to retry now.
    pub reconnect: Notify,
    /// Frames for the live socket (typing), when connected.
    pub ws_out: Mutex<Option<mpsc::Sender<String>>>,
    /// The server ended the session; cleared by the next sign-in.
    signed_out: AtomicBool,
    /// Calls this device is in or is rung for.
    pub calls: Arc<CallManager>,
    /// Call events from the socket, handled in order by the call task.
    pub call_events: mpsc::UnboundedSender<wire::ServerEvent>,
}

impl Inner {
    pub fn token(&self) -> Option<String> {
        self.token.read().unwrap().clone()
    }

    /// The signed-in user's id.
    pub fn me_uuid(&self) -> Option<Uuid> {
        self.me
            .read()
            .unwrap()
            .as_ref()
            .and_then(|u| Uuid::parse_str(&u.id).ok())
    }

    pub(crate) fn me_id(&self) -> Option<String> {
        self.me.read().unwrap().as_ref().map(|u| u.id.clone())
    }

    pub fn set_state(&self, state: SyncState) {
        let changed = {
            let mut current = self.state.lock().unwrap();
            std::mem::replace(&mut *current, state) != state
        };
        if changed {
            self.observers.sync_state(state);
        }
    }

    /// The cache changed: refresh the subscribers (coalesced).
    pub fn changed(&self) {
        self.observers.changed.notify_one();
    }

    pub(crate) fn require_token(&self) -> Result<String, CoreError> {
        self.token().ok_or_else(|| {
            if self.signed_out.load(Ordering::SeqCst) {
                CoreError::signed_out()
            } else {
                CoreError::Unauthorized {
                    message: "not signed in".into(),
                }
            }
        })
    }

    pub fn is_staff(&self) -> bool {
        self.me
            .read()
            .unwrap()
            .as_ref()
            .is_some_and(|u| u.role != Role::Customer)
    }

    /// The state when not connecting: signed out by the server, or offline.
    pub fn idle_state(&self) -> SyncState {
        if self.signed_out.load(Ordering::SeqCst) {
            SyncState::SignedOut
        } else {
            SyncState::Offline
        }
    }

    /// The server refused `token` (revoked, signed out elsewhere): forget
    /// it, here and in the app's token store, and stop reconnecting. The
    /// cache and the outbox stay for the next sign-in. A token that is no
    /// longer the current one (the user signed in again meanwhile) is left.
    pub fn session_ended(&self, token: &str) {
        {
            let mut current = self.token.write().unwrap();
            if current.as_deref() != Some(token) {
                return;
            }
            *current = None;
        }
        self.tokens.clear();
        self.signed_out.store(true, Ordering::SeqCst);
        self.observers.typing.clear();
        self.set_state(SyncState::SignedOut);
    }

    /// A 401 to the session's token ends the session.
    fn check_session<T>(&self, token: &str, result: Result<T, CoreError>) -> Result<T, CoreError> {
        match result {
            Err(CoreError::Unauthorized { .. }) => {
                self.session_ended(token);
                Err(CoreError::signed_out())
            }
            other => other,
        }
    }
}

/// Runs `call` with the session's token; a 401 ends the session.
pub(crate) async fn authed<T, F, Fut>(inner: Arc<Inner>, call: F) -> Result<T, CoreError>
where
    F: FnOnce(Arc<Inner>, String) -> Fut,
    Fut: Future<Output = Result<T, CoreError>>,
{
    let token = inner.require_token()?;
    let result = call(inner.clone(), token.clone()).await;
    inner.check_session(&token, result)
}

#[derive(uniffi::Object)]
pub struct Client {
    inner: Arc<Inner>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Client {
    /// Stops the background work at once, like an app being killed: what is
    /// queued stays in the outbox for the next start.
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn parse_id(what: &str, id: &str) -> Result<Uuid, CoreError> {
    Uuid::parse_str(id).map_err(|_| CoreError::invalid(format!("{what} {id:?} is not an id")))
}

fn check_text(field: &str, value: &str, max: usize) -> Result<String, CoreError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CoreError::invalid(format!("{field} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(CoreError::invalid(format!(
            "{field} is longer than {max} characters"
        )));
    }
    Ok(value.to_string())
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// Opens the cache in `data_dir` (creating it), restores the session
    /// kept by `token_store`, and starts keeping the cache in step.
    #[uniffi::constructor]
    pub fn new(
        server_url: String,
        data_dir: String,
        token_store: Arc<dyn TokenStore>,
    ) -> Result<Arc<Client>, CoreError> {
        let api = Api::new(&server_url)?;
        let data_dir = PathBuf::from(data_dir);
        let store = Store::open(&data_dir)?;
        let token = token_store.load();
        let me = match (&token, store.meta("me")?) {
            (Some(_), Some(json)) => serde_json::from_str::<wire::User>(&json)
                .ok()
                .map(UserInfo::from),
            _ => None,
        };
        let (call_events, call_event_queue) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            api,
            store,
            data_dir,
            tokens: token_store,
            token: RwLock::new(token),
            me: RwLock::new(me),
            observers: Observers::new(),
            state: Mutex::new(SyncState::Offline),
            outbox_wake: Notify::new(),
            reconnect: Notify::new(),
            ws_out: Mutex::new(None),
            signed_out: AtomicBool::new(false),
            calls: Arc::new(CallManager::default()),
            call_events,
        });
        let call_task = runtime::spawn(crate::call::manager::run_events(
            inner.clone(),
            call_event_queue,
        ));
        let refresher = {
            let inner = inner.clone();
            runtime::spawn(async move {
                loop {
                    inner.observers.changed.notified().await;
                    let inner = inner.clone();
                    let _ = tokio::task::spawn_blocking(move || {
                        inner
                            .observers
                            .refresh(&inner.store, inner.me_id().as_deref())
                    })
                    .await;
                }
            })
        };
        let connection = runtime::spawn(connection::run(inner.clone()));
        Ok(Arc::new(Client {
            inner,
            tasks: vec![refresher, connection, call_task],
        }))
    }

    /// The signed-in user, restored from the last run when there is one.
    pub fn current_user(&self) -> Option<UserInfo> {
        self.inner.me.read().unwrap().clone()
    }

    /// Creates a customer account and signs in.
    pub async fn register(
        &self,
        email: String,
        password: String,
        name: String,
    ) -> Result<UserInfo, CoreError> {
        let inner = self.inner.clone();
        runtime::run(async move {
            let body = wire::RegisterRequest {
                email,
                password,
                name,
            };
            let (_, auth): (_, wire::AuthResponse) = inner
                .api
                .send(Method::POST, "/v1/auth/register", None, Some(&body))
                .await?;
            start_session(&inner, auth)
        })
        .await
    }

    pub async fn sign_in(&self, email: String, password: String) -> Result<UserInfo, CoreError> {
        let inner = self.inner.clone();
        runtime::run(async move {
            let body = wire::LoginRequest { email, password };
            let (_, auth): (_, wire::AuthResponse) = inner
                .api
                .send(Method::POST, "/v1/auth/login", None, Some(&body))
                .await?;
            start_session(&inner, auth)
        })
        .await
    }

    /// Revokes the session on the server (when reachable) and forgets the
    /// token and the cache.
    pub async fn sign_out(&self) -> Result<(), CoreError> {
        let inner = self.inner.clone();
        runtime::run(async move {
            if let Some(token) = inner.token() {
                let revoked = inner
                    .api
                    .send_empty(Method::POST, "/v1/auth/logout", Some(&token), None::<&()>)
                    .await;
                if let Err(e) = revoked
                    && !e.is_retryable()
                    && !matches!(e, CoreError::Unauthorized { .. })
                {
                    return Err(e);
                }
            }
            *inner.token.write().unwrap() = None;
            *inner.me.write().unwrap() = None;
            inner.signed_out.store(false, Ordering::SeqCst);
            inner.observers.typing.clear();
            inner.tokens.clear();
            inner.store.clear()?;
            inner.reconnect.notify_one();
            inner.changed();
            Ok(())
        })
        .await
    }

    pub fn sync_state(&self) -> SyncState {
        *self.inner.state.lock().unwrap()
    }

    pub fn observe_sync_state(&self, listener: Arc<dyn SyncStateListener>) -> Arc<TaskHandle> {
        // Holding the state while the listener gets its first value and is
        // registered: a transition waits, so none falls in between. (The
        // listener must not call `sync_state()` from that first callback.)
        let state = self.inner.state.lock().unwrap();
        self.inner.observers.subscribe_sync(*state, listener)
    }

    /// Tries to connect now instead of waiting for the next backoff.
    pub fn reconnect_now(&self) {
        self.inner.reconnect.notify_one();
    }

    /// A page of the ticket list from the cache.
    pub fn tickets(&self, filter: TicketFilter, limit: u32) -> Result<Vec<TicketItem>, CoreError> {
        self.inner
            .store
            .tickets(&filter, self.inner.me_id().as_deref(), limit)
    }

    /// How many cached tickets match `filter` (its sort is ignored): the
    /// counts per filter in the staff queue ("open", "unassigned", …).
    pub fn count_tickets(&self, filter: TicketFilter) -> Result<u32, CoreError> {
        self.inner
            .store
            .count_tickets(&filter, self.inner.me_id().as_deref())
    }

    /// The ticket list now (from the cache, before this returns) and at
    /// every change, until the handle is cancelled or dropped.
    pub fn observe_tickets(
        &self,
        filter: TicketFilter,
        limit: u32,
        listener: Arc<dyn TicketListListener>,
    ) -> Arc<TaskHandle> {
        self.inner.observers.subscribe_list(
            &self.inner.store,
            self.inner.me_id().as_deref(),
            filter,
            limit,
            listener,
        )
    }

    pub fn ticket_detail(&self, ticket_id: String) -> Result<Option<TicketDetail>, CoreError> {
        let me = self.inner.me_id();
        // Read once to surface a storage error; the snapshot reads again.
        if self
            .inner
            .store
            .ticket(&ticket_id, me.as_deref())?
            .is_none()
        {
            return Ok(None);
        }
        Ok(crate::observe::detail(
            &self.inner.store,
            &self.inner.observers.typing,
            &ticket_id,
            me.as_deref(),
        ))
    }

    pub fn observe_ticket(
        &self,
        ticket_id: String,
        listener: Arc<dyn TicketDetailListener>,
    ) -> Arc<TaskHandle> {
        self.inner.observers.subscribe_detail(
            &self.inner.store,
            self.inner.me_id().as_deref(),
            ticket_id,
            listener,
        )
    }

    /// Fetches a ticket's whole history into the cache (for a ticket that
    /// became visible after its earlier messages were synced elsewhere).
    pub async fn refresh_ticket(&self, ticket_id: String) -> Result<(), CoreError> {
        let inner = self.inner.clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let id = parse_id("ticket", &ticket_id)?;
            let (_, ticket): (_, wire::Ticket) = inner
                .api
                .send(
                    Method::GET,
                    &format!("/v1/tickets/{id}"),
                    Some(&token),
                    None::<&()>,
                )
                .await?;
            inner.store.put_ticket(&ticket)?;
            let mut after: Option<Uuid> = None;
            loop {
                let mut path = format!("/v1/tickets/{id}/messages?limit=500");
                if let Some(a) = after {
                    path.push_str(&format!("&after={a}"));
                }
                let (_, page): (_, wire::MessagePage) = inner
                    .api
                    .send(Method::GET, &path, Some(&token), None::<&()>)
                    .await?;
                for m in &page.messages {
                    inner.store.put_message(m)?;
                }
                after = page.messages.last().map(|m| m.id);
                if !page.has_more || after.is_none() {
                    break;
                }
            }
            let (_, events): (_, Vec<wire::TimelineEvent>) = inner
                .api
                .send(
                    Method::GET,
                    &format!("/v1/tickets/{id}/timeline"),
                    Some(&token),
                    None::<&()>,
                )
                .await?;
            for e in &events {
                inner.store.put_event(e)?;
            }
            let (_, reads): (_, Vec<wire::ReadReceipt>) = inner
                .api
                .send(
                    Method::GET,
                    &format!("/v1/tickets/{id}/reads"),
                    Some(&token),
                    None::<&()>,
                )
                .await?;
            for r in &reads {
                inner.store.put_read(r)?;
            }
            inner.changed();
            Ok(())
        }))
        .await
    }

    /// Departments from the cache.
    pub fn departments(&self) -> Result<Vec<DepartmentInfo>, CoreError> {
        self.inner.store.departments()
    }

    /// Departments from the server, cached.
    pub async fn refresh_departments(&self) -> Result<Vec<DepartmentInfo>, CoreError> {
        let inner = self.inner.clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let (_, list): (_, Vec<wire::Department>) = inner
                .api
                .send(Method::GET, "/v1/departments", Some(&token), None::<&()>)
                .await?;
            inner.store.set_departments(&list)?;
            inner.store.departments()
        }))
        .await
    }

    /// Opens a ticket (customers). It shows at once as pending and is sent
    /// when the server is reachable.
    pub fn create_ticket(
        &self,
        department_id: String,
        subject: String,
        body: String,
    ) -> Result<TicketItem, CoreError> {
        self.open_ticket(None, department_id, subject, body)
    }

    /// Posts a message; it shows at once as pending.
    pub fn send_message(
        &self,
        ticket_id: String,
        body: String,
        attachment_ids: Vec<String>,
        internal: bool,
    ) -> Result<MessageItem, CoreError> {
        let me = self.require_me()?;
        let ticket = parse_id("ticket", &ticket_id)?;
        let attachments = attachment_ids
            .iter()
            .map(|a| parse_id("attachment", a))
            .collect::<Result<Vec<_>, _>>()?;
        let body = if attachments.is_empty() {
            check_text("body", &body, MAX_BODY)?
        } else {
            body.trim().to_string()
        };
        if self.inner.store.ticket(&ticket_id, Some(&me.id))?.is_none() {
            return Err(CoreError::NotFound {
                message: "no such ticket".into(),
            });
        }
        let id = Uuid::now_v7();
        let message = wire::Message {
            id,
            ticket_id: ticket,
            author_id: parse_id("user", &me.id)?,
            body: body.clone(),
            internal,
            attachments: Vec::new(),
            created_at: chrono::Utc::now(),
        };
        let op = Op::SendMessage {
            ticket_id: ticket,
            message: wire::CreateMessage {
                id: Some(id),
                body,
                attachment_ids: attachments,
                internal,
            },
        };
        self.inner.store.queue_message(&message, &op)?;
        self.queued();
        let items = self.inner.store.messages(&ticket_id)?;
        items
            .into_iter()
            .find(|m| m.id == id.to_string())
            .ok_or_else(|| CoreError::Storage {
                message: "the new message was not stored".into(),
            })
    }

    /// Closes a ticket (its customer, or staff).
    pub fn close_ticket(&self, ticket_id: String) -> Result<(), CoreError> {
        self.update_ticket(
            ticket_id,
            TicketChanges {
                status: Some(TicketStatus::Closed),
                ..TicketChanges::default()
            },
        )
    }

    /// Changes status, priority, assignee or department (staff). Shown at
    /// once as pending; a conflict with someone else's change comes back as
    /// a failed state with the server's version, never silently overwritten.
    pub fn update_ticket(
        &self,
        ticket_id: String,
        changes: TicketChanges,
    ) -> Result<(), CoreError> {
        let id = parse_id("ticket", &ticket_id)?;
        let mut ticket = self.cached_ticket(&ticket_id)?;
        let assignee = if changes.unassign {
            Some(None)
        } else {
            changes
                .assignee_id
                .as_deref()
                .map(|a| parse_id("assignee", a).map(Some))
                .transpose()?
        };
        let department = changes
            .department_id
            .as_deref()
            .map(|d| parse_id("department", d))
            .transpose()?;
        let update = wire::UpdateTicket {
            status: changes.status.map(Into::into),
            priority: changes.priority.map(Into::into),
            assignee_id: assignee,
            department_id: department,
            version: ticket.version,
        };
        if let Some(s) = update.status {
            ticket.status = s;
        }
        if let Some(p) = update.priority {
            ticket.priority = p;
        }
        if let Some(a) = update.assignee_id {
            ticket.assignee_id = a;
        }
        if let Some(d) = update.department_id {
            ticket.department_id = d;
        }
        ticket.updated_at = chrono::Utc::now();
        let op = Op::UpdateTicket {
            ticket_id: id,
            update,
        };
        self.inner.store.queue_ticket_update(&ticket, &op)?;
        self.queued();
        Ok(())
    }

    /// The customer rates their resolved (or closed) ticket, 1 to 5 with an
    /// optional comment, once. Shown at once as pending and sent when
    /// online; the server refuses a second rating.
    pub fn rate_ticket(
        &self,
        ticket_id: String,
        score: u8,
        comment: Option<String>,
    ) -> Result<(), CoreError> {
        let id = parse_id("ticket", &ticket_id)?;
        if !(wire::Rating::MIN_SCORE..=wire::Rating::MAX_SCORE).contains(&score) {
            return Err(CoreError::invalid(format!(
                "a rating is {} to {}, not {score}",
                wire::Rating::MIN_SCORE,
                wire::Rating::MAX_SCORE
            )));
        }
        let comment = comment
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        if comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > wire::Rating::MAX_COMMENT)
        {
            return Err(CoreError::invalid(format!(
                "a rating's comment is at most {} characters",
                wire::Rating::MAX_COMMENT
            )));
        }
        let mut ticket = self.cached_ticket(&ticket_id)?;
        if ticket.rating.is_some() {
            return Err(CoreError::Conflict {
                message: "this ticket was rated already; a rating is given once".into(),
            });
        }
        ticket.rating = Some(wire::Rating {
            score,
            comment: comment.clone(),
            rated_at: chrono::Utc::now(),
        });
        let op = Op::RateTicket {
            ticket_id: id,
            rating: wire::RateTicket { score, comment },
        };
        self.inner.store.queue_ticket_update(&ticket, &op)?;
        self.queued();
        Ok(())
    }

    /// Puts refused changes back in the queue; returns how many.
    pub fn retry_failed(&self) -> Result<u32, CoreError> {
        let n = self.inner.store.retry_failed()?;
        self.queued();
        Ok(n as u32)
    }

    /// Gives up on refused changes (a refused message is removed, a refused
    /// ticket change shows the server's state); returns how many.
    pub fn discard_failed(&self) -> Result<u32, CoreError> {
        let n = self.inner.store.discard_failed()?;
        self.inner.changed();
        Ok(n as u32)
    }

    /// Changes waiting for the server.
    pub fn pending_count(&self) -> Result<i64, CoreError> {
        self.inner.store.pending_ops()
    }

    /// Switches the signed-in staff member Active or Off.
    pub async fn set_status(&self, status: StaffStatus) -> Result<UserInfo, CoreError> {
        let inner = self.inner.clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let body = wire::SetStatus {
                status: status.into(),
            };
            let (_, user): (_, wire::User) = inner
                .api
                .send(Method::PUT, "/v1/me/status", Some(&token), Some(&body))
                .await?;
            inner.store.set_meta("me", &serde_json::to_string(&user)?)?;
            // The colleagues list shows me as the server now holds me, not
            // as my presence event will say when it comes.
            if let Some(now) = user.status
                && inner.store.set_presence(user.id, now)?
            {
                inner.changed();
            }
            let info = UserInfo::from(user);
            *inner.me.write().unwrap() = Some(info.clone());
            Ok(info)
        }))
        .await
    }

    /// Uploads a file, reporting progress; attach the result to a message
    /// with `send_message(…, attachment_ids)`.
    pub async fn upload_file(
        &self,
        path: String,
        content_type: String,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<AttachmentItem, CoreError> {
        let inner = self.inner.clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let file = tokio::fs::File::open(&path).await?;
            let total = file.metadata().await?.len();
            let name = PathBuf::from(&path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into());
            let mut sent = 0u64;
            let stream = ReaderStream::with_capacity(file, 64 * 1024).map(move |chunk| {
                if let Ok(bytes) = &chunk {
                    sent += bytes.len() as u64;
                    if let Some(p) = &progress {
                        p.on_progress(sent, total);
                    }
                }
                chunk
            });
            let response = inner
                .api
                .http()
                .post(inner.api.url("/v1/files"))
                .query(&[("name", name.as_str())])
                .bearer_auth(&token)
                .header("content-type", content_type)
                .header("content-length", total)
                .body(reqwest::Body::wrap_stream(stream))
                .send()
                .await
                .map_err(api::network_error)?;
            let meta: wire::FileMeta =
                api::check(response)
                    .await?
                    .json()
                    .await
                    .map_err(|e| CoreError::Server {
                        message: e.to_string(),
                    })?;
            Ok(meta.into())
        }))
        .await
    }

    /// Downloads an attachment into the cache (once) and returns its path.
    pub async fn download_file(&self, file_id: String) -> Result<String, CoreError> {
        let inner = self.inner.clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let id = parse_id("file", &file_id)?;
            let dir = inner.data_dir.join("files");
            let path = dir.join(id.to_string());
            if path.exists() {
                return Ok(path.to_string_lossy().into_owned());
            }
            tokio::fs::create_dir_all(&dir).await?;
            let mut response = inner
                .api
                .raw(
                    Method::GET,
                    &format!("/v1/files/{id}"),
                    Some(&token),
                    None::<&()>,
                )
                .await?;
            let partial = dir.join(format!("{id}.part"));
            let mut out = tokio::fs::File::create(&partial).await?;
            while let Some(chunk) = response.chunk().await.map_err(api::network_error)? {
                out.write_all(&chunk).await?;
            }
            out.sync_all().await?;
            tokio::fs::rename(&partial, &path).await?;
            Ok(path.to_string_lossy().into_owned())
        }))
        .await
    }

    /// Tells the other participants the user is (or stopped) typing; staff
    /// writing an internal note (`internal`) tell only their colleagues.
    /// Dropped when offline: typing is ephemeral.
    pub fn set_typing(
        &self,
        ticket_id: String,
        typing: bool,
        internal: bool,
    ) -> Result<(), CoreError> {
        let ticket_id = parse_id("ticket", &ticket_id)?;
        let frame = serde_json::to_string(&wire::ClientEvent::Typing {
            ticket_id,
            typing,
            internal,
        })?;
        if let Some(tx) = self.inner.ws_out.lock().unwrap().as_ref() {
            let _ = tx.try_send(frame);
        }
        Ok(())
    }

    /// Marks a ticket read up to a message.
    pub async fn mark_read(&self, ticket_id: String, message_id: String) -> Result<(), CoreError> {
        let inner = self.inner.clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let ticket = parse_id("ticket", &ticket_id)?;
            let body = wire::MarkRead {
                message_id: parse_id("message", &message_id)?,
            };
            inner
                .api
                .send_empty(
                    Method::PUT,
                    &format!("/v1/tickets/{ticket}/read"),
                    Some(&token),
                    Some(&body),
                )
                .await?;
            // The user's own marker shows at once (the server tells others).
            if let Some(me) = inner.me_id().and_then(|id| Uuid::parse_str(&id).ok()) {
                inner.store.put_read(&wire::ReadReceipt {
                    ticket_id: ticket,
                    user_id: me,
                    message_id: body.message_id,
                    read_at: chrono::Utc::now(),
                })?;
                inner.changed();
            }
            Ok(())
        }))
        .await
    }

    /// Everything in the outbox, oldest first: waiting (`Pending`) or
    /// refused (`Failed` with the server's reason).
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, CoreError> {
        self.inner.store.outbox_items()
    }

    /// Sends one refused change again.
    pub fn retry_outbox_item(&self, id: i64) -> Result<(), CoreError> {
        self.inner.store.retry_op(id)?;
        self.queued();
        Ok(())
    }

    /// Gives up on one refused change: a refused new ticket or message
    /// disappears from the cache; a refused ticket change is replaced by the
    /// server's state (fetched when online).
    pub fn discard_outbox_item(&self, id: i64) -> Result<(), CoreError> {
        let op = self.inner.store.discard_op(id)?;
        self.inner.changed();
        if let Op::UpdateTicket { ticket_id, .. } = op {
            let inner = self.inner.clone();
            runtime::spawn(async move {
                let _ = authed(inner, move |inner, token| async move {
                    let (_, ticket): (_, wire::Ticket) = inner
                        .api
                        .send(
                            Method::GET,
                            &format!("/v1/tickets/{ticket_id}"),
                            Some(&token),
                            None::<&()>,
                        )
                        .await?;
                    inner.store.force_ticket(&ticket)?;
                    inner.changed();
                    Ok(())
                })
                .await;
            });
        }
        Ok(())
    }

    /// Colleagues (staff of the user's department; every staff member for
    /// admins) with their Active/Off status, from the cache. Refreshed at
    /// every connect and kept current by presence events.
    pub fn colleagues(&self) -> Result<Vec<Colleague>, CoreError> {
        self.inner.store.colleagues()
    }

    /// The colleagues now and at every change (presence included).
    pub fn observe_colleagues(&self, listener: Arc<dyn ColleaguesListener>) -> Arc<TaskHandle> {
        self.inner
            .observers
            .subscribe_colleagues(&self.inner.store, listener)
    }
}

impl Client {
    /// The wire form of a cached ticket, the base of a local change.
    fn cached_ticket(&self, ticket_id: &str) -> Result<wire::Ticket, CoreError> {
        self.inner
            .store
            .wire_ticket(ticket_id)?
            .ok_or_else(|| CoreError::NotFound {
                message: "no such ticket".into(),
            })
    }

    /// Queues a new ticket: the user's own (`customer` `None`), or staff's
    /// for a customer, written by the staff member.
    pub(crate) fn open_ticket(
        &self,
        customer: Option<Uuid>,
        department_id: String,
        subject: String,
        body: String,
    ) -> Result<TicketItem, CoreError> {
        let me = self.require_me()?;
        let department_id = parse_id("department", &department_id)?;
        let subject = check_text("subject", &subject, MAX_SUBJECT)?;
        let body = check_text("body", &body, MAX_BODY)?;
        let author_id = parse_id("user", &me.id)?;
        let customer_id = customer.unwrap_or(author_id);
        let (id, first_id) = (Uuid::now_v7(), Uuid::now_v7());
        let now = chrono::Utc::now();
        let ticket = wire::Ticket {
            id,
            number: 0,
            subject: subject.clone(),
            status: wire::TicketStatus::Open,
            priority: wire::Priority::Normal,
            department_id,
            customer_id,
            assignee_id: None,
            created_at: now,
            updated_at: now,
            closed_at: None,
            version: 0,
            rating: None,
            sla: Default::default(),
        };
        let first = wire::Message {
            id: first_id,
            ticket_id: id,
            author_id,
            body: body.clone(),
            internal: false,
            attachments: Vec::new(),
            created_at: now,
        };
        let op = Op::CreateTicket {
            ticket: wire::CreateTicket {
                id: Some(id),
                department_id,
                subject,
                body,
                first_message_id: Some(first_id),
                customer_id: customer,
            },
        };
        self.inner.store.queue_new_ticket(&ticket, &first, &op)?;
        self.queued();
        self.inner
            .store
            .ticket(&id.to_string(), Some(&me.id))?
            .ok_or_else(|| CoreError::Storage {
                message: "the new ticket was not stored".into(),
            })
    }

    fn require_me(&self) -> Result<UserInfo, CoreError> {
        self.current_user().ok_or_else(|| CoreError::Unauthorized {
            message: "sign in first".into(),
        })
    }

    /// Something was queued: show it and try to send it.
    fn queued(&self) {
        self.inner.changed();
        self.inner.outbox_wake.notify_one();
    }

    /// For tests and benchmarks: the shared state.
    #[doc(hidden)]
    pub fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }
}

pub(crate) fn start_session(
    inner: &Inner,
    auth: wire::AuthResponse,
) -> Result<UserInfo, CoreError> {
    // A different user than the cached one: start from an empty cache.
    let previous = inner.store.meta("me")?;
    let same_user = previous
        .and_then(|json| serde_json::from_str::<wire::User>(&json).ok())
        .is_some_and(|u| u.id == auth.user.id);
    if !same_user {
        inner.store.clear()?;
    }
    inner
        .store
        .set_meta("me", &serde_json::to_string(&auth.user)?)?;
    inner.store.put_users(&[wire::UserSummary {
        id: auth.user.id,
        name: auth.user.name.clone(),
        role: auth.user.role,
    }])?;
    inner.signed_out.store(false, Ordering::SeqCst);
    inner.tokens.save(auth.token.clone());
    *inner.token.write().unwrap() = Some(auth.token);
    let info = UserInfo::from(auth.user);
    *inner.me.write().unwrap() = Some(info.clone());
    inner.reconnect.notify_one();
    inner.changed();
    Ok(info)
}
