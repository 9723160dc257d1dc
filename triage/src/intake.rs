//! Transaction details in a customer's words: when, how much, to whom, which order. Support
//! needs them before it can trace money that has not arrived or a payment that failed, and
//! asks for them while the customer waits; this reads the answers (and anything the first
//! message already said) into fields. Only what is marked as such counts: a bare number may
//! be anything.

use std::sync::LazyLock;

use regex::Regex;

use crate::amount::marked_amounts;
use crate::text::normalize;

/// A date, a time of day or a day named relative to today, in Chinese or English. Adjacent
/// ones ("昨天下午3点", "yesterday at 14:30") are read together.
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?",
        r"|\d{1,2}月\d{1,2}[日号]",
        r"|\b\d{1,2}/\d{1,2}\b",
        r"|(?:上午|下午|晚上|早上|中午|凌晨|傍晚)?\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?:[ \t]?[ap]\.?m\b\.?)?",
        r"|(?:上午|下午|晚上|早上|中午|凌晨|傍晚)?\d{1,2}[点时](?:\d{1,2}分|半)?",
        r"|\b\d{1,2}[ \t]?[ap]\.?m\b\.?",
        r"|今天|昨天|前天|今早|昨晚|上午|下午|晚上|凌晨",
        r"|\b(?:today|yesterday|last night|this morning|this afternoon|this evening|tonight)\b",
        r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
    ))
    .expect("time pattern is valid")
});

/// What may stand between two parts of one time ("yesterday at 3pm", "12月6日 14:30").
static TIME_GLUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(?:[ \t]|,|，|at|around|about|大约|左右|的)*$").expect("glue pattern is valid"));

/// The counterparty after the words that introduce one.
static COUNTERPARTY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:(?:recipient|payee|merchant|counterparty|receiver|beneficiary)(?:'s)?(?:\s+(?:is|was|name|account))?\s*[:：]?",
        r"|(?:sent|paid|transferred|transfer|payment|pay|paying|sending)\b[^.,;!?\n]{0,30}?\bto)\s*",
        r"(?P<latin>[\p{Latin}\d@_*][\p{Latin}\d@._\-*]*(?:\s+[\p{Lu}\d*][\p{Latin}\d._\-*]*){0,3})",
        r"|(?:收款人|收款方|收款账户|收款账号|对方账户|对方账号|对方|商户|商家|转给|转账给|付给|打给|汇给|转到)",
        r"(?:是|为|叫)?\s*[:：]?\s*(?P<han>[\p{Han}]{2,10}|[\p{Latin}\d@._\-*]{2,40})",
    ))
    .expect("counterparty pattern is valid")
});

/// An order or transaction number after the words that introduce one.
static ORDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:order|transaction|txn|reference|ref)(?:\s*(?:no\.?|number|id|#))?\s*(?:is|was)?\s*[:：#]?\s*",
        r"(?P<latin>[A-Za-z0-9][A-Za-z0-9\-]{5,39})",
        r"|(?:订单号|订单编号|订单|交易号|交易单号|流水号|单号)(?:是|为)?\s*[:：#]?\s*(?P<han>[A-Za-z0-9][A-Za-z0-9\-]{5,39})",
    ))
    .expect("order pattern is valid")
});

/// An amount given as an answer ("amount: 500", "金额500"), which names no currency.
static ANSWERED_AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:amount|金额|数额)\s*(?:is|was|是|为)?\s*[:：]?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)",
    )
    .expect("amount pattern is valid")
});

/// Words a counterparty match may run into and that are not part of it.
const COUNTERPARTY_STOP: &[&str] = &["on", "at", "yesterday", "today", "but", "and", "for", "last", "this", "it"];
/// Chinese particles a name match may run into.
const HAN_TRAILERS: &[char] = &['了', '的', '啊', '呢', '吧', '吗', '后', '时'];

/// An amount of money.
#[derive(Clone, Debug, PartialEq)]
pub struct Money {
    /// The amount as a decimal number (`500`, `3400.5`).
    pub value: String,
    /// Upper-case ISO 4217 code; `CNY` when the customer named none.
    pub currency: String,
}

/// What one message says of a transaction; each field `None` when it says nothing of it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransactionDetails {
    pub time: Option<String>,
    pub amount: Option<Money>,
    pub counterparty: Option<String>,
    pub order_number: Option<String>,
}

/// Reads the transaction details out of one customer message.
pub fn transaction_details(text: &str) -> TransactionDetails {
    TransactionDetails {
        time: time(text),
        amount: amount(text),
        counterparty: counterparty(text),
        order_number: ORDER
            .captures(text)
            .and_then(|c| c.name("latin").or(c.name("han")))
            .map(|m| m.as_str().to_owned())
            // A word after "order" ("order failed") is not a number.
            .filter(|n| n.chars().any(|c| c.is_ascii_digit())),
    }
}

fn time(text: &str) -> Option<String> {
    let mut found = TIME.find_iter(text);
    let first = found.next()?;
    let (start, mut end) = (first.start(), first.end());
    for next in found {
        if !TIME_GLUE.is_match(&text[end..next.start()]) {
            break;
        }
        end = next.end();
    }
    Some(text[start..end].trim().to_owned())
}

fn amount(text: &str) -> Option<Money> {
    let normalized = normalize(text);
    let (value, currency) = marked_amounts(&normalized).next().or_else(|| {
        let caps = ANSWERED_AMOUNT.captures(&normalized)?;
        Some((caps.name("num")?.as_str().replace(',', "").parse().ok()?, None))
    })?;
    Some(Money { value: decimal(value), currency: currency.unwrap_or("cny").to_uppercase() })
}

/// `value` with at most two decimals and none when it is whole.
fn decimal(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn counterparty(text: &str) -> Option<String> {
    COUNTERPARTY.captures_iter(text).find_map(|caps| {
        if let Some(han) = caps.name("han") {
            let name = han.as_str().trim_end_matches(HAN_TRAILERS);
            return (name.chars().count() >= 2).then(|| name.to_owned());
        }
        let words: Vec<&str> = caps.name("latin")?.as_str().split_whitespace().collect();
        let kept: Vec<&str> =
            words.into_iter().take_while(|w| !COUNTERPARTY_STOP.contains(&w.to_lowercase().as_str())).collect();
        let name = kept.join(" ").trim_end_matches(['.', '-']).to_owned();
        // "to me", "to my account": the customer, not a counterparty.
        let own = ["me", "my", "myself", "the", "a", "an"];
        (!name.is_empty() && !own.contains(&kept[0].to_lowercase().as_str())).then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(value: &str, currency: &str) -> Option<Money> {
        Some(Money { value: value.into(), currency: currency.into() })
    }

    #[test]
    fn reads_an_english_answer_to_the_questions() {
        let d = transaction_details("I sent $350 to Zhang Wei yesterday at 3pm, order number 20261206883201");
        assert_eq!(d.time.as_deref(), Some("yesterday at 3pm"));
        assert_eq!(d.amount, money("350", "USD"));
        assert_eq!(d.counterparty.as_deref(), Some("Zhang Wei"));
        assert_eq!(d.order_number.as_deref(), Some("20261206883201"));
    }

    #[test]
    fn reads_a_chinese_answer() {
        let d = transaction_details("昨天下午3点转给李娜5000元，订单号：TX20261206001，还没到账");
        assert_eq!(d.time.as_deref(), Some("昨天下午3点"));
        assert_eq!(d.amount, money("5000", "CNY"));
        assert_eq!(d.counterparty.as_deref(), Some("李娜"));
        assert_eq!(d.order_number.as_deref(), Some("TX20261206001"));
        let d = transaction_details("收款人：王芳 2026-12-06 14:30 金额 1,299.50");
        assert_eq!(d.counterparty.as_deref(), Some("王芳"));
        assert_eq!(d.time.as_deref(), Some("2026-12-06 14:30"));
        assert_eq!(d.amount, money("1299.5", "CNY"));
    }

    #[test]
    fn reads_labelled_fields_and_merchants() {
        let d = transaction_details("Time: 12/06 14:05\nAmount: 88\nMerchant: CoffeeHouse Ltd");
        assert_eq!(d.time.as_deref(), Some("12/06 14:05"));
        assert_eq!(d.amount, money("88", "CNY"));
        assert_eq!(d.counterparty.as_deref(), Some("CoffeeHouse Ltd"));
    }

    #[test]
    fn finds_nothing_where_nothing_is_said() {
        assert_eq!(transaction_details("my money has not arrived, please help"), TransactionDetails::default());
        // "order failed" names no order; "to me" no counterparty; a bare number no amount.
        let d = transaction_details("the order failed and they sent nothing to me, I waited 45 minutes");
        assert_eq!(d, TransactionDetails::default());
    }
}
