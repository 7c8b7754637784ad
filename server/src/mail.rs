//! Email through the operator's mail relay (SMTP): today only the one-time
//! sign-in link of a customer whom staff invited. Without a relay configured
//! nothing is sent and staff are shown the link to pass on.

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// How long the relay may take to accept a message: the invitation waits
/// for it, and shows the link instead when it does not answer.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The relay of `CS_SMTP_URL`, or `None` when there is none.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Mailer>> {
        let (Some(url), Some(from)) = (&config.smtp_url, &config.mail_from) else {
            return Ok(None);
        };
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("CS_MAIL_FROM={from:?} is not a mailbox: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("CS_SMTP_URL is not a usable relay URL: {e}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(Some(Mailer { transport, from }))
    }

    /// Sends `customer` the link `staff_name` made for them; the relay's
    /// refusal, in words, when it did not take it.
    pub async fn send_sign_in_link(
        &self,
        to_email: &str,
        to_name: &str,
        staff_name: &str,
        link: &str,
    ) -> Result<(), String> {
        let to = Mailbox::new(
            Some(to_name.to_string()),
            to_email.parse().map_err(|e| format!("{to_email}: {e}"))?,
        );
        let body = format!(
            "Hello {to_name},\n\n\
             {staff_name} from our support team opened a ticket for you. Follow this link \
             on your phone to read it and answer (it works once, within 7 days):\n\n\
             {link}\n\n\
             If you did not ask us for help, you can ignore this email.\n"
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject("Your support ticket")
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
}
