//! Live agent connections, and who follows which conversation: its customer (reached through
//! the live side of the conversation's channel, see [`crate::live`]), its assignee and the
//! supervisors watching it. Frames are pushed into each connection's bounded queue; a
//! connection whose queue is full reads too slowly and is disconnected instead of buffered
//! without limit (it catches up with `open` when it comes back).

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use switchboard_channel::ChannelKind;
use switchboard_channel::websocket::{FrameReceiver, FrameSender, frame_queue};

use crate::domain::{AgentId, Conversation, ConversationId, CustomerId, MessageId, Millis};

pub use switchboard_channel::websocket::Frame;

/// An agent connection's id, unique for the life of the process.
pub type ConnId = u64;

/// What a session gets when it registers.
pub struct Registration {
    pub id: ConnId,
    /// Frames for this connection, in order, and the signal that it must close.
    pub queue: FrameReceiver,
}

struct Conn {
    id: ConnId,
    tx: FrameSender,
}

/// Who a conversation's frames go to.
#[derive(Default)]
struct Followers {
    /// The customer and the channel the conversation is on.
    customer: Option<(ChannelKind, CustomerId)>,
    assignee: Option<AgentId>,
    /// Supervisors who opened it.
    watchers: HashSet<AgentId>,
    /// An agent being assigned it, whose frames about it wait for the `assigned` frame.
    pending: Option<Pending>,
    /// What the assignee's `assigned` frame held. A message committed before that frame was
    /// read may be published only after it went out; it must not reach the agent again.
    shown: Option<(AgentId, Shown)>,
    /// When the newest state of the conversation seen here was written: events are published
    /// by the tasks that committed them, not in commit order, and an older state must not
    /// undo a newer assignment.
    as_of: Millis,
}

/// The messages a conversation frame holds: every customer-visible one up to `max_seq` (seqs
/// commit in order, so a snapshot holding `max_seq` holds all below it) and these notes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shown {
    pub max_seq: i64,
    pub notes: HashSet<MessageId>,
}

impl Shown {
    fn holds(&self, message: &MessageRef<'_>) -> bool {
        match message.seq {
            Some(seq) => seq <= self.max_seq,
            None => self.notes.contains(message.id),
        }
    }
}

/// The message a `message` frame carries.
#[derive(Clone, Copy, Debug)]
pub struct MessageRef<'a> {
    pub id: &'a MessageId,
    pub seq: Option<i64>,
}

/// Frames held back for an agent until it has the whole conversation (see [`Hub::hold_for`]).
struct Pending {
    agent: AgentId,
    held: Vec<Held>,
}

struct Held {
    frame: Frame,
    except: Option<ConnId>,
    /// The message the frame carries, if it is a `message` frame: its id and seq.
    message: Option<(MessageId, Option<i64>)>,
}

#[derive(Default)]
struct Inner {
    next_id: ConnId,
    agents: HashMap<AgentId, Vec<Conn>>,
    conversations: HashMap<ConversationId, Followers>,
}

pub struct Hub {
    inner: Mutex<Inner>,
    /// Frames each agent connection may have queued.
    agent_queue: usize,
}

/// Sends a hold's frames to its agent, after the `assigned` frame if there is one.
fn deliver_held(agents: &HashMap<AgentId, Vec<Conn>>, pending: Pending, assigned: Option<(Frame, &Shown)>) {
    let conns = agents.get(&pending.agent);
    let shown = assigned.map(|(frame, shown)| {
        push(conns, &frame, None);
        shown
    });
    for held in pending.held {
        let message = held.message.as_ref().map(|(id, seq)| MessageRef { id, seq: *seq });
        if !message.is_some_and(|m| shown.is_some_and(|s| s.holds(&m))) {
            push(conns, &held.frame, held.except);
        }
    }
}

fn push(conns: Option<&Vec<Conn>>, frame: &Frame, except: Option<ConnId>) {
    for conn in conns.into_iter().flatten() {
        if Some(conn.id) == except {
            continue;
        }
        conn.tx.push(frame);
    }
}

impl Hub {
    /// A hub whose agent connections each queue at most so many frames.
    pub fn new(agent_queue: usize) -> Self {
        Self { inner: Mutex::new(Inner::default()), agent_queue }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section only moves map entries, so a panic inside one cannot leave
        // the maps inconsistent; carry on with what is there.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn new_conn(inner: &mut Inner, queue_len: usize) -> (Conn, Registration) {
        inner.next_id += 1;
        let (tx, queue) = frame_queue(queue_len);
        let id = inner.next_id;
        (Conn { id, tx }, Registration { id, queue })
    }

    /// Registers an agent session; returns it and how many sessions the agent now has.
    pub fn register_agent(&self, agent: &AgentId) -> (Registration, usize) {
        let mut inner = self.lock();
        let (conn, reg) = Self::new_conn(&mut inner, self.agent_queue);
        let conns = inner.agents.entry(agent.clone()).or_default();
        conns.push(conn);
        let count = conns.len();
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
        left
    }

    /// Records who follows a conversation from a state of it. A state older than one already
    /// seen (published late by the task that committed it) only fills in the customer.
    pub fn track(&self, conversation: &Conversation) {
        let mut inner = self.lock();
        let f = inner.conversations.entry(conversation.id.clone()).or_default();
        f.customer = Some((conversation.channel, conversation.customer_id.clone()));
        if conversation.updated_at < f.as_of {
            return;
        }
        f.as_of = conversation.updated_at;
        if f.assignee != conversation.assignee {
            f.shown = None;
        }
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

    pub fn to_agent(&self, agent: &AgentId, frame: Frame, except: Option<ConnId>) {
        let inner = self.lock();
        push(inner.agents.get(agent), &frame, except);
    }

    /// Sends a frame to every open agent session (what all agents share changed).
    pub fn to_every_agent(&self, frame: &Frame) {
        let inner = self.lock();
        for conns in inner.agents.values() {
            push(Some(conns), frame, None);
        }
    }

    /// The channel and customer of a followed conversation.
    pub fn customer_of(&self, conversation: &ConversationId) -> Option<(ChannelKind, CustomerId)> {
        self.lock().conversations.get(conversation).and_then(|f| f.customer.clone())
    }

    /// To the assignee and every watcher of a conversation, each agent once; `message` is the
    /// message a `message` frame carries. Held back for an agent being assigned it.
    pub fn to_conversation_agents(
        &self,
        conversation: &ConversationId,
        frame: Frame,
        except: Option<ConnId>,
        message: Option<MessageRef<'_>>,
    ) {
        let mut guard = self.lock();
        let Inner { agents, conversations, .. } = &mut *guard;
        let Some(f) = conversations.get_mut(conversation) else { return };
        let assignee = f.assignee.as_ref().filter(|a| !f.watchers.contains(*a));
        for agent in f.watchers.iter().chain(assignee) {
            match (&mut f.pending, &f.shown) {
                (Some(p), _) if &p.agent == agent => {
                    let message = message.map(|m| (m.id.clone(), m.seq));
                    p.held.push(Held { frame: frame.clone(), except, message });
                }
                (_, Some((shown_to, shown))) if shown_to == agent && message.is_some_and(|m| shown.holds(&m)) => {}
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
    pub fn release(&self, conversation: &ConversationId, assigned: Option<(Frame, Shown)>) {
        let mut guard = self.lock();
        let Inner { agents, conversations, .. } = &mut *guard;
        let Some(f) = conversations.get_mut(conversation) else { return };
        if let Some(p) = f.pending.take() {
            let agent = p.agent.clone();
            deliver_held(agents, p, assigned.as_ref().map(|(frame, shown)| (frame.clone(), shown)));
            f.shown = assigned.map(|(_, shown)| (agent, shown));
        }
    }
}
