//! The daily report through the core: a supervisor reads it from the
//! server, finds the last one in the cache when the server is away, gets
//! it as CSV; bad input and other staff are refused with typed errors.

mod common;

use std::time::Duration;

use common::{Backend, PASSWORD, client};
use cs_core::CoreError;

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_reads_the_report_online_and_the_last_one_offline() {
    let mut backend = Backend::start_with(|c| c.report_update_ms = 50).await;
    let dept = backend.department("Support").await;
    let bea_email = backend.agent("Bea", &dept).await;
    let sue_email = backend.supervisor("Sue", &dept).await;
    let ann = backend.customer_token("ann@x.example", "Ann").await;
    backend.open_ticket(&ann, &dept, "Refund").await;
    backend.open_ticket(&ann, &dept, "Invoice").await;

    let dir = tempfile::tempdir().unwrap();
    let sue = client(&backend, dir.path());
    sue.sign_in(sue_email, PASSWORD.into()).await.unwrap();
    assert_eq!(sue.cached_daily_report(dept.clone()).unwrap(), None);
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(6)).to_string();
    let to = today.to_string();
    let mut report = None;
    for _ in 0..200 {
        let r = sue
            .daily_report(dept.clone(), from.clone(), to.clone())
            .await
            .unwrap();
        if r.total.opened == 2 {
            report = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let report = report.expect("the report counts both tickets");
    assert_eq!(report.days.len(), 7);
    assert_eq!(report.days.last().unwrap().day, to);
    assert_eq!(report.days.last().unwrap().figures.opened, 2);
    assert_eq!(report.total.csat_average, None);

    let csv = sue
        .daily_report_csv(dept.clone(), from.clone(), to.clone())
        .await
        .unwrap();
    assert!(csv.starts_with("day,agent_id,agent,opened"), "{csv}");
    assert!(csv.contains(&format!("{to},,,2,")), "{csv}");

    let bad = sue
        .daily_report(dept.clone(), "last week".into(), to.clone())
        .await
        .unwrap_err();
    assert!(matches!(bad, CoreError::Invalid { .. }), "{bad:?}");
    let backwards = sue
        .daily_report(dept.clone(), to.clone(), from.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(backwards, CoreError::Invalid { .. }),
        "{backwards:?}"
    );

    let agent_dir = tempfile::tempdir().unwrap();
    let bea = client(&backend, agent_dir.path());
    bea.sign_in(bea_email, PASSWORD.into()).await.unwrap();
    let refused = bea
        .daily_report(dept.clone(), from.clone(), to.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, CoreError::Forbidden { .. }),
        "{refused:?}"
    );

    backend.down().await;
    let offline = sue
        .daily_report(dept.clone(), from.clone(), to.clone())
        .await
        .unwrap_err();
    assert!(matches!(offline, CoreError::Offline { .. }), "{offline:?}");
    assert_eq!(
        sue.cached_daily_report(dept.clone()).unwrap(),
        Some(report),
        "the last report read, offline"
    );
}
