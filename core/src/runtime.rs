//! One Tokio runtime for the core's background work (the connection loop,
//! outbox drains), shared by every `Client`. Exported async functions also
//! run on it, so they work the same whether the app calls them from Kotlin
//! coroutines, Swift tasks or a Rust test.

use std::future::Future;
use std::sync::LazyLock;

use tokio::runtime::Runtime;

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("cs-core")
        .enable_all()
        .build()
        .expect("the core's runtime starts")
});

pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    RUNTIME.spawn(future)
}

/// Runs `future` on the core's runtime and waits for it from any executor.
pub async fn run<F>(future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match RUNTIME.spawn(future).await {
        Ok(output) => output,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => unreachable!("the core never cancels a task it awaits"),
    }
}
