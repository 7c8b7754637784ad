//! `outbox`: what waits for the server, what it refused, and what to do
//! about the refusals.

use cs_core::{Client, SendState, TicketFilter};

use crate::context::{Ctx, Reach};
use crate::error::CliResult;
use crate::output::{self, out};

/// A change the server refused, as its row in the cache shows it.
pub struct FailedChange {
    pub ticket: String,
    pub what: String,
    pub reason: String,
}

/// The refused changes, found through the rows they mark (the core counts
/// pending operations but does not list refused ones).
pub fn failed_changes(client: &Client) -> CliResult<Vec<FailedChange>> {
    let mut failed = Vec::new();
    for ticket in client.tickets(TicketFilter::default(), u32::MAX)? {
        let label = output::number(&ticket);
        if let SendState::Failed { reason } = &ticket.send_state {
            failed.push(FailedChange {
                ticket: label.clone(),
                what: if ticket.number.is_none() {
                    format!("new ticket {:?}", output::truncate(&ticket.subject, 40))
                } else {
                    "ticket change".into()
                },
                reason: reason.clone(),
            });
        }
        let Some(detail) = client.ticket_detail(ticket.id.clone())? else {
            continue;
        };
        for message in detail.messages {
            if let SendState::Failed { reason } = message.send_state {
                failed.push(FailedChange {
                    ticket: label.clone(),
                    what: format!("message {:?}", output::truncate(&message.body, 40)),
                    reason,
                });
            }
        }
    }
    Ok(failed)
}

pub async fn outbox(ctx: &mut Ctx, retry: bool, discard: bool) -> CliResult {
    ctx.me()?;
    ctx.reported = true;
    if discard {
        let n = ctx.client.discard_failed()?;
        out!("discarded {n} refused change(s)");
    }
    if retry {
        let n = ctx.client.retry_failed()?;
        out!("retrying {n} refused change(s)");
    }
    let pending = ctx.drain().await?;
    let offline = ctx.connect().await? == Reach::Offline;
    if pending > 0 && offline {
        out!("{pending} pending (offline: the next `cs` command run online sends them)");
    } else {
        out!("{pending} pending");
    }
    let failed = failed_changes(&ctx.client)?;
    if !failed.is_empty() {
        out!(
            "{} refused (`cs outbox --retry` tries again, `cs outbox --discard` drops them):",
            failed.len()
        );
        let rows: Vec<Vec<String>> = failed
            .into_iter()
            .map(|f| vec![f.ticket, f.what, f.reason])
            .collect();
        out!("{}", output::table(&["TICKET", "CHANGE", "REASON"], &rows));
    }
    Ok(())
}
