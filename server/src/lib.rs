//! Customer Service backend: accounts, departments, tickets, messages, files
//! and the sync feed, over SQLite (embedded default) or PostgreSQL.

pub mod api;
pub mod auth;
pub mod benchseed;
pub mod calls;
pub mod config;
pub mod connection_limit;
pub mod db;
pub mod demo;
pub mod error;
pub mod extract;
pub mod filestore;
pub mod group_commit;
pub mod mail;
pub mod message_writer;
pub mod metrics;
pub mod openapi;
pub mod periodic;
pub mod policy;
pub mod push;
pub mod realtime;
pub mod report;
pub mod routing;
pub mod serve;
pub mod sign_in_throttle;
pub mod sla;
pub mod stage_metrics;
pub mod testing;
pub mod ticket_writer;
pub mod trusted_proxies;
pub mod validate;

mod app;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

pub use app::router;
pub use config::Config;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub config: Arc<Config>,
    pub files: filestore::FileStore,
    pub throttle: Arc<sign_in_throttle::SignInThrottle>,
    pub metrics: Arc<metrics::Metrics>,
    pub realtime: realtime::Realtime,
    /// Writes new tickets in batches (group commit).
    pub tickets: ticket_writer::TicketWriter,
    /// Writes chat messages in batches (group commit).
    pub messages: message_writer::MessageWriter,
    /// Push notifications: the queue's worker, its feed follower, live sessions.
    pub push: push::Push,
    /// The operator's mail relay, when one is configured.
    pub mailer: Option<mail::Mailer>,
    /// Set to `true` to stop background tasks (feed follower, bus listener).
    pub shutdown: Arc<watch::Sender<bool>>,
}

impl AppState {
    /// Opens the data directory and the database, migrates it, and creates
    /// the configured admin if there is none yet.
    pub async fn open(config: Config) -> anyhow::Result<AppState> {
        let free_per_address = config.sign_in_free_per_address;
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
        let db = db::Db::connect(&config.database_url(), config.db_max_connections)
            .await
            .context("connecting to the database")?;
        db.migrate().await.context("migrating the database")?;
        let files = filestore::FileStore::open(config.files_dir())?;
        let (shutdown, stopping) = watch::channel(false);
        let (stopping_tickets, stopping_messages, stopping_calls, stopping_sla, stopping_report) = (
            stopping.clone(),
            stopping.clone(),
            stopping.clone(),
            stopping.clone(),
            stopping.clone(),
        );
        let mailer = mail::Mailer::from_config(&config)?;
        let push = push::Push::start(&db, &config, stopping.clone()).await?;
        let stages = stage_metrics::StageMetrics::default();
        let realtime =
            realtime::Realtime::start(&db, &config.database_url(), stages.clone(), stopping)
                .await
                .context("starting realtime delivery")?;
        let tickets = ticket_writer::TicketWriter::start(
            db.clone(),
            config.routing_capacity,
            stopping_tickets,
            stages.clone(),
        );
        let messages = message_writer::MessageWriter::start(
            db.clone(),
            config.routing_capacity,
            stopping_messages,
            stages.clone(),
        );
        calls::spawn_ring_timeouts(db.clone(), realtime.clone(), push.clone(), stopping_calls);
        sla::watcher::spawn(
            db.clone(),
            std::time::Duration::from_millis(config.sla_check_ms),
            stopping_sla,
        );
        report::job::spawn(
            db.clone(),
            std::time::Duration::from_millis(config.report_update_ms),
            stopping_report,
        );
        let state = AppState {
            tickets,
            messages,
            db,
            files,
            config: Arc::new(config),
            throttle: Arc::new(sign_in_throttle::SignInThrottle::new(free_per_address)),
            metrics: metrics::Metrics::new(&push.metrics, &stages),
            realtime,
            push,
            mailer,
            shutdown: Arc::new(shutdown),
        };
        api::staff::ensure_admin(&state).await?;
        Ok(state)
    }
}

impl AppState {
    /// Ends the feed follower and bus listener, and with them the sockets'
    /// sources of events.
    pub fn stop_background(&self) {
        self.shutdown.send_replace(true);
    }
}

/// A server running in the background, as tests and the load tool use it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, finishes requests in flight, stops the
    /// background tasks and closes the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        // Background tasks and sockets first: axum's graceful shutdown waits
        // for connections, and an upgraded WebSocket would keep it waiting.
        self.state.stop_background();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await??;
        self.state.push.stopped().await;
        self.state.db.close().await;
        Ok(())
    }
}

/// Binds `config.addr` and serves in the background.
pub async fn start(config: Config) -> anyhow::Result<RunningServer> {
    let listener = TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("binding {}", config.addr))?;
    let state = AppState::open(config).await?;
    serve_on(listener, state).await
}

pub async fn serve_on(listener: TcpListener, state: AppState) -> anyhow::Result<RunningServer> {
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let app = router(state.clone());
    let limits = serve::ServeLimits::from_config(&state.config);
    let task = tokio::spawn(serve::serve(listener, app, limits, async {
        let _ = stopped.await;
    }));
    Ok(RunningServer {
        addr,
        state,
        shutdown: Some(shutdown),
        task,
    })
}
