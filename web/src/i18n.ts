// The pages' words in English and Chinese. The choice is remembered in this browser.

const LANG_KEY = 'switchboard.lang';

export type Lang = 'en' | 'zh';

const en = {
  'app.title': 'Switchboard',
  'login.title': 'Agent console',
  'login.login': 'Login',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.failed': 'Wrong login or password.',
  'login.rate_limited': 'Too many attempts. Wait a minute and try again.',
  'login.error': 'The server could not be reached. Try again.',
  'login.ended': 'Your session has ended. Sign in again to continue.',
  'logout': 'Sign out',
  'status.available': 'Available',
  'status.away': 'Away',
  'status.missed_offers': 'You were set away after missing offers.',
  'status.supervisor': 'A supervisor changed your status.',
  'load': 'Load',
  'banner.disconnected': 'Disconnected. Reconnecting…',
  'offers': 'Offers',
  'offer.accept': 'Accept',
  'offer.decline': 'Decline',
  'offer.urgent': 'URGENT',
  'offer.expires': 'expires in {s}s',
  'offer.keys': 'Alt+A accepts, Alt+D declines',
  'list.title': 'My conversations',
  'list.empty': 'No open conversations. Set yourself available to receive offers.',
  'list.waiting': 'waiting {t}',
  'list.unread': 'new',
  'list.breached': 'SLA breached',
  'channel.chat': 'chat',
  'channel.email': 'email',
  'channel.callback': 'callback',
  'priority.urgent': 'urgent',
  'priority.high': 'high',
  'priority.normal': 'normal',
  'priority.low': 'low',
  'conv.none': 'Select a conversation.',
  'conv.customer': 'Customer',
  'conv.email': 'Email',
  'conv.phone': 'Phone',
  'conv.app_user': 'App user',
  'conv.language': 'Language',
  'conv.reference': 'Reference',
  'conv.history': 'Other conversations',
  'conv.secrets': 'The customer pasted a secret; it was redacted and they were sent a safety notice. Never ask for it again.',
  'conv.unverified': 'Unverified sender',
  'conv.internal': 'Internal note',
  'conv.subject': 'Subject',
  'conv.cc': 'Cc',
  'conv.attachments': 'Attachments',
  'conv.original': 'Whole original message',
  'conv.typing': 'The customer is typing…',
  'conv.read': 'Seen',
  'delivery.sending': 'sending',
  'delivery.sent': 'sent',
  'delivery.failed': 'failed',
  'compose.reply': 'Reply',
  'compose.note': 'Note',
  'compose.placeholder': 'Write a reply. Enter sends, Shift+Enter for a new line, / for canned responses.',
  'compose.placeholder_note': 'Write an internal note (never sent to the customer).',
  'compose.send': 'Send',
  'compose.cc': 'Cc (comma separated)',
  'action.transfer': 'Transfer',
  'action.transfer_to': 'Queue or agent login',
  'action.reason': 'Reason (optional)',
  'action.resolve': 'Resolve',
  'action.cancel': 'Cancel',
  'callback.call': 'Call',
  'callback.outcome': 'Outcome',
  'callback.reached': 'Reached',
  'callback.no_answer': 'No answer',
  'callback.busy': 'Busy',
  'callback.voicemail': 'Voicemail',
  'callback.wrong_number': 'Wrong number',
  'callback.window': 'Window',
  'callback.attempts': 'Attempts',
  'canned.title': 'Canned responses',
  'canned.search': 'Search canned responses',
  'canned.none': 'No canned responses match.',
  'canned.manage': 'Canned responses',
  'canned.new': 'New response',
  'canned.lang': 'Language',
  'canned.name': 'Title',
  'canned.text': 'Text ({customer_name}, {reference} are filled in)',
  'canned.save': 'Save',
  'canned.delete': 'Delete',
  'sup.title': 'Supervisor',
  'sup.queues': 'Queues',
  'sup.agents': 'Agents',
  'sup.queue': 'Queue',
  'sup.waiting': 'Waiting',
  'sup.longest': 'Longest wait',
  'sup.breaches': 'SLA breaches',
  'sup.serving': 'Agents',
  'sup.open': 'Open',
  'sup.agent': 'Agent',
  'sup.status': 'Status',
  'sup.load': 'Load',
  'sup.handled': 'Handled today',
  'sup.yes': 'yes',
  'sup.no': 'no',
  'sup.breached': 'SLA breached in {queue}',
  'view.work': 'Work',
  'view.supervisor': 'Supervisor',
  'error': 'Error: {why}',
  'chat.title': 'Chat with support',
  'chat.name': 'Your name',
  'chat.start': 'Start chatting',
  'chat.placeholder': 'Type a message. Enter sends.',
  'chat.send': 'Send',
  'chat.queue': 'You are number {position} in the queue. Estimated wait: {wait}.',
  'chat.assigned': '{name} is helping you.',
  'chat.typing': '{name} is typing…',
  'chat.resolved': 'This conversation was resolved. Write again to reopen it.',
  'chat.agent': 'Agent',
  'chat.callback': 'Ask for a phone call instead',
  'chat.callback_phone': 'Phone number with country code (+86…)',
  'chat.callback_reason': 'What is it about?',
  'chat.callback_send': 'Call me back',
  'chat.callback_ok': 'Callback requested: {status}.',
  'chat.new_session': 'Start over as a new customer',
};

type Key = keyof typeof en;

const zh: Record<Key, string> = {
  'app.title': 'Switchboard',
  'login.title': '客服工作台',
  'login.login': '账号',
  'login.password': '密码',
  'login.submit': '登录',
  'login.failed': '账号或密码错误。',
  'login.rate_limited': '尝试次数过多，请一分钟后再试。',
  'login.error': '无法连接服务器，请重试。',
  'login.ended': '会话已结束，请重新登录。',
  'logout': '退出',
  'status.available': '在线',
  'status.away': '离开',
  'status.missed_offers': '你错过了多个分配，已被设为离开。',
  'status.supervisor': '主管更改了你的状态。',
  'load': '负载',
  'banner.disconnected': '连接已断开，正在重连…',
  'offers': '待接受',
  'offer.accept': '接受',
  'offer.decline': '拒绝',
  'offer.urgent': '紧急',
  'offer.expires': '{s} 秒后过期',
  'offer.keys': 'Alt+A 接受，Alt+D 拒绝',
  'list.title': '我的会话',
  'list.empty': '没有进行中的会话。设为在线即可接收分配。',
  'list.waiting': '已等待 {t}',
  'list.unread': '新',
  'list.breached': '已超时',
  'channel.chat': '聊天',
  'channel.email': '邮件',
  'channel.callback': '回电',
  'priority.urgent': '紧急',
  'priority.high': '高',
  'priority.normal': '普通',
  'priority.low': '低',
  'conv.none': '请选择一个会话。',
  'conv.customer': '客户',
  'conv.email': '邮箱',
  'conv.phone': '电话',
  'conv.app_user': '应用用户',
  'conv.language': '语言',
  'conv.reference': '编号',
  'conv.history': '其他会话',
  'conv.secrets': '客户粘贴了敏感信息，已被遮盖，并已向客户发送安全提示。切勿再次索要。',
  'conv.unverified': '发件人未验证',
  'conv.internal': '内部备注',
  'conv.subject': '主题',
  'conv.cc': '抄送',
  'conv.attachments': '附件',
  'conv.original': '完整原始邮件',
  'conv.typing': '客户正在输入…',
  'conv.read': '已读',
  'delivery.sending': '发送中',
  'delivery.sent': '已发送',
  'delivery.failed': '发送失败',
  'compose.reply': '回复',
  'compose.note': '备注',
  'compose.placeholder': '输入回复。回车发送，Shift+回车换行，/ 插入快捷回复。',
  'compose.placeholder_note': '输入内部备注（不会发给客户）。',
  'compose.send': '发送',
  'compose.cc': '抄送（逗号分隔）',
  'action.transfer': '转接',
  'action.transfer_to': '队列或客服账号',
  'action.reason': '原因（可选）',
  'action.resolve': '解决',
  'action.cancel': '取消',
  'callback.call': '拨打',
  'callback.outcome': '结果',
  'callback.reached': '已接通',
  'callback.no_answer': '无人接听',
  'callback.busy': '占线',
  'callback.voicemail': '语音信箱',
  'callback.wrong_number': '号码错误',
  'callback.window': '时间段',
  'callback.attempts': '尝试次数',
  'canned.title': '快捷回复',
  'canned.search': '搜索快捷回复',
  'canned.none': '没有匹配的快捷回复。',
  'canned.manage': '快捷回复',
  'canned.new': '新建回复',
  'canned.lang': '语言',
  'canned.name': '标题',
  'canned.text': '内容（{customer_name}、{reference} 会被自动填写）',
  'canned.save': '保存',
  'canned.delete': '删除',
  'sup.title': '主管',
  'sup.queues': '队列',
  'sup.agents': '客服',
  'sup.queue': '队列',
  'sup.waiting': '等待中',
  'sup.longest': '最长等待',
  'sup.breaches': '超时',
  'sup.serving': '客服数',
  'sup.open': '营业中',
  'sup.agent': '客服',
  'sup.status': '状态',
  'sup.load': '负载',
  'sup.handled': '今日处理',
  'sup.yes': '是',
  'sup.no': '否',
  'sup.breached': '{queue} 队列有会话超时',
  'view.work': '工作',
  'view.supervisor': '主管',
  'error': '错误：{why}',
  'chat.title': '联系客服',
  'chat.name': '你的名字',
  'chat.start': '开始聊天',
  'chat.placeholder': '输入消息，回车发送。',
  'chat.send': '发送',
  'chat.queue': '你前面还有 {position} 位，预计等待 {wait}。',
  'chat.assigned': '{name} 正在为你服务。',
  'chat.typing': '{name} 正在输入…',
  'chat.resolved': '此会话已解决。再次发送消息即可重新打开。',
  'chat.agent': '客服',
  'chat.callback': '改为电话回拨',
  'chat.callback_phone': '带国家代码的电话号码（+86…）',
  'chat.callback_reason': '需要什么帮助？',
  'chat.callback_send': '请给我回电',
  'chat.callback_ok': '已申请回电：{status}。',
  'chat.new_session': '以新客户身份重新开始',
};

const words: Record<Lang, Record<Key, string>> = { en, zh };
let current: Lang = localStorage.getItem(LANG_KEY) === 'zh' ? 'zh' : 'en';
const listeners: Array<() => void> = [];

export function lang(): Lang {
  return current;
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  return words[current][key].replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  listeners.forEach((f) => f());
}

export function onLangChange(f: () => void): void {
  listeners.push(f);
}

document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';

/// A duration in seconds as the pages show it: 45s, 3m, 2h 5m.
export function duration(s: number): string {
  s = Math.max(0, Math.round(s));
  if (s < 60) return current === 'zh' ? `${s} 秒` : `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return current === 'zh' ? `${m} 分钟` : `${m}m`;
  const hours = Math.floor(m / 60);
  return current === 'zh' ? `${hours} 小时 ${m % 60} 分` : `${hours}h ${m % 60}m`;
}

/// The button that switches between the two languages.
export function langButton(): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'lang';
  b.id = 'lang-switch';
  const label = () => (b.textContent = current === 'zh' ? 'English' : '中文');
  label();
  b.addEventListener('click', () => setLang(current === 'zh' ? 'en' : 'zh'));
  onLangChange(label);
  return b;
}
