//! The outbound guard: an agent reply that asks the customer for a seed phrase, private key,
//! password or SMS code is refused. We never ask for these; a reply that does teaches customers
//! to hand them to whoever asks, and is the first thing a social engineer posing as an agent
//! would send.

use std::sync::LazyLock;

use regex::Regex;

use crate::redact::SecretKind;
use crate::text::normalize;

/// Why a reply was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{explanation}")]
pub struct GuardRefusal {
    /// What the reply asked for.
    pub asked_for: SecretKind,
    /// Shown to the agent: what was wrong and what to do instead.
    pub explanation: String,
}

/// The secrets a reply must not ask for, in English and Chinese, each with its kind.
const SECRETS: &[(SecretKind, &str)] = &[
    (
        SecretKind::SeedPhrase,
        r"seed phrase|seed words|recovery phrase|recovery words|secret phrase|backup phrase|mnemonic|(?:12|24|twelve|twenty-four) words|助记词|种子词|恢复词|备份词",
    ),
    (SecretKind::PrivateKey, r"private key|privkey|secret key|私钥|密钥"),
    (
        SecretKind::OneTimeCode,
        r"(?:sms|text|verification|one-time|one time|security|login|confirmation|auth(?:entication)?|\d-digit|six-digit|four-digit) code|(?-u:\b)otp(?-u:\b)|code (?:you|we|that) (?:got|received|were sent|sent)|验证码|短信码|动态码|校验码",
    ),
    (SecretKind::Password, r"password|passcode|(?-u:\b)pin(?-u:\b)|login details|credentials|密码"),
];

/// An English request: a verb of handing over, its object pronoun, then "your/the … <secret>".
static REQUEST_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?-u:\b)(?:send|tell|give|provide|share|forward|paste|dictate|read out|read|reply with|let (?:me|us) know|need",
        r"|can (?:i|we) have|may (?:i|we) have)",
        r"(?:\s+(?:me|us|over|along|back|again|quickly|now))*\s+(?:your|ur|the|that|this)(?-u:\b)[^\n]{0,25}$",
    ))
    .expect("request pattern is valid")
});

/// "What is your password?"
static QUESTION_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)what(?:'s| is| was| are)\s+(?:your|ur|the)\s+[^\n]{0,20}$").expect("question pattern is valid")
});

/// A Chinese request before the secret ("请提供您的密码", "把验证码发给我") …
static REQUEST_ZH_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:提供|发送|发给|发我|告诉|告知|报一下|报给|说一下|回复|给我|给我们|念一下|读一下|索要|索取|截图)[^\n]{0,12}$")
        .expect("request pattern is valid")
});

/// … or after it ("验证码是多少", "密码发我一下").
static REQUEST_ZH_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^\n]{0,8}?(?:发给|发我|告诉|报给|提供给|是多少|是什么|多少|发一下|说一下|报一下|给我|念一下)")
        .expect("request pattern is valid")
});

/// Words that turn a mention into a warning ("never share your code", "请勿告诉他人").
const SAFE_CONTEXT: &[&str] = &[
    "never",
    "don't",
    "dont",
    "do not",
    "not ",
    "no one",
    "nobody",
    "won't",
    "will not",
    "shouldn't",
    "should not",
    "must not",
    "if anyone",
    "if someone",
    "anyone who",
    "scam",
    "fraud",
    // Talk about something the customer may already have done is a warning, not a request.
    "if you sent",
    "if you shared",
    "if you gave",
    "if you've",
    "if you have",
    "如果您发送过",
    "如果你发送过",
    "如果您已",
    "如果你已",
    "如果您曾",
    "如果您泄露",
    "不要",
    "切勿",
    "请勿",
    "勿",
    "不会",
    "绝不",
    "决不",
    "千万别",
    "别发",
    "别告诉",
    "别给",
    "别把",
    "不可",
    "不能",
    "谨防",
    "诈骗",
    "骗子",
];

static SECRET_PATTERNS: LazyLock<Vec<(SecretKind, Regex)>> = LazyLock::new(|| {
    SECRETS.iter().map(|&(kind, p)| (kind, Regex::new(p).expect("secret pattern is valid"))).collect()
});

/// Checks an agent reply. `Err` explains which secret it asks for.
pub fn outbound_guard(text: &str) -> Result<(), GuardRefusal> {
    let normalized = normalize(text);
    for clause in normalized.split(['.', '!', '?', ';', ',', '\n', '。', '！', '？', '；', '，', '、']) {
        if clause.trim().is_empty() || SAFE_CONTEXT.iter().any(|w| clause.contains(w)) {
            continue;
        }
        for (kind, pattern) in SECRET_PATTERNS.iter() {
            for m in pattern.find_iter(clause) {
                let (head, tail) = (&clause[..m.start()], &clause[m.end()..]);
                let asked = REQUEST_EN.is_match(head)
                    || QUESTION_EN.is_match(head)
                    || REQUEST_ZH_BEFORE.is_match(head)
                    || REQUEST_ZH_AFTER.is_match(tail);
                if asked {
                    return Err(refusal(*kind));
                }
            }
        }
    }
    Ok(())
}

fn refusal(kind: SecretKind) -> GuardRefusal {
    GuardRefusal {
        asked_for: kind,
        explanation: format!(
            "Reply not sent: it asks the customer for their {kind}. We never ask for a seed phrase, private key, \
             password or SMS code, and a reply that does teaches customers to give them to scammers. Remove the \
             request; if you need to verify the customer, use the verification flow in the console."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(text: &str) -> Option<SecretKind> {
        outbound_guard(text).err().map(|r| r.asked_for)
    }

    #[test]
    fn requests_for_secrets_are_refused() {
        assert_eq!(asked("To verify, please send us your 12-word seed phrase."), Some(SecretKind::SeedPhrase));
        assert_eq!(asked("Could you provide the private key of the wallet?"), Some(SecretKind::PrivateKey));
        assert_eq!(asked("What is your password?"), Some(SecretKind::Password));
        assert_eq!(asked("Please tell me the verification code you just received"), Some(SecretKind::OneTimeCode));
        assert_eq!(asked("请提供您的助记词以便核实"), Some(SecretKind::SeedPhrase));
        assert_eq!(asked("请把收到的验证码发给我"), Some(SecretKind::OneTimeCode));
        assert_eq!(asked("您的支付密码是多少？"), Some(SecretKind::Password));
        assert_eq!(asked("請告訴我您的私鑰"), Some(SecretKind::PrivateKey));
    }

    #[test]
    fn warnings_and_instructions_pass() {
        for text in [
            "We will never ask for your password or SMS code.",
            "Please don't share your seed phrase with anyone, including us.",
            "If anyone asks for your verification code, it is a scam",
            "You can reset your password in Settings > Security.",
            "The verification code will be sent to your phone.",
            "请勿将验证码告诉任何人。",
            "我们不会向您索要密码。",
            "您可以在“我的-设置-安全中心”修改支付密码。",
            "Your refund of ¥120 has been processed.",
        ] {
            assert_eq!(asked(text), None, "{text}");
        }
    }

    #[test]
    fn explanation_names_the_secret() {
        let refusal = outbound_guard("send me your password").unwrap_err();
        assert!(refusal.to_string().contains("password"));
    }
}
