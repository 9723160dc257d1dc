// The reply box: Enter sends, Shift+Enter starts a new line, a reply or internal-note mode,
// cc for email, typing reported while the agent writes, and canned responses picked with `/`
// and a search, their placeholders filled in for the conversation.

import { h, fill } from '../dom';
import { lang, onLangChange, t } from '../i18n';
import type { Conversation, Model } from './model';
import type { Actions } from './work';

/// How long after the last key the agent counts as no longer typing.
const TYPING_IDLE_MS = 3000;

export class Composer {
  readonly el: HTMLElement;
  private box = h('textarea', { id: 'reply-box', rows: 3 });
  private cc = h('input', { id: 'reply-cc', placeholder: t('compose.cc') });
  private picker = h('ul', { class: 'canned-picker', id: 'canned-picker', role: 'listbox', hidden: true });
  private noteToggle = h('input', { type: 'checkbox', id: 'note-mode' });
  private noteLabel = h('label', { for: 'note-mode' });
  private send = h('button', { type: 'button', id: 'reply-send' });
  private drafts = new Map<string, string>();
  private conversation: Conversation | null = null;
  private choices: any[] = [];
  private chosen = 0;
  private typingSince: number | null = null;
  private typingTimer: number | undefined;

  constructor(private model: Model, private act: Actions) {
    this.el = h('div', { class: 'composer' }, this.picker, h('div', { class: 'composer-row' }, this.noteToggle, this.noteLabel, this.cc), this.box, this.send);
    this.box.addEventListener('keydown', (e) => this.key(e));
    this.box.addEventListener('input', () => this.typed());
    this.noteToggle.addEventListener('change', () => this.labels());
    this.send.addEventListener('click', () => this.submit());
    onLangChange(() => this.labels());
    this.labels();
  }

  private labels(): void {
    const note = this.noteToggle.checked;
    this.el.classList.toggle('note-mode', note);
    this.noteLabel.textContent = t('compose.note');
    this.send.textContent = note ? t('compose.note') : t('compose.send');
    this.box.placeholder = note ? t('compose.placeholder_note') : t('compose.placeholder');
    this.cc.placeholder = t('compose.cc');
  }

  /// Shows the box for a conversation, keeping each conversation's draft.
  show(c: Conversation | null): void {
    if (this.conversation?.id === c?.id) {
      this.conversation = c;
      return;
    }
    if (this.conversation) this.drafts.set(this.conversation.id, this.box.value);
    this.stopTyping();
    this.conversation = c;
    this.box.value = c ? this.drafts.get(c.id) ?? '' : '';
    this.cc.hidden = c?.channel !== 'email';
    this.closePicker();
  }

  focus(): void {
    this.box.focus();
  }

  private key(e: KeyboardEvent): void {
    if (!this.picker.hidden) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const n = this.choices.length;
        if (n) this.chosen = (this.chosen + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
        this.renderPicker();
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        if (this.choices[this.chosen]) this.insert(this.choices[this.chosen]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        this.closePicker();
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    }
  }

  private typed(): void {
    const c = this.conversation;
    if (!c) return;
    const query = /(?:^|\s)\/([^\s/]*)$/.exec(this.box.value.slice(0, this.box.selectionStart));
    if (query) this.openPicker(query[1]);
    else this.closePicker();
    if (this.typingSince === null) {
      this.typingSince = Date.now();
      this.act.typing(c.id, true);
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    clearTimeout(this.typingTimer);
    if (this.typingSince !== null && this.conversation) this.act.typing(this.conversation.id, false);
    this.typingSince = null;
  }

  /// Canned responses matching the search, the customer's language first.
  private openPicker(query: string): void {
    const want = (this.conversation?.customer.lang ?? lang()).slice(0, 2);
    const q = query.toLowerCase();
    this.choices = this.model.canned
      .filter((c) => !q || c.title.toLowerCase().includes(q) || c.text.toLowerCase().includes(q))
      .sort((a, b) => Number(b.lang === want) - Number(a.lang === want));
    this.chosen = 0;
    this.picker.hidden = false;
    this.renderPicker();
  }

  private renderPicker(): void {
    if (this.choices.length === 0) {
      fill(this.picker, h('li', { class: 'empty' }, t('canned.none')));
      return;
    }
    fill(
      this.picker,
      this.choices.map((c, i) =>
        h(
          'li',
          {
            role: 'option',
            class: i === this.chosen ? 'chosen' : '',
            'aria-selected': i === this.chosen ? 'true' : 'false',
            'data-canned': c.id,
            onmousedown: (e: Event) => {
              e.preventDefault();
              this.insert(c);
            },
          },
          h('strong', {}, c.title),
          h('span', { class: 'lang-tag' }, c.lang),
          h('span', { class: 'canned-text' }, c.text),
        ),
      ),
    );
  }

  private closePicker(): void {
    this.picker.hidden = true;
    this.choices = [];
  }

  /// Replaces the `/search` before the cursor with the response, placeholders filled in.
  private insert(canned: any): void {
    const c = this.conversation;
    const filled = canned.text
      .replaceAll('{customer_name}', c?.customer.name ?? '')
      .replaceAll('{reference}', c?.reference ?? '');
    const end = this.box.selectionStart;
    const before = this.box.value.slice(0, end).replace(/\/[^\s/]*$/, '');
    this.box.value = before + filled + this.box.value.slice(end);
    const at = before.length + filled.length;
    this.box.setSelectionRange(at, at);
    this.closePicker();
    this.box.focus();
  }

  private submit(): void {
    const c = this.conversation;
    const text = this.box.value;
    if (!c || !text.trim()) return;
    const cc = this.cc.hidden ? [] : this.cc.value.split(',').map((s) => s.trim()).filter(Boolean);
    this.act.write(c.id, text, this.noteToggle.checked, cc);
    this.stopTyping();
    this.box.value = '';
    this.cc.value = '';
    this.drafts.delete(c.id);
  }
}
