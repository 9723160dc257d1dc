//! The mailbox the benchmark ingests: a deterministic mix of support mail as customers write
//! it. About two fifths are copies of the email channel's real-shaped fixtures (Outlook,
//! Gmail, QQ, Foxmail, Apple Mail, Thunderbird; GBK, GB18030, Big5, ISO-2022-JP, UTF-8;
//! HTML-only, multipart/alternative, replies with quoted history, one with attachments), each
//! copy with its own Message-ID, sender and subject; the rest are generated here in English
//! and Chinese: plain text, multipart/alternative, replies that thread onto the same
//! customer's earlier mail, and mail with a small screenshot attached.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use data_encoding::{BASE64, BASE64_MIME};

/// Where the fixtures live, read at start so the corpus follows them when they change.
pub const FIXTURE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/channels/email/tests/fixtures");

/// The fixtures copied, with their weight among the copies. Left out: the ones made to be
/// quarantined or dropped (`not_a_mail`, `no_sender`, `own_loop`), the one without a
/// Message-ID (the copies need one each), and the machine-written ones (bounces, out-of-office
/// answers, a mailing list), which are not customers asking for help and have side effects
/// (suppressions) of their own. The 60 KB one with attachments is rarer, as in a real inbox.
const FIXTURES: &[(&str, u32)] = &[
    ("gmail_new.eml", 4),
    ("gmail_reply.eml", 4),
    ("outlook_reply.eml", 4),
    ("outlook_gbk_new.eml", 4),
    ("qq_reply.eml", 4),
    ("foxmail_gb18030.eml", 4),
    ("html_only.eml", 4),
    ("outlook_big5.eml", 3),
    ("thunderbird_html_reply.eml", 3),
    ("apple_mail_reply_zh.eml", 3),
    ("iso2022jp.eml", 2),
    ("apple_mail_attachments.eml", 1),
];

/// Our support address, as the fixtures are written to it.
pub const SUPPORT: &str = "support@help.wallet.example";

/// The kinds of mail, in percent of the corpus.
const MIX: &[(Kind, u32)] =
    &[(Kind::Fixture, 40), (Kind::Plain, 30), (Kind::Alternative, 10), (Kind::Reply, 15), (Kind::Attachment, 5)];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fixture,
    Plain,
    Alternative,
    Reply,
    Attachment,
}

/// The mails in the order they are appended, and how many of each sort there are.
pub struct Corpus {
    pub mails: Vec<Vec<u8>>,
    pub mix: BTreeMap<String, usize>,
}

impl Corpus {
    pub fn bytes(&self) -> usize {
        self.mails.iter().map(Vec::len).sum()
    }
}

/// One support topic: a triage category's typical subjects and bodies, in both languages.
/// `{amount}` and `{day}` are filled in per mail.
struct Topic {
    subjects_en: &'static [&'static str],
    bodies_en: &'static [&'static str],
    subject_zh: &'static str,
    body_zh: &'static str,
}

const TOPICS: &[Topic] = &[
    Topic {
        subjects_en: &["Payment failed", "My payment keeps failing"],
        bodies_en: &[
            "Hi,\n\nI tried to pay {amount} to a merchant {day} and the app said the payment failed, but I am not sure whether the money left my account. Can you check?\n\nThanks",
            "Hello,\n\nEvery time I try to pay my electricity bill ({amount}) the payment fails with \"transaction could not be completed\". My balance is fine. What is wrong?",
        ],
        subject_zh: "付款失败",
        body_zh: "您好，\n\n我{day}用钱包付款{amount}，页面显示付款失败，但是不知道钱有没有扣。请帮我查一下。\n\n谢谢",
    },
    Topic {
        subjects_en: &["Money not arrived", "Transfer has not arrived"],
        bodies_en: &[
            "Hi,\n\nI sent {amount} to my brother {day} and it still has not arrived in his account. The app shows it as completed. Where is the money?",
            "Hello support,\n\nA transfer of {amount} that I made {day} is missing. The recipient says nothing came in. Please trace it.\n\nRegards",
        ],
        subject_zh: "转账未到账",
        body_zh: "你好，\n\n我{day}转账{amount}给朋友，到现在对方还没有收到，App 上显示已完成。请问钱去哪里了？",
    },
    Topic {
        subjects_en: &["Account locked", "I am locked out of my account"],
        bodies_en: &[
            "Hello,\n\nMy account was locked {day} after I entered the wrong PIN. I need to use it urgently. How do I unlock it?",
            "Hi,\n\nThe app says my account is locked for security reasons. I did not do anything unusual. Please unlock it.\n\nThank you",
        ],
        subject_zh: "账户被锁定",
        body_zh: "您好，\n\n我的账户{day}被锁定了，提示安全原因，我急需用钱，请问怎么解锁？",
    },
    Topic {
        subjects_en: &["Refund request", "Refund for a duplicate charge"],
        bodies_en: &[
            "Hi,\n\nI was charged {amount} twice for the same order {day}. Please refund the duplicate charge.\n\nThanks",
            "Hello,\n\nThe shop cancelled my order but I have not received the refund of {amount} yet. It has been a week. When will it come?",
        ],
        subject_zh: "申请退款",
        body_zh: "你好，\n\n我{day}的订单被重复扣款{amount}，请把多扣的钱退给我。\n\n谢谢",
    },
    Topic {
        subjects_en: &["Password reset", "Password reset email never arrives"],
        bodies_en: &[
            "Hello,\n\nI forgot my password and the reset email never arrives. I checked my spam folder too. Can you help me reset it?",
            "Hi,\n\nI reset my password {day} but the new one does not work. How can I get back into the app?",
        ],
        subject_zh: "重置密码",
        body_zh: "您好，\n\n我忘记了登录密码，重置密码的邮件一直收不到，垃圾邮件里也没有，请帮我重置。",
    },
    Topic {
        subjects_en: &["Card declined", "My card was declined at a shop"],
        bodies_en: &[
            "Hi,\n\nMy card was declined {day} at the supermarket for {amount} although I have enough money. Why?",
            "Hello,\n\nOnline payments with my wallet card are declined since {day}. Is my card blocked?\n\nRegards",
        ],
        subject_zh: "银行卡被拒",
        body_zh: "你好，\n\n我{day}在超市刷卡{amount}被拒绝了，余额是够的，请问是什么原因？",
    },
    Topic {
        subjects_en: &["App crashes", "The app keeps crashing"],
        bodies_en: &[
            "Hello,\n\nSince the last update the app crashes as soon as I open the transfer screen. I reinstalled it, same problem.",
            "Hi,\n\nThe app shows a blank screen after login {day}. I cannot see my balance. Is there a bug?",
        ],
        subject_zh: "App 闪退",
        body_zh: "您好，\n\n更新之后 App 一打开转账页面就闪退，重装了也一样，请尽快修复。",
    },
    Topic {
        subjects_en: &["How do I change my phone number?", "Question about limits"],
        bodies_en: &[
            "Hello,\n\nHow do I change the phone number on my account? I got a new number {day}.\n\nThanks",
            "Hi,\n\nWhat is the daily limit for transfers? I want to send {amount} to my landlord.",
        ],
        subject_zh: "如何修改手机号",
        body_zh: "你好，\n\n请问怎么修改账户绑定的手机号？我{day}换了新号码。",
    },
];

const DAYS_EN: &[&str] = &["yesterday", "this morning", "on Monday", "last Friday", "two days ago"];
const DAYS_ZH: &[&str] = &["昨天", "今天上午", "周一", "上周五", "两天前"];
const FIRST_NAMES: &[&str] =
    &["Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "James", "Kofi", "Lena"];
const LAST_NAMES: &[&str] =
    &["Smith", "Garcia", "Muller", "Okafor", "Rossi", "Novak", "Khan", "Silva", "Dubois", "Larsen"];
const SURNAMES_ZH: &[(&str, &str)] =
    &[("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("赵", "zhao")];
const GIVEN_ZH: &[(&str, &str)] =
    &[("芳", "fang"), ("伟", "wei"), ("娜", "na"), ("强", "qiang"), ("敏", "min"), ("静", "jing"), ("磊", "lei")];
const DOMAINS_EN: &[&str] = &["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "example.org"];
const DOMAINS_ZH: &[&str] = &["163.com", "qq.com", "foxmail.com", "126.com", "sina.com"];

/// A small deterministic generator (SplitMix64), so every run ingests the same mailbox.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An item chosen with probability proportional to its weight.
    fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut at = (self.next() % u64::from(total)) as u32;
        for (item, weight) in items {
            if at < *weight {
                return item;
            }
            at -= weight;
        }
        &items[items.len() - 1].0
    }
}

/// A customer writing in: who they are, and the last mail they sent (what a reply quotes).
struct Customer {
    name: String,
    address: String,
    chinese: bool,
    last: Option<Sent>,
}

struct Sent {
    message_id: String,
    /// The Subject header's value as written (an encoded word for Chinese).
    subject_header: String,
    body: String,
    date: String,
}

/// Builds `n` mails, the same ones on every run.
pub fn build(n: usize) -> io::Result<Corpus> {
    let dir = Path::new(FIXTURE_DIR);
    let mut fixtures = Vec::new();
    for (name, weight) in FIXTURES {
        let raw = std::fs::read(dir.join(name)).map_err(|e| io::Error::new(e.kind(), format!("{name}: {e}")))?;
        fixtures.push(((name.trim_end_matches(".eml"), raw), *weight));
    }
    let mut rng = Rng(0x005e_ed0f_e4a1_1f00);
    // Fewer customers than mails: some write more than once, so replies have something to
    // thread onto and a customer can hold several conversations.
    let mut customers: Vec<Customer> = (0..(n * 2 / 3).max(1)).map(|k| customer(k, &mut rng)).collect();
    let mut mails = Vec::with_capacity(n);
    let mut mix = BTreeMap::new();
    for i in 0..n {
        let mut kind = *rng.weighted(MIX);
        let who = rng.below(customers.len());
        if kind == Kind::Reply && customers[who].last.is_none() {
            kind = Kind::Plain;
        }
        let (label, raw) = match kind {
            Kind::Fixture => {
                let (stem, raw) = rng.weighted(&fixtures);
                (format!("fixture {stem}"), rewrite_fixture(raw, i, stem))
            }
            Kind::Reply => {
                let c = &mut customers[who];
                (format!("generated {} reply with quoted history", language(c)), reply(c, i, &mut rng))
            }
            _ => fresh(&mut customers[who], kind, i, &mut rng),
        };
        *mix.entry(label).or_default() += 1;
        mails.push(raw);
    }
    Ok(Corpus { mails, mix })
}

fn customer(k: usize, rng: &mut Rng) -> Customer {
    // One in three customers writes in Chinese, as the wallet's customers do.
    if k % 3 == 2 {
        let (surname, s) = rng.pick(SURNAMES_ZH);
        let (given, g) = rng.pick(GIVEN_ZH);
        Customer {
            name: format!("{surname}{given}"),
            address: format!("{s}.{g}.{k}@{}", rng.pick(DOMAINS_ZH)),
            chinese: true,
            last: None,
        }
    } else {
        let (first, last) = (rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
        Customer {
            name: format!("{first} {last}"),
            address: format!("{}.{}.{k}@{}", first.to_lowercase(), last.to_lowercase(), rng.pick(DOMAINS_EN)),
            chinese: false,
            last: None,
        }
    }
}

/// A new mail (no thread yet) of this kind from the customer, in the customer's language;
/// its label for the mix.
fn fresh(c: &mut Customer, kind: Kind, i: usize, rng: &mut Rng) -> (String, Vec<u8>) {
    let topic = rng.pick(TOPICS);
    let (subject, body) = if c.chinese {
        (topic.subject_zh.to_owned(), fill(topic.body_zh, rng, true))
    } else {
        let template = *rng.pick(topic.bodies_en);
        (rng.pick(topic.subjects_en).to_string(), fill(template, rng, false))
    };
    let subject_header = if subject.is_ascii() { subject } else { encoded_word(&subject) };
    let sent = Sent { message_id: message_id(i, c, rng), subject_header, body, date: date(i) };
    let (shape, content) = match kind {
        Kind::Alternative => ("multipart/alternative", alternative(&sent.body, i)),
        Kind::Attachment => ("with a small attachment", with_attachment(&sent.body, i, rng)),
        // Chinese clients send UTF-8 text base64-encoded more often than not.
        _ if c.chinese => ("text/plain", base64_text(&sent.body)),
        _ => ("text/plain", plain_text(&sent.body)),
    };
    let raw = mail(c, &sent, None, &content);
    c.last = Some(sent);
    (format!("generated {} {shape}", language(c)), raw)
}

fn language(c: &Customer) -> &'static str {
    if c.chinese { "Chinese" } else { "English" }
}

/// A reply to the customer's last mail: `Re:` its subject, threaded with In-Reply-To and
/// References, the new text above the quoted old one, as mail clients write it.
fn reply(c: &mut Customer, i: usize, rng: &mut Rng) -> Vec<u8> {
    let previous = c.last.take().expect("a reply follows an earlier mail");
    let (text, attribution) = if c.chinese {
        ("你好，还没有人回复我，问题还是没有解决，请尽快处理。", format!("在 {}，{} 写道：", previous.date, c.name))
    } else {
        (
            *rng.pick(&[
                "Hello, I still have not heard back and the problem is not solved. Please help.",
                "Any news? This is really urgent for me.",
                "I tried again today and it still does not work.",
            ]),
            format!("On {}, {} <{}> wrote:", previous.date, c.name, c.address),
        )
    };
    let quoted: Vec<String> =
        previous.body.lines().map(|l| if l.is_empty() { ">".into() } else { format!("> {l}") }).collect();
    let body = format!("{text}\n\n{attribution}\n{}", quoted.join("\n"));
    let subject_header = format!("Re: {}", previous.subject_header.trim_start_matches("Re: "));
    let sent = Sent { message_id: message_id(i, c, rng), subject_header, body, date: date(i) };
    let content = if c.chinese { base64_text(&sent.body) } else { plain_text(&sent.body) };
    let raw = mail(c, &sent, Some(&previous.message_id), &content);
    c.last = Some(sent);
    raw
}

/// The whole mail: headers, then `content` (its own Content-Type and body).
fn mail(c: &Customer, sent: &Sent, in_reply_to: Option<&str>, content: &str) -> Vec<u8> {
    let from_name = if c.name.is_ascii() { format!("\"{}\"", c.name) } else { encoded_word(&c.name) };
    let mut out = format!(
        "From: {from_name} <{}>\r\nTo: Wallet Support <{SUPPORT}>\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: {}\r\n",
        c.address, sent.subject_header, sent.date, sent.message_id
    );
    if let Some(parent) = in_reply_to {
        out.push_str(&format!("In-Reply-To: {parent}\r\nReferences: {parent}\r\n"));
    }
    out.push_str("MIME-Version: 1.0\r\n");
    out.push_str(content);
    out.into_bytes()
}

fn plain_text(body: &str) -> String {
    format!("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n", crlf(body))
}

fn base64_text(body: &str) -> String {
    format!(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        BASE64_MIME.encode(crlf(body).as_bytes())
    )
}

fn alternative(body: &str, i: usize) -> String {
    let html: String = body.split("\n\n").map(|p| format!("<p>{}</p>", p.replace('\n', "<br>"))).collect();
    format!(
        "Content-Type: multipart/alternative; boundary=\"alt-{i}\"\r\n\r\n--alt-{i}\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n--alt-{i}\r\n\
         Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         <html><body><div dir=\"ltr\">{html}</div></body></html>\r\n--alt-{i}--\r\n",
        crlf(body)
    )
}

/// The text and a few KB of "screenshot", as a phone's mail app sends it.
fn with_attachment(body: &str, i: usize, rng: &mut Rng) -> String {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..2048 + rng.below(2048)).map(|_| rng.next() as u8));
    format!(
        "Content-Type: multipart/mixed; boundary=\"mix-{i}\"\r\n\r\n--mix-{i}\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n--mix-{i}\r\n\
         Content-Type: image/png; name=\"screenshot-{i}.png\"\r\n\
         Content-Disposition: attachment; filename=\"screenshot-{i}.png\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}--mix-{i}--\r\n",
        crlf(body),
        BASE64_MIME.encode(&png)
    )
}

/// A fixture with a new Message-ID, a sender of its own and a numbered subject; everything
/// else, encodings included, byte for byte as it was. Only ASCII is written: the Message-ID
/// line, the address between the From field's angle brackets and a suffix after the subject
/// (after its encoded words, where plain text may follow).
fn rewrite_fixture(raw: &[u8], i: usize, stem: &str) -> Vec<u8> {
    let eol: &[u8] =
        if raw.split(|&b| b == b'\n').next().is_some_and(|l| l.ends_with(b"\r")) { b"\r\n" } else { b"\n" };
    let blank = [eol, eol].concat();
    let Some(end) = raw.windows(blank.len()).position(|w| w == blank.as_slice()) else { return raw.to_vec() };
    let (head, rest) = raw.split_at(end + eol.len());
    // The header's fields, each with its folded continuation lines.
    let mut fields: Vec<Vec<u8>> = Vec::new();
    for line in head.split_inclusive(|&b| b == b'\n') {
        match fields.last_mut() {
            Some(field) if line.starts_with(b" ") || line.starts_with(b"\t") => field.extend_from_slice(line),
            _ => fields.push(line.to_vec()),
        }
    }
    let mut out = Vec::with_capacity(raw.len() + 64);
    for mut field in fields {
        let name = field.split(|&b| b == b':').next().unwrap_or_default().to_ascii_lowercase();
        match name.as_slice() {
            b"message-id" => {
                field = format!("Message-ID: <bench.{i}.{stem}@bench.example>").into_bytes();
                field.extend_from_slice(eol);
            }
            b"from" => {
                if let (Some(open), Some(close)) =
                    (field.iter().rposition(|&b| b == b'<'), field.iter().rposition(|&b| b == b'>'))
                    && open < close
                {
                    let address = String::from_utf8_lossy(&field[open + 1..close]).into_owned();
                    let new = match address.split_once('@') {
                        Some((local, domain)) => format!("{local}.b{i}@{domain}"),
                        None => format!("{address}.b{i}"),
                    };
                    field.splice(open + 1..close, new.into_bytes());
                }
            }
            b"subject" => {
                let at = field.len() - eol.len();
                field.splice(at..at, format!(" ({i})").into_bytes());
            }
            _ => {}
        }
        out.extend_from_slice(&field);
    }
    out.extend_from_slice(rest);
    out
}

fn fill(template: &str, rng: &mut Rng, chinese: bool) -> String {
    let amount = 20 + rng.below(980);
    let (amount, day) = if chinese {
        (format!("{amount} 元"), *rng.pick(DAYS_ZH))
    } else {
        (format!("{amount} USD"), *rng.pick(DAYS_EN))
    };
    template.replace("{amount}", &amount).replace("{day}", day)
}

fn message_id(i: usize, c: &Customer, rng: &mut Rng) -> String {
    let domain = c.address.rsplit_once('@').map_or("example.org", |(_, d)| d);
    format!("<g{i}.{:016x}@{domain}>", rng.next())
}

/// A date in March 2026, a minute later for every mail.
fn date(i: usize) -> String {
    let minutes = 9 * 60 + i;
    let day = 2 + (minutes / (24 * 60)) % 28;
    format!("{day} Mar 2026 {:02}:{:02}:{:02} +0000", (minutes / 60) % 24, minutes % 60, i % 60)
}

/// An RFC 2047 encoded word (UTF-8, base64) for a header.
fn encoded_word(text: &str) -> String {
    format!("=?UTF-8?B?{}?=", BASE64.encode(text.as_bytes()))
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}
