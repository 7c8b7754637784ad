//! HTTP handlers under `/v1`, one module per resource. Each handler checks
//! input (`validate`), asks `policy` who may do what, and calls `db`.

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub mod accounts;
pub mod calls;
pub mod canned;
pub mod customers;
pub mod departments;
pub mod devices;
pub mod files;
pub mod messages;
pub mod ratings;
pub mod reads;
pub mod realtime;
pub mod reports;
pub mod sla;
pub mod staff;
pub mod sync;
pub mod tickets;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::login))
        .routes(routes!(accounts::link))
        .routes(routes!(accounts::logout))
        .routes(routes!(accounts::me))
        .routes(routes!(departments::create, departments::list))
        .routes(routes!(departments::update))
        .routes(routes!(sla::get, sla::put))
        .routes(routes!(canned::create, canned::list))
        .routes(routes!(customers::find, customers::invite))
        .routes(routes!(canned::update, canned::delete))
        .routes(routes!(staff::create, staff::list))
        .routes(routes!(staff::update))
        .routes(routes!(tickets::create, tickets::list))
        .routes(routes!(tickets::get, tickets::update))
        .routes(routes!(tickets::timeline))
        .routes(routes!(reports::daily))
        .routes(routes!(ratings::rate))
        .routes(routes!(messages::create, messages::list))
        .routes(routes!(files::upload))
        .routes(routes!(files::download))
        .routes(routes!(sync::sync))
        .routes(routes!(reads::put_read))
        .routes(routes!(reads::list))
        .routes(routes!(realtime::connect))
        .routes(routes!(realtime::set_status))
        .routes(routes!(calls::place, calls::live))
        .routes(routes!(calls::get))
        .routes(routes!(calls::accept))
        .routes(routes!(calls::decline))
        .routes(routes!(calls::hangup))
        .routes(routes!(devices::register))
        .routes(routes!(devices::unregister))
        .routes(routes!(devices::send_test))
}
