//! Turns committed events into what the people following them receive: a customer's open
//! connections hear, through the live side of the conversation's channel, of its
//! customer-visible messages and its resolution; the assignee and watching agents get every
//! message and delivery result as console frames.

use std::sync::Arc;

use switchboard_channel::CustomerEvent;

use super::{Event, Origin};
use crate::agent_wire::frames::ConsoleFrame;
use crate::agent_wire::view;
use crate::domain::ConversationStatus;
use crate::hub::{Hub, MessageRef};
use crate::live::{LiveCustomers, customer_message};

/// Sends an event to whoever follows it.
pub fn deliver(hub: &Hub, live: &LiveCustomers, event: Event) {
    match event {
        Event::Message { conversation, message, origin } => {
            hub.track(&conversation);
            let (channel, customer) = (conversation.channel, &conversation.customer_id);
            let customer_conn = origin.and_then(Origin::customer);
            // Most messages come from the customer's only device, which has its copy already.
            if !message.internal && message.seq.is_some() && live.online(channel, customer, customer_conn) {
                live.push(channel, customer, &CustomerEvent::Message(customer_message(&message)), customer_conn);
            }
            let f = ConsoleFrame::Message(view::message(&message));
            let carried = MessageRef { id: &message.id, seq: message.seq };
            let agent_conn = origin.and_then(Origin::agent);
            hub.to_conversation_agents(&conversation.id, Arc::from(f.to_json()), agent_conn, Some(carried));
        }
        Event::Conversation(conversation) => {
            if conversation.status == ConversationStatus::Resolved {
                let event = CustomerEvent::Resolved { conversation_id: conversation.id.to_string() };
                live.push(conversation.channel, &conversation.customer_id, &event, None);
            }
            hub.track(&conversation);
        }
        Event::Delivery { conversation_id, seq, state, detail, origin } => {
            let f =
                ConsoleFrame::Delivery { conversation_id: conversation_id.clone(), seq, state: state.as_str(), detail };
            let conversation = crate::domain::ConversationId(conversation_id);
            hub.to_conversation_agents(&conversation, Arc::from(f.to_json()), origin.and_then(Origin::agent), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::sync::Mutex;

    use switchboard_channel::{ChannelKind, ConnectionId, LivePush};

    use super::*;
    use crate::domain::{
        AgentId, AuthorRole, Conversation, ConversationId, CustomerId, Direction, Message, MessageId, Millis, Priority,
    };
    use crate::hub::{Registration, Shown};

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
            triage_signal: None,
            sla_breached: false,
            held_until: None,
            reference: "K3F9Q2MX".into(),
            account: None,
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
            email: None,
            attachments: Vec::new(),
            has_original: false,
        }
    }

    fn received(r: &mut Registration) -> Vec<serde_json::Value> {
        std::iter::from_fn(|| r.queue.frames.try_recv().ok()).map(|f| serde_json::from_str(&f).unwrap()).collect()
    }

    /// A live side that records what it was asked to push.
    #[derive(Default)]
    struct Recorded(Mutex<Vec<CustomerEvent>>);

    impl LivePush for Recorded {
        fn push(&self, _customer: &str, event: &CustomerEvent, _except: Option<ConnectionId>) {
            self.0.lock().unwrap().push(event.clone());
        }

        fn online(&self, _customer: &str, _except: Option<ConnectionId>) -> bool {
            true
        }

        fn delivered(&self, _customer: &str) -> String {
            "pushed".into()
        }
    }

    fn chat_only() -> (LiveCustomers, Arc<Recorded>) {
        let recorded = Arc::new(Recorded::default());
        let live = LiveCustomers::default();
        live.set(HashMap::from([(ChannelKind::Chat, recorded.clone() as Arc<dyn LivePush>)]));
        (live, recorded)
    }

    #[test]
    fn the_customer_hears_only_through_the_live_side_of_their_conversations_channel() {
        let hub = Hub::new(16);
        let (live, app) = chat_only();
        let (customer, agent) = (CustomerId::from("cu_1"), AgentId::from("ag_1"));
        let (mut console, _) = hub.register_agent(&agent);
        for channel in [ChannelKind::Email, ChannelKind::Chat] {
            let mut c = conversation(channel, &customer, &agent);
            deliver(&hub, &live, Event::Message { message: reply(&c), conversation: c.clone(), origin: None });
            c.status = ConversationStatus::Resolved;
            deliver(&hub, &live, Event::Conversation(c));
        }
        let app: Vec<_> = app
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|e| match e {
                CustomerEvent::Message(m) => m.text.clone(),
                other => format!("{other:?}").split_whitespace().next().unwrap_or_default().to_owned(),
            })
            .collect();
        assert_eq!(app, ["reply on chat", "Resolved"]);
        let console: Vec<_> = received(&mut console).iter().map(|f| f["text"].clone()).collect();
        assert_eq!(console, ["reply on email", "reply on chat"]);
    }

    #[test]
    fn an_agent_being_assigned_gets_the_whole_conversation_first_and_no_message_twice() {
        let hub = Hub::new(16);
        let (live, _) = chat_only();
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
            deliver(&hub, &live, Event::Message { message: m.clone(), conversation: c.clone(), origin: None });
        }
        assert!(received(&mut console).is_empty(), "nothing before the assigned frame");
        let shown = Shown { max_seq: 1, notes: HashSet::new() };
        hub.release(&c.id, Some((Arc::from(r#"{"type":"assigned"}"#), shown)));
        deliver(&hub, &live, Event::Message { message: m3, conversation: c.clone(), origin: None });
        let got: Vec<_> = received(&mut console).iter().map(|f| format!("{} {}", f["type"], f["text"])).collect();
        assert_eq!(got, [r#""assigned" null"#, r#""message" "m2""#, r#""message" "m3""#]);
        // A supervisor watching it was never held back.
        let seen: Vec<_> = received(&mut overseer).iter().map(|f| f["text"].clone()).collect();
        assert_eq!(seen, ["m1", "m2", "m3"]);
    }

    #[test]
    fn a_message_in_the_assigned_frame_but_published_after_it_does_not_reach_the_agent_again() {
        let hub = Hub::new(16);
        let (live, _) = chat_only();
        let (customer, agent) = (CustomerId::from("cu_1"), AgentId::from("ag_1"));
        let (mut console, _) = hub.register_agent(&agent);
        let c = conversation(ChannelKind::Chat, &customer, &agent);
        hub.track(&c);
        hub.hold_for(&c.id, &agent);
        // m1 and a note commit, the conversation is read with both, the hold ends, and only
        // then do their committing tasks publish them; m2 commits after the read.
        let m1 = Message { seq: Some(1), text: "m1".into(), ..reply(&c) };
        let note = Message { seq: None, internal: true, text: "note".into(), ..reply(&c) };
        let m2 = Message { seq: Some(2), text: "m2".into(), ..reply(&c) };
        let shown = Shown { max_seq: 1, notes: HashSet::from([note.id.clone()]) };
        hub.release(&c.id, Some((Arc::from(r#"{"type":"assigned"}"#), shown)));
        for m in [m1, note, m2] {
            deliver(&hub, &live, Event::Message { message: m, conversation: c.clone(), origin: None });
        }
        let got: Vec<_> = received(&mut console).iter().map(|f| format!("{} {}", f["type"], f["text"])).collect();
        assert_eq!(got, [r#""assigned" null"#, r#""message" "m2""#]);
    }

    /// What the store holds of one conversation in the stress test below: who it is assigned
    /// to and the seqs committed so far. Commits and the assignment take its lock in turn, as
    /// transactions would.
    #[derive(Default)]
    struct Stored {
        assignee: Option<AgentId>,
        seqs: Vec<i64>,
        /// Bumped by every write, as `updated_at` is.
        writes: i64,
    }

    #[test]
    fn many_customers_writing_while_they_are_assigned_reach_their_agent_once_each() {
        const CONVERSATIONS: usize = 24;
        const MESSAGES: i64 = 60;
        let hub = Arc::new(Hub::new(100_000));
        let live = Arc::new(chat_only().0);
        let agents: Vec<AgentId> = (0..4).map(|i| AgentId::from(format!("ag_{i}").as_str())).collect();
        let mut consoles: Vec<Registration> = agents.iter().map(|a| hub.register_agent(a).0).collect();
        let mut threads = Vec::new();
        for k in 0..CONVERSATIONS {
            let agent = agents[k % agents.len()].clone();
            let mut base = conversation(ChannelKind::Chat, &CustomerId::from(format!("cu_{k}").as_str()), &agent);
            base.assignee = None;
            base.status = ConversationStatus::Queued;
            hub.track(&base);
            let stored = Arc::new(Mutex::new(Stored::default()));
            // The customer: each message commits (taking the conversation as it stands) and is
            // published a moment later, as the committing task gets to it.
            let (h, l, st, c) = (hub.clone(), live.clone(), stored.clone(), base.clone());
            threads.push(std::thread::spawn(move || {
                for seq in 1..=MESSAGES {
                    let conversation = {
                        let mut s = st.lock().unwrap();
                        s.seqs.push(seq);
                        s.writes += 1;
                        let status = if s.assignee.is_some() { ConversationStatus::Assigned } else { c.status };
                        let updated_at = Millis(s.writes);
                        Conversation { assignee: s.assignee.clone(), status, last_seq: seq, updated_at, ..c.clone() }
                    };
                    if seq % 3 == 0 {
                        std::thread::yield_now();
                    }
                    let message = Message { seq: Some(seq), text: format!("{seq}"), ..reply(&conversation) };
                    deliver(&h, &l, Event::Message { message, conversation, origin: None });
                }
            }));
            // Routing: assigns it part way through, as the routing task does.
            let (h, l, st, c) = (hub.clone(), live.clone(), stored.clone(), base.clone());
            threads.push(std::thread::spawn(move || {
                while st.lock().unwrap().seqs.len() < (k % 7) * 5 {
                    std::thread::yield_now();
                }
                h.hold_for(&c.id, &agent);
                let assigned = {
                    let mut s = st.lock().unwrap();
                    s.assignee = Some(agent.clone());
                    s.writes += 1;
                    let (assignee, updated_at) = (Some(agent.clone()), Millis(s.writes));
                    Conversation { assignee, status: ConversationStatus::Assigned, updated_at, ..c.clone() }
                };
                deliver(&h, &l, Event::Conversation(assigned));
                std::thread::yield_now();
                let seqs = st.lock().unwrap().seqs.clone();
                let frame = serde_json::json!({ "type": "assigned", "conversation_id": c.id, "seqs": seqs });
                let shown = Shown { max_seq: seqs.last().copied().unwrap_or(0), notes: HashSet::new() };
                h.release(&c.id, Some((Arc::from(frame.to_string()), shown)));
            }));
        }
        for t in threads {
            t.join().expect("no thread panicked");
        }
        for console in &mut consoles {
            let mut seen: HashMap<String, Vec<i64>> = HashMap::new();
            let mut assigned_first = HashSet::new();
            for f in received(console) {
                match f["type"].as_str() {
                    Some("assigned") => {
                        let id = f["conversation_id"].as_str().unwrap().to_owned();
                        assert!(!seen.contains_key(&id), "a message of {id} came before its assigned frame");
                        assigned_first.insert(id.clone());
                        seen.entry(id)
                            .or_default()
                            .extend(f["seqs"].as_array().unwrap().iter().map(|s| s.as_i64().unwrap()));
                    }
                    Some("message") => {
                        let id = f["conversation_id"].as_str().unwrap().to_owned();
                        assert!(assigned_first.contains(&id), "a message of {id} came before its assigned frame");
                        seen.entry(id).or_default().push(f["seq"].as_i64().unwrap());
                    }
                    other => panic!("unexpected frame {other:?}"),
                }
            }
            for (id, mut seqs) in seen {
                let received = seqs.len();
                seqs.sort_unstable();
                seqs.dedup();
                assert_eq!(received, seqs.len(), "{id}: a message reached the agent twice");
                assert_eq!(seqs, (1..=MESSAGES).collect::<Vec<_>>(), "{id}: a message never reached the agent");
            }
        }
    }

    #[test]
    fn a_state_published_late_does_not_undo_a_newer_assignment() {
        let hub = Hub::new(16);
        let (live, _) = chat_only();
        let (customer, agent) = (CustomerId::from("cu_1"), AgentId::from("ag_1"));
        let (mut console, _) = hub.register_agent(&agent);
        let queued = Conversation {
            assignee: None,
            status: ConversationStatus::Queued,
            updated_at: Millis(5),
            ..conversation(ChannelKind::Chat, &customer, &agent)
        };
        let assigned = Conversation { assignee: Some(agent.clone()), updated_at: Millis(10), ..queued.clone() };
        hub.track(&queued);
        hub.hold_for(&queued.id, &agent);
        hub.track(&assigned);
        hub.release(
            &queued.id,
            Some((Arc::from(r#"{"type":"assigned"}"#), Shown { max_seq: 1, notes: HashSet::new() })),
        );
        // The task that committed m1 (shown in the assigned frame) and triaged the queued
        // state publishes only now: first the state, then the message.
        deliver(&hub, &live, Event::Conversation(queued.clone()));
        let m1 = Message { seq: Some(1), text: "m1".into(), ..reply(&queued) };
        deliver(&hub, &live, Event::Message { message: m1, conversation: assigned.clone(), origin: None });
        let m2 = Message { seq: Some(2), text: "m2".into(), ..reply(&queued) };
        deliver(&hub, &live, Event::Message { message: m2, conversation: assigned, origin: None });
        let got: Vec<_> = received(&mut console).iter().map(|f| format!("{} {}", f["type"], f["text"])).collect();
        assert_eq!(got, [r#""assigned" null"#, r#""message" "m2""#]);
    }
}
