//! The compromise detector: recognises, in Chinese, English or both, that someone other than the
//! customer is acting on the account, whatever the category model thinks.
//!
//! It works on concepts, not keywords. `data/compromise.txt` lists the words of each *cue*
//! ("another person", "a device", "the customer denies it", "a login", "money leaving now"), and
//! a *signal* is a combination of cues found close together: another person + an action on the
//! account, a login + a device + "not mine", a transaction + a denial, a security change + a
//! notice of it, a plea to freeze + urgency, a screen-share or "safe account" scam. Each signal
//! carries the English sentence an agent sees. Negation ("I don't think I've been hacked") and
//! hypotheticals ("how do I protect against fraud") turn a cue off; tuned for recall, since a
//! stolen account filed as a how-to question waits while money drains.

use std::ops::Range;

use crate::terms::TermMatcher;

/// The cue lists (`triage/data/compromise.txt`).
const CUES: &str = include_str!("../data/compromise.txt");

/// The concepts the cue file names, one bit each in a `u32` set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Theft,
    ScamTool,
    Impersonation,
    Suspicious,
    Draining,
    DenialAlone,
    Someone,
    Acted,
    UsedPassive,
    Login,
    Device,
    NotMine,
    Place,
    Elsewhere,
    Notice,
    Denial,
    Transaction,
    MoneyGone,
    SecurityChange,
    SelfChange,
    FreezeRequest,
    Urgent,
    Code,
    GaveAway,
    Lost,
    Resolved,
    Negator,
    Hypothetical,
    Cancel,
}

impl Cue {
    const ALL: [Cue; 29] = [
        Cue::Theft,
        Cue::ScamTool,
        Cue::Impersonation,
        Cue::Suspicious,
        Cue::Draining,
        Cue::DenialAlone,
        Cue::Someone,
        Cue::Acted,
        Cue::UsedPassive,
        Cue::Login,
        Cue::Device,
        Cue::NotMine,
        Cue::Place,
        Cue::Elsewhere,
        Cue::Notice,
        Cue::Denial,
        Cue::Transaction,
        Cue::MoneyGone,
        Cue::SecurityChange,
        Cue::SelfChange,
        Cue::FreezeRequest,
        Cue::Urgent,
        Cue::Code,
        Cue::GaveAway,
        Cue::Lost,
        Cue::Resolved,
        Cue::Negator,
        Cue::Hypothetical,
        Cue::Cancel,
    ];

    /// The name used in the cue file.
    fn name(self) -> &'static str {
        match self {
            Cue::Theft => "theft",
            Cue::ScamTool => "scam_tool",
            Cue::Impersonation => "impersonation",
            Cue::Suspicious => "suspicious",
            Cue::Draining => "draining",
            Cue::DenialAlone => "denial_alone",
            Cue::Someone => "someone",
            Cue::Acted => "acted",
            Cue::UsedPassive => "used_passive",
            Cue::Login => "login",
            Cue::Device => "device",
            Cue::NotMine => "not_mine",
            Cue::Place => "place",
            Cue::Elsewhere => "elsewhere",
            Cue::Notice => "notice",
            Cue::Denial => "denial",
            Cue::Transaction => "transaction",
            Cue::MoneyGone => "money_gone",
            Cue::SecurityChange => "security_change",
            Cue::SelfChange => "self_change",
            Cue::FreezeRequest => "freeze_request",
            Cue::Urgent => "urgent",
            Cue::Code => "code",
            Cue::GaveAway => "gave_away",
            Cue::Lost => "lost",
            Cue::Resolved => "resolved",
            Cue::Negator => "negator",
            Cue::Hypothetical => "hypothetical",
            Cue::Cancel => "cancel",
        }
    }

    const fn bit(self) -> u32 {
        1 << self as u32
    }
}

/// A set of cues.
const fn set(cues: &[Cue]) -> u32 {
    let mut bits = 0;
    let mut i = 0;
    while i < cues.len() {
        bits |= cues[i].bit();
        i += 1;
    }
    bits
}

/// Cues that a negation or a hypothetical just before them turns off. Denials are negations
/// themselves, and the plain nouns ("a phone", "a payment") are not claims that can be denied.
const NEGATABLE: u32 = set(&[
    Cue::Theft,
    Cue::ScamTool,
    Cue::Impersonation,
    Cue::Suspicious,
    Cue::Draining,
    Cue::Someone,
    Cue::MoneyGone,
    Cue::SecurityChange,
    Cue::FreezeRequest,
    Cue::Urgent,
    Cue::Lost,
]);

/// Cues whose negation ("没有被盗", "not hacked") rules a compromise out altogether.
const DENIABLE: u32 = set(&[Cue::Theft, Cue::ScamTool, Cue::Suspicious]);

/// What the detector makes of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Assessment {
    /// A signal fired: file it as compromised, for this reason.
    Signal(&'static str),
    /// No signal, and the customer says in so many words that nothing was stolen or hacked
    /// (or that they made the change themselves): the category model's `account_compromised`
    /// is no answer either.
    Denied,
    Nothing,
}

/// Cues that only modify others.
const MODIFIERS: u32 = set(&[Cue::Negator, Cue::Hypothetical, Cue::Cancel]);

/// Cues that only count against a signal.
const AGAINST: u32 = set(&[Cue::SelfChange, Cue::Resolved]);

/// A combination of cues that says the account is in someone else's hands.
#[derive(Clone, Copy)]
struct Signal {
    /// One cue of each group must be found, each a different mention, all within `window`
    /// bytes of the first group's mention.
    groups: &'static [u32],
    window: usize,
    /// The mentions must also share a clause ("lost my phone", not "old phone. I lost my SIM").
    clause: bool,
    /// Any of these anywhere in the message cancels the signal.
    unless: u32,
    /// What the agent is told.
    says: &'static str,
}

/// The signals, in the order they are tried; the first that fires is reported.
const SIGNALS: &[Signal] = &[
    Signal {
        groups: &[Cue::Theft.bit()],
        window: 0,
        clause: false,
        unless: Cue::Resolved.bit(),
        says: "the customer says the account, card or phone was stolen, hacked or defrauded",
    },
    Signal {
        groups: &[Cue::ScamTool.bit()],
        window: 0,
        clause: false,
        unless: 0,
        says: "a screen-share, remote-control or \"safe account\" scam",
    },
    Signal {
        groups: &[Cue::Impersonation.bit()],
        window: 0,
        clause: false,
        unless: 0,
        says: "someone posing as support, a bank or the police",
    },
    Signal {
        groups: &[Cue::Suspicious.bit()],
        window: 0,
        clause: false,
        unless: 0,
        says: "an unknown device, an unusual login or suspicious activity",
    },
    Signal {
        groups: &[Cue::Draining.bit()],
        window: 0,
        clause: false,
        unless: 0,
        says: "money leaving the account right now",
    },
    Signal {
        groups: &[Cue::DenialAlone.bit()],
        window: 0,
        clause: false,
        unless: 0,
        says: "the customer says it was not them",
    },
    Signal {
        groups: &[Cue::Login.bit(), Cue::Device.bit(), Cue::NotMine.bit()],
        window: 100,
        clause: false,
        unless: 0,
        says: "a login from a device the customer does not have",
    },
    Signal {
        groups: &[
            Cue::Login.bit(),
            set(&[Cue::Place, Cue::Elsewhere]),
            set(&[Cue::Notice, Cue::Denial, Cue::NotMine, Cue::Elsewhere]),
        ],
        window: 120,
        clause: false,
        unless: 0,
        says: "a login from a place the customer is not",
    },
    Signal {
        groups: &[Cue::Someone.bit(), Cue::Acted.bit()],
        window: 60,
        clause: false,
        unless: 0,
        says: "someone else acting on the customer's account",
    },
    Signal {
        groups: &[Cue::UsedPassive.bit(), set(&[Cue::Place, Cue::Elsewhere, Cue::Denial, Cue::NotMine])],
        window: 150,
        clause: false,
        unless: 0,
        says: "the account used somewhere or by someone the customer is not",
    },
    Signal {
        groups: &[Cue::Someone.bit(), Cue::MoneyGone.bit()],
        window: 200,
        clause: false,
        unless: 0,
        says: "money gone after a stranger's contact",
    },
    Signal {
        groups: &[Cue::Transaction.bit(), Cue::Denial.bit()],
        window: 150,
        clause: false,
        unless: 0,
        says: "transactions the customer denies making",
    },
    Signal {
        groups: &[set(&[Cue::Login, Cue::MoneyGone]), Cue::Denial.bit()],
        window: 100,
        clause: false,
        unless: 0,
        says: "a login or a loss the customer denies causing",
    },
    Signal {
        groups: &[Cue::SecurityChange.bit(), set(&[Cue::Notice, Cue::Denial])],
        window: 150,
        clause: false,
        unless: Cue::SelfChange.bit(),
        says: "a security change the customer did not make",
    },
    Signal {
        groups: &[Cue::FreezeRequest.bit(), set(&[Cue::Urgent, Cue::MoneyGone, Cue::Denial, Cue::Draining])],
        window: 120,
        clause: false,
        unless: 0,
        says: "an urgent plea to freeze the account",
    },
    Signal {
        groups: &[Cue::Code.bit(), Cue::GaveAway.bit()],
        window: 40,
        clause: true,
        unless: 0,
        says: "the customer gave a one-time code to someone",
    },
    Signal {
        groups: &[Cue::Device.bit(), Cue::Lost.bit()],
        window: 20,
        clause: true,
        unless: Cue::Resolved.bit(),
        says: "a lost or stolen phone",
    },
];

/// English words that may stand between a negation and what it negates: "not *been*
/// hacked", "don't *think I've been* hacked".
const FILLERS: &[&str] = &[
    "a", "account", "actually", "any", "anything", "are", "be", "been", "being", "believe", "card", "even", "ever",
    "found", "get", "got", "gotten", "had", "has", "have", "i", "i'm", "i've", "im", "is", "it", "it's", "its", "like",
    "look", "looks", "me", "my", "noticed", "of", "our", "phone", "really", "see", "seem", "seems", "seen", "sign",
    "signs", "that", "the", "there", "think", "this", "to", "was", "wallet", "we", "we've", "were", "yet",
];

/// Characters that end the clause a negation reaches over.
fn ends_clause(c: char) -> bool {
    matches!(c, ',' | '.' | '!' | '?' | ';' | ':' | '\n' | '，' | '。' | '！' | '？' | '；' | '：' | '、')
}

/// One cue-file term found in the text.
#[derive(Debug, Clone)]
struct Hit {
    range: Range<usize>,
    cues: u32,
}

/// The compiled cue lists.
#[derive(Debug, Clone)]
pub(crate) struct Detector {
    terms: TermMatcher,
    /// The cues of each term (a term may belong to several).
    cues_of: Vec<u32>,
}

impl Detector {
    /// The detector with the built-in cue lists.
    pub fn new() -> Self {
        Self::parse(CUES).expect("the built-in cue file parses (checked by a unit test)")
    }

    fn parse(source: &str) -> Result<Self, String> {
        let mut terms: Vec<String> = Vec::new();
        let mut cues_of: Vec<u32> = Vec::new();
        for (number, line) in source.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, list) =
                line.split_once(':').ok_or_else(|| format!("cue line {}: expected `cue: terms`", number + 1))?;
            let cue = Cue::ALL
                .into_iter()
                .find(|c| c.name() == name.trim())
                .ok_or_else(|| format!("cue line {}: unknown cue `{}`", number + 1, name.trim()))?;
            for term in list.split('|').flat_map(|t| expand(t.trim())) {
                match terms.iter().position(|t| *t == term) {
                    Some(at) => cues_of[at] |= cue.bit(),
                    None => {
                        terms.push(term);
                        cues_of.push(cue.bit());
                    }
                }
            }
        }
        let terms = TermMatcher::new(&terms).map_err(|e| format!("cue file: {e}"))?;
        Ok(Self { terms, cues_of })
    }

    /// What in `normalized` (text passed through `text::normalize`) says the account is
    /// compromised, as a sentence for the agent, or whether the customer ruled it out.
    pub fn assess(&self, normalized: &str) -> Assessment {
        let mut hits = Vec::new();
        self.terms.for_each(normalized, |term, range| hits.push(Hit { range, cues: self.cues_of[term] }));
        if hits.iter().all(|h| h.cues & !(MODIFIERS | AGAINST) == 0) {
            return Assessment::Nothing;
        }
        // A mention overlapping a cancelling term is dropped unless it contains that term.
        let cancelled = |c: &Range<usize>, h: &Range<usize>| {
            c.start < h.end && h.start < c.end && !(h.start <= c.start && c.end <= h.end)
        };
        let cancels: Vec<Range<usize>> =
            hits.iter().filter(|h| h.cues & Cue::Cancel.bit() != 0).map(|h| h.range.clone()).collect();
        hits.retain(|h| h.cues & Cue::Cancel.bit() != 0 || !cancels.iter().any(|c| cancelled(c, &h.range)));
        let modifiers: Vec<Hit> = hits.iter().filter(|h| h.cues & MODIFIERS != 0).cloned().collect();
        let mut denied = false;
        for hit in &mut hits {
            if hit.cues & NEGATABLE != 0 && negated(normalized, &hit.range, &modifiers) {
                denied |= hit.cues & DENIABLE != 0;
                hit.cues &= !NEGATABLE;
            }
        }
        hits.retain(|h| h.cues & !MODIFIERS != 0);
        match SIGNALS.iter().find(|s| fires(s, normalized, &hits)) {
            Some(signal) => Assessment::Signal(signal.says),
            // "I changed my password myself": the customer explains away what would be a signal.
            None if denied
                || SIGNALS.iter().any(|s| s.unless != 0 && fires(&Signal { unless: 0, ..*s }, normalized, &hits)) =>
            {
                Assessment::Denied
            }
            None => Assessment::Nothing,
        }
    }
}

/// Whether a negation or hypothetical in the same clause reaches the cue at `range`.
fn negated(text: &str, range: &Range<usize>, modifiers: &[Hit]) -> bool {
    modifiers.iter().filter(|m| m.range.end <= range.start).any(|m| {
        let gap = &text[m.range.end..range.start];
        if gap.chars().any(ends_clause) {
            return false;
        }
        if m.cues & Cue::Hypothetical.bit() != 0 {
            return gap.len() <= 40;
        }
        m.cues & Cue::Negator.bit() != 0 && {
            let han = gap.chars().filter(|c| crate::text::is_han(*c)).count();
            // "没有被盗", "没被人盗用": a Chinese negation reaches over a few characters.
            (han > 0 && han <= 3 && gap.chars().all(|c| crate::text::is_han(c) || c.is_whitespace()))
                || (han == 0 && gap.split_whitespace().all(|w| FILLERS.contains(&w)))
        }
    })
}

/// Whether every group of `signal` has its own mention near a mention of the first group.
fn fires(signal: &Signal, text: &str, hits: &[Hit]) -> bool {
    if hits.iter().any(|h| h.cues & signal.unless != 0) {
        return false;
    }
    let Some((&first, rest)) = signal.groups.split_first() else { return false };
    hits.iter().enumerate().filter(|(_, h)| h.cues & first != 0).any(|(i, anchor)| {
        let mut used = vec![i];
        let near = |hit: &Hit| {
            let (a, h) = (&anchor.range, &hit.range);
            let distance = h.start.saturating_sub(a.end).max(a.start.saturating_sub(h.end));
            let between = &text[a.end.min(h.end)..a.start.max(h.start).max(a.end.min(h.end))];
            distance <= signal.window && !(signal.clause && between.chars().any(ends_clause))
        };
        choose(rest, hits, &near, &mut used)
    })
}

/// Picks a mention for each of `groups`, none already `used`, each `near` the anchor.
fn choose(groups: &[u32], hits: &[Hit], near: &impl Fn(&Hit) -> bool, used: &mut Vec<usize>) -> bool {
    let Some((&group, rest)) = groups.split_first() else { return true };
    for (j, hit) in hits.iter().enumerate() {
        if hit.cues & group != 0 && !used.contains(&j) && near(hit) {
            used.push(j);
            if choose(rest, hits, near, used) {
                return true;
            }
            used.pop();
        }
    }
    false
}

/// Expands every `[a/b/c]` in `term` into one term per alternative.
fn expand(term: &str) -> Vec<String> {
    let Some(open) = term.find('[') else { return vec![term.to_owned()] };
    let Some(close) = term[open..].find(']').map(|c| open + c) else { return vec![term.to_owned()] };
    let (head, tail) = (&term[..open], &term[close + 1..]);
    term[open + 1..close]
        .split('/')
        .flat_map(|alternative| expand(&format!("{head}{alternative}{tail}")))
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn signal(text: &str) -> Option<&'static str> {
        match Detector::new().assess(&normalize(text)) {
            Assessment::Signal(says) => Some(says),
            Assessment::Denied | Assessment::Nothing => None,
        }
    }

    #[test]
    fn cue_file_parses_and_expands() {
        assert_eq!(expand("[i/we] [did/never] make"), ["i did make", "i never make", "we did make", "we never make"]);
        assert_eq!(expand("plain"), ["plain"]);
        assert!(Detector::parse("nonsense: a").is_err());
        assert!(Detector::parse("theft a").is_err());
        let detector = Detector::new();
        assert!(detector.cues_of.iter().all(|&c| c != 0));
    }

    #[test]
    fn signals_name_what_matched() {
        assert_eq!(signal("my account was hacked"), Some(SIGNALS[0].says));
        assert_eq!(signal("有人登录了我的账户"), Some("someone else acting on the customer's account"));
        assert_eq!(
            signal("3 charges from Steam, none of them are mine"),
            Some("transactions the customer denies making")
        );
    }

    #[test]
    fn negation_and_hypotheticals_turn_cues_off() {
        assert_eq!(signal("I don't think I've been hacked, the card is just declined"), None);
        assert_eq!(signal("账户没有被盗，只是忘了密码"), None);
        assert_eq!(Detector::new().assess(&normalize("账户没有被盗，只是忘了密码")), Assessment::Denied);
        assert_eq!(Detector::new().assess(&normalize("忘了密码")), Assessment::Nothing);
        assert_eq!(signal("how do I protect my account against fraudulent logins"), None);
        assert_eq!(signal("如果手机丢了怎么办"), None);
        // A question is not a negation.
        assert!(signal("是不是被盗了").is_some());
        assert!(signal("I'm not sure if I was hacked").is_some());
    }

    #[test]
    fn theft_is_caught_in_both_languages() {
        for text in [
            "my phone was stolen, lock my wallet",
            "Someone logged into my account from another city",
            "there are 4 transactions I never made",
            "I did not authorize this payment",
            "URGENT my account was hacked",
            "I think I got phished",
            "我的账户被盗了",
            "帳戶被人盜用",
            "账单里多了三笔，是不是被盗刷了",
            "有人改了我的绑定手机号",
            "把验证码告诉他了，现在余额没了",
            "收到异地登录提醒",
            "手机丢了，钱包还登录着",
        ] {
            assert!(signal(text).is_some(), "{text}");
        }
    }

    #[test]
    fn helpers_and_ordinary_wording_are_no_signal() {
        for text in [
            "my payment failed twice today",
            "how do I change my password",
            "账户被冻结了，请帮我解冻",
            "退款什么时候到账",
            "the app crashes on start",
            "can someone help me log in",
            "有人工客服吗",
            "I changed my password and got an email saying the password was changed, is that normal?",
            "验证码一直没发给我",
            "how do I freeze my card while travelling",
            "我没收到转账",
            "I haven't used the app for months and forgot my payment password",
            "最近新闻里很多盗号的事，我想开启双重验证",
            "上个月手机丢了，多亏你们客服帮我处理好了，表扬一下",
            "Lost my old SIM. Now the reset code goes to my old phone number",
            "你们上次说是银行的问题，银行说不是",
        ] {
            assert_eq!(signal(text), None, "{text}");
        }
    }
}
