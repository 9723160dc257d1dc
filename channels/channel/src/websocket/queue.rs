//! A connection's bounded queue of outgoing frames. Whoever has something for a connection
//! pushes into its queue without waiting; a connection whose queue is full reads too slowly
//! and is kicked (closed with 1008) instead of buffered without limit. It catches up from the
//! store when it comes back.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A frame already serialized, shared by every connection it goes to.
pub type Frame = Arc<str>;

/// The pushing end of a connection's queue.
#[derive(Clone, Debug)]
pub struct FrameSender {
    tx: mpsc::Sender<Frame>,
    kicked: CancellationToken,
}

/// The session's end: the frames to write, in order, and the signal that it must close.
#[derive(Debug)]
pub struct FrameReceiver {
    pub frames: mpsc::Receiver<Frame>,
    /// Fires when the queue overflowed: the session closes with 1008.
    pub kicked: CancellationToken,
}

/// A queue of at most `len` frames.
pub fn frame_queue(len: usize) -> (FrameSender, FrameReceiver) {
    let (tx, frames) = mpsc::channel(len.max(1));
    let kicked = CancellationToken::new();
    (FrameSender { tx, kicked: kicked.clone() }, FrameReceiver { frames, kicked })
}

impl FrameSender {
    /// Queues a frame; a full queue kicks the connection. `false` when the frame was not queued.
    pub fn push(&self, frame: &Frame) -> bool {
        let queued = self.tx.try_send(frame.clone()).is_ok();
        if !queued {
            self.kicked.cancel();
        }
        queued
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_kicks_its_connection() {
        let (tx, mut rx) = frame_queue(2);
        let f: Frame = Arc::from("{}");
        assert!(tx.push(&f) && tx.push(&f));
        assert!(!rx.kicked.is_cancelled());
        assert!(!tx.push(&f), "the third frame does not fit");
        assert!(rx.kicked.is_cancelled());
        assert_eq!(std::iter::from_fn(|| rx.frames.try_recv().ok()).count(), 2);
    }
}
