//! Email channel: IMAP in, SMTP out (filled in by the email issue).
