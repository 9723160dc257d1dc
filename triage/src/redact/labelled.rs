//! Secrets recognised by the keyword before them: a CVV after "CVV"/安全码, a one-time code
//! after 验证码/"code"/OTP, a password after "password is"/密码是/`pwd:`. Only the value is
//! replaced; the keyword stays, so the agent still sees what the customer was talking about.

use std::sync::LazyLock;

use regex::Regex;

use super::context::before;
use super::{SecretKind, Span};

/// CVV keyword, a short gap without digits or sentence ends, then 3–4 digits not followed by another digit.
static CVV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:(?-u:\b)(?:cvv2?|cvc2?|cvn2?|cid|card security code|card verification (?:code|value|number))(?-u:\b)",
        r"|安全码|安全碼|(?:卡)?背面?(?:的)?(?:后|後)?(?:三|3)位(?:数字|數字|数|數|号码|號碼)?)",
        r"[^0-9０-９\n.?!。？！]{0,12}?(?P<secret>[0-9０-９]{3,4})(?:[^0-9０-９]|$)",
    ))
    .expect("cvv pattern is valid")
});

/// One-time-code keyword, a short gap without digits or sentence ends, then 4–8 digits. `generic` marks the
/// bare word "code", which also names error, promo and postal codes.
static OTP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:验证码|驗證碼|校验码|校驗碼|动态码|動態碼|短信码|短信碼|动态密码|動態密碼|激活码|激活碼",
        r"|(?-u:\b)(?:otp|one[- ]?time (?:pass)?(?:code|password|pin)|verification code|sms code|text code",
        r"|security code|auth(?:entication)? code|login code|2fa code|confirmation code|passcode)(?-u:\b)",
        r"|(?-u:\b)(?P<generic>code)(?-u:\b))",
        r"[^0-9０-９\n.?!。？！]{0,15}?(?P<secret>[0-9０-９]{4,8})(?:[^0-9０-９]|$)",
    ))
    .expect("otp pattern is valid")
});

/// What may stand just before a bare "code" when it is not a one-time code.
const NOT_OTP: &[&str] = &[
    "error",
    "err",
    "status",
    "http",
    "promo",
    "coupon",
    "voucher",
    "discount",
    "gift",
    "invite",
    "referral",
    "zip",
    "postal",
    "post",
    "country",
    "area",
    "dial",
    "swift",
    "bic",
    "bank",
    "branch",
    "sort",
    "product",
    "item",
    "tracking",
    "reference",
    "ref",
    "order",
    "qr",
    "bar",
    "source",
    "tax",
    "reason",
    "错误",
    "錯誤",
    "报错",
    "報錯",
    "失败",
    "失敗",
    "错误码",
    "邮编",
    "郵編",
];

/// Password keyword, "is"/colon/是, then the password: everything up to a space, a Chinese
/// character or Chinese punctuation. ASCII punctuation is kept in it: passwords contain `!`
/// and `?`, and redacting a trailing full stop too costs nothing.
static PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:(?-u:\b)(?:password|passcode|passwd|pwd|pw|pin)(?-u:\b)|登录密码|登錄密碼|支付密码|支付密碼|密码|密碼)",
        r"\s*(?:(?:is|was)(?-u:\b)\s*[:：]?|[:：=]|是|为|為)\s*",
        r"(?P<secret>[^\s\p{Han}，。；！？、“”‘’（）：]{1,64})",
    ))
    .expect("password pattern is valid")
});

/// Words that follow "password is" without being a password ("my password is wrong").
const NOT_PASSWORD: &[&str] = &[
    "accepted",
    "also",
    "always",
    "being",
    "blocked",
    "changed",
    "characters",
    "compromised",
    "correct",
    "different",
    "digits",
    "easy",
    "empty",
    "expired",
    "fine",
    "forgotten",
    "hard",
    "incorrect",
    "invalid",
    "just",
    "known",
    "leaked",
    "letters",
    "locked",
    "longer",
    "missing",
    "needed",
    "never",
    "none",
    "not",
    "now",
    "numbers",
    "okay",
    "only",
    "rejected",
    "required",
    "reset",
    "right",
    "safe",
    "same",
    "saved",
    "secure",
    "sent",
    "set",
    "shorter",
    "still",
    "stolen",
    "stored",
    "strong",
    "that",
    "the",
    "this",
    "too",
    "updated",
    "valid",
    "very",
    "weak",
    "what",
    "working",
    "wrong",
    "your",
];

pub(super) fn find(text: &str, spans: &mut Vec<Span>) {
    for caps in CVV.captures_iter(text) {
        push(spans, caps.name("secret"), SecretKind::Cvv);
    }
    for caps in OTP.captures_iter(text) {
        if let Some(generic) = caps.name("generic") {
            let window = before(text, generic.start(), 12, true);
            if NOT_OTP.iter().any(|w| window.contains(w)) {
                continue;
            }
        }
        push(spans, caps.name("secret"), SecretKind::OneTimeCode);
    }
    for caps in PASSWORD.captures_iter(text) {
        let Some(secret) = caps.name("secret") else { continue };
        let word = secret.as_str().trim_end_matches(['.', ',', ':', ';', '!', '?', ')', '"', '\'']);
        if word.chars().count() < 4 || NOT_PASSWORD.contains(&word.to_lowercase().as_str()) {
            continue;
        }
        push(spans, Some(secret), SecretKind::Password);
    }
}

fn push(spans: &mut Vec<Span>, secret: Option<regex::Match<'_>>, kind: SecretKind) {
    if let Some(m) = secret {
        spans.push(Span { start: m.start(), end: m.end(), kind });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, SecretKind)> {
        let mut spans = Vec::new();
        find(text, &mut spans);
        spans.iter().map(|s| (text[s.start..s.end].to_owned(), s.kind)).collect()
    }

    fn one(text: &str, secret: &str, kind: SecretKind) {
        assert_eq!(found(text), vec![(secret.to_owned(), kind)], "{text}");
    }

    #[test]
    fn cvv_next_to_its_keyword() {
        one("CVV: 123", "123", SecretKind::Cvv);
        one("the cvc is 4567.", "4567", SecretKind::Cvv);
        one("卡背面三位数是 321", "321", SecretKind::Cvv);
        one("安全码321谢谢", "321", SecretKind::Cvv);
        assert!(found("CVV 12345").is_empty());
        assert!(found("what is a CVV? I paid 123 yuan").is_empty());
    }

    #[test]
    fn one_time_codes() {
        one("验证码是 482913", "482913", SecretKind::OneTimeCode);
        one("驗證碼：482913", "482913", SecretKind::OneTimeCode);
        one("my OTP is 4829", "4829", SecretKind::OneTimeCode);
        one("the code 918273 didn't work", "918273", SecretKind::OneTimeCode);
        one("SMS code: 5521", "5521", SecretKind::OneTimeCode);
    }

    #[test]
    fn other_codes_are_kept() {
        assert!(found("error code 5003 when I open the app").is_empty());
        assert!(found("账单页面报错“数据加载失败(code:5003)”").is_empty());
        assert!(found("postal code 100010, promo code 2024").is_empty());
        assert!(found("验证码发到了 138****0000").is_empty());
        assert!(found("验证码 5 分钟就过期了").is_empty());
    }

    #[test]
    fn passwords_after_their_keyword() {
        one("my password is hunter22", "hunter22", SecretKind::Password);
        one("密码是abc123我忘了", "abc123", SecretKind::Password);
        one("pwd: Tr0ub4dor&3", "Tr0ub4dor&3", SecretKind::Password);
        one("支付密码：135790", "135790", SecretKind::Password);
        one("PIN is 2580", "2580", SecretKind::Password);
    }

    #[test]
    fn talk_about_passwords_is_kept() {
        for text in [
            "my password is wrong",
            "the password is not working",
            "密码是什么",
            "支付密码是六位数字",
            "my password is 6 digits",
            "password reset link expired",
        ] {
            assert!(found(text).is_empty(), "{text}");
        }
    }
}
