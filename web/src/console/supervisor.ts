// The supervisor's view: every queue's backlog and every agent's status and load (the
// routing `stats` frames), recent SLA breaches, and the canned responses to keep.

import { h, type Child } from '../dom';
import { duration, t } from '../i18n';
import type { Model } from './model';

export interface SupervisorActions {
  setStatus(agent: string, status: string): void;
  saveCanned(c: { id?: string; lang: string; title: string; text: string }): void;
  deleteCanned(id: string): void;
}

function table(head: string[], rows: Child[][], id: string): Child {
  return h('table', { id }, h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((cell) => h('td', {}, cell))))));
}

/// Open conversations per channel, against the limits where they are known.
export function loadText(load: Record<string, number>, capacity?: Record<string, number>): string {
  return Object.entries(load)
    .map(([ch, n]) => `${t(`channel.${ch}` as any)} ${n}${capacity?.[ch] !== undefined ? `/${capacity[ch]}` : ''}`)
    .concat(capacity?.total !== undefined ? [`Σ ${Object.values(load).reduce((a, b) => a + b, 0)}/${capacity.total}`] : [])
    .join(' · ');
}

export function statsView(model: Model, act: SupervisorActions): Child {
  const s = model.stats;
  return h(
    'div',
    { class: 'supervisor', id: 'supervisor-view' },
    model.breaches.map((b) => h('p', { class: 'warning' }, t('sup.breached', { queue: b.queue }), ` (${b.conversation_id})`)),
    h('h2', {}, t('sup.queues')),
    s
      ? table(
          [t('sup.queue'), t('sup.waiting'), t('sup.longest'), t('sup.breaches'), t('sup.serving'), t('sup.open')],
          s.queues.map((q: any) => [q.queue, String(q.waiting), duration(q.longest_wait_s), String(q.sla_breaches), String(q.agents_serving), q.open ? t('sup.yes') : t('sup.no')]),
          'queue-stats',
        )
      : h('p', {}, '…'),
    h('h2', {}, t('sup.agents')),
    s
      ? table(
          [t('sup.agent'), t('sup.status'), t('sup.load'), t('sup.handled'), ''],
          s.agents.map((a: any) => [
            a.name,
            a.status === 'disconnected' ? a.status : t(`status.${a.status}` as any),
            loadText(a.load, a.capacity),
            String(a.handled_today),
            a.status === 'disconnected' || a.id === model.agent?.id
              ? ''
              : h('button', { type: 'button', onclick: () => act.setStatus(a.id, a.status === 'available' ? 'away' : 'available') }, a.status === 'available' ? t('status.away') : t('status.available')),
          ]),
          'agent-stats',
        )
      : null,
  );
}

function cannedForm(act: SupervisorActions, c?: any): HTMLFormElement {
  const lang = h('select', { name: 'lang', 'aria-label': t('canned.lang') }, h('option', { value: 'zh' }, '中文'), h('option', { value: 'en' }, 'English'));
  lang.value = c?.lang ?? 'zh';
  const title = h('input', { name: 'title', placeholder: t('canned.name'), required: true, maxlength: 100, value: c?.title ?? '' });
  const text = h('textarea', { name: 'text', placeholder: t('canned.text'), required: true, rows: 2, maxlength: 4000 });
  text.value = c?.text ?? '';
  const form = h('form', { class: 'canned-form', 'data-canned-form': c?.id ?? 'new' }, lang, title, text, h('button', { type: 'submit' }, t('canned.save')));
  if (c) form.appendChild(h('button', { type: 'button', class: 'danger', onclick: () => act.deleteCanned(c.id) }, t('canned.delete')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act.saveCanned({ id: c?.id, lang: lang.value, title: title.value, text: text.value });
    if (!c) form.reset();
  });
  return form;
}

export function cannedEditor(model: Model, act: SupervisorActions): Child {
  return h('section', { class: 'canned-admin', id: 'canned-admin' }, h('h2', {}, t('canned.manage')), model.canned.map((c) => cannedForm(act, c)), h('h3', {}, t('canned.new')), cannedForm(act));
}
