//! The open customer connections, by customer: the live side of the chat channel. Events
//! from the daemon become chat frames here, serialized once and queued for every device of
//! the customer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use switchboard_channel::websocket::{Frame, FrameReceiver, FrameSender, frame_queue};
use switchboard_channel::{ConnectionId, CustomerEvent, LivePush};

use crate::frames::{AgentName, Author, ServerFrame};

/// The customer has as many open connections as one customer may.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

pub struct Connections {
    inner: Mutex<HashMap<String, Vec<(ConnectionId, FrameSender)>>>,
    next_id: AtomicU64,
    queue_len: usize,
    max_per_customer: usize,
}

impl Connections {
    pub fn new(queue_len: usize, max_per_customer: usize) -> Self {
        Self { inner: Mutex::default(), next_id: AtomicU64::new(0), queue_len, max_per_customer }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<(ConnectionId, FrameSender)>>> {
        // Every critical section only moves map entries; a panic cannot leave them inconsistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a session of a customer, unless they have too many open already.
    pub fn register(&self, customer: &str) -> Result<(ConnectionId, FrameReceiver), Full> {
        let mut inner = self.lock();
        let conns = inner.entry(customer.to_owned()).or_default();
        if conns.len() >= self.max_per_customer {
            return Err(Full);
        }
        let id = ConnectionId(self.next_id.fetch_add(1, Ordering::Relaxed) + 1);
        let (sender, receiver) = frame_queue(self.queue_len);
        conns.push((id, sender));
        Ok((id, receiver))
    }

    pub fn unregister(&self, customer: &str, id: ConnectionId) {
        let mut inner = self.lock();
        if let Some(conns) = inner.get_mut(customer) {
            conns.retain(|(c, _)| *c != id);
            if conns.is_empty() {
                inner.remove(customer);
            }
        }
    }
}

impl LivePush for Connections {
    fn push(&self, customer_id: &str, event: &CustomerEvent, except: Option<ConnectionId>) {
        let inner = self.lock();
        let Some(conns) = inner.get(customer_id) else { return };
        if !conns.iter().any(|(id, _)| Some(*id) != except) {
            return;
        }
        let frame: Frame = Arc::from(frame_of(event).to_json());
        for (id, sender) in conns {
            if Some(*id) != except {
                sender.push(&frame);
            }
        }
    }

    fn online(&self, customer_id: &str, except: Option<ConnectionId>) -> bool {
        self.lock().get(customer_id).is_some_and(|conns| conns.iter().any(|(id, _)| Some(*id) != except))
    }

    fn delivered(&self, customer_id: &str) -> String {
        crate::delivery::delivery_detail(self.online(customer_id, None)).to_owned()
    }
}

/// The chat frame that tells the customer's app of an event.
pub fn frame_of(event: &CustomerEvent) -> ServerFrame {
    match event {
        CustomerEvent::Message(m) => message_frame(m),
        CustomerEvent::Queue { position, estimated_wait_s, .. } => {
            ServerFrame::Queue { position: *position, estimated_wait_s: *estimated_wait_s }
        }
        CustomerEvent::Assigned { agent_name, .. } => {
            ServerFrame::Assigned { agent: AgentName { name: agent_name.clone() } }
        }
        CustomerEvent::Typing { on, .. } => ServerFrame::Typing { on: *on },
        CustomerEvent::Resolved { conversation_id } => {
            ServerFrame::Status { conversation_id: conversation_id.clone(), status: "resolved" }
        }
    }
}

/// A customer-visible message as the customer's app sees it.
pub fn message_frame(m: &switchboard_channel::CustomerMessage) -> ServerFrame {
    ServerFrame::Message {
        conversation_id: m.conversation_id.clone(),
        seq: m.seq,
        author: Author { role: m.author_role, name: m.author_name.clone() },
        text: m.text.clone(),
        sent_at: m.sent_at.clone(),
    }
}
