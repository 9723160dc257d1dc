//! Phone-callback channel: requests and the dialer integration (filled in by the callback issue).
