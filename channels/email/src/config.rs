//! `[email]`: the email channel's configuration section: the mailboxes, each with the IMAP
//! account mail is fetched from and the SMTP account its replies leave through.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use switchboard_channel::Secret;

/// `[email]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// Key the plus-address and Message-ID tokens are signed with (at least 32 bytes). Required
    /// when any mailbox is configured; changing it breaks threading of replies to older mail.
    #[serde(default)]
    pub thread_secret: Secret,
    #[serde(default)]
    pub mailboxes: Vec<MailboxConfig>,
    /// A reply to a conversation resolved longer ago than this opens a new one that follows
    /// it, instead of reopening it.
    #[serde(default = "EmailConfig::default_reopen_within_days")]
    pub reopen_within_days: u64,
    /// `authserv-id`s (RFC 8601) whose `Authentication-Results` are believed: the receiving
    /// provider's own (`mx.google.com`, `*.prod.outlook.com`). Headers from any other server
    /// may have been written by the sender and are ignored.
    #[serde(default)]
    pub trusted_authserv_ids: Vec<String>,
    /// How long a hard-bounced address gets no more mail.
    #[serde(default = "EmailConfig::default_suppress_days")]
    pub suppress_hard_bounces_days: u64,
    /// A larger mail is quarantined whole.
    #[serde(default = "EmailConfig::default_max_message_bytes")]
    pub max_message_bytes: usize,
    /// A larger attachment is left out, with a note in the message; the mail is still taken.
    #[serde(default = "EmailConfig::default_max_attachment_bytes")]
    pub max_attachment_bytes: usize,
    #[serde(default = "EmailConfig::default_max_attachments")]
    pub max_attachments: usize,
    #[serde(default)]
    pub acknowledgement: AcknowledgementConfig,
    /// A chat reply is also sent by email this many seconds after it was written, when the
    /// customer's app token gave an address and the customer is not connected by then; the
    /// customer's answer by email continues the chat conversation. 0: never.
    #[serde(default = "EmailConfig::default_chat_by_email_after_s")]
    pub chat_by_email_after_s: u64,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            thread_secret: Secret::default(),
            mailboxes: Vec::new(),
            reopen_within_days: Self::default_reopen_within_days(),
            trusted_authserv_ids: Vec::new(),
            suppress_hard_bounces_days: Self::default_suppress_days(),
            max_message_bytes: Self::default_max_message_bytes(),
            max_attachment_bytes: Self::default_max_attachment_bytes(),
            max_attachments: Self::default_max_attachments(),
            acknowledgement: AcknowledgementConfig::default(),
            chat_by_email_after_s: Self::default_chat_by_email_after_s(),
        }
    }
}

impl EmailConfig {
    const fn default_reopen_within_days() -> u64 {
        30
    }
    const fn default_chat_by_email_after_s() -> u64 {
        600
    }

    /// When chat replies also go by email (see [`EmailConfig::chat_by_email_after_s`]):
    /// only with a mailbox to send them through.
    pub fn chat_by_email_after(&self) -> Option<std::time::Duration> {
        (!self.mailboxes.is_empty() && self.chat_by_email_after_s > 0)
            .then(|| std::time::Duration::from_secs(self.chat_by_email_after_s))
    }
    const fn default_suppress_days() -> u64 {
        30
    }
    const fn default_max_message_bytes() -> usize {
        25 * 1024 * 1024
    }
    const fn default_max_attachment_bytes() -> usize {
        20 * 1024 * 1024
    }
    const fn default_max_attachments() -> usize {
        50
    }

    /// Checks what the types alone cannot; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.mailboxes.is_empty() {
            return Ok(());
        }
        if self.thread_secret.expose().len() < 32 {
            return Err("email.thread_secret: must be at least 32 bytes when a mailbox is configured".into());
        }
        let mut names = std::collections::HashSet::new();
        for (i, m) in self.mailboxes.iter().enumerate() {
            let key = |k: &str| format!("email.mailboxes[{i}].{k}");
            if m.name.is_empty() || !names.insert(m.name.as_str()) {
                return Err(format!("{}: must be set and unique", key("name")));
            }
            if crate::header::check_address(&m.address).is_err() {
                return Err(format!("{}: {:?} is not an address", key("address"), m.address));
            }
            if m.imap.after_ingest == AfterIngest::Move && m.imap.processed_folder.is_none() {
                return Err(format!("{}: must be set when after_ingest = \"move\"", key("imap.processed_folder")));
            }
            if m.imap.batch == 0 {
                return Err(format!("{}: must be at least 1", key("imap.batch")));
            }
            if m.imap.idle_s == 0 || m.imap.idle_s > 29 * 60 {
                return Err(format!(
                    "{}: must be between 1 and 1740 (servers end IDLE at 30 minutes)",
                    key("imap.idle_s")
                ));
            }
        }
        Ok(())
    }
}

/// `[email.acknowledgement]`: the automatic answer to a customer's first mail of a
/// conversation, with its reference. Never sent to automatic mail.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgementConfig {
    #[serde(default)]
    pub enabled: bool,
    /// One acknowledgement per sender within this many minutes, however many conversations
    /// they open.
    #[serde(default = "AcknowledgementConfig::default_per_sender_minutes")]
    pub per_sender_minutes: u64,
    /// The Chinese text; `{reference}` becomes the conversation's reference and
    /// `{response_time}` the first-response target of its queue and priority (`1 小时内`).
    #[serde(default = "AcknowledgementConfig::default_zh")]
    pub zh: String,
    /// The English text, for everyone else.
    #[serde(default = "AcknowledgementConfig::default_en")]
    pub en: String,
}

impl AcknowledgementConfig {
    const fn default_per_sender_minutes() -> u64 {
        60
    }
    fn default_zh() -> String {
        "您好，我们已收到您的邮件，工单编号 [#{reference}]。预计回复时间：{response_time}。\n\n\
         请注意：我们绝不会向您索取密码、助记词、私钥或短信验证码。"
            .into()
    }
    fn default_en() -> String {
        "Hello, we have received your email and filed it as [#{reference}]. An agent will answer you \
         {response_time}.\n\nPlease note: we will never ask you for your password, recovery phrase, private keys or SMS \
         codes."
            .into()
    }
}

impl Default for AcknowledgementConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            per_sender_minutes: Self::default_per_sender_minutes(),
            zh: Self::default_zh(),
            en: Self::default_en(),
        }
    }
}

/// One `[[email.mailboxes]]` table.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxConfig {
    /// Short name, unique among the mailboxes (`support`); it labels logs, metrics and
    /// `/readyz`.
    pub name: String,
    /// The address customers write to (`support@wallet.example`).
    pub address: String,
    /// Display name on outgoing mail (`Wallet Support`).
    #[serde(default)]
    pub display_name: Option<String>,
    pub imap: ImapConfig,
    pub smtp: SmtpConfig,
}

/// How a connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    Implicit,
    /// Plaintext upgraded with STARTTLS before login (IMAP 143, SMTP 587); refused when the
    /// server does not offer it.
    Starttls,
    /// Plaintext throughout: only when set explicitly, for a server on the same host.
    None,
}

/// How a client logs in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// Username and password (`LOGIN` / `AUTH PLAIN`).
    #[default]
    Plain,
    /// OAuth 2.0 access token (`AUTHENTICATE XOAUTH2`), from [`OAuthConfig`].
    Xoauth2,
}

/// Where XOAUTH2 access tokens come from: a command that prints one, or a refresh token
/// exchanged at a token endpoint. Tokens are refreshed before they expire.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthConfig {
    /// A command (run without a shell, split on whitespace) whose standard output is an access
    /// token, or a JSON object with `access_token` and `expires_in`.
    #[serde(default)]
    pub token_command: Option<String>,
    /// The provider's token endpoint (`https://login.microsoftonline.com/…/oauth2/v2.0/token`).
    #[serde(default)]
    pub token_url: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Secret,
    #[serde(default)]
    pub refresh_token: Secret,
    /// Space-separated scopes to ask for.
    #[serde(default)]
    pub scope: Option<String>,
}

/// `imap` of a mailbox.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// PEM file of extra CA certificates to trust (a private CA); the built-in web roots are
    /// trusted too.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    pub username: String,
    #[serde(default)]
    pub password: Secret,
    /// The environment variable the password is read from instead, so it stays out of the
    /// file.
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub auth: AuthMethod,
    #[serde(default)]
    pub oauth: OAuthConfig,
    /// The folder watched (`INBOX`).
    pub folder: String,
    /// More folders watched the same way (a spam folder a provider files some mail in).
    #[serde(default)]
    pub extra_folders: Vec<String>,
    /// After a mail is committed: `seen` sets `\Seen`, `move` moves it to `processed_folder`.
    #[serde(default)]
    pub after_ingest: AfterIngest,
    #[serde(default)]
    pub processed_folder: Option<String>,
    /// On the first start on a folder: `all` ingests the mail already there, in batches;
    /// `new` only what arrives from now on.
    #[serde(default)]
    pub start_from: StartFrom,
    /// Mails fetched and committed per round.
    #[serde(default = "ImapConfig::default_batch")]
    pub batch: u32,
    /// Longest an IDLE runs before it is re-issued (servers drop it at 30 minutes).
    #[serde(default = "ImapConfig::default_idle_s")]
    pub idle_s: u64,
    /// How often a server without IDLE is polled.
    #[serde(default = "ImapConfig::default_poll_s")]
    pub poll_s: u64,
    /// Longest any single IMAP command may take; a whole batch fetch gets `fetch_timeout_s`.
    #[serde(default = "ImapConfig::default_command_timeout_s")]
    pub command_timeout_s: u64,
    #[serde(default = "ImapConfig::default_fetch_timeout_s")]
    pub fetch_timeout_s: u64,
}

impl ImapConfig {
    const fn default_batch() -> u32 {
        500
    }
    const fn default_idle_s() -> u64 {
        25 * 60
    }
    const fn default_poll_s() -> u64 {
        60
    }
    const fn default_command_timeout_s() -> u64 {
        30
    }
    const fn default_fetch_timeout_s() -> u64 {
        120
    }
}

/// What happens to a mail on the server once it is committed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AfterIngest {
    #[default]
    Seen,
    Move,
}

/// Where fetching starts on a folder seen for the first time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StartFrom {
    #[default]
    All,
    New,
}

/// `smtp` of a mailbox.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Secret,
    /// The environment variable the password is read from instead.
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub auth: AuthMethod,
    #[serde(default)]
    pub oauth: OAuthConfig,
    /// Longest one send may take, connection included.
    #[serde(default = "SmtpConfig::default_timeout_s")]
    pub timeout_s: u64,
    /// Also send an HTML part (the text, escaped, with line breaks kept).
    #[serde(default)]
    pub html: bool,
    /// DKIM signing of outgoing mail, when set.
    #[serde(default)]
    pub dkim: Option<DkimConfig>,
}

impl SmtpConfig {
    const fn default_timeout_s() -> u64 {
        30
    }
}

/// `smtp.dkim` of a mailbox.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DkimConfig {
    /// The signing domain (`d=`).
    pub domain: String,
    /// The selector (`s=`).
    pub selector: String,
    /// PEM file of the RSA or Ed25519 private key.
    pub key_file: PathBuf,
}
