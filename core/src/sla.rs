//! A department's SLA policy, read by its staff and set by its supervisors
//! (admins: any department's). Both need the server: a policy is set
//! rarely, by someone at a desk, and the server checks it.

use protocol as wire;
use reqwest::Method;

use crate::client::{Client, authed};
use crate::error::CoreError;
use crate::runtime;
use crate::types::Priority;

/// Opening hours on one weekday, local time `HH:MM` (`closes` may be `24:00`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BusinessHoursItem {
    /// `mon` … `sun`.
    pub day: String,
    pub opens: String,
    pub closes: String,
}

/// One priority's targets, in business minutes from the ticket's opening.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SlaTargetItem {
    pub priority: Priority,
    pub first_response_minutes: Option<u32>,
    pub resolution_minutes: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SlaPolicyInfo {
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// None: around the clock.
    pub hours: Vec<BusinessHoursItem>,
    /// `YYYY-MM-DD`, days the department is closed.
    pub holidays: Vec<String>,
    pub targets: Vec<SlaTargetItem>,
}

impl From<wire::SlaPolicy> for SlaPolicyInfo {
    fn from(p: wire::SlaPolicy) -> Self {
        SlaPolicyInfo {
            time_zone: p.time_zone,
            hours: p
                .hours
                .into_iter()
                .map(|h| BusinessHoursItem {
                    day: h.day.as_str().into(),
                    opens: h.opens,
                    closes: h.closes,
                })
                .collect(),
            holidays: p.holidays.iter().map(|d| d.to_string()).collect(),
            targets: p
                .targets
                .into_iter()
                .map(|t| SlaTargetItem {
                    priority: t.priority.into(),
                    first_response_minutes: t.first_response_minutes,
                    resolution_minutes: t.resolution_minutes,
                })
                .collect(),
        }
    }
}

impl TryFrom<SlaPolicyInfo> for wire::SlaPolicy {
    type Error = CoreError;

    /// Checks what can be checked here (day names, dates); the server
    /// checks the rest (the zone, the hours) and names the field.
    fn try_from(p: SlaPolicyInfo) -> Result<Self, CoreError> {
        let hours = p
            .hours
            .into_iter()
            .map(|h| {
                let day = wire::Weekday::parse(h.day.trim()).ok_or_else(|| {
                    CoreError::invalid(format!("{:?} is not a day (mon … sun)", h.day))
                })?;
                Ok(wire::BusinessHours {
                    day,
                    opens: h.opens.trim().into(),
                    closes: h.closes.trim().into(),
                })
            })
            .collect::<Result<_, CoreError>>()?;
        let holidays = p
            .holidays
            .iter()
            .map(|d| {
                d.trim()
                    .parse()
                    .map_err(|_| CoreError::invalid(format!("{d:?} is not a date (YYYY-MM-DD)")))
            })
            .collect::<Result<_, CoreError>>()?;
        Ok(wire::SlaPolicy {
            time_zone: p.time_zone.trim().into(),
            hours,
            holidays,
            targets: p
                .targets
                .into_iter()
                .map(|t| wire::SlaTarget {
                    priority: t.priority.into(),
                    first_response_minutes: t.first_response_minutes,
                    resolution_minutes: t.resolution_minutes,
                })
                .collect(),
        })
    }
}

fn path(department_id: &str) -> Result<String, CoreError> {
    let id = uuid::Uuid::parse_str(department_id.trim())
        .map_err(|_| CoreError::invalid("not a department id"))?;
    Ok(format!("/v1/departments/{id}/sla"))
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// The department's SLA policy (no targets when it has none). Staff of
    /// the department and admins.
    pub async fn sla_policy(&self, department_id: String) -> Result<SlaPolicyInfo, CoreError> {
        let path = path(&department_id)?;
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let (_, policy): (_, wire::SlaPolicy) = inner
                .api
                .send(Method::GET, &path, Some(&token), None::<&()>)
                .await?;
            Ok(policy.into())
        }))
        .await
    }

    /// Sets the department's SLA policy (its supervisors and admins); it
    /// applies to tickets opened, re-prioritised or transferred in after.
    pub async fn set_sla_policy(
        &self,
        department_id: String,
        policy: SlaPolicyInfo,
    ) -> Result<SlaPolicyInfo, CoreError> {
        let path = path(&department_id)?;
        let body = wire::SlaPolicy::try_from(policy)?;
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let (_, policy): (_, wire::SlaPolicy) = inner
                .api
                .send(Method::PUT, &path, Some(&token), Some(&body))
                .await?;
            Ok(policy.into())
        }))
        .await
    }
}
