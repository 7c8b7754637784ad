//! `server [--config FILE] [--demo]`: serves the Customer Service API.

use std::path::PathBuf;

use anyhow::Context;
use server::{AppState, Config};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: server [--config FILE] [--demo]

  --config FILE  read settings from a TOML file (environment variables win)
  --demo         seed a demo organisation and print its sign-ins

Environment: CS_ADDR, CS_DATABASE_URL, CS_DATA_DIR, CS_ADMIN_EMAIL,
CS_ADMIN_PASSWORD, CS_MAX_UPLOAD_BYTES, CS_DB_MAX_CONNECTIONS, RUST_LOG and
the others README.md lists.";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();

    let mut config_file = None;
    let mut demo = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => config_file = Some(PathBuf::from(args.next().context(USAGE)?)),
            "--demo" => demo = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => anyhow::bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }

    let config = Config::load(config_file.as_deref())?;
    let addr = config.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let state = AppState::open(config).await?;
    if demo {
        server::demo::seed(&state).await?;
    }
    tracing::info!(
        %addr,
        database = ?state.db.dialect,
        data_dir = %state.config.data_dir.display(),
        "listening"
    );
    let app = server::router(state.clone());
    let limits = server::serve::ServeLimits::from_config(&state.config);
    let stopping = state.clone();
    server::serve::serve(listener, app, limits, async move {
        shutdown_signal().await;
        // Close the WebSockets too, or the shutdown would wait for them.
        stopping.stop_background();
    })
    .await?;
    // Let the push worker record the sends it has in flight, so none is
    // sent again after a restart.
    state.push.stopped().await;
    tracing::info!("stopped");
    state.db.close().await;
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, finish the requests in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
