import { NotificationsClient, type Notification } from '../../../client/src/index.js';

/** What `GET /playground/config.json` answers. */
interface PageConfig {
  devMode: boolean;
  wsPath: string;
}

/** A notification on screen; only those of the user's own topic have a read state. */
interface ListedNotification {
  element: HTMLLIElement;
  personal: boolean;
  read: boolean;
}

const MAX_LISTED = 200;
const MAX_LOG_LINES = 100;

const element = <T extends HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`playground markup lacks ${selector}`);
  return found;
};

const ui = {
  state: element<HTMLSpanElement>('[data-testid="state"]'),
  badge: element<HTMLSpanElement>('[data-testid="unread-badge"]'),
  mode: element<HTMLSpanElement>('[data-testid="mode"]'),
  connectForm: element<HTMLFormElement>('#connect-form'),
  disconnect: element<HTMLButtonElement>('#disconnect'),
  welcome: element<HTMLDListElement>('[data-testid="welcome"]'),
  subscribeForm: element<HTMLFormElement>('#subscribe-form'),
  topics: element<HTMLUListElement>('#topics'),
  readAll: element<HTMLButtonElement>('#read-all'),
  empty: element<HTMLParagraphElement>('#empty'),
  notifications: element<HTMLOListElement>('#notifications'),
  sendPanel: element<HTMLElement>('#send-panel'),
  sendForm: element<HTMLFormElement>('#send-form'),
  sendResult: element<HTMLOutputElement>('#send-result'),
  log: element<HTMLOListElement>('#log'),
};

const listed = new Map<string, ListedNotification>();
let client: NotificationsClient | null = null;

/** Builds an element with text only: nothing from the wire is ever parsed as HTML. */
function make<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', className = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

function log(text: string, isError = false): void {
  const line = make('li', '', isError ? 'error' : '');
  line.append(make('time', new Date().toLocaleTimeString()), text);
  ui.log.prepend(line);
  while (ui.log.children.length > MAX_LOG_LINES) ui.log.lastElementChild?.remove();
}

function field(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value.trim() : '';
}

function personalTopic(): string | null {
  const userId = client?.welcome?.userId;
  return userId ? `user:${userId}` : null;
}

function renderUnread(count: number): void {
  ui.badge.textContent = String(count);
  ui.badge.classList.toggle('has-unread', count > 0);
}

function renderWelcome(): void {
  const welcome = client?.welcome;
  ui.welcome.querySelectorAll<HTMLElement>('dd').forEach((dd) => {
    const value = welcome?.[dd.dataset.field as 'connectionId' | 'userId' | 'heartbeatMs'];
    dd.textContent = welcome ? String(value ?? 'anonymous') : '–';
  });
}

function renderTopics(): void {
  const automatic = new Set(['broadcast', personalTopic()]);
  ui.topics.replaceChildren(
    ...(client?.topics ?? []).map((topic) => {
      const item = make('li');
      item.dataset.topic = topic;
      item.append(make('span', topic, 'name'));
      if (automatic.has(topic)) item.append(make('span', 'joined automatically', 'auto'));
      else {
        const leave = make('button', 'Unsubscribe', 'secondary');
        leave.type = 'button';
        leave.addEventListener('click', () => {
          client?.unsubscribe(topic).then(
            () => log(`unsubscribed ${topic}`),
            (error: Error) => log(`unsubscribe ${topic}: ${error.message}`, true),
          );
          renderTopics();
        });
        item.append(leave);
      }
      return item;
    }),
  );
}

function markRead(id: string): void {
  const entry = listed.get(id);
  if (!entry) return;
  entry.read = true;
  entry.element.classList.remove('unread');
  entry.element.querySelector('button')?.remove();
}

function renderNotification(notification: Notification): void {
  const personal = notification.topic === personalTopic();
  const item = make('li', '', personal ? 'unread' : '');
  item.dataset.id = notification.id;
  item.dataset.testid = 'notification';
  const heading = make('div');
  const meta = make('span', ' on ', 'meta');
  meta.append(make('code', notification.topic), ` · ${new Date(notification.createdAt).toLocaleTimeString()} · ${notification.id}`);
  heading.append(make('span', notification.type, 'type'), meta);
  item.append(make('span', '', 'dot'), heading);
  if (personal) {
    const read = make('button', 'Mark read', 'secondary');
    read.type = 'button';
    read.dataset.testid = 'mark-read';
    read.addEventListener('click', () => {
      client?.read([notification.id]).then(
        () => markRead(notification.id),
        (error: Error) => log(`read: ${error.message}`, true),
      );
    });
    item.append(read);
  } else {
    item.append(make('span'));
  }
  item.append(make('pre', JSON.stringify(notification.payload, null, 2)));
  ui.notifications.prepend(item);
  listed.set(notification.id, { element: item, personal, read: false });
  ui.empty.hidden = true;
  while (ui.notifications.children.length > MAX_LISTED) {
    const oldest = ui.notifications.lastElementChild as HTMLLIElement;
    listed.delete(oldest.dataset.id ?? '');
    oldest.remove();
  }
}

function connect(url: string, token: string, user: string): void {
  client?.close();
  listed.clear();
  ui.notifications.replaceChildren();
  ui.empty.hidden = false;
  const next = new NotificationsClient({ url, token: token || undefined, user: user || undefined });
  client = next;
  next.on('state', ({ state }) => {
    ui.state.textContent = state;
    ui.state.dataset.state = state;
    ui.disconnect.disabled = state === 'closed';
    ui.readAll.disabled = state !== 'open' || !personalTopic();
  });
  next.on('welcome', (welcome) => {
    log(`welcome ${welcome.connectionId} as ${welcome.userId ?? 'anonymous'}`);
    renderWelcome();
    renderTopics();
    ui.readAll.disabled = !welcome.userId;
  });
  next.on('notification', renderNotification);
  next.on('unread', ({ count }) => renderUnread(count));
  next.on('subscribed', ({ topic, recovered, missed }) => {
    log(`subscribed ${topic}${missed ? `, ${missed} replayed` : ''}${recovered ? ', recovered' : ''}`);
    renderTopics();
  });
  next.on('exception', ({ code, message }) => log(`${code}: ${message}`, true));
  next.on('disconnected', ({ code, reconnectInMs }) =>
    log(`closed ${code}; ${reconnectInMs === null ? 'waiting for a new token' : `reconnecting in ${reconnectInMs} ms`}`, true),
  );
  next.on('error', (error) => log(error.message, true));
  renderUnread(0);
  next.connect();
}

async function send(form: HTMLFormElement): Promise<void> {
  let payload: unknown;
  try {
    payload = JSON.parse(field(form, 'payload') || '{}');
  } catch {
    ui.sendResult.textContent = 'payload is not JSON';
    return;
  }
  const to = field(form, 'to');
  const target = field(form, 'target');
  const body = {
    type: field(form, 'type'),
    payload,
    ...(target === 'broadcast'
      ? { broadcast: true }
      : target === 'topic'
        ? { topic: to }
        : { userIds: to.split(',').map((id) => id.trim()).filter(Boolean) }),
  };
  const apiKey = field(form, 'apiKey');
  const response = await fetch('/notifications', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as { notifications?: { id: string }[]; message?: unknown };
  ui.sendResult.textContent = response.ok
    ? `${response.status}: sent ${answer.notifications?.map((n) => n.id).join(', ')}`
    : `${response.status}: ${JSON.stringify(answer.message ?? answer)}`;
}

async function start(): Promise<void> {
  const config = (await (await fetch('/playground/config.json')).json()) as PageConfig;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${location.host}${config.wsPath}`;
  ui.mode.textContent = config.devMode ? 'insecure dev mode' : 'JWT required';
  document.querySelectorAll<HTMLElement>('[data-dev-only]').forEach((node) => (node.hidden = !config.devMode));
  const userInput = ui.connectForm.querySelector<HTMLInputElement>('[name="user"]');
  const preset = new URLSearchParams(location.search).get('user');
  if (userInput && preset) userInput.value = preset;

  ui.connectForm.addEventListener('submit', (event) => {
    event.preventDefault();
    connect(url, field(ui.connectForm, 'token'), config.devMode ? field(ui.connectForm, 'user') : '');
  });
  ui.disconnect.addEventListener('click', () => client?.close());
  ui.subscribeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const topic = field(ui.subscribeForm, 'topic');
    if (!client || !topic) return;
    client.subscribe(topic).catch((error: Error) => {
      log(`subscribe ${topic}: ${error.message}`, true);
      renderTopics();
    });
    renderTopics();
    ui.subscribeForm.reset();
  });
  ui.readAll.addEventListener('click', () => {
    client?.read('all').then(
      () => [...listed].filter(([, entry]) => entry.personal).forEach(([id]) => markRead(id)),
      (error: Error) => log(`read: ${error.message}`, true),
    );
  });
  ui.sendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    send(ui.sendForm).catch((error: Error) => (ui.sendResult.textContent = error.message));
  });
}

start().catch((error: Error) => log(`playground failed to start: ${error.message}`, true));
