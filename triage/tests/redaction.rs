//! Redaction through the public API: one test per detector, one per look-alike that must
//! survive, and property tests for the check-digit algorithms behind them.

use proptest::prelude::*;
use switchboard_triage::checksum::{luhn_valid, prc_id_check_char, prc_id_valid};
use switchboard_triage::{SecretKind, redact};

/// Redacts `text` and checks it found exactly `kinds` and that `secret` is gone.
fn assert_redacted(text: &str, secret: &str, kinds: &[SecretKind]) -> String {
    let r = redact(text);
    assert_eq!(r.found, kinds, "{text:?} -> {:?}", r.text);
    assert!(!r.text.contains(secret), "{secret:?} still in {:?}", r.text);
    for kind in kinds {
        assert!(r.text.contains(&format!("[redacted: {}]", kind.label())), "{:?}", r.text);
    }
    r.text
}

fn assert_untouched(text: &str) {
    let r = redact(text);
    assert_eq!(r.text, text);
    assert!(r.found.is_empty(), "{text:?}: {:?}", r.found);
}

const SEED_EN: &str = "legal winner thank year wave sausage worth useful legal winner thank yellow";
const SEED_EN_24: &str = "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless";
const KEY: &str = "4c0883a69102937d6231471b5dbb6204fe512961708279f15a5b1e9c2d6b7a3f";

#[test]
fn seed_phrase_english_12_and_24_words() {
    let text =
        assert_redacted(&format!("my recovery words are {SEED_EN}!!! thanks"), SEED_EN, &[SecretKind::SeedPhrase]);
    assert_eq!(text, "my recovery words are [redacted: seed phrase]!!! thanks");
    assert_redacted(SEED_EN_24, SEED_EN_24, &[SecretKind::SeedPhrase]);
}

#[test]
fn seed_phrase_numbered_comma_and_line_separated() {
    let numbered: String = SEED_EN.split(' ').enumerate().map(|(i, w)| format!("{}) {w}\n", i + 1)).collect();
    let text = assert_redacted(&numbered, "sausage", &[SecretKind::SeedPhrase]);
    assert!(text.starts_with("1) [redacted: seed phrase]"), "{text}");
    assert_redacted(&SEED_EN.replace(' ', ", "), "sausage", &[SecretKind::SeedPhrase]);
    assert_redacted(&SEED_EN.replace(' ', "\n"), "sausage", &[SecretKind::SeedPhrase]);
}

#[test]
fn seed_phrase_chinese_simplified_and_traditional() {
    let simplified = "卷 纯 毒 涨 甲 坡 阶 诸 粗 夹 偿 乎";
    assert_redacted(&format!("助记词：{simplified}"), "涨 甲", &[SecretKind::SeedPhrase]);
    let traditional = "卷，純，毒，漲，甲，坡，階，諸，粗，夾，償，乎";
    assert_redacted(traditional, "漲，甲", &[SecretKind::SeedPhrase]);
    let glued = "卷纯毒涨甲坡阶诸粗夹偿乎";
    assert_redacted(&format!("我的助记词是：{glued}，钱没了"), glued, &[SecretKind::SeedPhrase]);
}

#[test]
fn private_key_hex_with_and_without_0x() {
    assert_redacted(&format!("private key: {KEY}"), KEY, &[SecretKind::PrivateKey]);
    assert_redacted(&format!("我的私钥 0x{KEY}"), KEY, &[SecretKind::PrivateKey]);
}

#[test]
fn private_key_hex_whatever_label_stands_before_it() {
    for text in [
        format!("here is my wallet backup {KEY}"),
        format!("exported from MetaMask: 0x{KEY}"),
        format!("pk {KEY}"),
        format!("钱包备份：{KEY}"),
        format!("導出的是這個 0x{KEY} 對嗎"),
        KEY.to_owned(),
        format!("0x{KEY}"),
        format!("is this right? {}", KEY.to_uppercase()),
    ] {
        assert_redacted(&text, &KEY[8..40], &[SecretKind::PrivateKey]);
    }
}

#[test]
fn wif_keys_compressed_and_uncompressed_with_or_without_a_label() {
    for wif in [
        "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
        "KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617",
        "L3p8oAcQTtuokSCRHQ7i4MhjWc9zornvpJLfmg62sYpLRJF9woSu",
    ] {
        assert_redacted(&format!("my old paper wallet says {wif}"), wif, &[SecretKind::PrivateKey]);
        assert_redacted(wif, wif, &[SecretKind::PrivateKey]);
        assert_redacted(&format!("纸钱包上印的是{wif}，还能用吗"), wif, &[SecretKind::PrivateKey]);
    }
}

#[test]
fn extended_private_keys_always() {
    let xprv = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";
    assert_redacted(xprv, xprv, &[SecretKind::PrivateKey]);
    assert_redacted(&format!("扩展私钥 {xprv}"), xprv, &[SecretKind::PrivateKey]);
}

#[test]
fn look_alike_hashes_addresses_and_base58_references_stay() {
    assert_untouched(&format!("TxID: {KEY}"));
    assert_untouched(&format!("hash: 0x{KEY}"));
    assert_untouched(&format!("block hash {KEY}"));
    assert_untouched(&format!("區塊 0x{KEY}"));
    assert_untouched("address 0x52908400098527886E0F7030069857D2E4169EE7");
    // Base58 of the right length and first letter, but no valid checksum.
    assert_untouched("ref 5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTK");
    assert_untouched("KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98618");
    // 63 and 65 hex digits are neither keys nor hashes.
    assert_untouched(&format!("id {}", &KEY[1..]));
    assert_untouched(&format!("id {KEY}a"));
}

#[test]
fn card_numbers_in_every_layout() {
    for card in [
        "4111111111111111",
        "4111 1111 1111 1111",
        "5500-0000-0000-0004",
        "3782 822463 10005",
        "6222 0202 0011 2233 446",
    ] {
        let text = assert_redacted(&format!("my card is {card}, thanks"), card, &[SecretKind::CardNumber]);
        assert_eq!(text, "my card is [redacted: card number], thanks");
    }
}

#[test]
fn cvv_next_to_keyword() {
    assert_eq!(assert_redacted("CVV: 737", "737", &[SecretKind::Cvv]), "CVV: [redacted: cvv]");
    assert_redacted("卡背面三位数 737", "737", &[SecretKind::Cvv]);
}

#[test]
fn one_time_codes_next_to_keyword() {
    assert_eq!(
        assert_redacted("验证码 482913", "482913", &[SecretKind::OneTimeCode]),
        "验证码 [redacted: one-time code]"
    );
    assert_redacted("the code is 482913", "482913", &[SecretKind::OneTimeCode]);
    assert_redacted("OTP: 4829", "4829", &[SecretKind::OneTimeCode]);
}

#[test]
fn passwords_after_keyword() {
    assert_eq!(
        assert_redacted("my password is Hunter2024!", "Hunter2024", &[SecretKind::Password]),
        "my password is [redacted: password]"
    );
    assert_redacted("密码是qwe12345", "qwe12345", &[SecretKind::Password]);
    assert_redacted("pwd: s3cr3t-pass", "s3cr3t-pass", &[SecretKind::Password]);
}

#[test]
fn prc_id_numbers_with_valid_check_character() {
    assert_redacted("身份证号 11010519491231002X", "11010519491231002X", &[SecretKind::IdNumber]);
    assert_redacted("ID 110105 19491231 002X", "19491231", &[SecretKind::IdNumber]);
}

#[test]
fn everything_at_once() {
    let text = format!("card 4111 1111 1111 1111 cvv 123 code 918273 password is abc12345 {SEED_EN}");
    let r = redact(&text);
    assert_eq!(
        r.found,
        vec![
            SecretKind::CardNumber,
            SecretKind::Cvv,
            SecretKind::OneTimeCode,
            SecretKind::Password,
            SecretKind::SeedPhrase
        ]
    );
}

#[test]
fn look_alike_wallet_address() {
    assert_untouched("please send it to 0x52908400098527886E0F7030069857D2E4169EE7 on Ethereum");
}

#[test]
fn look_alike_labelled_transaction_hash() {
    assert_untouched(&format!("tx hash: 0x{KEY}"));
    assert_untouched(&format!("交易哈希 0x{KEY}"));
    assert_untouched(&format!("Transaction ID {KEY}"));
}

#[test]
fn look_alike_order_and_reference_numbers() {
    assert_untouched("订单号 JD20240415883201，流水号 TX20240506103215567");
    assert_untouched("Reference: INT-20240601-33871, case 88213");
    // Passes Luhn, but is labelled as an order number.
    assert_untouched("order number 4111111111111111");
}

#[test]
fn look_alike_amounts_and_dates() {
    assert_untouched("I paid ¥12,000.00 on 2024-05-06 and USD 3,400.50 on 01/06/2024");
    assert_untouched("2024-05-06 2024-05-07 2024-05-08");
    assert_untouched("转账 50000 元，时间 2024年5月6日 10:32");
}

#[test]
fn look_alike_numbers_failing_luhn() {
    assert_untouched("4111 1111 1111 1112");
    assert_untouched("6222020200112233441");
    assert_untouched("11010519491231002Y and 110105194912310021");
}

#[test]
fn look_alike_talk_about_secrets() {
    assert_untouched("I forgot my password, how do I reset it?");
    assert_untouched("验证码一直收不到，密码是什么意思？");
    assert_untouched("error code 5003 when I open the bill page");
    assert_untouched("what is a seed phrase and where do I find my private key?");
}

/// Appends the Luhn check digit to `payload`.
fn with_luhn_digit(payload: &str) -> String {
    (0..=9).map(|d| format!("{payload}{d}")).find(|n| luhn_valid(n)).expect("one digit completes any payload")
}

proptest! {
    #[test]
    fn luhn_accepts_its_own_check_digit(payload in "[0-9]{12,18}") {
        prop_assert!(luhn_valid(&with_luhn_digit(&payload)));
    }

    #[test]
    fn luhn_catches_every_single_digit_error(payload in "[0-9]{12,18}", at in 0usize..19, delta in 1u32..10) {
        let number = with_luhn_digit(&payload);
        let at = at % number.len();
        let mut digits: Vec<char> = number.chars().collect();
        let d = digits[at].to_digit(10).unwrap();
        digits[at] = char::from_digit((d + delta) % 10, 10).unwrap();
        let changed: String = digits.into_iter().collect();
        prop_assert!(!luhn_valid(&changed));
    }

    #[test]
    fn luhn_ignores_spaces_and_dashes(payload in "[0-9]{15}") {
        let number = with_luhn_digit(&payload);
        let spaced: String = number.chars().enumerate().flat_map(|(i, c)| if i > 0 && i % 4 == 0 { vec!['-', c] } else { vec![c] }).collect();
        prop_assert!(luhn_valid(&spaced));
    }

    #[test]
    fn prc_id_accepts_its_own_check_character(
        region in 110000u32..659999, year in 1930u32..2020, month in 1u32..=12, day in 1u32..=28, seq in 0u32..1000,
    ) {
        let first17 = format!("{region:06}{year:04}{month:02}{day:02}{seq:03}");
        let check = prc_id_check_char(&first17).unwrap();
        let id = format!("{first17}{check}");
        prop_assert!(prc_id_valid(&id));
        // Any other check character is wrong.
        for other in "0123456789X".chars().filter(|&c| c != check) {
            let wrong = format!("{first17}{other}");
            prop_assert!(!prc_id_valid(&wrong));
        }
    }

    #[test]
    fn valid_cards_never_survive_redaction(payload in "4[0-9]{14}") {
        let card = with_luhn_digit(&payload);
        let r = redact(&format!("my card {card} please"));
        prop_assert!(!r.text.contains(&card));
        prop_assert_eq!(r.found, vec![SecretKind::CardNumber]);
    }

    #[test]
    fn luhn_failing_numbers_are_never_redacted(payload in "4[0-9]{14}", wrong in 1u32..10) {
        let card = with_luhn_digit(&payload);
        let last = card.chars().last().unwrap().to_digit(10).unwrap();
        let bad = format!("{}{}", &card[..15], (last + wrong) % 10);
        let text = format!("number {bad} here");
        prop_assert_eq!(redact(&text).text, text);
    }

    #[test]
    fn plain_words_are_never_redacted(words in prop::collection::vec("(refund|payment|failed|my|the|card|wallet|转账|失败|退款|账户|please|help|yesterday|¥120|2024-05-06)", 0..40)) {
        let text = words.join(" ");
        prop_assert_eq!(redact(&text).text, text);
    }
}
