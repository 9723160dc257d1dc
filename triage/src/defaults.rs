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

/// Patterns that file a message under `account_compromised` whatever the model says: a stolen
/// account filed under "how-to" waits hours while money drains, so these favour recall.
/// Matched against the normalised text (lower case, Traditional Chinese mapped to Simplified).
pub(crate) const COMPROMISED_PATTERNS: &[&str] = &[
    // English: theft, hacking, fraud.
    r"(?-u:\b)(?:stolen|hacked|hijacked|compromised)(?-u:\b)",
    r"(?-u:\b)unauthori[sz]ed(?-u:\b)",
    r"(?-u:\b)(?:phish(?:ed|ing)?|scam(?:med)?)(?-u:\b)",
    r"(?-u:\b)(?:wasn'?t|was not|that'?s not|that is not|it'?s not|it is not) me(?-u:\b)",
    // "transactions I never made", "I didn't authorize this payment".
    r"(?-u:\b)(?:transactions?|payments?|charges?|transfers?|purchases?|withdrawals?)(?-u:\b)[^.!?\n]{0,40}(?-u:\b)(?:i|we)\s+(?:did\s*n[o']?t|never|have\s*n[o']?t)\s+(?:make|made|authori[sz]e|authori[sz]ed|do|did|request|requested|recogni[sz]e)(?-u:\b)",
    r"(?-u:\b)(?:did\s*n[o']?t|never|have\s*n[o']?t)\s+(?:make|made|authori[sz]e|authori[sz]ed|request|requested|recogni[sz]e)(?-u:\b)[^.!?\n]{0,30}(?-u:\b)(?:transactions?|payments?|charges?|transfers?|purchases?|withdrawals?|logins?)(?-u:\b)",
    r"(?-u:\b)someone(?-u:\b)[^.!?\n]{0,30}(?-u:\b)(?:logged|log in|accessed|used|changed|transferred|took|stole|spent|withdrew)(?-u:\b)",
    r"(?-u:\b)(?:unknown|unrecogni[sz]ed|strange|suspicious)\s+(?:device|login|log-in|sign-in|location|phone|activity)(?-u:\b)",
    r"(?-u:\b)lost my (?:phone|mobile)(?-u:\b)",
    // The alert itself, quoted: "new device login".
    r"(?-u:\b)new (?:device|phone|location) (?:login|log-in|sign-in|sign in)(?-u:\b)",
    // Chinese: theft, fraud, logins and transfers the owner did not make.
    r"被盗|盗刷|盗用|被黑|被入侵|被hack",
    r"非本人|不是(?:我|本人)(?:本人)?(?:操作|转|买|消费|登录|登陆|支付|付|做)",
    // "不是我" standing alone: "that wasn't me".
    r"不是我(?:本人)?(?:[，,。.!！]|$)",
    r"(?:我|本人)(?:没有|没|从未|从来没有?)(?:操作|买|消费|转账|登录|授权)过?",
    r"异地登录|异地登陆|陌生设备|陌生手机|不明设备|新设备登录",
    r"被骗|诈骗|骗子|钓鱼|假网站|假客服|冒充客服|自称客服",
    r"被转走|被人转|转走了",
    r"(?:手机|钱包)[^，。！？\n]{0,4}(?:丢|被偷|被盗|被抢)",
    r"有人[^，。！？\n]{0,8}(?:改了|修改了|登录了|登了|用了我|转走|盗)",
    r"验证码[^，。！？\n]{0,10}(?:告诉|给了|发给)",
    r"(?:登录|登陆)[^\n]{0,30}(?:我人在|本人在|没去过)",
];

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
