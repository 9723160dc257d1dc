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
                hub.to_customer(&conversation.customer_id, Arc::from(f.to_json()), origin);
            }
            let f = ConsoleFrame::Message(view::message(&message));
            hub.to_conversation_agents(&conversation.id, Arc::from(f.to_json()), origin);
        }
        Event::Conversation(conversation) => {
            if conversation.status == ConversationStatus::Resolved {
                let f = ServerFrame::Status { conversation_id: conversation.id.to_string(), status: "resolved" };
                hub.to_customer(&conversation.customer_id, Arc::from(f.to_json()), None);
            }
            hub.track(&conversation);
        }
        Event::Delivery { conversation_id, seq, state, detail, origin } => {
            let f =
                ConsoleFrame::Delivery { conversation_id: conversation_id.clone(), seq, state: state.as_str(), detail };
            hub.to_conversation_agents(&crate::domain::ConversationId(conversation_id), Arc::from(f.to_json()), origin);
        }
    }
}
