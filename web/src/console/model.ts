// What the console knows: the agent, their offers and conversations, the canned responses
// and the supervisor's figures, kept up to date from the daemon's frames. Views read it;
// only `apply` (frames) and the page's own actions change it.

import type { Frame } from './conn';

export interface Message {
  conversation_id: string;
  seq: number | null;
  author: { role: string; name: string };
  internal: boolean;
  text: string;
  sent_at: string;
  channel: string;
  email?: { from?: string; to: string[]; cc: string[]; authentication: string; warning?: string };
  attachments?: Array<{ id: string; filename: string; content_type: string; size: number; url: string }>;
  original_url?: string;
  /// Set on the page's own reply before its ack: its client_id.
  pending?: string;
  /// Why the daemon refused it.
  refused?: string;
}

export interface Conversation {
  id: string;
  channel: string;
  status: string;
  category: string | null;
  priority: string;
  queue: string | null;
  subject: string | null;
  preview: string;
  waiting_since: string;
  secrets_redacted: boolean;
  triage_signal?: string;
  reference: string;
  customer: { id: string; name: string | null; email?: string | null; phone?: string | null; app_user_id?: string | null; lang?: string | null };
  callback?: any;
  history?: any[];
  /// Whole once the conversation was opened or assigned.
  messages?: Message[];
}

export interface Offer {
  offer_id: string;
  conversation: Conversation;
  expires_at: number;
}

export interface Delivery {
  state: string;
  detail: string;
}

const PRIORITY = ['urgent', 'high', 'normal', 'low'];

export class Model {
  agent: { id: string; name: string; supervisor: boolean } | null = null;
  status = 'away';
  statusReason: string | null = null;
  offers = new Map<string, Offer>();
  conversations = new Map<string, Conversation>();
  selected: string | null = null;
  unread = new Set<string>();
  typing = new Set<string>();
  read = new Map<string, number>();
  /// Keyed `conversation:seq`.
  deliveries = new Map<string, Delivery>();
  canned: any[] = [];
  stats: any = null;
  breaches: any[] = [];
  lastError: string | null = null;

  /// The open conversations, most urgent first, then longest waiting.
  sorted(): Conversation[] {
    return [...this.conversations.values()].sort(
      (a, b) =>
        PRIORITY.indexOf(a.priority) - PRIORITY.indexOf(b.priority) ||
        a.waiting_since.localeCompare(b.waiting_since) ||
        a.id.localeCompare(b.id),
    );
  }

  /// Open conversations per channel.
  load(): Record<string, number> {
    const load: Record<string, number> = { chat: 0, email: 0, callback: 0 };
    for (const c of this.conversations.values()) load[c.channel] = (load[c.channel] ?? 0) + 1;
    return load;
  }

  /// Adds a message unless the conversation holds it already (by seq, or for notes by
  /// author, time and text): a message can arrive live and again in a reloaded conversation.
  addMessage(m: Message): boolean {
    const c = this.conversations.get(m.conversation_id);
    if (!c) return false;
    c.messages ??= [];
    const same = (o: Message) =>
      m.seq !== null ? o.seq === m.seq : o.seq === null && !o.pending && o.sent_at === m.sent_at && o.text === m.text && o.author.name === m.author.name;
    if (c.messages.some(same)) return false;
    c.messages.push(m);
    if (m.author.role === 'customer') c.preview = m.text.slice(0, 140);
    return true;
  }

  /// Applies one frame; returns whether anything shown changed.
  apply(f: Frame): void {
    switch (f.type) {
      case 'welcome': {
        this.agent = { supervisor: false, ...f.agent };
        this.status = f.status;
        // What was whole before a reconnect is asked for again whole by the page, so
        // replacing the summaries loses nothing.
        const before = this.conversations;
        this.conversations = new Map();
        for (const s of f.conversations) {
          const old = before.get(s.id);
          this.conversations.set(s.id, { ...s, messages: old?.messages });
        }
        this.offers.clear();
        if (this.selected && !this.conversations.has(this.selected)) this.selected = null;
        break;
      }
      case 'status':
        if (!f.agent) {
          this.status = f.status;
          this.statusReason = f.reason ?? null;
        }
        break;
      case 'offer':
        this.offers.set(f.offer_id, { offer_id: f.offer_id, conversation: f.conversation, expires_at: Date.now() + f.expires_in_s * 1000 });
        break;
      case 'offer_revoked':
        this.offers.delete(f.offer_id);
        break;
      case 'assigned':
      case 'conversation': {
        const c: Conversation = f.conversation;
        const old = this.conversations.get(c.id);
        // Replies still on their way stay shown until their ack.
        const pending = old?.messages?.filter((m) => m.pending || m.refused) ?? [];
        if (f.type === 'assigned' || old) {
          this.conversations.set(c.id, { ...c, messages: [...c.messages!, ...pending] });
        }
        for (const d of (f.conversation.deliveries ?? []) as Array<{ seq: number; state: string; detail: string | null }>) {
          this.deliveries.set(`${c.id}:${d.seq}`, { state: d.state, detail: d.detail ?? '' });
        }
        for (const [id, o] of this.offers) if (o.conversation.id === c.id) this.offers.delete(id);
        if (f.type === 'assigned' && !this.selected) this.selected = c.id;
        break;
      }
      case 'unassigned':
        this.conversations.delete(f.conversation_id);
        this.unread.delete(f.conversation_id);
        if (this.selected === f.conversation_id) this.selected = null;
        break;
      case 'message': {
        const { type: _type, ...m } = f;
        if (this.addMessage(m as Message) && m.author.role === 'customer' && this.selected !== m.conversation_id) {
          this.unread.add(m.conversation_id);
        }
        if (m.author.role === 'customer') this.typing.delete(m.conversation_id);
        break;
      }
      case 'ack': {
        const c = this.conversations.get(f.conversation_id);
        if (c?.messages) c.messages = c.messages.filter((m) => m.pending !== f.client_id);
        // A reply (a note has no seq) is on its way until its delivery is reported.
        const key = `${f.conversation_id}:${f.seq}`;
        if (f.seq !== null && !this.deliveries.has(key)) this.deliveries.set(key, { state: 'sending', detail: '' });
        break;
      }
      case 'delivery':
        this.deliveries.set(`${f.conversation_id}:${f.seq}`, { state: f.state, detail: f.detail });
        break;
      case 'typing':
        if (f.on) this.typing.add(f.conversation_id);
        else this.typing.delete(f.conversation_id);
        break;
      case 'read':
        this.read.set(f.conversation_id, f.seq);
        break;
      case 'callback': {
        const c = this.conversations.get(f.conversation_id);
        if (c) c.callback = f.callback;
        break;
      }
      case 'canned':
        this.canned = f.responses;
        break;
      case 'stats':
        this.stats = f;
        break;
      case 'sla_breached':
        this.breaches = [f, ...this.breaches].slice(0, 5);
        break;
      case 'error':
        if (f.client_id) {
          for (const c of this.conversations.values()) {
            for (const m of c.messages ?? []) {
              if (m.pending === f.client_id && f.code !== 'unavailable' && f.code !== 'rate_limited') {
                m.pending = undefined;
                m.refused = f.message;
              }
            }
          }
        } else {
          this.lastError = f.message;
        }
        break;
    }
  }
}
