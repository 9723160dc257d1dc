//! The outbound guard and the safety notice, as the agent-reply path and the ingest path use them.

use switchboard_triage::{Language, SecretKind, outbound_guard, redact, safety_notice};

#[test]
fn replies_asking_for_secrets_are_refused_with_an_explanation() {
    for (reply, kind) in [
        ("Hi! To speed things up, can you send me your seed phrase?", SecretKind::SeedPhrase),
        ("Please share the private key of your wallet so we can check it.", SecretKind::PrivateKey),
        ("For verification, what's your login password?", SecretKind::Password),
        ("Could you read me the SMS code we just sent you?", SecretKind::OneTimeCode),
        ("为了核实身份，请提供您的助记词。", SecretKind::SeedPhrase),
        ("请把私钥发给我们", SecretKind::PrivateKey),
        ("麻烦告诉我您的登录密码", SecretKind::Password),
        ("您收到的验证码是多少？", SecretKind::OneTimeCode),
    ] {
        let refusal = outbound_guard(reply).expect_err(reply);
        assert_eq!(refusal.asked_for, kind, "{reply}");
        assert!(refusal.explanation.contains(kind.label()), "{}", refusal.explanation);
    }
}

#[test]
fn ordinary_replies_and_warnings_pass() {
    for reply in [
        "Your refund has been approved and will arrive in 3–5 business days.",
        "You can change your password under Me > Settings > Security.",
        "Never share your seed phrase, private key, password or SMS codes with anyone.",
        "A verification code has been sent to your phone; enter it in the app.",
        "您的退款已处理，预计3个工作日内到账。",
        "请不要向任何人透露您的验证码或密码。",
        "工作人员不会索要您的助记词。",
    ] {
        assert!(outbound_guard(reply).is_ok(), "{reply}");
    }
}

#[test]
fn the_safety_notice_matches_the_language_and_passes_both_checks() {
    let zh = safety_notice(Language::Zh);
    let en = safety_notice(Language::En);
    assert!(zh.contains("助记词") && zh.contains("新的钱包"));
    assert!(en.contains("seed phrase") && en.contains("move your funds"));
    assert_eq!(safety_notice(Language::Other), en);
    for notice in [zh, en] {
        assert!(outbound_guard(notice).is_ok());
        assert!(redact(notice).found.is_empty());
    }
}
