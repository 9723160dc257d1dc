//! The automatic safety notice sent to a customer whose message had a secret redacted.

use crate::language::Language;

const NOTICE_ZH: &str = "【安全提醒】为保护您的资金安全，我们已自动隐藏您消息中的敏感信息（如助记词、私钥、银行卡号、验证码、密码或身份证号）。我们的工作人员绝不会向您索要这些信息，请勿向任何人透露。如果您发送过助记词或私钥，请立即把资产转移到新的钱包；如果您发送过密码、验证码或卡片信息，请尽快修改密码并联系发卡银行。";

const NOTICE_EN: &str = "Security notice: to protect your money, we have automatically hidden sensitive details in your message (such as a seed phrase, private key, card number, one-time code, password or ID number). Our staff will never ask you for these, and you should never share them with anyone. If you sent a seed phrase or private key, move your funds to a new wallet now. If you sent a password, code or card details, change your password and contact your card issuer.";

/// The notice in the customer's language: Chinese for `Zh`, English otherwise (the desk's
/// second language is the best guess for anyone else).
pub fn safety_notice(language: Language) -> &'static str {
    match language {
        Language::Zh => NOTICE_ZH,
        Language::En | Language::Other => NOTICE_EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::redact;

    #[test]
    fn notices_are_in_the_right_language_and_tell_to_move_funds() {
        assert!(safety_notice(Language::Zh).contains("转移到新的钱包"));
        assert!(safety_notice(Language::En).contains("move your funds"));
        assert_eq!(safety_notice(Language::Other), safety_notice(Language::En));
    }

    #[test]
    fn notices_trip_neither_redaction_nor_the_guard() {
        for language in [Language::Zh, Language::En] {
            assert!(!redact(safety_notice(language)).any());
            assert!(crate::guard::outbound_guard(safety_notice(language)).is_ok());
        }
    }
}
