// The agent's working view: offers with their countdown, the conversation list, and the open
// conversation with its history, reply box and actions.

import { h, fill, type Child } from '../dom';
import { duration, t } from '../i18n';
import type { Conversation, Message, Model } from './model';
import { PANELS } from './panels';

export interface Actions {
  accept(offerId: string): void;
  decline(offerId: string): void;
  select(id: string): void;
  write(id: string, text: string, note: boolean, cc: string[]): void;
  typing(id: string, on: boolean): void;
  transfer(id: string, to: { queue?: string; agent?: string }, reason: string): void;
  resolve(id: string): void;
  callbackOutcome(id: string, outcome: string): void;
  download(url: string, filename: string): void;
}

const since = (time: string) => (Date.now() - Date.parse(time)) / 1000;

function badge(channel: string): Child {
  return h('span', { class: `badge ch-${channel}` }, t(`channel.${channel}` as any));
}

function priority(p: string): Child {
  return h('span', { class: `prio prio-${p}` }, t(`priority.${p}` as any));
}

export function offersView(model: Model, act: Actions): Child {
  if (model.offers.size === 0) return null;
  return h(
    'section',
    { class: 'offers', 'aria-label': t('offers') },
    h('h2', {}, t('offers'), ' ', h('small', {}, t('offer.keys'))),
    [...model.offers.values()].map((o) => {
      const c = o.conversation;
      const left = Math.max(0, Math.ceil((o.expires_at - Date.now()) / 1000));
      return h(
        'article',
        { class: `offer${c.priority === 'urgent' ? ' urgent' : ''}`, 'data-offer': o.offer_id },
        h('div', { class: 'offer-head' }, c.priority === 'urgent' ? h('strong', { class: 'urgent-tag' }, t('offer.urgent')) : null, badge(c.channel), priority(c.priority), ' ', c.category ?? '', h('span', { class: 'countdown' }, t('offer.expires', { s: left }))),
        h('div', { class: 'offer-who' }, c.customer.name ?? c.customer.id),
        c.triage_signal ? h('p', { class: 'warning' }, c.triage_signal) : null,
        h('p', { class: 'preview' }, c.subject ? `${c.subject} — ` : '', c.preview),
        h(
          'div',
          { class: 'offer-actions' },
          h('button', { type: 'button', class: 'accept', onclick: () => act.accept(o.offer_id) }, t('offer.accept')),
          h('button', { type: 'button', class: 'decline', onclick: () => act.decline(o.offer_id) }, t('offer.decline')),
        ),
      );
    }),
  );
}

export function listView(model: Model, act: Actions): Child {
  const items = model.sorted();
  return h(
    'nav',
    { class: 'conv-list', 'aria-label': t('list.title') },
    h('h2', {}, t('list.title')),
    items.length === 0 ? h('p', { class: 'empty' }, t('list.empty')) : null,
    h(
      'ul',
      {},
      items.map((c) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: `conv-item${model.selected === c.id ? ' selected' : ''}`,
              'data-conversation': c.id,
              'aria-current': model.selected === c.id ? 'true' : null,
              onclick: () => act.select(c.id),
            },
            h('div', { class: 'conv-line' }, badge(c.channel), priority(c.priority), h('span', { class: 'who' }, c.customer.name ?? c.customer.id), model.unread.has(c.id) ? h('span', { class: 'unread' }, t('list.unread')) : null),
            h('div', { class: 'conv-line sub' }, c.category ?? '', ' · ', t('list.waiting', { t: duration(since(c.waiting_since)) }), (c as any).sla_breached ? h('span', { class: 'breach' }, t('list.breached')) : null),
            h('div', { class: 'preview' }, c.preview),
          ),
        ),
      ),
    ),
  );
}

function messageView(c: Conversation, m: Message, model: Model, act: Actions): Child {
  const delivery = m.seq !== null && m.author.role === 'agent' ? model.deliveries.get(`${c.id}:${m.seq}`) : undefined;
  const state = m.refused ? 'failed' : m.pending ? 'sending' : delivery?.state ?? null;
  const detail = m.refused ?? delivery?.detail;
  const redacted = /\[redacted[^\]]*\]/i.test(m.text);
  return h(
    'li',
    { class: `msg role-${m.author.role}${m.internal ? ' internal' : ''}`, 'data-seq': m.seq ?? '' },
    h('div', { class: 'msg-head' }, h('span', { class: 'author' }, m.author.name || m.author.role), m.internal ? h('span', { class: 'note-tag' }, t('conv.internal')) : null, badge(m.channel), h('time', { datetime: m.sent_at }, m.sent_at.replace('T', ' ').replace('Z', ''))),
    m.email
      ? h(
          'div',
          { class: 'email-meta' },
          m.email.from ? h('div', {}, m.email.from) : null,
          m.email.cc?.length ? h('div', {}, `${t('conv.cc')}: ${m.email.cc.join(', ')}`) : null,
          m.email.warning ? h('p', { class: 'warning', role: 'alert' }, `${t('conv.unverified')}: ${m.email.warning}`) : null,
        )
      : null,
    redacted ? h('p', { class: 'warning small' }, t('conv.secrets')) : null,
    h('div', { class: 'msg-text' }, m.text),
    m.attachments?.length
      ? h('ul', { class: 'attachments', 'aria-label': t('conv.attachments') }, m.attachments.map((a) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => act.download(a.url, a.filename) }, `${a.filename} (${Math.ceil(a.size / 1024)} KB)`))))
      : null,
    m.original_url ? h('button', { type: 'button', class: 'link', onclick: () => act.download(m.original_url!, 'original.txt') }, t('conv.original')) : null,
    state ? h('div', { class: `delivery d-${state}`, title: detail ?? '' }, t(`delivery.${state}` as any), detail && state === 'failed' ? `: ${detail}` : '') : null,
  );
}

export function conversationHead(c: Conversation, act: Actions): Child {
  const transfer = h('form', { class: 'transfer', hidden: true });
  const kind = h('select', { name: 'kind', 'aria-label': t('action.transfer') }, h('option', { value: 'queue' }, t('sup.queue')), h('option', { value: 'agent' }, t('sup.agent')));
  const target = h('input', { name: 'target', placeholder: t('action.transfer_to'), required: true, list: 'queue-names' });
  const reason = h('input', { name: 'reason', placeholder: t('action.reason'), maxlength: 500 });
  fill(
    transfer,
    kind,
    target,
    reason,
    h('button', { type: 'submit' }, t('action.transfer')),
    h('button', { type: 'button', onclick: () => (transfer.hidden = true) }, t('action.cancel')),
  );
  transfer.addEventListener('submit', (e) => {
    e.preventDefault();
    act.transfer(c.id, { [kind.value]: target.value.trim() }, reason.value.trim());
    transfer.hidden = true;
  });
  return h(
    'header',
    { class: 'conv-head' },
    h(
      'div',
      { class: 'conv-title' },
      badge(c.channel),
      priority(c.priority),
      h('h2', {}, c.customer.name ?? c.customer.id),
      h('span', { class: 'ref' }, `#${c.reference}`),
      c.category ? h('span', { class: 'cat' }, c.category) : null,
      c.queue ? h('span', { class: 'queue' }, c.queue) : null,
    ),
    c.subject ? h('div', { class: 'subject' }, `${t('conv.subject')}: ${c.subject}`) : null,
    c.triage_signal ? h('p', { class: 'warning' }, c.triage_signal) : null,
    c.secrets_redacted ? h('p', { class: 'warning', id: 'secrets-warning' }, t('conv.secrets')) : null,
    h(
      'div',
      { class: 'conv-actions' },
      h('button', { type: 'button', id: 'transfer-open', onclick: () => (transfer.hidden = !transfer.hidden) }, t('action.transfer')),
      h('button', { type: 'button', id: 'resolve', onclick: () => act.resolve(c.id) }, t('action.resolve')),
    ),
    transfer,
  );
}

/// The messages of the open conversation, oldest first.
export function messagesView(c: Conversation, model: Model, act: Actions): HTMLElement {
  const seen = model.read.get(c.id);
  return h(
    'ol',
    { class: 'messages', 'aria-live': 'polite' },
    (c.messages ?? []).map((m) => messageView(c, m, model, act)),
    seen ? h('li', { class: 'read-marker' }, `${t('conv.read')} #${seen}`) : null,
    model.typing.has(c.id) ? h('li', { class: 'typing', id: 'customer-typing' }, t('conv.typing')) : null,
  );
}

export function panelsView(c: Conversation, act: Actions): Child {
  return h('aside', { class: 'panels' }, PANELS.map((p) => p(c, act)));
}
