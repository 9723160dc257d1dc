//! What a customer is told of time: when their closed queue opens again (in local time, in
//! their language, and for chat what else they can do meanwhile), and how soon an agent is
//! expected to answer.

use jiff::Timestamp;
use jiff::civil::Weekday;
use switchboard_channel::ChannelKind;

use crate::config::{HoursConfig, RoutingConfig};
use crate::domain::{Conversation, Millis};

/// `{response_time}` in an acknowledgement: the first-response target of the conversation's
/// queue and priority, in words (`within 1 hour`, `1 小时内`), or "as soon as possible".
pub fn expected_response(config: &RoutingConfig, c: &Conversation) -> String {
    let zh = c.language.as_deref().is_some_and(|l| l.starts_with("zh"));
    let queue = c.queue.as_deref().unwrap_or(&config.default_queue);
    let target = config.queue(queue).map(|q| q.first_response_s.for_priority(c.priority));
    match target.filter(|s| *s > 0) {
        None if zh => "尽快".to_owned(),
        None => "as soon as possible".to_owned(),
        Some(s) => {
            let (n, en, cn) = if s % 86_400 == 0 {
                (s / 86_400, "day", "天")
            } else if s % 3600 == 0 {
                (s / 3600, "hour", "小时")
            } else {
                (s.div_ceil(60), "minute", "分钟")
            };
            if zh { format!("{n} {cn}内") } else { format!("within {n} {en}{}", if n == 1 { "" } else { "s" }) }
        }
    }
}

/// The notice for a conversation in `language` (`zh…` or anything else for English) that
/// arrived on `channel` while closed; `opens_at` is when the queue opens next, if ever.
pub fn closed_notice(
    hours: &HoursConfig,
    opens_at: Option<Millis>,
    language: Option<&str>,
    channel: ChannelKind,
) -> String {
    let zh = language.is_some_and(|l| l.starts_with("zh"));
    let opens = opens_at.and_then(|at| local(hours, at, zh));
    let mut text = match (zh, opens) {
        (true, Some(opens)) => format!(
            "您好，我们目前不在服务时间内，将于 {opens}（{}）恢复服务。您的消息已排队，客服上班后会尽快回复您。",
            hours.zone
        ),
        (true, None) => "您好，我们目前不在服务时间内。您的消息已排队，客服会尽快回复您。".to_owned(),
        (false, Some(opens)) => format!(
            "Hello, we are closed at the moment and open again {opens} ({}). Your message is in the queue and an \
             agent will answer as soon as we open.",
            hours.zone
        ),
        (false, None) => {
            "Hello, we are closed at the moment. Your message is in the queue and an agent will answer as soon as \
             we can."
                .to_owned()
        }
    };
    if channel == ChannelKind::Chat {
        text.push_str(if zh {
            "如您希望，也可以在 App 中预约电话回拨，或发送邮件继续沟通。"
        } else {
            " If you prefer, you can ask for a phone callback in the app or continue by email."
        });
    }
    text
}

/// `at` in the hours' time zone: `周一 12月8日 09:00` or `on Mon 8 Dec at 09:00`.
fn local(hours: &HoursConfig, at: Millis, zh: bool) -> Option<String> {
    local_time(&hours.zone, at, zh)
}

/// `at` in the time zone `zone` (IANA), as [`local`] says it.
pub fn local_time(zone: &str, at: Millis, zh: bool) -> Option<String> {
    let zone = jiff::tz::TimeZone::get(zone).ok()?;
    let zoned = Timestamp::from_millisecond(at.0).ok()?.to_zoned_datetime(zone);
    Some(if zh {
        let day = match zoned.weekday() {
            Weekday::Monday => "周一",
            Weekday::Tuesday => "周二",
            Weekday::Wednesday => "周三",
            Weekday::Thursday => "周四",
            Weekday::Friday => "周五",
            Weekday::Saturday => "周六",
            Weekday::Sunday => "周日",
        };
        format!("{day} {}月{}日 {}", zoned.month(), zoned.day(), zoned.strftime("%H:%M"))
    } else {
        format!("on {}", zoned.strftime("%a %-d %b at %H:%M"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> HoursConfig {
        HoursConfig { zone: "Asia/Shanghai".into(), weekly: vec!["mon-fri 09:00-18:00".into()], holidays: Vec::new() }
    }

    /// Monday 2026-12-07 09:00 in Shanghai is 01:00 UTC.
    const MONDAY_NINE: Millis = Millis(1_796_605_200_000);

    #[test]
    fn says_when_it_opens_in_local_time_and_the_customers_language() {
        let zh = closed_notice(&shanghai(), Some(MONDAY_NINE), Some("zh"), ChannelKind::Email);
        assert!(zh.contains("周一 12月7日 09:00（Asia/Shanghai）"), "{zh}");
        assert!(!zh.contains("回拨"), "no callback offer by email: {zh}");
        let en = closed_notice(&shanghai(), Some(MONDAY_NINE), Some("en"), ChannelKind::Chat);
        assert!(en.contains("open again on Mon 7 Dec at 09:00 (Asia/Shanghai)"), "{en}");
        assert!(en.contains("phone callback"), "chat customers hear what else they can do: {en}");
    }

    #[test]
    fn the_expected_response_is_the_queue_target_for_the_priority() {
        use crate::domain::Priority;
        use crate::domain::fixtures::conversation;
        let config = RoutingConfig::default();
        let mut c = conversation(crate::domain::ConversationStatus::Queued);
        c.queue = Some("general".into());
        c.priority = Priority::Normal;
        c.language = Some("en".into());
        assert_eq!(expected_response(&config, &c), "within 1 hour");
        c.priority = Priority::High;
        c.language = Some("zh".into());
        assert_eq!(expected_response(&config, &c), "15 分钟内");
        c.priority = Priority::Urgent;
        c.language = Some("en".into());
        assert_eq!(expected_response(&config, &c), "within 1 minute");
        c.priority = Priority::Low;
        assert_eq!(expected_response(&config, &c), "within 4 hours");
    }

    #[test]
    fn hours_that_never_open_say_no_time() {
        let never = closed_notice(&shanghai(), None, None, ChannelKind::Email);
        assert!(never.starts_with("Hello, we are closed") && !never.contains("open again"), "{never}");
    }
}
