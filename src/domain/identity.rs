//! Which of a sender's identities find the customer they are. An identity already tied to a
//! customer stays with that customer: merging customers is an agent's call.

use switchboard_channel::SenderIdentity;

/// A way a customer is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityKind {
    AppUser,
    Email,
    Phone,
}

impl IdentityKind {
    /// The storage name (`app_user`, `email`, `phone`).
    pub const fn as_str(self) -> &'static str {
        match self {
            IdentityKind::AppUser => "app_user",
            IdentityKind::Email => "email",
            IdentityKind::Phone => "phone",
        }
    }
}

/// Every identity the sender gave, strongest first: app user id, email, phone.
pub fn identities(sender: &SenderIdentity) -> Vec<(IdentityKind, &str)> {
    [
        (IdentityKind::AppUser, &sender.app_user_id),
        (IdentityKind::Email, &sender.email),
        (IdentityKind::Phone, &sender.phone),
    ]
    .into_iter()
    .filter_map(|(kind, value)| value.as_deref().map(|v| (kind, v)))
    .collect()
}

/// Which of `identities` (as [`identities`] orders them) may find an existing customer; the
/// first that does is the sender.
pub fn lookup<'a, 'v>(identities: &'a [(IdentityKind, &'v str)]) -> &'a [(IdentityKind, &'v str)] {
    // An app user id is proof of who wrote (the app signed it); an email or phone number in
    // its token is only a claim. So an app user is found by that id alone: matching it on a
    // claimed email could hand another customer's conversations to whoever claims it.
    match identities.first() {
        Some(first @ (IdentityKind::AppUser, _)) => std::slice::from_ref(first),
        _ => identities,
    }
}

/// Whether mail whose sender failed authentication may be filed under the customer its
/// address found. Not under one who also uses the app: a forged mail in a wallet customer's
/// name is how accounts are taken over, so it gets a customer record of its own (the address
/// stays with the real customer) and the agent sees the warning.
pub fn may_file_under(sender_failed_authentication: bool, customer_uses_the_app: bool) -> bool {
    !(sender_failed_authentication && customer_uses_the_app)
}

#[cfg(test)]
mod tests {
    use super::IdentityKind::*;
    use super::*;

    fn sender(app_user: Option<&str>, email: Option<&str>, phone: Option<&str>) -> SenderIdentity {
        SenderIdentity {
            app_user_id: app_user.map(str::to_owned),
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
            ..SenderIdentity::default()
        }
    }

    #[test]
    fn an_app_user_is_found_by_their_app_user_id_alone() {
        let s = sender(Some("u-1"), Some("li@example.com"), Some("+8613800138000"));
        let all = identities(&s);
        assert_eq!(all, [(AppUser, "u-1"), (Email, "li@example.com"), (Phone, "+8613800138000")]);
        assert_eq!(lookup(&all), [(AppUser, "u-1")]);
    }

    #[test]
    fn anyone_else_is_found_by_email_then_phone() {
        let s = sender(None, Some("li@example.com"), Some("+8613800138000"));
        let all = identities(&s);
        assert_eq!(lookup(&all), [(Email, "li@example.com"), (Phone, "+8613800138000")]);
        let s = sender(None, None, Some("+8613800138000"));
        assert_eq!(lookup(&identities(&s)), [(Phone, "+8613800138000")]);
        assert!(identities(&sender(None, None, None)).is_empty());
    }

    #[test]
    fn forged_mail_is_never_filed_under_an_app_customer() {
        assert!(!may_file_under(true, true));
        assert!(may_file_under(true, false), "an email-only customer: the warning is enough");
        assert!(may_file_under(false, true));
    }

    #[test]
    fn storage_names_are_stable() {
        assert_eq!([AppUser.as_str(), Email.as_str(), Phone.as_str()], ["app_user", "email", "phone"]);
    }
}
