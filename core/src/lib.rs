//! The shared core of the Customer Service apps, exported to Kotlin and
//! Swift with uniffi.
//!
//! The shells render what the core hands them and forward user intent. The
//! core owns everything else: the HTTP client, the realtime connection, the
//! offline cache and outbox, and sync.
//!
//! | module | one job |
//! |---|---|
//! | `client` | the `Client` object the apps hold: every exported operation |
//! | `api` | typed HTTP calls to the server, errors mapped to `CoreError` |
//! | `store` | the offline cache (rusqlite, WAL, `user_version` migrations) |
//! | `outbox` | durable queue of what the user did offline, drained in order |
//! | `connection` | the WebSocket, reconnect with backoff, catch-up through sync |
//! | `observe` | listeners and the `TaskHandle` that ends a subscription |
//! | `types` | UI-ready records and enums that cross the FFI |
//! | `session` | the token store the apps implement (Keystore/Keychain) |
//! | `tls` | the rustls configuration of HTTPS and wss |
//! | `typing` | who is typing where, in memory, lapsing after a few seconds |
//! | `call` | voice calls: the call manager, WebRTC media with Opus, audio devices |
//! | `push` | the device's push token, and pushes parsed into actions for the shells |

uniffi::setup_scaffolding!();

mod api;
pub mod call;
mod canned;
mod client;
mod connection;
mod customers;
mod error;
mod observe;
mod outbox;
pub mod push;
mod report;
mod runtime;
mod session;
mod sla;
#[doc(hidden)]
pub mod store;
mod tls;
mod types;
mod typing;

pub use client::{Client, ProgressListener};
pub use error::CoreError;
pub use observe::{
    CannedRepliesListener, ColleaguesListener, SyncStateListener, TaskHandle, TicketDetailListener,
    TicketListListener,
};
pub use report::{AgentReportItem, DailyReportInfo, ReportDayItem, ReportFiguresInfo};
pub use session::{FileTokenStore, TokenStore, file_token_store};
pub use sla::{BusinessHoursItem, SlaPolicyInfo, SlaTargetItem};
pub use types::*;
