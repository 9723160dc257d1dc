//! The private Dovecot: mail in, flags out, UIDVALIDITY changes, restarts and IDLE.

use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use switchboard_mailservers::Dovecot;

fn mail(n: usize) -> Vec<u8> {
    format!(
        "From: customer{n}@example.org\r\nTo: support@example.com\r\nSubject: Question {n}\r\n\
         Message-ID: <q{n}@example.org>\r\n\r\nHello, this is question {n}.\r\n"
    )
    .into_bytes()
}

#[test]
fn mail_flags_uidvalidity_and_restart() {
    let Some(mut dovecot) = Dovecot::start().unwrap() else { return };

    let uids: Vec<u32> = (1..=3).map(|n| dovecot.append("INBOX", &mail(n)).unwrap()).collect();
    assert_eq!(uids, [1, 2, 3]);
    let flags = dovecot.flags("INBOX").unwrap();
    assert_eq!(flags.iter().map(|(uid, _)| *uid).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(flags.iter().all(|(_, flags)| !flags.iter().any(|flag| flag == r"\Seen")), "{flags:?}");

    dovecot.mark_all_seen("INBOX").unwrap();
    let flags = dovecot.flags("INBOX").unwrap();
    assert!(flags.iter().all(|(_, flags)| flags.iter().any(|flag| flag == r"\Seen")), "{flags:?}");

    let before = dovecot.uidvalidity("INBOX").unwrap();
    let after = dovecot.change_uidvalidity("INBOX").unwrap();
    assert_ne!(before, after);
    assert_eq!(dovecot.uidvalidity("INBOX").unwrap(), after);

    let port = dovecot.port();
    dovecot.restart().unwrap();
    assert_eq!(dovecot.port(), port);
    assert_eq!(dovecot.flags("INBOX").unwrap().len(), 3);
    assert_eq!(dovecot.uidvalidity("INBOX").unwrap(), after);
}

#[test]
fn folders_are_created_and_many_mails_load_in_order() {
    let Some(dovecot) = Dovecot::start().unwrap() else { return };
    let mails: Vec<Vec<u8>> = (0..1200).map(mail).collect();
    let started = Instant::now();
    dovecot.append_all("Support/Queue", &mails).unwrap();
    eprintln!("appended {} mails in {:?}", mails.len(), started.elapsed());
    let flags = dovecot.flags("Support/Queue").unwrap();
    assert_eq!(flags.len(), mails.len());
    assert_eq!(flags.first().unwrap().0, 1);
    assert_eq!(flags.last().unwrap().0, 1200);

    // The order given is the UID order: fetch one and check it is the one appended at that place.
    let mut imap = dovecot.connect().unwrap();
    imap.select("Support/Queue").unwrap();
    let response = imap.command("UID FETCH 700 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])").unwrap();
    assert!(response.untagged.iter().any(|line| line.contains("Subject: Question 699")), "{response:?}");
    // An empty folder has no flags and marks seen without complaint.
    imap.create("Empty").unwrap();
    imap.logout().unwrap();
    assert_eq!(dovecot.flags("Empty").unwrap(), []);
    dovecot.mark_all_seen("Empty").unwrap();
}

#[test]
fn idle_is_offered_and_reports_new_mail() {
    let Some(dovecot) = Dovecot::start().unwrap() else { return };
    let mut imap = dovecot.connect().unwrap();
    assert!(imap.greeting().contains(" IDLE "), "{}", imap.greeting());
    assert!(imap.capabilities().unwrap().iter().any(|capability| capability == "IDLE"));

    imap.select("INBOX").unwrap();
    imap.send_line("idle1 IDLE").unwrap();
    assert!(imap.read_line().unwrap().starts_with("+ "));
    dovecot.append("INBOX", &mail(1)).unwrap();
    imap.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    assert_eq!(imap.read_line().unwrap(), "* 1 EXISTS");
    imap.send_line("DONE").unwrap();
    loop {
        if imap.read_line().unwrap().starts_with("idle1 OK") {
            break;
        }
    }
    imap.logout().unwrap();
}

#[test]
fn stop_refuses_connections_until_started_again() {
    let Some(mut dovecot) = Dovecot::start().unwrap() else { return };
    dovecot.append("INBOX", &mail(1)).unwrap();
    let mut session = dovecot.connect().unwrap();

    dovecot.stop();
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, dovecot.port())).is_err());
    // A session open across the outage is gone.
    assert!(session.command("NOOP").is_err());

    dovecot.start_again().unwrap();
    assert_eq!(dovecot.flags("INBOX").unwrap().len(), 1);
}

#[test]
fn drop_stops_the_server() {
    let Some(dovecot) = Dovecot::start().unwrap() else { return };
    let port = dovecot.port();
    drop(dovecot);
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
}

#[test]
fn a_whole_folder_is_fetched_and_counted_without_setting_flags() {
    let Some(dovecot) = Dovecot::start().unwrap() else { return };
    let mails: Vec<Vec<u8>> = (0..3).map(mail).collect();
    let mut client = dovecot.connect().unwrap();
    client.multiappend("INBOX", &mails).unwrap();
    client.examine("INBOX").unwrap();
    let fetched = client.fetch_all_bodies().unwrap();
    assert_eq!(fetched.mails, 3);
    assert_eq!(fetched.body_bytes, mails.iter().map(|m| m.len() as u64).sum::<u64>());
    assert!(fetched.wire_bytes > fetched.body_bytes, "the FETCH lines around the literals count too");
    client.logout().unwrap();
    assert!(dovecot.flags("INBOX").unwrap().iter().all(|(_, f)| !f.iter().any(|f| f == "\\Seen")), "nothing was read");
}
