//! Translation between the daemon's domain values and the routing engine's.

use switchboard_routing as engine;

use std::time::Duration;

use crate::config::{AwayMode, LanguageMode, QueueConfig, RoutingConfig};
use crate::domain::{self, AgentId, Conversation, ConversationId, Millis, Priority};

pub fn millis(m: Millis) -> engine::Millis {
    engine::Millis(m.0)
}

pub fn conversation_id(id: &ConversationId) -> engine::ConversationId {
    engine::ConversationId::new(id.as_str())
}

pub fn agent_id(id: &AgentId) -> engine::AgentId {
    engine::AgentId::new(id.as_str())
}

pub fn domain_conversation_id(id: &engine::ConversationId) -> ConversationId {
    ConversationId(id.as_str().to_owned())
}

pub fn domain_agent_id(id: &engine::AgentId) -> AgentId {
    AgentId(id.as_str().to_owned())
}

pub fn domain_priority(p: engine::Priority) -> Priority {
    match p {
        engine::Priority::Low => Priority::Low,
        engine::Priority::Normal => Priority::Normal,
        engine::Priority::High => Priority::High,
        engine::Priority::Urgent => Priority::Urgent,
    }
}

fn priority(p: Priority) -> engine::Priority {
    match p {
        Priority::Low => engine::Priority::Low,
        Priority::Normal => engine::Priority::Normal,
        Priority::High => engine::Priority::High,
        Priority::Urgent => engine::Priority::Urgent,
    }
}

/// The queue entry of a conversation; one without a queue (triage has not run) waits in the
/// default queue. `returning` is the agent a returning customer last had.
pub fn entry(c: &Conversation, default_queue: &str, returning: Option<&AgentId>) -> engine::QueueEntry {
    let queue = c.queue.as_deref().unwrap_or(default_queue);
    let mut entry =
        engine::QueueEntry::new(conversation_id(&c.id), queue, priority(c.priority), millis(c.waiting_since))
            .on_channel(c.channel.as_str());
    if let Some(language) = &c.language {
        entry = entry.in_language(language.as_str());
    }
    if let Some(agent) = returning {
        entry = entry.sticky_to(agent_id(agent));
    }
    entry
}

/// The engine's profile of an agent. An agent whose skills name no language triage knows is
/// taken to handle every language: a team that has not recorded its agents' languages is
/// not held up by language routing.
pub fn profile(agent: &domain::Agent, config: &RoutingConfig) -> engine::AgentProfile {
    let total = agent.capacity.get(TOTAL).copied().unwrap_or(config.agent_capacity);
    let mut profile =
        engine::AgentProfile::new(agent_id(&agent.id), total).with_skills(agent.skills.iter().map(String::as_str));
    // The agent's own limits over the configured ones.
    let mut per_channel = config.channel_capacity.clone();
    per_channel.extend(agent.capacity.iter().filter(|(k, _)| *k != TOTAL).map(|(k, v)| (k.clone(), *v)));
    for (channel, limit) in &per_channel {
        profile = profile.with_channel_capacity(channel.as_str(), *limit);
    }
    let speaks_one = profile.skills.keys().any(|s| LANGUAGES.contains(&s.as_str()));
    if !speaks_one {
        profile = profile.with_skills(LANGUAGES);
    }
    profile
}

/// The key of an agent's own capacity that is their total.
const TOTAL: &str = "total";

/// The languages triage tells apart, which agents' skills name.
const LANGUAGES: [&str; 2] = ["zh", "en"];

/// The engine's configuration, or why the engine refuses it.
pub fn engine_config(c: &RoutingConfig) -> Result<engine::RoutingConfig, String> {
    let queues = c.all_queues().iter().map(queue).collect::<Result<Vec<_>, String>>()?;
    let config = engine::RoutingConfig {
        queues,
        default_queue: engine::QueueName::new(c.default_queue.as_str()),
        offer_timeout: secs(c.offer_timeout_s),
        grace: secs(c.reconnect_grace_s),
        offers_missed_before_away: c.offers_missed_before_away,
        ..engine::RoutingConfig::default()
    };
    config.validate().map_err(|e| e.to_string())?;
    Ok(config)
}

fn queue(q: &QueueConfig) -> Result<engine::QueueConfig, String> {
    let mut out = engine::QueueConfig::new(q.name.as_str()).with_skills(q.skills.iter().map(String::as_str));
    for p in &q.preferred {
        let (skill, level) = engine::parse_skill(&p.skill).map_err(|e| e.to_string())?;
        out.preferred.push(engine::PreferredSkill { skill, level, relax_after: secs(p.relax_after_s) });
    }
    out.language = match q.language {
        LanguageMode::Ignore => engine::LanguageRule::Ignore,
        LanguageMode::Required => engine::LanguageRule::Required {
            relax_after: (q.language_relax_after_s > 0).then(|| secs(q.language_relax_after_s)),
        },
    };
    for p in [Priority::Urgent, Priority::High, Priority::Normal, Priority::Low] {
        let target = q.first_response_s.for_priority(p);
        if target > 0 {
            out.first_response.insert(priority(p), secs(target));
        }
    }
    out.near_breach = secs(q.near_breach_s);
    out.overflow = q.overflow.as_ref().map(|to| engine::Overflow {
        queue: engine::QueueName::new(to.as_str()),
        // Zero moves only on a breach, as in the configuration.
        after: secs(q.overflow_after_s),
    });
    out.hours = q.hours.as_ref().map(|h| h.parse()).transpose().map_err(|e| e.to_string())?;
    out.sla_pauses_outside_hours = q.sla_pauses_outside_hours;
    out.away = match q.away {
        AwayMode::Keep => engine::AwayPolicy::Keep,
        AwayMode::GiveBack => engine::AwayPolicy::GiveBack,
    };
    out.sticky_wait = secs(q.sticky_wait_s);
    Ok(out)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}
