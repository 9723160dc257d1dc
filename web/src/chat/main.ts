// The demo chat widget: a customer's side of /v1/chat for trying the product locally. It
// asks the daemon for a demo customer token (only served while `web.chat_demo` is on),
// remembers which demo customer it is, so a reload resumes the same conversation, and shows
// the queue position, the agent's name and their typing. It can also ask for a callback.

import '../style.css';
import { h, fill } from '../dom';
import { duration, lang, langButton, onLangChange, t } from '../i18n';

const USER_KEY = 'switchboard.demo.user';
const NAME_KEY = 'switchboard.demo.name';
const BACKOFF = [250, 500, 1000, 2000, 5000];
const TYPING_IDLE_MS = 3000;

interface Msg {
  seq: number | null;
  author: { role: string; name: string };
  text: string;
  pending?: string;
}

const root = document.getElementById('app')!;

class Chat {
  private ws: WebSocket | null = null;
  private token = '';
  private messages: Msg[] = [];
  private lastSeq = 0;
  private unacked = new Map<string, string>();
  private attempt = 0;
  private status = '';
  private agent: string | null = null;
  private agentTyping = false;
  private typing = false;
  private typingTimer: number | undefined;
  private log = h('ol', { class: 'chat-log', id: 'chat-log', 'aria-live': 'polite' });
  private statusLine = h('div', { class: 'chat-status', id: 'chat-status', role: 'status' });
  private box = h('textarea', { id: 'chat-box', rows: 2 });
  private send = h('button', { type: 'button', id: 'chat-send' });
  private callback = h('details', { class: 'chat-callback', id: 'chat-callback' });

  constructor(private user: string, private name: string) {}

  async run(): Promise<void> {
    this.box.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.box.addEventListener('input', () => this.typed());
    this.send.addEventListener('click', () => this.submit());
    onLangChange(() => this.render());
    fill(
      root,
      h(
        'main',
        { class: 'chat' },
        h('header', { class: 'chat-top' }, h('h1', {}, t('chat.title')), langButton(), h('button', { type: 'button', onclick: () => this.forget() }, '↺')),
        this.statusLine,
        this.log,
        h('div', { class: 'chat-form' }, this.box, this.send),
        this.callback,
      ),
    );
    this.renderCallback();
    this.render();
    await this.connect();
  }

  private forget(): void {
    localStorage.removeItem(USER_KEY);
    localStorage.removeItem(NAME_KEY);
    location.reload();
  }

  /// A fresh token for the same demo customer at every (re)connect: tokens expire.
  private async connect(): Promise<void> {
    try {
      const r = await fetch('/chat-demo/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: this.user, name: this.name, lang: lang() }),
      });
      if (!r.ok) throw new Error(String(r.status));
      this.token = (await r.json()).token;
    } catch {
      return this.retry();
    }
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/chat`);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', token: this.token, resume_after: this.lastSeq }));
    ws.onmessage = (e) => this.frame(JSON.parse(e.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.retry();
    };
  }

  private retry(): void {
    this.status = t('banner.disconnected');
    this.render();
    setTimeout(() => this.connect(), BACKOFF[Math.min(this.attempt++, BACKOFF.length - 1)]);
  }

  private frame(f: any): void {
    switch (f.type) {
      case 'welcome':
        this.attempt = 0;
        this.status = '';
        for (const [clientId, text] of this.unacked) this.ws?.send(JSON.stringify({ type: 'send', client_id: clientId, text }));
        break;
      case 'ack':
        this.unacked.delete(f.client_id);
        this.messages = this.messages.filter((m) => m.pending !== f.client_id);
        break;
      case 'message':
        if (f.seq !== null && !this.messages.some((m) => m.seq === f.seq)) {
          this.messages.push({ seq: f.seq, author: f.author, text: f.text });
          this.messages.sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
          this.lastSeq = Math.max(this.lastSeq, f.seq);
          if (f.author.role === 'agent') this.agentTyping = false;
          this.ws?.send(JSON.stringify({ type: 'read', seq: this.lastSeq }));
        }
        break;
      case 'queue':
        this.status = t('chat.queue', { position: f.position, wait: duration(f.estimated_wait_s) });
        break;
      case 'assigned':
        this.agent = f.agent.name;
        this.status = t('chat.assigned', { name: f.agent.name });
        break;
      case 'typing':
        this.agentTyping = f.on;
        break;
      case 'status':
        if (f.status === 'resolved') {
          this.status = t('chat.resolved');
          this.agent = null;
        }
        break;
      case 'error':
        this.status = t('error', { why: f.message });
        break;
    }
    this.render();
  }

  private typed(): void {
    if (!this.typing) {
      this.typing = true;
      this.ws?.send(JSON.stringify({ type: 'typing', on: true }));
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    clearTimeout(this.typingTimer);
    if (this.typing) this.ws?.send(JSON.stringify({ type: 'typing', on: false }));
    this.typing = false;
  }

  private submit(): void {
    const text = this.box.value;
    if (!text.trim()) return;
    const clientId = crypto.randomUUID();
    this.unacked.set(clientId, text);
    this.messages.push({ seq: null, author: { role: 'customer', name: this.name }, text, pending: clientId });
    this.ws?.send(JSON.stringify({ type: 'send', client_id: clientId, text }));
    this.stopTyping();
    this.box.value = '';
    this.render();
  }

  private render(): void {
    this.send.textContent = t('chat.send');
    this.box.placeholder = t('chat.placeholder');
    this.statusLine.textContent = this.status;
    fill(
      this.log,
      this.messages.map((m) =>
        h(
          'li',
          { class: `msg role-${m.author.role}`, 'data-seq': m.seq ?? '' },
          h('div', { class: 'msg-head' }, h('span', { class: 'author' }, m.author.role === 'customer' ? this.name : m.author.name), m.pending ? ` · ${t('delivery.sending')}` : ''),
          h('div', { class: 'msg-text' }, m.text),
        ),
      ),
      this.agentTyping ? h('li', { class: 'typing', id: 'agent-typing' }, t('chat.typing', { name: this.agent ?? t('chat.agent') })) : null,
    );
    this.log.scrollTop = this.log.scrollHeight;
  }

  private renderCallback(): void {
    const phone = h('input', { id: 'callback-phone', type: 'tel', required: true });
    const reason = h('textarea', { id: 'callback-reason', rows: 2, required: true, maxlength: 1000 });
    const result = h('p', { id: 'callback-result', role: 'status' });
    const summary = h('summary', {});
    const labels = () => {
      summary.textContent = t('chat.callback');
      phone.placeholder = t('chat.callback_phone');
      reason.placeholder = t('chat.callback_reason');
      button.textContent = t('chat.callback_send');
    };
    const button = h('button', { type: 'submit' });
    const form = h('form', {}, phone, reason, button, result);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const r = await fetch('/v1/callbacks', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ phone: phone.value, reason: reason.value, lang: lang() }),
      });
      const body = await r.json().catch(() => ({}));
      result.textContent = r.ok ? t('chat.callback_ok', { status: body.status }) : t('error', { why: body.error?.message ?? r.status });
    });
    fill(this.callback, summary, form);
    labels();
    onLangChange(labels);
  }
}

function startForm(): void {
  const name = h('input', { id: 'chat-name', required: true, maxlength: 100, placeholder: t('chat.name') });
  const form = h('form', { class: 'chat-start' }, h('h1', {}, t('chat.title')), h('label', { for: 'chat-name' }, t('chat.name')), name, h('button', { type: 'submit', id: 'chat-start' }, t('chat.start')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await fetch('/chat-demo/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: name.value, lang: lang() }) });
    if (!r.ok) return;
    const body = await r.json();
    localStorage.setItem(USER_KEY, body.user);
    localStorage.setItem(NAME_KEY, name.value);
    void new Chat(body.user, name.value).run();
  });
  fill(root, h('main', { class: 'chat' }, h('header', { class: 'chat-top' }, h('span', { class: 'spacer' }), langButton()), form));
}

const saved = localStorage.getItem(USER_KEY);
if (saved) {
  void new Chat(saved, localStorage.getItem(NAME_KEY) ?? '').run();
} else {
  startForm();
  // The form is redrawn in the new language until the chat starts.
  onLangChange(() => document.getElementById('chat-start') && startForm());
}
