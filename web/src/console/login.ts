// The sign-in form. The token it gets is kept in this tab's sessionStorage only: never in a
// URL, gone when the tab closes.

import { h } from '../dom';
import { langButton, t } from '../i18n';

export const TOKEN_KEY = 'switchboard.console.token';

export function loginView(onToken: (token: string) => void, notice: string | null): HTMLElement {
  const login = h('input', { id: 'login', name: 'login', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'form-error', role: 'alert' }, notice ?? '');
  const submit = h('button', { type: 'submit', id: 'login-submit' }, t('login.submit'));
  const form = h(
    'form',
    {
      class: 'login',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        submit.disabled = true;
        message.textContent = '';
        try {
          const r = await fetch('/v1/agent/login', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ login: login.value, password: password.value }),
          });
          if (r.ok) {
            const body = await r.json();
            sessionStorage.setItem(TOKEN_KEY, body.token);
            onToken(body.token);
            return;
          }
          message.textContent = r.status === 429 ? t('login.rate_limited') : t('login.failed');
        } catch {
          message.textContent = t('login.error');
        }
        submit.disabled = false;
      },
    },
    h('h1', {}, t('login.title')),
    h('label', { for: 'login' }, t('login.login')),
    login,
    h('label', { for: 'password' }, t('login.password')),
    password,
    message,
    submit,
  );
  return h('main', { class: 'login-page' }, h('div', { class: 'login-lang' }, langButton()), form);
}
