//! What a customer is told, in their language, once the backend has taken an action on their
//! account: that it is frozen to protect their funds and what happens next, or that it is
//! usable again. Other actions are the agent's to explain.

/// The message for `action` once done, Chinese when the customer writes Chinese.
pub fn action_done(action: &str, zh: bool) -> Option<&'static str> {
    Some(match (action, zh) {
        ("freeze", true) => {
            "为保护您的资金安全，您的账户已被冻结：冻结期间任何人都无法转出资金或更改账户设置。\
             客服人员将尽快联系您核实身份，核实通过后即可解冻。我们绝不会向您索取密码、助记词或短信验证码。"
        }
        ("freeze", false) => {
            "To protect your funds, your account is now frozen: nobody can move money out of it or change its \
             settings. An agent will contact you shortly to verify your identity; once that is done, the account \
             can be unfrozen. We will never ask for your password, recovery phrase or SMS codes."
        }
        ("unfreeze", true) => "您的身份已核实，账户已解冻，可以正常使用。建议您立即修改登录密码并检查登录设备。",
        ("unfreeze", false) => {
            "Your identity is verified and your account is unfrozen: you can use it again. We recommend changing \
             your password now and reviewing the devices signed in to your account."
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freezes_and_unfreezes_are_explained_in_both_languages_and_nothing_else_is() {
        assert!(action_done("freeze", false).unwrap().contains("frozen"));
        assert!(action_done("freeze", true).unwrap().contains("冻结"));
        assert!(action_done("unfreeze", true).unwrap().contains("解冻"));
        assert_eq!(action_done("close_account", false), None);
    }
}
