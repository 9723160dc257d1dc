// The console's websocket to /v1/agent: says hello with the tab's token, reconnects after a
// drop (with growing pauses), and re-sends the replies and notes not yet acknowledged with
// their own client_id, which the daemon answers with the original ack instead of a second
// message. A close with 4401 means the session ended: no reconnect, the page asks for a login.

export type Frame = Record<string, any> & { type: string };

export interface ConnEvents {
  frame(f: Frame): void;
  connected(): void;
  disconnected(): void;
  ended(): void;
}

/// Pauses between reconnects, in milliseconds; the last repeats.
const BACKOFF = [250, 500, 1000, 2000, 5000];

export class Conn {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  /// Replies and notes sent but not acknowledged, by client_id, oldest first.
  private unacked = new Map<string, Frame>();
  online = false;

  constructor(private token: string, private events: ConnEvents) {}

  open(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/agent`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', token: this.token }));
    ws.onmessage = (e) => {
      let f: Frame;
      try {
        f = JSON.parse(e.data);
      } catch {
        return;
      }
      if (f.type === 'welcome') {
        this.online = true;
        this.attempt = 0;
        this.events.connected();
        this.events.frame(f);
        for (const pending of this.unacked.values()) ws.send(JSON.stringify(pending));
        return;
      }
      if (f.type === 'ack' || (f.type === 'error' && f.client_id && f.code !== 'unavailable' && f.code !== 'rate_limited')) {
        this.unacked.delete(f.client_id);
      }
      this.events.frame(f);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const was = this.online;
      this.online = false;
      if (e.code === 4401 || this.stopped) {
        this.stopped = true;
        this.events.ended();
        return;
      }
      if (was || this.attempt === 0) this.events.disconnected();
      const pause = BACKOFF[Math.min(this.attempt, BACKOFF.length - 1)];
      this.attempt += 1;
      setTimeout(() => this.open(), pause);
    };
  }

  /// Sends a frame now, or drops it while disconnected (the page shows the banner then).
  send(f: Frame): boolean {
    if (!this.ws || !this.online) return false;
    this.ws.send(JSON.stringify(f));
    return true;
  }

  /// Sends a reply or note, and again after each reconnect until it is acknowledged.
  sendWrite(f: Frame): void {
    this.unacked.set(f.client_id, f);
    this.send(f);
  }

  /// Tries a refused write again later (the store was busy).
  retryLater(clientId: string): void {
    const f = this.unacked.get(clientId);
    if (f) setTimeout(() => this.unacked.has(clientId) && this.send(f), 1000);
  }

  close(): void {
    this.stopped = true;
    this.ws?.close(1000);
  }
}
