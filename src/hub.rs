//! Live connections: which websocket belongs to which customer or agent, and which agents
//! follow which conversation. Frames are pushed into each connection's bounded queue; a
//! connection whose queue is full reads too slowly and is disconnected instead of buffered
//! without limit (it catches up with `resume_after` or `open` when it comes back).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use switchboard_channel::ChannelKind;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::domain::{AgentId, Conversation, ConversationId, CustomerId, MessageId};
use crate::telemetry::names;

/// A connection's id, unique for the life of the process.
pub type ConnId = u64;

/// A frame already serialized, shared by every connection it goes to.
pub type Frame = Arc<str>;

/// What a session gets when it registers.
pub struct Registration {
    pub id: ConnId,
    /// Frames for this connection, in order.
    pub frames: mpsc::Receiver<Frame>,
    /// Fires when the connection must close because its queue overflowed.
    pub kicked: CancellationToken,
}

struct Conn {
    id: ConnId,
    tx: mpsc::Sender<Frame>,
    kicked: CancellationToken,
}

/// Who a conversation's frames go to.
#[derive(Default)]
struct Followers {
    customer: Option<CustomerId>,
    assignee: Option<AgentId>,
    /// Supervisors who opened it.
    watchers: HashSet<AgentId>,
    /// An agent being assigned it, whose frames about it wait for the `assigned` frame.
    pending: Option<Pending>,
}

/// Frames held back for an agent until it has the whole conversation (see [`Hub::hold_for`]).
struct Pending {
    agent: AgentId,
    held: Vec<Held>,
}

struct Held {
    frame: Frame,
    except: Option<ConnId>,
    /// The message the frame carries, if it is a `message` frame.
    message: Option<MessageId>,
}

#[derive(Default)]
struct Inner {
    next_id: ConnId,
    customers: HashMap<CustomerId, Vec<Conn>>,
    agents: HashMap<AgentId, Vec<Conn>>,
    conversations: HashMap<ConversationId, Followers>,
}

pub struct Hub {
    inner: Mutex<Inner>,
    /// Frames each customer connection, and each agent connection, may have queued.
    customer_queue: usize,
    agent_queue: usize,
}

/// Sends a hold's frames to its agent, after the `assigned` frame if there is one.
fn deliver_held(
    agents: &HashMap<AgentId, Vec<Conn>>,
    pending: Pending,
    assigned: Option<(Frame, &HashSet<MessageId>)>,
) {
    let conns = agents.get(&pending.agent);
    let shown = assigned.map(|(frame, shown)| {
        push(conns, &frame, None);
        shown
    });
    let already_shown = |m: &MessageId| shown.is_some_and(|s| s.contains(m));
    for held in pending.held {
        if !held.message.as_ref().is_some_and(already_shown) {
            push(conns, &held.frame, held.except);
        }
    }
}

fn push(conns: Option<&Vec<Conn>>, frame: &Frame, except: Option<ConnId>) {
    for conn in conns.into_iter().flatten() {
        if Some(conn.id) == except {
            continue;
        }
        if conn.tx.try_send(frame.clone()).is_err() {
            conn.kicked.cancel();
        }
    }
}

impl Hub {
    /// A hub whose customer and agent connections each queue at most so many frames.
    pub fn new(customer_queue: usize, agent_queue: usize) -> Self {
        Self { inner: Mutex::new(Inner::default()), customer_queue, agent_queue }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section only moves map entries, so a panic inside one cannot leave
        // the maps inconsistent; carry on with what is there.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn new_conn(inner: &mut Inner, queue_len: usize) -> (Conn, Registration) {
        inner.next_id += 1;
        let (tx, frames) = mpsc::channel(queue_len);
        let kicked = CancellationToken::new();
        let id = inner.next_id;
        (Conn { id, tx, kicked: kicked.clone() }, Registration { id, frames, kicked })
    }

    pub fn register_customer(&self, customer: &CustomerId) -> Registration {
        let mut inner = self.lock();
        let (conn, reg) = Self::new_conn(&mut inner, self.customer_queue);
        inner.customers.entry(customer.clone()).or_default().push(conn);
        metrics::gauge!(names::OPEN_CONNECTIONS, "kind" => "chat").increment(1.0);
        reg
    }

    pub fn unregister_customer(&self, customer: &CustomerId, id: ConnId) {
        let mut inner = self.lock();
        if let Some(conns) = inner.customers.get_mut(customer) {
            conns.retain(|c| c.id != id);
            if conns.is_empty() {
                inner.customers.remove(customer);
            }
        }
        metrics::gauge!(names::OPEN_CONNECTIONS, "kind" => "chat").decrement(1.0);
    }

    /// Registers an agent session; returns it and how many sessions the agent now has.
    pub fn register_agent(&self, agent: &AgentId) -> (Registration, usize) {
        let mut inner = self.lock();
        let (conn, reg) = Self::new_conn(&mut inner, self.agent_queue);
        let conns = inner.agents.entry(agent.clone()).or_default();
        conns.push(conn);
        let count = conns.len();
        metrics::gauge!(names::OPEN_CONNECTIONS, "kind" => "agent").increment(1.0);
        (reg, count)
    }

    /// Removes an agent session; returns how many sessions the agent still has.
    pub fn unregister_agent(&self, agent: &AgentId, id: ConnId) -> usize {
        let mut inner = self.lock();
        let left = match inner.agents.get_mut(agent) {
            Some(conns) => {
                conns.retain(|c| c.id != id);
                conns.len()
            }
            None => 0,
        };
        if left == 0 {
            inner.agents.remove(agent);
            for followers in inner.conversations.values_mut() {
                followers.watchers.remove(agent);
            }
        }
        metrics::gauge!(names::OPEN_CONNECTIONS, "kind" => "agent").decrement(1.0);
        left
    }

    /// Records who follows a conversation from its current state.
    pub fn track(&self, conversation: &Conversation) {
        let mut inner = self.lock();
        let f = inner.conversations.entry(conversation.id.clone()).or_default();
        // The customer's app follows only live chat (see `to_chat_customer`).
        f.customer = (conversation.channel == ChannelKind::Chat).then(|| conversation.customer_id.clone());
        f.assignee = conversation.assignee.clone();
        if !conversation.status.is_open() && f.watchers.is_empty() && f.pending.is_none() {
            inner.conversations.remove(&conversation.id);
        }
    }

    /// A supervisor follows a conversation, whoever it is assigned to.
    pub fn watch(&self, conversation: &Conversation, agent: &AgentId) {
        self.track(conversation);
        let mut inner = self.lock();
        inner.conversations.entry(conversation.id.clone()).or_default().watchers.insert(agent.clone());
    }

    /// To the customer's app, about one of their conversations. The app holds the customer's
    /// live chat only: a frame about an email thread or a callback would show there as chat,
    /// and its `seq` would collide with the chat's, so those go nowhere.
    pub fn to_chat_customer(&self, conversation: &Conversation, frame: Frame, except: Option<ConnId>) {
        if conversation.channel == ChannelKind::Chat {
            let inner = self.lock();
            push(inner.customers.get(&conversation.customer_id), &frame, except);
        }
    }

    pub fn to_agent(&self, agent: &AgentId, frame: Frame, except: Option<ConnId>) {
        let inner = self.lock();
        push(inner.agents.get(agent), &frame, except);
    }

    /// To the customer of a followed chat conversation.
    pub fn to_conversation_customer(&self, conversation: &ConversationId, frame: Frame, except: Option<ConnId>) {
        let inner = self.lock();
        if let Some(customer) = inner.conversations.get(conversation).and_then(|f| f.customer.as_ref()) {
            push(inner.customers.get(customer), &frame, except);
        }
    }

    /// To the assignee and every watcher of a conversation, each agent once; `message` is the
    /// message a `message` frame carries. Held back for an agent being assigned it.
    pub fn to_conversation_agents(
        &self,
        conversation: &ConversationId,
        frame: Frame,
        except: Option<ConnId>,
        message: Option<&MessageId>,
    ) {
        let mut guard = self.lock();
        let Inner { agents, conversations, .. } = &mut *guard;
        let Some(f) = conversations.get_mut(conversation) else { return };
        let assignee = f.assignee.as_ref().filter(|a| !f.watchers.contains(*a));
        for agent in f.watchers.iter().chain(assignee) {
            match &mut f.pending {
                Some(p) if &p.agent == agent => {
                    p.held.push(Held { frame: frame.clone(), except, message: message.cloned() });
                }
                _ => push(agents.get(agent), &frame, except),
            }
        }
    }

    /// Holds back the frames about a conversation for `agent`, who is being assigned it, until
    /// [`Hub::release`]. Between the assignment's commit and the read of the conversation it
    /// is sent, a message may commit and be published: without the hold it would reach the
    /// agent before the `assigned` frame and again inside it. Call it before the assignment
    /// commits. A hold still pending for someone else is released as it stands.
    pub fn hold_for(&self, conversation: &ConversationId, agent: &AgentId) {
        let mut guard = self.lock();
        let Inner { agents, conversations, .. } = &mut *guard;
        let pending = Pending { agent: agent.clone(), held: Vec::new() };
        if let Some(earlier) = conversations.entry(conversation.clone()).or_default().pending.replace(pending) {
            deliver_held(agents, earlier, None);
        }
    }

    /// Ends a hold: sends `assigned` (the `assigned` frame and the messages it holds) when
    /// there is one, then the held frames, but no message the `assigned` frame already holds.
    pub fn release(&self, conversation: &ConversationId, assigned: Option<(Frame, &HashSet<MessageId>)>) {
        let mut guard = self.lock();
        let Inner { agents, conversations, .. } = &mut *guard;
        if let Some(p) = conversations.get_mut(conversation).and_then(|f| f.pending.take()) {
            deliver_held(agents, p, assigned);
        }
    }

    /// Whether a customer has at least one open connection.
    pub fn customer_online(&self, customer: &CustomerId) -> bool {
        self.customer_online_besides(customer, None)
    }

    /// Whether a customer has an open connection other than `except`.
    pub fn customer_online_besides(&self, customer: &CustomerId, except: Option<ConnId>) -> bool {
        let inner = self.lock();
        inner.customers.get(customer).is_some_and(|conns| conns.iter().any(|c| Some(c.id) != except))
    }

    /// Whether the customer of a followed conversation has at least one open connection.
    pub fn conversation_customer_online(&self, conversation: &ConversationId) -> bool {
        let inner = self.lock();
        let customer = inner.conversations.get(conversation).and_then(|f| f.customer.as_ref());
        customer.is_some_and(|c| inner.customers.contains_key(c))
    }
}
