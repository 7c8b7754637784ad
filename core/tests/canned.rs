//! Canned replies through the core: a supervisor writes one, an agent's
//! cache has it at once (the change event), finds it by title, fills it in
//! for a ticket, and still has it offline. Against the real server.

mod common;

use std::sync::{Arc, Mutex};

use common::{Backend, PASSWORD, client, eventually};
use cs_core::{
    CannedRepliesListener, CannedReplyItem, CoreError, SendState, SyncState, TicketFilter,
};

#[derive(Default)]
struct Seen(Mutex<Vec<Vec<CannedReplyItem>>>);

impl CannedRepliesListener for Seen {
    fn on_update(&self, replies: Vec<CannedReplyItem>) {
        self.0.lock().unwrap().push(replies);
    }
}

impl Seen {
    fn titles(&self) -> Vec<String> {
        let all = self.0.lock().unwrap();
        all.last()
            .map_or_else(Vec::new, |l| l.iter().map(|r| r.title.clone()).collect())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisors_reply_reaches_the_agents_composer_filled_in_and_offline_too() {
    let mut backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let bea_email = backend.agent("Bea", &dept).await;
    let sue_email = backend.supervisor("Sue", &dept).await;
    let ann = backend.customer_token("ann@x.example", "Ann").await;
    let ticket = backend.open_ticket(&ann, &dept, "Refund").await;
    let (ticket_id, number) = (
        ticket["id"].as_str().unwrap().to_string(),
        ticket["number"].as_i64().unwrap(),
    );

    let (sue_dir, bea_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sue = client(&backend, sue_dir.path());
    sue.sign_in(sue_email, PASSWORD.into()).await.unwrap();
    let bea = client(&backend, bea_dir.path());
    bea.sign_in(bea_email, PASSWORD.into()).await.unwrap();
    eventually("Bea is live", || bea.sync_state() == SyncState::Live).await;
    eventually("Bea has the ticket", || {
        bea.tickets(TicketFilter::default(), 10)
            .unwrap()
            .iter()
            .any(|t| t.id == ticket_id && t.send_state == SendState::Sent)
    })
    .await;

    // Sue writes two; Bea's cache has them without asking, and her
    // listener hears of each.
    let seen = Arc::new(Seen::default());
    let _watch = bea.observe_canned_replies(seen.clone());
    assert!(seen.titles().is_empty());
    let refund = sue
        .create_canned_reply(
            None,
            "Refund issued".into(),
            "Hi {customer_name}, ticket #{ticket_number} is refunded. {agent_name}".into(),
        )
        .await
        .unwrap();
    assert_eq!(refund.department_id, dept);
    sue.create_canned_reply(None, "Goodbye".into(), "Bye!".into())
        .await
        .unwrap();
    eventually("Bea's listener has both, by title", || {
        seen.titles() == ["Goodbye", "Refund issued"]
    })
    .await;
    let found = bea
        .canned_replies(Some(dept.clone()), "REFUND".into())
        .unwrap();
    assert_eq!(
        found.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
        ["Refund issued"]
    );
    assert!(
        bea.canned_replies(Some(dept.clone()), "nothing".into())
            .unwrap()
            .is_empty()
    );

    let filled = bea
        .fill_canned_reply(refund.id.clone(), ticket_id.clone())
        .unwrap();
    assert_eq!(filled, format!("Hi Ann, ticket #{number} is refunded. Bea"));

    // Agents read, they do not write: a typed error, and nothing cached.
    let refused = bea
        .create_canned_reply(None, "Mine".into(), "Body".into())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, CoreError::Forbidden { .. }),
        "{refused:?}"
    );
    let typo = sue
        .create_canned_reply(None, "Typo".into(), "Dear {custmer_name}".into())
        .await
        .unwrap_err();
    assert!(
        matches!(&typo, CoreError::Invalid { message } if message.contains("{custmer_name}")),
        "{typo:?}"
    );

    // An edit and a deletion reach Bea too.
    sue.update_canned_reply(
        refund.id.clone(),
        None,
        Some("Refunded, {customer_name}.".into()),
    )
    .await
    .unwrap();
    eventually("Bea has the edit", || {
        bea.fill_canned_reply(refund.id.clone(), ticket_id.clone())
            .is_ok_and(|text| text == "Refunded, Ann.")
    })
    .await;
    let goodbye = bea.canned_replies(None, "goodbye".into()).unwrap()[0]
        .id
        .clone();
    sue.delete_canned_reply(goodbye).await.unwrap();
    eventually("Bea lost the deleted one", || {
        bea.canned_replies(None, String::new()).unwrap().len() == 1
    })
    .await;

    // Offline, and after a restart of the app, the composer still has them.
    backend.down().await;
    drop(bea);
    let bea = client(&backend, bea_dir.path());
    assert_eq!(
        bea.fill_canned_reply(refund.id.clone(), ticket_id.clone())
            .unwrap(),
        "Refunded, Ann."
    );
    backend.up().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn customers_have_no_canned_replies() {
    let backend = Backend::start().await;
    backend.department("Support").await;
    let dir = tempfile::tempdir().unwrap();
    let ann = client(&backend, dir.path());
    ann.register("ann@x.example".into(), PASSWORD.into(), "Ann".into())
        .await
        .unwrap();
    eventually("Ann is live", || ann.sync_state() == SyncState::Live).await;
    assert!(ann.canned_replies(None, String::new()).unwrap().is_empty());
    let refused = ann.refresh_canned_replies().await.unwrap_err();
    assert!(
        matches!(refused, CoreError::Forbidden { .. }),
        "{refused:?}"
    );
}
