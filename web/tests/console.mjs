// Drives the agent console and the demo chat widget in headless Chromium against the daemon
// at BASE_URL: sign-in, an offer accepted, messages both ways, a note that stays internal,
// typing, canned responses, the XSS probe, a daemon crash and restart resumed without
// duplicates, the supervisor view, transfer and resolve, the language switch, and the end of
// a session. Lines starting with "@@ " ask the Rust harness to act and wait for its "ok".
// Screenshots go to ARTIFACTS.

import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const BASE = process.env.BASE_URL;
const ARTIFACTS = process.env.ARTIFACTS;
const PASSWORD = process.env.PASSWORD;
const host = new URL(BASE).host;
const answers = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function ask(command) {
  process.stdout.write(`@@ ${command}\n`);
  const { value } = await answers.next();
  assert.equal(value, 'ok', `the harness answered ${command}`);
}

const step = (what) => console.log(`step: ${what}`);
let outage = false;
/// Set while a wrong password is tried on purpose: the browser reports its 401.
let refusing = false;
const problems = [];

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/// A page in a context of its own (its own storage), watched for console errors, page
/// errors and requests to any host but the daemon.
async function newPage(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // While the daemon is down the browser reports the refused reconnects.
    if (outage && /WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(m.text())) return;
    if (refusing && /status of 401/.test(m.text())) return;
    problems.push(`${name} console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${name} page error: ${e.message}`));
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (!['data:', 'blob:'].includes(url.protocol) && url.host !== host) problems.push(`${name} requested ${r.url()}`);
  });
  page.on('dialog', (d) => {
    problems.push(`${name} opened a dialog: ${d.message()}`);
    void d.dismiss();
  });
  return page;
}

const shot = (page, name) => page.screenshot({ path: `${ARTIFACTS}/${name}.png` });

async function signIn(page, login) {
  const response = await page.goto(`${BASE}/console`);
  const headers = response.headers();
  assert.match(headers['content-security-policy'], /script-src 'self'/);
  assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline/);
  assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(headers['x-frame-options'], 'DENY');
  assert.equal(headers['x-content-type-options'], 'nosniff');
  await page.fill('#login', login);
  await page.fill('#password', 'not the password');
  refusing = true;
  await page.click('#login-submit');
  await page.locator('.form-error', { hasText: 'Wrong login or password.' }).waitFor();
  refusing = false;
  await page.fill('#password', PASSWORD);
  await page.click('#login-submit');
  await page.locator('#presence').waitFor();
  const token = await page.evaluate(() => sessionStorage.getItem('switchboard.console.token'));
  assert.ok(token && !page.url().includes(token), 'the token is kept for the tab and never in the URL');
  await ask(`token ${token}`);
}

/// The seqs of the messages a page shows, in order.
const seqs = (page, selector) => page.$$eval(selector, (els) => els.map((e) => e.dataset.seq).filter(Boolean).map(Number));

try {
  step('the agent signs in and becomes available');
  const agent = await newPage('agent');
  await agent.goto(`${BASE}/console`);
  await agent.locator('#login').waitFor();
  await shot(agent, 'login');
  await signIn(agent, 'alice');
  await agent.click('#presence');
  await agent.locator('#presence[aria-pressed="true"]').waitFor();

  step('a customer starts a chat in the widget');
  const customer = await newPage('customer');
  await customer.goto(`${BASE}/chat-demo`);
  await customer.fill('#chat-name', 'Dana Demo');
  await customer.click('#chat-start');
  await customer.locator('#chat-box').waitFor();
  await customer.fill('#chat-box', 'How do I turn on fingerprint login?');
  await customer.press('#chat-box', 'Enter');
  await customer.locator('#chat-log .msg[data-seq="1"]').waitFor();

  step('the offer appears and is accepted with the keyboard');
  await agent.locator('.offer', { hasText: 'How do I turn on fingerprint login?' }).waitFor();
  assert.match(await agent.textContent('.offer .countdown'), /expires in \d+s/);
  await shot(agent, 'offer');
  await agent.keyboard.press('Alt+a');
  await agent.locator('.messages .msg-text', { hasText: 'How do I turn on fingerprint login?' }).waitFor();
  await agent.locator('.offer').waitFor({ state: 'detached' });
  await customer.locator('#chat-status', { hasText: 'Alice is helping you.' }).waitFor();
  assert.equal(await agent.textContent('#customer-panel dd'), 'Dana Demo');

  step('typing shows both ways');
  await customer.type('#chat-box', 'still');
  await agent.locator('#customer-typing').waitFor();
  await customer.fill('#chat-box', '');
  await agent.type('#reply-box', 'Checking');
  await customer.locator('#agent-typing', { hasText: 'Alice is typing' }).waitFor();

  step('the agent replies and the reply reaches the customer');
  await agent.fill('#reply-box', 'Sorry! Checking now.\nOne moment.');
  await agent.press('#reply-box', 'Enter');
  await customer.locator('#chat-log .msg-text', { hasText: 'Sorry! Checking now.' }).waitFor();
  await agent.locator('.msg[data-seq="2"] .delivery.d-sent').waitFor();

  step('a note stays internal');
  await agent.check('#note-mode');
  await agent.fill('#reply-box', 'VIP customer, refund approved');
  await agent.press('#reply-box', 'Enter');
  await agent.locator('.msg.internal .msg-text', { hasText: 'VIP customer' }).waitFor();
  await agent.uncheck('#note-mode');
  await agent.fill('#reply-box', 'Your refund is on its way.');
  await agent.press('#reply-box', 'Enter');
  await customer.locator('#chat-log .msg-text', { hasText: 'Your refund is on its way.' }).waitFor();
  assert.equal(await customer.locator('#chat-log', { hasText: 'VIP customer' }).count(), 0, 'the note never reaches the customer');

  step('the XSS probe renders as text and runs nothing');
  const probe = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
  await customer.fill('#chat-box', probe);
  await customer.press('#chat-box', 'Enter');
  await agent.locator('.messages .msg-text', { hasText: '<img src=x' }).waitFor();
  assert.equal(await agent.locator('.messages .msg-text').last().textContent(), probe);
  assert.equal(await agent.locator('.messages img, .messages script').count(), 0);
  assert.equal(await agent.evaluate(() => window.__xss), undefined);
  assert.equal(await customer.evaluate(() => window.__xss), undefined);

  step('the guard refuses a reply asking for a secret, and the agent sees why');
  await agent.fill('#reply-box', 'Please send me your password and the SMS code');
  await agent.press('#reply-box', 'Enter');
  await agent.locator('.delivery.d-failed', { hasText: 'one-time code' }).waitFor();
  await shot(agent, 'conversation');

  step('a supervisor keeps canned responses and sees queues and agents');
  const supervisor = await newPage('supervisor');
  await signIn(supervisor, 'sam');
  await supervisor.click('#view-supervisor');
  await supervisor.locator('#agent-stats', { hasText: 'Alice' }).waitFor();
  await supervisor.locator('#queue-stats').waitFor();
  const form = supervisor.locator('[data-canned-form="new"]');
  await form.locator('select').selectOption('en');
  await form.locator('input[name="title"]').fill('Greeting');
  await form.locator('textarea').fill('Hello {customer_name}, your reference is {reference}.');
  await form.locator('button[type="submit"]').click();
  await supervisor.locator('[data-canned-form]:not([data-canned-form="new"]) input[name="title"]').waitFor();
  await shot(supervisor, 'supervisor');

  step('the agent inserts the canned response with /');
  await agent.fill('#reply-box', '');
  await agent.type('#reply-box', '/gree');
  await agent.locator('#canned-picker li', { hasText: 'Greeting' }).waitFor();
  await agent.press('#reply-box', 'Enter');
  const reference = (await agent.textContent('.conv-head .ref')).replace('#', '');
  assert.equal(await agent.inputValue('#reply-box'), `Hello Dana Demo, your reference is ${reference}.`);
  await agent.press('#reply-box', 'Enter');
  await customer.locator('#chat-log .msg-text', { hasText: `your reference is ${reference}` }).waitFor();

  step('a crash of the daemon: the pages show it, reconnect and resume without duplicates');
  const agentSeqs = await seqs(agent, '.messages .msg');
  const customerSeqs = await seqs(customer, '#chat-log .msg');
  outage = true;
  await ask('kill');
  await agent.locator('#disconnected-banner').waitFor({ state: 'visible' });
  await shot(agent, 'disconnected');
  await ask('restart');
  await agent.locator('#disconnected-banner').waitFor({ state: 'hidden' });
  outage = false;
  await customer.fill('#chat-box', 'Are you still there?');
  await customer.press('#chat-box', 'Enter');
  await agent.locator('.messages .msg-text', { hasText: 'Are you still there?' }).waitFor();
  const last = Math.max(...agentSeqs) + 1;
  assert.deepEqual(await seqs(agent, '.messages .msg'), [...agentSeqs, last], 'the agent sees every message once');
  await customer.locator(`#chat-log .msg[data-seq="${last}"]`).waitFor();
  assert.deepEqual(await seqs(customer, '#chat-log .msg'), [...customerSeqs, last], 'the customer sees every message once');
  assert.equal(await agent.locator('.msg.internal', { hasText: 'VIP customer' }).count(), 1);

  step('the language switch changes the UI and is remembered');
  // A restarted daemon knows nobody's status: every agent starts away again.
  await agent.locator('#presence[aria-pressed="false"]', { hasText: 'Away' }).waitFor();
  await agent.click('#lang-switch');
  assert.equal(await agent.textContent('#presence'), '离开');
  assert.equal(await agent.textContent('#logout'), '退出');
  assert.equal(await agent.getAttribute('html', 'lang'), 'zh-CN');
  await agent.reload();
  await agent.locator('#logout', { hasText: '退出' }).waitFor();
  await agent.locator('.conv-item').first().click();
  await agent.locator('#resolve', { hasText: '解决' }).waitFor();
  // Delivery states come back with the conversation after a reload.
  await agent.locator('.msg[data-seq="2"] .delivery.d-sent', { hasText: '已发送' }).waitFor();
  assert.equal(await agent.locator('.delivery.d-sending').count(), 0);
  await shot(agent, 'conversation-zh');
  await agent.click('#lang-switch');
  await agent.locator('#logout', { hasText: 'Sign out' }).waitFor();

  step('a transfer to the supervisor, who resolves');
  await agent.click('#transfer-open');
  await agent.selectOption('form.transfer select', 'agent');
  await agent.fill('form.transfer input[name="target"]', 'sam');
  await agent.fill('form.transfer input[name="reason"]', 'Refund needs approval');
  await agent.click('form.transfer button[type="submit"]');
  await agent.locator('.conv-item').waitFor({ state: 'detached' });
  await supervisor.click('#view-work');
  await supervisor.locator('.conv-item', { hasText: 'Dana Demo' }).click();
  await supervisor.locator('.msg.internal .msg-text', { hasText: 'Transferred to Sam: Refund needs approval' }).waitFor();
  await supervisor.click('#resolve');
  await customer.locator('#chat-status', { hasText: 'resolved' }).waitFor();
  await supervisor.locator('.conv-item').waitFor({ state: 'detached' });

  step('the widget resumes its conversation after a reload');
  await customer.reload();
  await customer.locator('#chat-log .msg-text', { hasText: 'How do I turn on fingerprint login?' }).waitFor();
  assert.deepEqual(await seqs(customer, '#chat-log .msg'), [...customerSeqs, last]);

  step('a disabled agent\'s session ends and the page asks for a new sign-in');
  await ask('disable alice');
  await agent.locator('.form-error', { hasText: 'Your session has ended.' }).waitFor();
  assert.equal(await agent.evaluate(() => sessionStorage.getItem('switchboard.console.token')), null);

  assert.deepEqual(problems, [], 'no console errors and no request to another host');
  step('done');
} catch (e) {
  console.log(`failed: ${e.stack}`);
  console.log(`problems so far: ${JSON.stringify(problems)}`);
  throw e;
} finally {
  await browser.close();
}
process.exit(0);
