//! The shipped defaults: the wallet taxonomy, the never-miss rules and the priority wording.

/// The default category taxonomy of a mobile-wallet support desk.
pub(crate) const CATEGORIES: &[&str] = &[
    "payment_failed",
    "funds_not_received",
    "account_compromised",
    "account_locked",
    "password_reset",
    "refund",
    "international",
    "app_technical",
    "how_to",
    "account_closure",
    "feedback",
    "other",
];

/// The category that is never allowed to wait.
pub(crate) const COMPROMISED: &str = "account_compromised";

/// Categories where a large amount of money makes the problem more urgent.
pub(crate) const MONEY_CATEGORIES: &[&str] =
    &["payment_failed", "funds_not_received", "refund", "international", "account_locked"];

/// Categories that start at low priority.
pub(crate) const LOW_CATEGORIES: &[&str] = &["feedback"];

/// CNY per unit of each currency, for comparing amounts with `large_amount`. Rough rates are
/// enough: this only decides whether an amount is large.
pub(crate) const EXCHANGE_RATES: &[(&str, f64)] = &[
    ("aud", 4.7),
    ("cad", 5.2),
    ("cny", 1.0),
    ("eur", 7.8),
    ("gbp", 9.1),
    ("hkd", 0.92),
    ("jpy", 0.048),
    ("krw", 0.0052),
    ("sgd", 5.3),
    ("usd", 7.2),
];

/// Wording that says the customer has been in touch before about the same thing.
pub(crate) const REPEAT_TERMS: &[&str] = &[
    "again",
    "third time",
    "fourth time",
    "3rd time",
    "4th time",
    "three times",
    "3 times",
    "times now",
    "still not",
    "still no",
    "still waiting",
    "haven't heard back",
    "no one replied",
    "nobody replied",
    "my third",
    "第二次",
    "第三次",
    "第四次",
    "好几次",
    "多次",
    "又",
    "还是没",
    "还没有",
    "一直没",
    "至今",
    "仍然",
    "催",
];

/// Angry or exasperated wording.
pub(crate) const ANGRY_TERMS: &[&str] = &[
    "ridiculous",
    "unacceptable",
    "not acceptable",
    "joke",
    "wtf",
    "terrible",
    "worst",
    "scam",
    "complaint",
    "regulator",
    "lawyer",
    "furious",
    "angry",
    "fed up",
    "frustrated",
    "!!!",
    "???",
    "投诉",
    "气死",
    "烦死",
    "急死",
    "到底",
    "太差",
    "垃圾",
    "消协",
    "监管",
    "报警",
    "骗子",
    "！！",
    "？？",
];

/// Time pressure: the customer needs it now.
pub(crate) const URGENCY_TERMS: &[&str] = &[
    "urgent",
    "asap",
    "immediately",
    "right now",
    "by friday",
    "waiting at",
    "cannot accept payments",
    "can't accept payments",
    "costing me",
    "losing money",
    "rent",
    "hospital",
    "salary",
    "employees",
    "紧急",
    "急",
    "马上",
    "立刻",
    "尽快",
    "房租",
    "工资",
    "医院",
    "影响营业",
    "影响生意",
    "影响出货",
    "排队",
];

/// Wording that says it can wait.
pub(crate) const CALM_TERMS: &[&str] = &[
    "not urgent",
    "no rush",
    "just curious",
    "just wondering",
    "quick question",
    "when you have time",
    "just letting you know",
    "不急",
    "有空",
    "顺便问",
    "随便问",
];
