// The agent console: signs in, speaks /v1/agent, and draws the work and supervisor views from
// the model. Every region is redrawn from the model after each frame, except the reply box,
// which keeps what the agent is typing.

import '../style.css';
import { h, fill } from '../dom';
import { langButton, onLangChange, t } from '../i18n';
import { Conn, type Frame } from './conn';
import { Composer } from './composer';
import { TOKEN_KEY, loginView } from './login';
import { Model } from './model';
import { cannedEditor, loadText, statsView, type SupervisorActions } from './supervisor';
import { conversationHead, listView, messagesView, offersView, panelsView, type Actions } from './work';

const root = document.getElementById('app')!;

function start(token: string | null, notice: string | null = null): void {
  if (!token) {
    fill(root, loginView((tok) => start(tok), notice));
    document.getElementById('login')?.focus();
    return;
  }
  new Console(token).run();
}

class Console {
  private model = new Model();
  private conn: Conn;
  private view: 'work' | 'supervisor' = 'work';
  private composer: Composer;
  private banner = h('div', { class: 'banner', id: 'disconnected-banner', role: 'status', hidden: true });
  private top = h('header', { class: 'top' });
  private offers = h('div', { class: 'offers-region' });
  private list = h('div', { class: 'list-region' });
  private head = h('div', { class: 'head-region' });
  private messages = h('div', { class: 'messages-region' });
  private panels = h('div', { class: 'panels-region' });
  private stats = h('div', { class: 'stats-region' });
  private canned = h('div', { class: 'canned-region' });
  private work: HTMLElement;
  private supervisor: HTMLElement;
  private errorLine = h('p', { class: 'form-error', role: 'alert', id: 'console-error' });
  private nextId = 0;
  private shownHead: string | null = null;

  constructor(private token: string) {
    this.conn = new Conn(token, {
      frame: (f) => this.frame(f),
      connected: () => {
        this.banner.hidden = true;
      },
      disconnected: () => {
        this.banner.hidden = false;
        this.banner.textContent = t('banner.disconnected');
      },
      ended: () => {
        sessionStorage.removeItem(TOKEN_KEY);
        start(null, t('login.ended'));
      },
    });
    this.composer = new Composer(this.model, this.actions);
    const center = h('section', { class: 'conversation' }, this.head, this.messages, this.composer.el);
    this.work = h('main', { class: 'work' }, h('div', { class: 'sidebar' }, this.offers, this.list), center, this.panels);
    this.supervisor = h('main', { class: 'supervisor-page', hidden: true }, this.stats, this.canned);
  }

  run(): void {
    fill(root, this.top, this.banner, this.errorLine, this.work, this.supervisor, h('datalist', { id: 'queue-names' }));
    this.conn.open();
    document.addEventListener('keydown', (e) => this.key(e));
    onLangChange(() => this.render(true));
    // Countdowns and waiting times move on their own.
    setInterval(() => {
      if (this.model.offers.size > 0) this.renderOffers();
      this.renderList();
    }, 1000);
  }

  private actions: Actions & SupervisorActions = {
    accept: (id) => this.conn.send({ type: 'accept', offer_id: id }),
    decline: (id) => {
      this.conn.send({ type: 'decline', offer_id: id });
      this.model.offers.delete(id);
      this.render();
    },
    select: (id) => this.select(id),
    write: (id, text, note, cc) => {
      const clientId = `${note ? 'n' : 'r'}-${Date.now().toString(36)}-${(this.nextId++).toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
      const c = this.model.conversations.get(id);
      c?.messages?.push({
        conversation_id: id,
        seq: null,
        author: { role: 'agent', name: this.model.agent?.name ?? '' },
        internal: note,
        text,
        sent_at: new Date().toISOString().slice(0, 19) + 'Z',
        channel: c.channel,
        pending: clientId,
      });
      const frame: Frame = { type: note ? 'note' : 'reply', conversation_id: id, client_id: clientId, text };
      if (cc.length) frame.cc = cc;
      this.conn.sendWrite(frame);
      this.render();
    },
    typing: (id, on) => this.conn.send({ type: 'typing', conversation_id: id, on }),
    transfer: (id, to, reason) => this.conn.send({ type: 'transfer', conversation_id: id, ...to, ...(reason ? { reason } : {}) }),
    resolve: (id) => this.conn.send({ type: 'resolve', conversation_id: id }),
    callbackOutcome: (id, outcome) => this.conn.send({ type: 'callback_outcome', conversation_id: id, outcome }),
    download: (url, filename) => this.download(url, filename),
    setStatus: (agent, status) => this.conn.send({ type: 'status', status, agent }),
    saveCanned: (c) => this.conn.send({ type: 'canned_save', ...c }),
    deleteCanned: (id) => this.conn.send({ type: 'canned_delete', id }),
  };

  private frame(f: Frame): void {
    const before = new Set(this.model.offers.keys());
    this.model.apply(f);
    switch (f.type) {
      case 'welcome':
        this.conn.send({ type: 'canned_list' });
        if (this.model.agent?.supervisor) this.conn.send({ type: 'subscribe_stats' });
        // After a reconnect, what the page showed whole is asked for whole again.
        for (const c of this.model.conversations.values()) if (c.messages) this.conn.send({ type: 'open', conversation_id: c.id });
        if (this.model.selected) this.select(this.model.selected);
        break;
      case 'offer':
        if (!before.has(f.offer_id)) this.alert(f);
        break;
      case 'error':
        if (!f.client_id) this.errorLine.textContent = t('error', { why: f.message });
        if (f.client_id && (f.code === 'unavailable' || f.code === 'rate_limited')) this.conn.retryLater(f.client_id);
        break;
      case 'stats': {
        const names = document.getElementById('queue-names');
        if (names) fill(names, f.queues.map((q: any) => h('option', { value: q.queue })));
        break;
      }
    }
    if (f.type !== 'error') this.errorLine.textContent = '';
    this.render(f.type === 'canned' || f.type === 'welcome');
  }

  private select(id: string): void {
    this.model.selected = id;
    this.model.unread.delete(id);
    const c = this.model.conversations.get(id);
    if (c && !c.messages) this.conn.send({ type: 'open', conversation_id: id });
    this.render();
    this.composer.focus();
  }

  /// A new offer: a short tone, and a desktop notification when the agent allowed them.
  private alert(f: Frame): void {
    try {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = f.conversation.priority === 'urgent' ? 1046 : 660;
      gain.gain.value = 0.08;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.25);
      tone.onended = () => audio.close();
    } catch {
      // No sound where the browser allows none.
    }
    if ('Notification' in window && Notification.permission === 'granted' && document.hidden) {
      new Notification(`${t('offers')}: ${f.conversation.customer.name ?? ''}`, { body: f.conversation.preview, tag: f.offer_id });
    }
  }

  private key(e: KeyboardEvent): void {
    const offer = [...this.model.offers.values()][0];
    if (e.altKey && offer && (e.key === 'a' || e.key === 'd')) {
      e.preventDefault();
      if (e.key === 'a') this.actions.accept(offer.offer_id);
      else this.actions.decline(offer.offer_id);
      return;
    }
    if (e.altKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      const ids = this.model.sorted().map((c) => c.id);
      if (!ids.length) return;
      const at = ids.indexOf(this.model.selected ?? '');
      const next = e.key === 'ArrowDown' ? Math.min(at + 1, ids.length - 1) : Math.max(at - 1, 0);
      this.select(ids[at === -1 ? 0 : next]);
    }
  }

  private async download(url: string, filename: string): Promise<void> {
    // The token goes in a header, never in the URL.
    const r = await fetch(url, { headers: { authorization: `Bearer ${this.token}` } });
    if (!r.ok) {
      this.errorLine.textContent = t('error', { why: `${r.status}` });
      return;
    }
    const link = h('a', { href: URL.createObjectURL(await r.blob()), download: filename });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  private render(all = false): void {
    this.renderTop();
    this.renderOffers();
    this.renderList();
    this.renderConversation(all);
    if (this.view === 'supervisor') fill(this.stats, statsView(this.model, this.actions));
    if (all) fill(this.canned, this.model.agent?.supervisor ? cannedEditor(this.model, this.actions) : null);
    this.work.hidden = this.view !== 'work';
    this.supervisor.hidden = this.view !== 'supervisor';
  }

  private renderTop(): void {
    const m = this.model;
    const available = m.status === 'available';
    const load = m.load();
    fill(
      this.top,
      h('strong', { class: 'brand' }, t('app.title')),
      h('span', { class: 'me' }, m.agent?.name ?? ''),
      h(
        'button',
        {
          type: 'button',
          id: 'presence',
          class: `presence ${available ? 'on' : 'off'}`,
          'aria-pressed': available ? 'true' : 'false',
          onclick: () => {
            if ('Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
            this.conn.send({ type: 'status', status: available ? 'away' : 'available' });
          },
        },
        available ? t('status.available') : t('status.away'),
      ),
      m.statusReason ? h('span', { class: 'status-reason' }, t(`status.${m.statusReason}` as any)) : null,
      // The limits are known from the stats frames, which supervisors get.
      h('span', { class: 'load', id: 'load' }, `${t('load')}: `, loadText(load, m.stats?.agents.find((a: any) => a.id === m.agent?.id)?.capacity)),
      h('span', { class: 'spacer' }),
      m.agent?.supervisor
        ? h(
            'nav',
            { class: 'views' },
            h('button', { type: 'button', id: 'view-work', 'aria-pressed': String(this.view === 'work'), onclick: () => this.show('work') }, t('view.work')),
            h('button', { type: 'button', id: 'view-supervisor', 'aria-pressed': String(this.view === 'supervisor'), onclick: () => this.show('supervisor') }, t('view.supervisor')),
          )
        : null,
      langButton(),
      h(
        'button',
        {
          type: 'button',
          id: 'logout',
          onclick: () => {
            sessionStorage.removeItem(TOKEN_KEY);
            this.conn.close();
            location.reload();
          },
        },
        t('logout'),
      ),
    );
  }

  private show(view: 'work' | 'supervisor'): void {
    this.view = view;
    this.render(true);
  }

  private renderOffers(): void {
    fill(this.offers, offersView(this.model, this.actions));
  }

  private renderList(): void {
    // Redrawing must not take the focus from the list while the agent moves through it.
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.conversation;
    fill(this.list, listView(this.model, this.actions));
    if (focused) (this.list.querySelector(`[data-conversation="${CSS.escape(focused)}"]`) as HTMLElement | null)?.focus();
  }

  private renderConversation(all: boolean): void {
    const c = this.model.selected ? this.model.conversations.get(this.model.selected) ?? null : null;
    this.composer.show(c);
    this.composer.el.hidden = !c;
    if (!c) {
      this.shownHead = null;
      fill(this.head, h('p', { class: 'empty' }, t('conv.none')));
      fill(this.messages);
      fill(this.panels);
      return;
    }
    // The header holds the transfer form: redrawn only when the conversation changes.
    const headKey = `${c.id}|${c.priority}|${c.queue}|${c.status}|${c.category}|${c.secrets_redacted}`;
    if (all || this.shownHead !== headKey) {
      fill(this.head, conversationHead(c, this.actions));
      this.shownHead = headKey;
    }
    const list = this.messages.firstElementChild;
    const atBottom = !list || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const view = messagesView(c, this.model, this.actions);
    fill(this.messages, view);
    if (atBottom) view.scrollTop = view.scrollHeight;
    else view.scrollTop = (list as HTMLElement).scrollTop;
    fill(this.panels, panelsView(c, this.actions));
  }
}

start(sessionStorage.getItem(TOKEN_KEY));
