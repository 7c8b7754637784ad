//! `outbox`: what waits for the server, what it refused, and what to do
//! about the refusals (all of them, or one by its id).

use std::collections::HashMap;

use cs_core::{Client, CoreError, OutboxItem, OutboxKind, SendState, TicketFilter};

use crate::context::{Ctx, Reach};
use crate::error::{CliError, CliResult};
use crate::output::{self, out};

/// What `--retry` / `--discard` act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    AllRefused,
    One(i64),
}

impl Which {
    pub fn from_arg(arg: Option<Option<i64>>) -> Option<Which> {
        arg.map(|id| id.map_or(Which::AllRefused, Which::One))
    }
}

/// The refused changes, oldest first.
pub fn failed_changes(client: &Client) -> CliResult<Vec<OutboxItem>> {
    Ok(client
        .outbox()?
        .into_iter()
        .filter(|item| matches!(item.state, SendState::Failed { .. }))
        .collect())
}

fn kind(k: OutboxKind) -> &'static str {
    match k {
        OutboxKind::CreateTicket => "new ticket",
        OutboxKind::SendMessage => "message",
        OutboxKind::UpdateTicket => "ticket change",
        OutboxKind::RateTicket => "rating",
    }
}

fn state(s: &SendState) -> String {
    match s {
        SendState::Pending => "pending".into(),
        SendState::Sent => "sent".into(),
        SendState::Failed { reason } => format!("REFUSED: {reason}"),
    }
}

/// An id that names no refused change is bad input; anything else is not.
fn item_error(id: i64) -> impl Fn(CoreError) -> CliError {
    move |e| match e {
        CoreError::NotFound { .. } | CoreError::Invalid { .. } => CliError::Usage(format!(
            "no refused change {id} in the outbox (see `cs outbox`)"
        )),
        other => other.into(),
    }
}

pub async fn outbox(ctx: &mut Ctx, retry: Option<Which>, discard: Option<Which>) -> CliResult {
    ctx.me()?;
    ctx.reported = true;
    match discard {
        Some(Which::AllRefused) => {
            let n = ctx.client.discard_failed()?;
            out!("discarded {n} refused change(s)");
        }
        Some(Which::One(id)) => {
            ctx.client.discard_outbox_item(id).map_err(item_error(id))?;
            out!("discarded change {id}");
        }
        None => {}
    }
    match retry {
        Some(Which::AllRefused) => {
            let n = ctx.client.retry_failed()?;
            out!("retrying {n} refused change(s)");
        }
        Some(Which::One(id)) => {
            ctx.client.retry_outbox_item(id).map_err(item_error(id))?;
            out!("retrying change {id}");
        }
        None => {}
    }
    let pending = ctx.drain().await?;
    let offline = ctx.connect().await? == Reach::Offline;
    if pending > 0 && offline {
        out!("{pending} pending (offline: the next `cs` command run online sends them)");
    } else {
        out!("{pending} pending");
    }
    let items = ctx.client.outbox()?;
    if items.is_empty() {
        return Ok(());
    }
    let refused = items
        .iter()
        .filter(|i| matches!(i.state, SendState::Failed { .. }))
        .count();
    if refused > 0 {
        out!(
            "{refused} refused (`cs outbox --retry [ID]` tries again, \
             `cs outbox --discard [ID]` drops them):"
        );
    }
    let numbers: HashMap<String, String> = ctx
        .client
        .tickets(TicketFilter::default(), u32::MAX)?
        .iter()
        .map(|t| (t.id.clone(), output::number(t)))
        .collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            vec![
                item.id.to_string(),
                numbers
                    .get(&item.ticket_id)
                    .cloned()
                    .unwrap_or_else(|| "-".into()),
                format!(
                    "{} {:?}",
                    kind(item.kind),
                    output::truncate(&item.summary, 40)
                ),
                output::time(item.created_at_ms),
                state(&item.state),
            ]
        })
        .collect();
    out!(
        "{}",
        output::table(&["ID", "TICKET", "CHANGE", "QUEUED", "STATE"], &rows)
    );
    Ok(())
}
