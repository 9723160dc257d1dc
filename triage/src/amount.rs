//! Money amounts in message text ("¥12,000.00", "USD 3,400", "5万", "两万多块", "12k RMB"), for
//! the large-amount priority signal. Only numbers marked as money count: a bare number may be a
//! date, an order number or a phone number.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

/// An amount with an optional currency marker before and/or after it. The number is either
/// digits (with thousands separators, decimals, and a k/千/万 multiplier) or one Chinese numeral
/// with 千/万 ("两万").
static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?P<pre>us\$|hk\$|s\$|a\$|c\$|\$|¥|￥|€|£|rmb|cny|usd|hkd|eur|gbp|jpy|krw|sgd|aud|cad|人民币)?\s?",
        r"(?:(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(?P<mult>k(?-u:\b)|千|万)?",
        r"|(?P<cjk>[一二两三四五六七八九十])(?P<cjkmult>千|万))",
        r"(?:多|余)?\s?",
        r"(?P<post>元|块|rmb(?-u:\b)|cny(?-u:\b)|yuan(?-u:\b)|usd(?-u:\b)|dollars?(?-u:\b)|hkd(?-u:\b)|eur(?-u:\b)|euros?(?-u:\b)|gbp(?-u:\b)|pounds?(?-u:\b)|jpy(?-u:\b)|yen(?-u:\b)|美元|美金|欧元|英镑|港币|港元|日元)?",
    ))
    .expect("amount pattern is valid")
});

/// The largest amount in `normalized` (lower-cased) text, converted to the base currency with
/// `rates` (base-currency units per unit, keyed by lower-case ISO code; an amount with no
/// currency, or one missing from `rates`, counts as base currency).
pub(crate) fn largest_amount(normalized: &str, rates: &BTreeMap<String, f64>) -> Option<f64> {
    marked_amounts(normalized)
        .map(|(value, currency)| value * currency.and_then(|c| rates.get(c)).copied().unwrap_or(1.0))
        .max_by(f64::total_cmp)
}

/// Every amount marked as money in `normalized` text, in order: its value and the lower-case
/// ISO code of its currency (`None`: the base currency, CNY).
pub(crate) fn marked_amounts(normalized: &str) -> impl Iterator<Item = (f64, Option<&'static str>)> + '_ {
    AMOUNT.captures_iter(normalized).filter_map(|caps| {
        let pre = caps.name("pre").map(|m| m.as_str());
        let post = caps.name("post").map(|m| m.as_str());
        let (value, chinese_multiplier) = if let Some(num) = caps.name("num") {
            let value: f64 = num.as_str().replace(',', "").parse().ok()?;
            let mult = caps.name("mult").map(|m| m.as_str());
            (value * multiplier(mult), matches!(mult, Some("千" | "万")))
        } else {
            let digit = chinese_digit(caps.name("cjk")?.as_str())?;
            (digit * multiplier(caps.name("cjkmult").map(|m| m.as_str())), true)
        };
        // 万/千 read as money on their own ("转账5万"); anything else needs a currency.
        if pre.is_none() && post.is_none() && !chinese_multiplier {
            return None;
        }
        Some((value, currency(pre.or(post))))
    })
}

fn multiplier(mult: Option<&str>) -> f64 {
    match mult {
        Some("k" | "K" | "千") => 1_000.0,
        Some("万") => 10_000.0,
        _ => 1.0,
    }
}

fn chinese_digit(c: &str) -> Option<f64> {
    let value = match c {
        "一" => 1,
        "二" | "两" => 2,
        "三" => 3,
        "四" => 4,
        "五" => 5,
        "六" => 6,
        "七" => 7,
        "八" => 8,
        "九" => 9,
        "十" => 10,
        _ => return None,
    };
    Some(f64::from(value))
}

/// The ISO code a currency marker stands for; `None` for the base currency's own markers.
fn currency(marker: Option<&str>) -> Option<&'static str> {
    Some(match marker? {
        "us$" | "$" | "usd" | "dollar" | "dollars" | "美元" | "美金" => "usd",
        "hk$" | "hkd" | "港币" | "港元" => "hkd",
        "s$" | "sgd" => "sgd",
        "a$" | "aud" => "aud",
        "c$" | "cad" => "cad",
        "€" | "eur" | "euro" | "euros" | "欧元" => "eur",
        "£" | "gbp" | "pound" | "pounds" | "英镑" => "gbp",
        "jpy" | "yen" | "日元" => "jpy",
        "krw" => "krw",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates() -> BTreeMap<String, f64> {
        [("usd".to_owned(), 7.0), ("hkd".to_owned(), 0.9), ("eur".to_owned(), 8.0)].into_iter().collect()
    }

    fn amount(text: &str) -> Option<f64> {
        largest_amount(&text.to_lowercase(), &rates())
    }

    #[test]
    fn reads_marked_amounts() {
        assert_eq!(amount("withdrawal of CNY 5,000.00 was processed"), Some(5000.0));
        assert_eq!(amount("金额 ¥12,000.00，提现"), Some(12000.0));
        assert_eq!(amount("一共2,370元"), Some(2370.0));
        assert_eq!(amount("i have ¥12k in it"), Some(12000.0));
        assert_eq!(amount("8,000 RMB"), Some(8000.0));
    }

    #[test]
    fn converts_currencies() {
        assert_eq!(amount("I sent USD 3,400"), Some(23800.0));
        assert_eq!(amount("returned $8,000"), Some(56000.0));
        assert_eq!(amount("HK$50,000"), Some(45000.0));
        assert_eq!(amount("€2,350"), Some(18800.0));
    }

    #[test]
    fn reads_chinese_multipliers() {
        assert_eq!(amount("转账5万未到账"), Some(50000.0));
        assert_eq!(amount("里面还有3万多块钱"), Some(30000.0));
        assert_eq!(amount("两万多块钱"), Some(20000.0));
    }

    #[test]
    fn ignores_unmarked_numbers() {
        assert_eq!(amount("order JD20240415883201 on 2024-05-06, call 13900000000"), None);
        assert_eq!(amount("waited 45 minutes"), None);
    }

    #[test]
    fn takes_the_largest() {
        assert_eq!(amount("¥499, ¥1,299, ¥2,000 and ¥880"), Some(2000.0));
    }
}
