//! The daily report: a department's day as its supervisor reads it,
//! computed from the timeline by the report job, kept up to date as tickets
//! change, refused to anyone else, exported as CSV, and rebuilt the same
//! however often (or however interrupted) the job runs.

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::{Session, TestApp};
use protocol::{DAILY_REPORT_CSV_HEADER, DailyReport, Department, Role, Ticket};
use reqwest::{Method, StatusCode};
use serde_json::json;
use server::db;

fn today() -> String {
    Utc::now().date_naive().to_string()
}

fn report_path(dept: &Department, from: &str, to: &str) -> String {
    format!(
        "/v1/reports/daily?department_id={}&from={from}&to={to}",
        dept.id
    )
}

async fn report(who: &Session, dept: &Department) -> DailyReport {
    who.get(&report_path(dept, &today(), &today()))
        .await
        .expect(StatusCode::OK)
        .json()
}

/// Polls the report until `done` holds (the job runs every 50 ms here).
async fn wait_for(
    who: &Session,
    dept: &Department,
    done: impl Fn(&DailyReport) -> bool,
) -> DailyReport {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = report(who, dept).await;
        if done(&now) {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "the report never got there: {now:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct Day {
    app: TestApp,
    dept: Department,
    sue: Session,
    bea: Session,
    ann: Session,
    charged_twice: Ticket,
}

/// A day in Billing: Ann opens two tickets; Bea answers and resolves the
/// first, Ann rates it 5 and reopens it by writing again; Bea calls her about it and she
/// declines; the second waits.
async fn a_day(adjust: impl FnOnce(&mut server::Config)) -> Day {
    let app = TestApp::start_with(|c| {
        c.report_update_ms = 50;
        adjust(c);
    })
    .await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let sue = app
        .staff(&admin, "Sue", Role::Supervisor, Some(&dept))
        .await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    bea.request(
        Method::PUT,
        "/v1/me/status",
        Some(json!({"status": "active"})),
    )
    .await
    .expect(StatusCode::OK);
    let ann = app.customer("Ann").await;
    let charged_twice = ann.open_ticket(&dept, "Charged twice").await;
    ann.open_ticket(&dept, "Invoice address").await;
    bea.post(
        &format!("/v1/tickets/{}/messages", charged_twice.id),
        json!({"body": "Looking into it"}),
    )
    .await
    .expect(StatusCode::CREATED);
    bea.set_ticket(charged_twice.id, json!({"status": "resolved"}))
        .await;
    ann.post(
        &format!("/v1/tickets/{}/rating", charged_twice.id),
        json!({"score": 5}),
    )
    .await
    .expect(StatusCode::OK);
    // Writing on a resolved ticket reopens it.
    ann.post(
        &format!("/v1/tickets/{}/messages", charged_twice.id),
        json!({"body": "Still charged twice"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let call: serde_json::Value = bea
        .post("/v1/calls", json!({"ticket_id": charged_twice.id}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let call_id = call["call"]["id"].as_str().unwrap().to_string();
    ann.post(&format!("/v1/calls/{call_id}/decline"), json!({}))
        .await
        .expect(StatusCode::OK);
    Day {
        app,
        dept,
        sue,
        bea,
        ann,
        charged_twice,
    }
}

fn complete(r: &DailyReport) -> bool {
    r.total.calls.placed == 1 && r.total.reopened == 1 && r.total.csat.count == 1
}

#[tokio::test]
async fn a_supervisor_reads_the_day_of_their_department_and_of_each_agent() {
    let d = a_day(|_| {}).await;
    let r = wait_for(&d.sue, &d.dept, complete).await;

    assert_eq!(r.department_id, d.dept.id);
    assert_eq!(r.time_zone, "UTC");
    assert_eq!(r.days.len(), 1);
    assert_eq!(r.days[0].figures, r.total, "one day: the day is the total");
    let t = &r.total;
    assert_eq!((t.opened, t.resolved, t.reopened), (2, 1, 1));
    assert_eq!(t.first_response.count, 1);
    assert!(
        t.first_response.median_secs.is_some_and(|s| s < 60),
        "{t:?}"
    );
    assert_eq!(t.resolution.count, 1);
    assert_eq!(t.sla_breaches, 0);
    assert_eq!(
        (
            t.calls.placed,
            t.calls.answered,
            t.calls.declined,
            t.calls.talk_secs
        ),
        (1, 0, 1, 0)
    );
    assert_eq!((t.csat.count, t.csat.average), (1, Some(5.0)));

    // Bea had both tickets (routing gave them to the one active agent),
    // resolved one, and placed the call.
    assert_eq!(r.agents.len(), 1, "{:?}", r.agents);
    let bea = &r.agents[0];
    assert_eq!((bea.agent_id, bea.name.as_str()), (d.bea.user.id, "Bea"));
    assert_eq!(
        (
            bea.figures.opened,
            bea.figures.resolved,
            bea.figures.calls.declined
        ),
        (2, 1, 1)
    );
    assert!(r.as_of > d.charged_twice.created_at);

    // A day of a wider range without activity is there, with zeros.
    let yesterday = (Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let wider: DailyReport = d
        .sue
        .get(&report_path(&d.dept, &yesterday, &today()))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(wider.days.len(), 2);
    assert_eq!(wider.days[0].figures, Default::default());
    assert_eq!(wider.total, r.total);
    d.app.stop().await;
}

#[tokio::test]
async fn the_report_follows_changes_as_they_happen() {
    let d = a_day(|_| {}).await;
    let before = wait_for(&d.sue, &d.dept, complete).await;
    d.bea
        .set_ticket(d.charged_twice.id, json!({"status": "resolved"}))
        .await;
    d.ann.open_ticket(&d.dept, "Third thing").await;
    let after = wait_for(&d.sue, &d.dept, |r| {
        r.total.opened == 3 && r.total.resolved == 2
    })
    .await;
    assert_eq!(after.total.reopened, before.total.reopened);
    assert_eq!(
        after.total.resolution.count, 1,
        "resolution time counts the first resolution only"
    );
    d.app.stop().await;
}

#[tokio::test]
async fn only_the_departments_supervisors_and_admins_read_it() {
    let d = a_day(|_| {}).await;
    let admin = d.app.admin().await;
    let other = admin.department("Tech").await;
    let tom = d
        .app
        .staff(&admin, "Tom", Role::Supervisor, Some(&other))
        .await;
    let path = report_path(&d.dept, &today(), &today());

    for (who, session) in [
        ("an agent", &d.bea),
        ("a customer", &d.ann),
        ("another department's supervisor", &tom),
    ] {
        let refused = session.get(&path).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{who}: {}",
            refused.body
        );
        assert_eq!(refused.code(), "forbidden");
    }
    admin.get(&path).await.expect(StatusCode::OK);
    d.sue.get(&path).await.expect(StatusCode::OK);
    let anonymous = d.app.anonymous(Method::GET, &path, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let unknown = admin
        .get(&format!(
            "/v1/reports/daily?department_id={}&from=2026-01-01&to=2026-01-02",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let backwards = d
        .sue
        .get(&report_path(&d.dept, "2026-02-02", "2026-02-01"))
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(backwards.code(), "invalid_range");
    let too_long = d
        .sue
        .get(&report_path(&d.dept, "2025-01-01", "2026-01-02"))
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a_year = d
        .sue
        .get(&report_path(&d.dept, "2025-01-01", "2026-01-01"))
        .await;
    a_year.expect(StatusCode::OK);
    assert_eq!(a_year.json::<DailyReport>().days.len(), 366);

    for bad in [
        report_path(&d.dept, "yesterday", "2026-01-01"),
        format!("/v1/reports/daily?department_id={}", d.dept.id),
        format!("{path}&format=pdf"),
        format!("{path}&colour=blue"),
    ] {
        let resp = d.sue.get(&bad).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{bad}: {}", resp.body);
        assert!(resp.body["error"]["message"].is_string());
    }
    d.app.stop().await;
}

#[tokio::test]
async fn the_report_exports_as_csv_with_a_row_per_day_and_agent() {
    let d = a_day(|_| {}).await;
    wait_for(&d.sue, &d.dept, complete).await;
    let path = format!("{}&format=csv", report_path(&d.dept, &today(), &today()));
    let resp = d.sue.get(&path).await;
    resp.expect(StatusCode::OK);
    let content_type = resp.headers[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let disposition = resp.headers[reqwest::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert!(disposition.contains(".csv"), "{disposition}");
    let text = String::from_utf8(resp.bytes.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], DAILY_REPORT_CSV_HEADER);
    let department: Vec<&str> = lines[1].split(',').collect();
    let agent: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(
        (department[0], department[1], department[2]),
        (today().as_str(), "", "")
    );
    assert_eq!(department[3], "2", "opened");
    assert_eq!(agent[1], d.bea.user.id.to_string());
    assert_eq!(agent[2], "Bea");
    assert_eq!(*department.last().unwrap(), "5", "CSAT average");
    d.app.stop().await;
}

/// Instances sharing PostgreSQL take turns at the job: while one holds the
/// turn, another's pass leaves everything as it is.
#[tokio::test]
async fn instances_on_postgres_take_turns_at_the_report_job() {
    if !common::on_postgres() {
        eprintln!("SKIPPED: needs PostgreSQL (TEST_DATABASE_URL); SQLite has one instance");
        return;
    }
    let d = a_day(|c| c.report_update_ms = 3_600_000).await;
    let db = d.app.server.state.db.clone();
    let cursor = || async {
        db::reports::counter(db.reader(), "report_cursor")
            .await
            .unwrap()
    };
    let before = cursor().await;

    // Another instance's pass has the turn.
    let mut other = db.writer().begin().await.unwrap();
    let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(server::report::job::TURN_LOCK)
        .fetch_one(&mut *other)
        .await
        .unwrap();
    assert!(taken);
    server::report::job::pass(&db).await.unwrap();
    assert_eq!(cursor().await, before, "the pass skipped its turn");
    assert_eq!(report(&d.sue, &d.dept).await.total.opened, 0);

    other.rollback().await.unwrap();
    server::report::job::pass(&db).await.unwrap();
    assert!(cursor().await > before, "the next pass had the turn");
    assert!(complete(&report(&d.sue, &d.dept).await));
    d.app.stop().await;
}

#[tokio::test]
async fn the_job_rebuilds_the_same_report_however_often_it_runs_or_stops() {
    // The job's timer effectively off: this test runs its steps by hand.
    let d = a_day(|c| c.report_update_ms = 3_600_000).await;
    let db = d.app.server.state.db.clone();
    // Facts recorded, days not rebuilt yet: a stop here leaves the marks.
    while server::report::job::record_batch(&db, 3).await.unwrap() > 0 {}
    let marked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report_dirty")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(marked, 1, "today in Billing waits for a rebuild");
    assert_eq!(report(&d.sue, &d.dept).await.total.opened, 0);

    server::report::job::catch_up(&db).await.unwrap();
    let once = report(&d.sue, &d.dept).await;
    assert!(complete(&once), "{once:#?}");

    // Running again, and again from the start of the feed, counts nothing twice.
    server::report::job::catch_up(&db).await.unwrap();
    sqlx::query("UPDATE counters SET value = 0 WHERE name = 'report_cursor'")
        .execute(db.writer())
        .await
        .unwrap();
    server::report::job::catch_up(&db).await.unwrap();
    let again = report(&d.sue, &d.dept).await;
    assert_eq!(again.total, once.total);
    assert_eq!(again.agents, once.agents);

    // From nothing, two passes at once (two instances on one PostgreSQL):
    // each batch is recorded by one of them.
    for table in ["report_facts", "report_days", "report_dirty"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(db.writer())
            .await
            .unwrap();
    }
    sqlx::query("UPDATE counters SET value = 0 WHERE name = 'report_cursor'")
        .execute(db.writer())
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        server::report::job::catch_up(&db),
        server::report::job::catch_up(&db)
    );
    a.unwrap();
    b.unwrap();
    server::report::job::catch_up(&db).await.unwrap();
    let raced = report(&d.sue, &d.dept).await;
    assert_eq!(raced.total, once.total);
    assert_eq!(raced.agents, once.agents);

    // A chat message moves its ticket on the feed but adds no fact: the
    // job reads it and writes nothing (chat shares SQLite's one writer).
    let cursor = db::reports::counter(db.reader(), "report_cursor")
        .await
        .unwrap();
    d.ann
        .post(
            &format!("/v1/tickets/{}/messages", d.charged_twice.id),
            json!({"body": "Any news?"}),
        )
        .await
        .expect(StatusCode::CREATED);
    server::report::job::catch_up(&db).await.unwrap();
    assert_eq!(
        db::reports::counter(db.reader(), "report_cursor")
            .await
            .unwrap(),
        cursor
    );
    assert_eq!(report(&d.sue, &d.dept).await.total, once.total);
    d.app.stop().await;
}

/// The figures the CSV and the JSON share, in the CSV's column order.
fn counts_of(f: &protocol::ReportFigures) -> Vec<u64> {
    vec![
        f.opened,
        f.resolved,
        f.reopened,
        f.first_response.count,
        f.resolution.count,
        f.sla_breaches,
        f.calls.placed,
        f.calls.answered,
        f.calls.missed,
        f.calls.declined,
        f.calls.talk_secs,
        f.csat.count,
    ]
}

const CSV_COUNT_COLUMNS: [usize; 12] = [3, 4, 5, 6, 9, 12, 13, 14, 15, 16, 17, 18];

#[tokio::test]
async fn the_range_adds_up_its_days_and_each_agent_adds_up_theirs() {
    let app = TestApp::start_with(|c| c.report_update_ms = 3_600_000).await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let sue = app
        .staff(&admin, "Sue", Role::Supervisor, Some(&dept))
        .await;
    let mut agents = Vec::new();
    for name in ["Ada", "Ben", "Cy"] {
        agents.push(
            app.staff(&admin, name, Role::Agent, Some(&dept))
                .await
                .user
                .id,
        );
    }
    let customers = [
        app.customer("Ann").await.user.id,
        app.customer("Al").await.user.id,
    ];
    let people = server::benchseed::ReportPeople {
        department: dept.id,
        agents: &agents,
        customers: &customers,
    };
    server::benchseed::seed_report_history(&app.server.state, &people, 600, 6)
        .await
        .unwrap();
    server::report::job::catch_up(&app.server.state.db)
        .await
        .unwrap();

    let from = (Utc::now().date_naive() - chrono::Duration::days(6)).to_string();
    let path = report_path(&dept, &from, &today());
    let r: DailyReport = sue.get(&path).await.expect(StatusCode::OK).json();
    let csv = sue.get(&format!("{path}&format=csv")).await;
    let text = String::from_utf8(csv.bytes.clone()).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let sum = |agent: &str| -> Vec<u64> {
        CSV_COUNT_COLUMNS
            .iter()
            .map(|c| {
                rows.iter()
                    .filter(|row| row[1] == agent)
                    .map(|row| row[*c].parse::<u64>().unwrap())
                    .sum()
            })
            .collect()
    };
    assert!(r.total.opened > 500, "{:?}", r.total);
    assert_eq!(
        counts_of(&r.total),
        sum(""),
        "the total is the days added up"
    );
    assert_eq!(r.agents.len(), 3);
    for agent in &r.agents {
        assert_eq!(
            counts_of(&agent.figures),
            sum(&agent.agent_id.to_string()),
            "{} is their days added up",
            agent.name
        );
        assert!(agent.figures.first_response.median_secs.is_some());
    }
    let resolved_by_day: u64 = r.days.iter().map(|d| d.figures.resolved).sum();
    assert_eq!(resolved_by_day, r.total.resolved);
    // Several days of durations: the range's median is estimated from their
    // buckets, close to the days' own.
    let medians: Vec<i64> = r
        .days
        .iter()
        .filter_map(|d| d.figures.first_response.median_secs)
        .collect();
    let total_median = r.total.first_response.median_secs.unwrap();
    assert!(
        medians.iter().any(|m| (*m - total_median).abs() * 3 < *m),
        "{total_median} against the days' {medians:?}"
    );
    app.stop().await;
}
