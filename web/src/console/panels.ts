// The side panels beside a conversation: who the customer is, the callback request, and the
// customer's other conversations. A new panel is one function added to `PANELS`.

import { h, type Child } from '../dom';
import { t } from '../i18n';
import type { Conversation } from './model';
import type { Actions } from './work';

export type Panel = (c: Conversation, act: Actions) => Child;

function row(label: string, value: Child): Child {
  return value ? [h('dt', {}, label), h('dd', {}, value)] : null;
}

const customer: Panel = (c) =>
  h(
    'section',
    { class: 'panel', id: 'customer-panel' },
    h('h3', {}, t('conv.customer')),
    h(
      'dl',
      {},
      row(t('conv.customer'), c.customer.name ?? '—'),
      row(t('conv.email'), c.customer.email ?? null),
      row(t('conv.phone'), c.customer.phone ?? null),
      row(t('conv.app_user'), c.customer.app_user_id ?? null),
      row(t('conv.language'), c.customer.lang ?? null),
      row(t('conv.reference'), c.reference),
    ),
  );

const OUTCOMES = ['reached', 'no_answer', 'busy', 'voicemail', 'wrong_number'] as const;

const callback: Panel = (c, act) => {
  const cb = c.callback;
  if (!cb) return null;
  // Only a tel: link built from the E.164 number is ever a link.
  const tel = /^\+[0-9]{6,16}$/.test(cb.phone) ? `tel:${cb.phone}` : null;
  return h(
    'section',
    { class: 'panel', id: 'callback-panel' },
    h('h3', {}, t('channel.callback')),
    cb.warning ? h('p', { class: 'warning', role: 'alert' }, cb.warning) : null,
    h('p', {}, tel ? h('a', { href: tel, class: 'tel', id: 'callback-tel' }, `${t('callback.call')} ${cb.phone}`) : cb.phone),
    h(
      'dl',
      {},
      row(t('callback.window'), cb.window_start ? `${cb.window_start} – ${cb.window_end}` : null),
      row(t('callback.attempts'), String(cb.attempts)),
      row(t('sup.status'), cb.status),
      row(t('callback.outcome'), cb.outcome),
    ),
    h(
      'div',
      { class: 'outcomes' },
      OUTCOMES.map((o) => h('button', { type: 'button', 'data-outcome': o, onclick: () => act.callbackOutcome(c.id, o) }, t(`callback.${o}`))),
    ),
  );
};

const history: Panel = (c) => {
  if (!c.history?.length) return null;
  return h(
    'section',
    { class: 'panel' },
    h('h3', {}, t('conv.history')),
    h(
      'ul',
      { class: 'history' },
      c.history.map((o: any) =>
        h('li', {}, h('span', { class: `badge ch-${o.channel}` }, t(`channel.${o.channel}` as any)), ' ', o.subject ?? o.category ?? '', ' · ', o.status, ' · ', o.created_at.slice(0, 10)),
      ),
    ),
  );
};

export const PANELS: Panel[] = [customer, callback, history];
