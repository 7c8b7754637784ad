//! Listeners the apps implement, and the `TaskHandle` that ends a
//! subscription (on `cancel()` or when dropped), as matrix-rust-sdk does.
//!
//! A subscriber gets the current snapshot at once, from the cache, then a
//! new snapshot whenever what it shows changed. Refreshes are coalesced: a
//! burst of writes causes one refresh per subscriber.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::Notify;

use crate::store::Store;
use crate::types::*;
use crate::typing::Typing;

#[uniffi::export(foreign)]
pub trait TicketListListener: Send + Sync {
    /// The list as it should be shown now.
    fn on_update(&self, tickets: Vec<TicketItem>);
}

#[uniffi::export(foreign)]
pub trait TicketDetailListener: Send + Sync {
    /// The ticket, its messages and its timeline as they should be shown now.
    fn on_update(&self, detail: TicketDetail);
}

#[uniffi::export(foreign)]
pub trait SyncStateListener: Send + Sync {
    fn on_state(&self, state: SyncState);
}

#[uniffi::export(foreign)]
pub trait ColleaguesListener: Send + Sync {
    /// The colleagues and their Active/Off status as they should be shown now.
    fn on_update(&self, colleagues: Vec<Colleague>);
}

#[uniffi::export(foreign)]
pub trait CannedRepliesListener: Send + Sync {
    /// Every cached canned reply, by title, after each change.
    fn on_update(&self, replies: Vec<CannedReplyItem>);
}

enum Subscription {
    List {
        filter: TicketFilter,
        limit: u32,
        listener: Arc<dyn TicketListListener>,
        last: Option<Vec<TicketItem>>,
    },
    Detail {
        ticket_id: String,
        listener: Arc<dyn TicketDetailListener>,
        /// Boxed: a detail is much larger than the other variants.
        last: Option<Box<TicketDetail>>,
    },
    Sync {
        listener: Arc<dyn SyncStateListener>,
    },
    Colleagues {
        listener: Arc<dyn ColleaguesListener>,
        last: Option<Vec<Colleague>>,
    },
    Canned {
        listener: Arc<dyn CannedRepliesListener>,
        last: Option<Vec<CannedReplyItem>>,
    },
}

/// Every live subscription of a client.
pub struct Observers {
    subscriptions: Mutex<HashMap<u64, Subscription>>,
    next_id: AtomicU64,
    /// Woken after the cache changed.
    pub changed: Notify,
    /// Who is typing where (shown in ticket details).
    pub typing: Typing,
}

/// Ends a subscription when cancelled or dropped.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    observers: Weak<Observers>,
    id: u64,
    /// For subscriptions kept outside `Observers` (calls): ends them.
    on_cancel: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl TaskHandle {
    /// A handle whose cancellation runs `cancel` (once).
    pub fn with_cancel(cancel: impl FnOnce() + Send + 'static) -> Arc<TaskHandle> {
        Arc::new(TaskHandle {
            observers: Weak::new(),
            id: 0,
            on_cancel: Mutex::new(Some(Box::new(cancel))),
        })
    }
}

#[uniffi::export]
impl TaskHandle {
    /// Stops the updates. Safe to call more than once.
    pub fn cancel(&self) {
        if let Some(observers) = self.observers.upgrade() {
            observers.subscriptions.lock().unwrap().remove(&self.id);
        }
        let on_cancel = self.on_cancel.lock().unwrap().take();
        if let Some(on_cancel) = on_cancel {
            on_cancel();
        }
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl Observers {
    pub fn new() -> Arc<Observers> {
        Arc::new(Observers {
            subscriptions: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            changed: Notify::new(),
            typing: Typing::default(),
        })
    }

    fn add(self: &Arc<Self>, subscription: Subscription) -> Arc<TaskHandle> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.subscriptions.lock().unwrap().insert(id, subscription);
        Arc::new(TaskHandle {
            observers: Arc::downgrade(self),
            id,
            on_cancel: Mutex::new(None),
        })
    }

    pub fn subscribe_list(
        self: &Arc<Self>,
        store: &Store,
        me: Option<&str>,
        filter: TicketFilter,
        limit: u32,
        listener: Arc<dyn TicketListListener>,
    ) -> Arc<TaskHandle> {
        let first = store.tickets(&filter, me, limit).unwrap_or_default();
        listener.on_update(first.clone());
        let handle = self.add(Subscription::List {
            filter,
            limit,
            listener,
            last: Some(first),
        });
        // A change between the first snapshot and registering is caught here.
        self.changed.notify_one();
        handle
    }

    pub fn subscribe_detail(
        self: &Arc<Self>,
        store: &Store,
        me: Option<&str>,
        ticket_id: String,
        listener: Arc<dyn TicketDetailListener>,
    ) -> Arc<TaskHandle> {
        let first = detail(store, &self.typing, &ticket_id, me);
        if let Some(d) = &first {
            listener.on_update(d.clone());
        }
        let handle = self.add(Subscription::Detail {
            ticket_id,
            listener,
            last: first.map(Box::new),
        });
        self.changed.notify_one();
        handle
    }

    pub fn subscribe_colleagues(
        self: &Arc<Self>,
        store: &Store,
        listener: Arc<dyn ColleaguesListener>,
    ) -> Arc<TaskHandle> {
        let first = store.colleagues().unwrap_or_default();
        listener.on_update(first.clone());
        let handle = self.add(Subscription::Colleagues {
            listener,
            last: Some(first),
        });
        self.changed.notify_one();
        handle
    }

    pub fn subscribe_canned(
        self: &Arc<Self>,
        store: &Store,
        listener: Arc<dyn CannedRepliesListener>,
    ) -> Arc<TaskHandle> {
        let first = store.canned_replies(None, "").unwrap_or_default();
        listener.on_update(first.clone());
        let handle = self.add(Subscription::Canned {
            listener,
            last: Some(first),
        });
        self.changed.notify_one();
        handle
    }

    pub fn subscribe_sync(
        self: &Arc<Self>,
        current: SyncState,
        listener: Arc<dyn SyncStateListener>,
    ) -> Arc<TaskHandle> {
        listener.on_state(current);
        self.add(Subscription::Sync { listener })
    }

    /// Tells sync-state listeners.
    pub fn sync_state(&self, state: SyncState) {
        let listeners: Vec<Arc<dyn SyncStateListener>> = self
            .subscriptions
            .lock()
            .unwrap()
            .values()
            .filter_map(|s| match s {
                Subscription::Sync { listener } => Some(listener.clone()),
                _ => None,
            })
            .collect();
        for listener in listeners {
            listener.on_state(state);
        }
    }

    /// Recomputes every snapshot and tells the listeners whose view changed.
    /// Listeners are called without holding any lock.
    pub fn refresh(&self, store: &Store, me: Option<&str>) {
        let mut calls: Vec<Box<dyn FnOnce() + Send>> = Vec::new();
        {
            let mut subscriptions = self.subscriptions.lock().unwrap();
            for subscription in subscriptions.values_mut() {
                match subscription {
                    Subscription::List {
                        filter,
                        limit,
                        listener,
                        last,
                    } => {
                        let Ok(now) = store.tickets(filter, me, *limit) else {
                            continue;
                        };
                        if last.as_ref() != Some(&now) {
                            *last = Some(now.clone());
                            let listener = listener.clone();
                            calls.push(Box::new(move || listener.on_update(now)));
                        }
                    }
                    Subscription::Detail {
                        ticket_id,
                        listener,
                        last,
                    } => {
                        if let Some(now) = detail(store, &self.typing, ticket_id, me)
                            && last.as_deref() != Some(&now)
                        {
                            *last = Some(Box::new(now.clone()));
                            let listener = listener.clone();
                            calls.push(Box::new(move || listener.on_update(now)));
                        }
                    }
                    Subscription::Colleagues { listener, last } => {
                        let Ok(now) = store.colleagues() else {
                            continue;
                        };
                        if last.as_ref() != Some(&now) {
                            *last = Some(now.clone());
                            let listener = listener.clone();
                            calls.push(Box::new(move || listener.on_update(now)));
                        }
                    }
                    Subscription::Canned { listener, last } => {
                        let Ok(now) = store.canned_replies(None, "") else {
                            continue;
                        };
                        if last.as_ref() != Some(&now) {
                            *last = Some(now.clone());
                            let listener = listener.clone();
                            calls.push(Box::new(move || listener.on_update(now)));
                        }
                    }
                    Subscription::Sync { .. } => {}
                }
            }
        }
        for call in calls {
            call();
        }
    }
}

/// A ticket's screen, as `me` sees it: the cache's rows and who is typing now.
pub fn detail(
    store: &Store,
    typing: &Typing,
    ticket_id: &str,
    me: Option<&str>,
) -> Option<TicketDetail> {
    let ticket = store.ticket(ticket_id, me).ok()??;
    let typing = typing
        .who(ticket_id)
        .into_iter()
        .map(|user_id| TypingUser {
            name: store.user_name(&user_id).ok().flatten(),
            user_id,
        })
        .collect();
    Some(TicketDetail {
        ticket,
        messages: store.messages(ticket_id).unwrap_or_default(),
        timeline: store.timeline(ticket_id).unwrap_or_default(),
        typing,
        reads: store.reads(ticket_id).unwrap_or_default(),
    })
}
