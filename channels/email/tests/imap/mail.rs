//! Selecting, finding, fetching, flagging and moving mail.

use switchboard_email::{FetchedMail, ImapError};

use crate::common::{blocking, connect, dovecot, has_flag, mail};

#[tokio::test]
async fn finds_and_fetches_the_exact_bytes_without_marking_them_seen() {
    let Some(dovecot) = dovecot() else { return };
    let mails: Vec<Vec<u8>> = (1..=3).map(mail).collect();
    blocking({
        let (dovecot, mails) = (dovecot.clone(), mails.clone());
        move || dovecot.append_all("INBOX", &mails).unwrap()
    })
    .await;

    let mut client = connect(&dovecot).await;
    let status = client.select("INBOX").await.unwrap();
    assert_eq!((status.exists, status.uid_next), (3, Some(4)));
    assert_eq!(client.uids_above(0).await.unwrap(), [1, 2, 3]);
    assert_eq!(client.uids_above(1).await.unwrap(), [2, 3]);
    // `UID 4:*` matches UID 3 (the highest) on the server: it must not come back.
    assert_eq!(client.uids_above(3).await.unwrap(), Vec::<u32>::new());
    assert_eq!(client.uids_above(u32::MAX).await.unwrap(), Vec::<u32>::new());

    let fetched = client.fetch(&[3, 1, 2]).await.unwrap();
    let expected: Vec<FetchedMail> =
        mails.iter().enumerate().map(|(i, raw)| FetchedMail { uid: i as u32 + 1, raw: raw.clone() }).collect();
    assert_eq!(fetched, expected);
    // A UID that is not there is left out; no UIDs, no command.
    assert_eq!(client.fetch(&[2, 99]).await.unwrap(), &expected[1..2]);
    assert_eq!(client.fetch(&[]).await.unwrap(), []);

    let flags = blocking({
        let dovecot = dovecot.clone();
        move || dovecot.flags("INBOX").unwrap()
    })
    .await;
    assert!((1..=3).all(|uid| !has_flag(&flags, uid, r"\Seen")), "{flags:?}");

    client.mark_seen(&[1, 3]).await.unwrap();
    let flags = blocking({
        let dovecot = dovecot.clone();
        move || dovecot.flags("INBOX").unwrap()
    })
    .await;
    assert!(has_flag(&flags, 1, r"\Seen") && has_flag(&flags, 3, r"\Seen"), "{flags:?}");
    assert!(!has_flag(&flags, 2, r"\Seen"), "{flags:?}");
    client.logout().await;
}

#[tokio::test]
async fn moves_mail_to_another_folder() {
    let Some(dovecot) = dovecot() else { return };
    let mails: Vec<Vec<u8>> = (1..=3).map(mail).collect();
    blocking({
        let (dovecot, mails) = (dovecot.clone(), mails.clone());
        move || {
            dovecot.append_all("INBOX", &mails).unwrap();
            let mut imap = dovecot.connect().unwrap();
            imap.create("Processed").unwrap();
            imap.logout().unwrap();
        }
    })
    .await;

    let mut client = connect(&dovecot).await;
    client.select("INBOX").await.unwrap();
    client.move_to(&[1, 3], "Processed").await.unwrap();
    assert_eq!(client.uids_above(0).await.unwrap(), [2]);

    client.select("Processed").await.unwrap();
    let uids = client.uids_above(0).await.unwrap();
    let moved: Vec<Vec<u8>> = client.fetch(&uids).await.unwrap().into_iter().map(|mail| mail.raw).collect();
    assert_eq!(moved, [mails[0].clone(), mails[2].clone()]);
    client.logout().await;
}

#[tokio::test]
async fn a_missing_folder_is_refused_and_the_client_goes_on() {
    let Some(dovecot) = dovecot() else { return };
    let mut client = connect(&dovecot).await;
    let error = client.select("No such folder").await.unwrap_err();
    assert!(matches!(error, ImapError::Refused { command: "SELECT", .. }), "{error:?}");
    client.select("INBOX").await.unwrap();
    assert_eq!(client.uids_above(0).await.unwrap(), Vec::<u32>::new());
    client.logout().await;
}

#[tokio::test]
async fn many_uids_are_fetched_in_several_commands() {
    let Some(dovecot) = dovecot() else { return };
    let mails: Vec<Vec<u8>> = (1..=2000).map(mail).collect();
    blocking({
        let (dovecot, mails) = (dovecot.clone(), mails.clone());
        move || dovecot.append_all("INBOX", &mails).unwrap()
    })
    .await;
    let mut client = connect(&dovecot).await;
    client.select("INBOX").await.unwrap();
    // Every other UID: 1,000 separate numbers, more than one command line's worth.
    let odd: Vec<u32> = (1..=2000).step_by(2).collect();
    let fetched = client.fetch(&odd).await.unwrap();
    assert_eq!(fetched.iter().map(|mail| mail.uid).collect::<Vec<_>>(), odd);
    assert!(fetched.iter().all(|mail| mail.raw == mails[mail.uid as usize - 1]));
    client.mark_seen(&odd).await.unwrap();
    let flags = blocking({
        let dovecot = dovecot.clone();
        move || dovecot.flags("INBOX").unwrap()
    })
    .await;
    assert_eq!(flags.len(), 2000);
    for (uid, _) in &flags {
        assert_eq!(has_flag(&flags, *uid, r"\Seen"), uid % 2 == 1, "UID {uid}");
    }
    client.logout().await;
}
