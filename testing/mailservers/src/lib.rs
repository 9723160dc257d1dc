//! Private mail servers for tests: a Dovecot IMAP server and a Postfix smtp-sink, each on a free loopback port in a temporary directory.
