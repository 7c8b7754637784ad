//! `--demo`: a small organisation to try everything at once. Idempotent: a
//! second run finds the accounts and only prints the sign-ins again.

use protocol::Role;
use uuid::Uuid;

use crate::AppState;
use crate::api::accounts::hash_password;
use crate::api::tickets::{NewTicket, open_ticket};
use crate::db::{self, users::NewUser};

pub const PASSWORD: &str = "demo-password";

const DEPARTMENTS: [&str; 2] = ["Billing", "Technical Support"];

/// (email, name, role, index into DEPARTMENTS)
const STAFF: [(&str, &str, Role, usize); 6] = [
    (
        "sam.supervisor@demo.test",
        "Sam Supervisor",
        Role::Supervisor,
        0,
    ),
    ("bea.billing@demo.test", "Bea Billing", Role::Agent, 0),
    ("bill.billing@demo.test", "Bill Billing", Role::Agent, 0),
    (
        "tess.supervisor@demo.test",
        "Tess Supervisor",
        Role::Supervisor,
        1,
    ),
    ("tom.tech@demo.test", "Tom Tech", Role::Agent, 1),
    ("tina.tech@demo.test", "Tina Tech", Role::Agent, 1),
];

const CUSTOMERS: [(&str, &str); 2] = [
    ("carla.customer@demo.test", "Carla Customer"),
    ("chris.customer@demo.test", "Chris Customer"),
];

/// (customer index, department index, subject, first message)
const TICKETS: [(usize, usize, &str, &str); 4] = [
    (
        0,
        0,
        "Charged twice in October",
        "My card shows two charges of 29.90 for October.",
    ),
    (
        0,
        1,
        "App crashes when I attach a photo",
        "Every time I pick a photo the app closes.",
    ),
    (
        1,
        0,
        "Need an invoice with my company name",
        "Can you reissue invoice 2041 to ACME Ltd?",
    ),
    (
        1,
        1,
        "Cannot sign in on my tablet",
        "It says the session expired right after I log in.",
    ),
];

pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    let hash = hash_password(PASSWORD.to_string())
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let admin_email = "admin@demo.test";
    let mut already = db::users::by_email(state.db.reader(), admin_email)
        .await?
        .is_some();
    if !already {
        let mut dept_ids = Vec::new();
        for name in DEPARTMENTS {
            let dept = match db::departments::insert(state.db.writer(), name).await? {
                Some(dept) => dept,
                None => {
                    already = true;
                    break;
                }
            };
            dept_ids.push(dept.id);
        }
        if !already {
            insert_user(state, admin_email, "Ada Admin", &hash, Role::Admin, None).await?;
            for (email, name, role, dept) in STAFF {
                insert_user(state, email, name, &hash, role, Some(dept_ids[dept])).await?;
            }
            let mut customer_ids = Vec::new();
            for (email, name) in CUSTOMERS {
                customer_ids
                    .push(insert_user(state, email, name, &hash, Role::Customer, None).await?);
            }
            for (customer, dept, subject, body) in TICKETS {
                let new = NewTicket {
                    id: Uuid::now_v7(),
                    first_message_id: Uuid::now_v7(),
                    opened_by: None,
                    department_id: dept_ids[dept],
                    subject: subject.to_string(),
                    body: body.to_string(),
                };
                open_ticket(state, customer_ids[customer], new)
                    .await
                    .map_err(|e| anyhow::anyhow!(e.message))?;
            }
        }
    }
    print_sign_ins(admin_email);
    Ok(())
}

async fn insert_user(
    state: &AppState,
    email: &str,
    name: &str,
    hash: &str,
    role: Role,
    department_id: Option<Uuid>,
) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    let new = NewUser {
        id,
        email,
        name,
        password_hash: hash,
        role,
        department_id,
    };
    if !db::users::insert(state.db.writer(), new).await? {
        anyhow::bail!("demo account {email} exists already");
    }
    Ok(id)
}

fn print_sign_ins(admin_email: &str) {
    println!("Demo organisation ready. Every account's password is {PASSWORD:?}.");
    println!("  admin       {admin_email}");
    for (email, _, role, dept) in STAFF {
        println!("  {:<11} {email} ({})", role.as_str(), DEPARTMENTS[dept]);
    }
    for (email, _) in CUSTOMERS {
        println!("  customer    {email}");
    }
}
