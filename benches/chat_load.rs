//! Load benchmark of the chat and agent websockets (filled in by its own work).

fn main() {}
