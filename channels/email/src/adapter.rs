//! The running email channel: a fetch loop per watched folder of every mailbox, and the
//! sending side that delivers replies through each mailbox's SMTP account.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_channel::{Adapter, ChannelContext, ChannelKind, OutboundChannel, Secret};

use crate::config::{AuthMethod, EmailConfig, MailboxConfig, OAuthConfig};
use crate::credentials::{Credentials, LoginSecret};
use crate::delivery::{EmailOutbound, Sending};
use crate::fetcher::{self, Folder};
use crate::imap::ImapEndpoint;
use crate::intake::Intake;
use crate::parse::ParseLimits;
use crate::readiness::Readiness;
use crate::smtp::SmtpSender;
use crate::suppression::Suppression;
use crate::threading::OwnMailbox;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Why the email channel cannot start; names the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

/// The started email channel.
pub struct EmailChannel {
    outbound: Arc<EmailOutbound>,
}

impl EmailChannel {
    /// Starts a fetch loop for every watched folder, under the context's shutdown and task
    /// tracker. `None` when no mailbox is configured.
    pub fn start(ctx: ChannelContext<EmailConfig>) -> Result<Option<Arc<Self>>, StartError> {
        let config = &ctx.config;
        let Some(first) = config.mailboxes.first() else { return Ok(None) };
        config.validate().map_err(StartError)?;
        let readiness = Readiness::default();
        let suppression = Suppression {
            sink: ctx.sink.clone(),
            clock: ctx.clock.clone(),
            period: DAY * config.suppress_hard_bounces_days as u32,
        };
        let mut mailboxes = HashMap::new();
        for (i, m) in config.mailboxes.iter().enumerate() {
            let key = |k: &str| format!("email.mailboxes[{i}].{k}");
            let own = OwnMailbox::new(&m.address, config.thread_secret.clone())
                .map_err(|e| StartError(format!("{}: {e}", key("address"))))?;
            let intake = Arc::new(Intake {
                mailbox: m.name.clone(),
                own: own.clone(),
                limits: ParseLimits {
                    max_message_bytes: config.max_message_bytes,
                    max_attachment_bytes: config.max_attachment_bytes,
                    max_attachments: config.max_attachments,
                },
                trusted_authserv_ids: config.trusted_authserv_ids.clone(),
                reopen_within: DAY * config.reopen_within_days as u32,
                acknowledgement: config.acknowledgement.clone(),
                suppression: suppression.clone(),
                sink: ctx.sink.clone(),
                clock: ctx.clock.clone(),
                acknowledged: Mutex::new(HashMap::new()),
            });
            let imap_login = imap_credentials(m).map_err(|e| StartError(format!("{}: {e}", key("imap"))))?;
            let endpoint = ImapEndpoint::from_config(&m.imap, imap_login);
            for name in std::iter::once(&m.imap.folder).chain(&m.imap.extra_folders) {
                let folder = Folder {
                    mailbox: m.name.clone(),
                    name: name.clone(),
                    endpoint: endpoint.clone(),
                    batch: m.imap.batch,
                    idle: Duration::from_secs(m.imap.idle_s),
                    poll: Duration::from_secs(m.imap.poll_s),
                    start_from: m.imap.start_from,
                    after_ingest: m.imap.after_ingest,
                    processed_folder: m.imap.processed_folder.clone(),
                };
                ctx.tasks.spawn(fetcher::run(
                    folder,
                    intake.clone(),
                    readiness.clone(),
                    ctx.clock.clone(),
                    ctx.shutdown.clone(),
                ));
            }
            let smtp_login = smtp_credentials(m).map_err(|e| StartError(format!("{}: {e}", key("smtp"))))?;
            let smtp = SmtpSender::new(&m.smtp, smtp_login).map_err(|e| StartError(format!("{}: {e}", key("smtp"))))?;
            mailboxes.insert(m.name.clone(), Sending { own, display_name: m.display_name.clone(), smtp });
            tracing::info!(
                mailbox = m.name,
                address = m.address,
                folders = 1 + m.imap.extra_folders.len(),
                "Mailbox started"
            );
        }
        let outbound =
            Arc::new(EmailOutbound { mailboxes, default_mailbox: first.name.clone(), suppression, readiness });
        Ok(Some(Arc::new(Self { outbound })))
    }
}

impl Adapter for EmailChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    fn outbound(&self) -> Arc<dyn OutboundChannel> {
        self.outbound.clone()
    }
}

/// The IMAP login of a mailbox: its password (from the file or the environment), or tokens.
fn imap_credentials(m: &MailboxConfig) -> Result<Credentials, String> {
    let secret = login_secret(m.imap.auth, &m.imap.password, m.imap.password_env.as_deref(), &m.imap.oauth)?;
    Ok(Credentials { username: m.imap.username.clone(), secret })
}

/// The SMTP login of a mailbox, when it has one.
fn smtp_credentials(m: &MailboxConfig) -> Result<Option<Credentials>, String> {
    let Some(username) = &m.smtp.username else { return Ok(None) };
    let secret = login_secret(m.smtp.auth, &m.smtp.password, m.smtp.password_env.as_deref(), &m.smtp.oauth)?;
    Ok(Some(Credentials { username: username.clone(), secret }))
}

fn login_secret(
    auth: AuthMethod,
    password: &Secret,
    password_env: Option<&str>,
    oauth: &OAuthConfig,
) -> Result<LoginSecret, String> {
    match auth {
        AuthMethod::Xoauth2 => Ok(LoginSecret::OAuth(crate::oauth::token_source(oauth)?)),
        AuthMethod::Plain => match password_env {
            Some(var) => std::env::var(var)
                .map(|p| LoginSecret::Password(Secret::new(p)))
                .map_err(|_| format!("password_env: the environment has no {var}")),
            None => Ok(LoginSecret::Password(password.clone())),
        },
    }
}
