//! Customer live-chat websocket channel.
