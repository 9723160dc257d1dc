//! Turns committed events into frames for the connections that follow them: a customer's
//! devices get their conversation's customer-visible messages and its resolution; the
//! assignee and watching agents get every message and delivery result.

use std::sync::Arc;

use switchboard_chat::ServerFrame;

use crate::console::frames::ConsoleFrame;
use crate::console::view;
use crate::domain::ConversationStatus;
use crate::events::Event;
use crate::hub::Hub;

/// Sends an event's frames to the connections that follow it.
pub fn deliver(hub: &Hub, event: Event) {
    match event {
        Event::Message { conversation, message, origin } => {
            hub.track(&conversation);
            // Most messages come from the customer's only device, which has its copy already.
            if !message.internal
                && message.seq.is_some()
                && hub.customer_online_besides(&conversation.customer_id, origin)
            {
                let f = crate::chat::message_frame(&message);
                hub.to_chat_customer(&conversation, Arc::from(f.to_json()), origin);
            }
            let f = ConsoleFrame::Message(view::message(&message));
            hub.to_conversation_agents(&conversation.id, Arc::from(f.to_json()), origin, Some(&message.id));
        }
        Event::Conversation(conversation) => {
            if conversation.status == ConversationStatus::Resolved {
                let f = ServerFrame::Status { conversation_id: conversation.id.to_string(), status: "resolved" };
                hub.to_chat_customer(&conversation, Arc::from(f.to_json()), None);
            }
            hub.track(&conversation);
        }
        Event::Delivery { conversation_id, seq, state, detail, origin } => {
            let f =
                ConsoleFrame::Delivery { conversation_id: conversation_id.clone(), seq, state: state.as_str(), detail };
            let conversation = crate::domain::ConversationId(conversation_id);
            hub.to_conversation_agents(&conversation, Arc::from(f.to_json()), origin, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use switchboard_channel::ChannelKind;

    use super::*;
    use crate::domain::{
        AgentId, AuthorRole, Conversation, ConversationId, CustomerId, Direction, Message, MessageId, Millis, Priority,
    };
    use crate::hub::Registration;

    fn conversation(channel: ChannelKind, customer: &CustomerId, agent: &AgentId) -> Conversation {
        Conversation {
            id: ConversationId::generate(),
            customer_id: customer.clone(),
            channel,
            status: ConversationStatus::Assigned,
            subject: None,
            category: None,
            priority: Priority::Normal,
            language: None,
            queue: None,
            assignee: Some(agent.clone()),
            last_seq: 1,
            secrets_redacted: false,
            created_at: Millis(0),
            first_response_at: None,
            last_customer_message_at: None,
            waiting_since: Millis(0),
            updated_at: Millis(0),
        }
    }

    fn reply(c: &Conversation) -> Message {
        Message {
            id: MessageId::generate(),
            conversation_id: c.id.clone(),
            seq: Some(1),
            direction: Direction::Outbound,
            author_role: AuthorRole::Agent,
            author_agent: None,
            author_name: "Agent".into(),
            channel: c.channel,
            internal: false,
            external_id: None,
            text: format!("reply on {}", c.channel.as_str()),
            created_at: Millis(0),
        }
    }

    fn received(r: &mut Registration) -> Vec<serde_json::Value> {
        std::iter::from_fn(|| r.frames.try_recv().ok()).map(|f| serde_json::from_str(&f).unwrap()).collect()
    }

    #[test]
    fn the_customers_app_hears_only_of_their_chat_while_the_agent_hears_of_everything() {
        let hub = Hub::new(16, 16);
        let (customer, agent) = (CustomerId::from("cu_1"), AgentId::from("ag_1"));
        let mut app = hub.register_customer(&customer);
        let (mut console, _) = hub.register_agent(&agent);
        for channel in [ChannelKind::Email, ChannelKind::Chat] {
            let mut c = conversation(channel, &customer, &agent);
            deliver(&hub, Event::Message { message: reply(&c), conversation: c.clone(), origin: None });
            hub.to_conversation_customer(&c.id, Arc::from(r#"{"type":"queue"}"#), None);
            c.status = ConversationStatus::Resolved;
            deliver(&hub, Event::Conversation(c));
        }
        let app: Vec<_> = received(&mut app).iter().map(|f| format!("{} {}", f["type"], f["text"])).collect();
        assert_eq!(app, [r#""message" "reply on chat""#, r#""queue" null"#, r#""status" null"#]);
        let console: Vec<_> = received(&mut console).iter().map(|f| f["text"].clone()).collect();
        assert_eq!(console, ["reply on email", "reply on chat"]);
    }

    #[test]
    fn an_agent_being_assigned_gets_the_whole_conversation_first_and_no_message_twice() {
        let hub = Hub::new(16, 16);
        let (customer, agent, supervisor) = (CustomerId::from("cu_1"), AgentId::from("ag_1"), AgentId::from("ag_2"));
        let (mut console, _) = hub.register_agent(&agent);
        let (mut overseer, _) = hub.register_agent(&supervisor);
        let c = conversation(ChannelKind::Chat, &customer, &agent);
        hub.watch(&c, &supervisor);
        hub.hold_for(&c.id, &agent);
        let message = |seq| Message { seq: Some(seq), text: format!("m{seq}"), ..reply(&c) };
        // m1 commits before the conversation is read for the `assigned` frame, m2 after.
        let (m1, m2, m3) = (message(1), message(2), message(3));
        for m in [&m1, &m2] {
            deliver(&hub, Event::Message { message: m.clone(), conversation: c.clone(), origin: None });
        }
        assert!(received(&mut console).is_empty(), "nothing before the assigned frame");
        hub.release(&c.id, Some((Arc::from(r#"{"type":"assigned"}"#), &HashSet::from([m1.id.clone()]))));
        deliver(&hub, Event::Message { message: m3, conversation: c.clone(), origin: None });
        let got: Vec<_> = received(&mut console).iter().map(|f| format!("{} {}", f["type"], f["text"])).collect();
        assert_eq!(got, [r#""assigned" null"#, r#""message" "m2""#, r#""message" "m3""#]);
        // A supervisor watching it was never held back.
        let seen: Vec<_> = received(&mut overseer).iter().map(|f| f["text"].clone()).collect();
        assert_eq!(seen, ["m1", "m2", "m3"]);
    }
}
