import {
  createInbox,
  NotificationsClient,
  type Inbox,
  type InboxItem,
  type InboxSnapshot,
  type Notification,
} from '../../../client/src/index.js';

/** What `GET /playground/config.json` answers. */
interface PageConfig {
  devMode: boolean;
  wsPath: string;
}

/** The connection on screen and the inbox store fed by it. */
interface Session {
  client: NotificationsClient;
  inbox: Inbox;
}

/** A feed entry on screen, rebuilt only when the store replaces its item. */
interface RenderedItem {
  item: Readonly<InboxItem>;
  element: HTMLLIElement;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
const MAX_STREAM_ITEMS = 100;
const MAX_LOG_LINES = 100;

const element = <T extends HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`playground markup lacks ${selector}`);
  return found;
};

const ui = {
  state: element<HTMLSpanElement>('[data-testid="state"]'),
  mode: element<HTMLSpanElement>('[data-testid="mode"]'),
  unread: element<HTMLElement>('[data-testid="unread-count"]'),
  bell: element<HTMLButtonElement>('#bell'),
  badge: element<HTMLSpanElement>('[data-testid="unseen-badge"]'),
  center: element<HTMLElement>('#center'),
  readAll: element<HTMLButtonElement>('#read-all'),
  feedError: element<HTMLParagraphElement>('#feed-error'),
  feedEmpty: element<HTMLParagraphElement>('#feed-empty'),
  feed: element<HTMLOListElement>('#feed'),
  loadMore: element<HTMLButtonElement>('#load-more'),
  feedEnd: element<HTMLSpanElement>('#feed-end'),
  connectForm: element<HTMLFormElement>('#connect-form'),
  disconnect: element<HTMLButtonElement>('#disconnect'),
  welcome: element<HTMLDListElement>('[data-testid="welcome"]'),
  subscribeForm: element<HTMLFormElement>('#subscribe-form'),
  topics: element<HTMLUListElement>('#topics'),
  sendForm: element<HTMLFormElement>('#send-form'),
  sendResult: element<HTMLOutputElement>('#send-result'),
  streamEmpty: element<HTMLParagraphElement>('#stream-empty'),
  stream: element<HTMLOListElement>('#stream'),
  log: element<HTMLOListElement>('#log'),
};

let session: Session | null = null;
const rendered = new Map<string, RenderedItem>();
let shownError: Error | null = null;

/** Builds an element with text only: nothing from the wire is ever parsed as HTML. */
function make<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', className = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

function button(text: string, testid: string, onClick: () => void): HTMLButtonElement {
  const node = make('button', text, 'secondary');
  node.type = 'button';
  node.dataset.testid = testid;
  node.addEventListener('click', onClick);
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

/** `?pageSize=` sets the inbox's page size (1 to 100), so that paging shows with a few notifications. */
function pageSize(): number {
  const asked = Number.parseInt(new URLSearchParams(location.search).get('pageSize') ?? '', 10);
  return Number.isInteger(asked) ? Math.min(Math.max(asked, 1), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
}

function personalTopic(): string | null {
  const userId = session?.client.welcome?.userId;
  return userId ? `user:${userId}` : null;
}

/** A notification's heading: its type, when it was created and its id; the payload as one line of JSON. */
function describe(notification: Notification, withTopic: boolean): HTMLElement[] {
  const head = make('div', '', 'head');
  head.append(make('span', notification.type, 'type'));
  if (withTopic) head.append(make('code', notification.topic, 'topic'));
  head.append(make('time', new Date(notification.createdAt).toLocaleTimeString()));
  const payload = make('code', JSON.stringify(notification.payload), 'payload');
  payload.title = `${notification.id}\n${JSON.stringify(notification.payload, null, 2)}`;
  return [head, payload];
}

function feedItem(entry: Readonly<InboxItem>, inbox: Inbox): HTMLLIElement {
  const item = make('li', '', entry.read ? 'read' : 'unread');
  item.dataset.testid = 'feed-item';
  item.dataset.id = entry.id;
  item.dataset.read = String(entry.read);
  const body = make('div', '', 'body');
  body.append(...describe(entry, false));
  const actions = make('div', '', 'item-actions');
  if (!entry.read) actions.append(button('Read', 'item-read', () => void inbox.markRead([entry.id])));
  actions.append(button('Archive', 'item-archive', () => void inbox.archive([entry.id])));
  item.append(make('span', '', 'dot'), body, actions);
  return item;
}

/**
 * Reuses the element of every item the store kept as it was (snapshots replace changed items
 * only) and moves only the elements out of place, so that focus and scrolling survive a change.
 */
function renderFeed(items: readonly Readonly<InboxItem>[], inbox: Inbox): void {
  const next = new Map<string, RenderedItem>();
  for (const item of items) {
    const previous = rendered.get(item.id);
    next.set(item.id, previous?.item === item ? previous : { item, element: feedItem(item, inbox) });
  }
  rendered.clear();
  [...next.values()].forEach((entry, index) => {
    rendered.set(entry.item.id, entry);
    const there = ui.feed.children.item(index);
    if (there !== entry.element) ui.feed.insertBefore(entry.element, there);
  });
  while (ui.feed.children.length > next.size) ui.feed.lastElementChild?.remove();
}

function render(snapshot: InboxSnapshot, inbox: Inbox): void {
  const { counts, connection, items } = snapshot;
  const hasInbox = personalTopic() !== null;
  ui.state.textContent = connection;
  ui.state.dataset.state = connection;
  ui.disconnect.disabled = connection === 'closed' || connection === 'idle';
  ui.unread.textContent = String(counts.unread);
  ui.badge.textContent = String(counts.unseen);
  ui.badge.hidden = counts.unseen === 0;
  ui.bell.disabled = !hasInbox;
  if (!hasInbox) closeCenter();
  ui.readAll.disabled = connection !== 'open' || counts.unread === 0;
  renderFeed(items, inbox);
  ui.feedEmpty.hidden = items.length > 0 || snapshot.loading;
  ui.loadMore.hidden = !snapshot.hasMore;
  ui.loadMore.disabled = snapshot.loading || connection !== 'open';
  ui.loadMore.textContent = snapshot.loading ? 'Loading…' : 'Load more';
  ui.feedEnd.hidden = snapshot.hasMore || items.length === 0;
  ui.feedError.hidden = snapshot.error === null;
  ui.feedError.textContent = snapshot.error?.message ?? '';
  if (snapshot.error && snapshot.error !== shownError) log(`inbox: ${snapshot.error.message}`, true);
  shownError = snapshot.error;
}

function renderWelcome(): void {
  const welcome = session?.client.welcome;
  ui.welcome.querySelectorAll<HTMLElement>('dd').forEach((dd) => {
    const value = welcome?.[dd.dataset.field as 'connectionId' | 'userId' | 'heartbeatMs'];
    dd.textContent = welcome ? String(value ?? 'anonymous') : '–';
  });
}

function renderTopics(): void {
  const client = session?.client;
  const automatic = new Set(['broadcast', personalTopic()]);
  ui.topics.replaceChildren(
    ...(client?.topics ?? []).map((topic) => {
      const item = make('li');
      item.dataset.topic = topic;
      item.append(make('span', topic, 'name'));
      if (automatic.has(topic)) item.append(make('span', topic === 'broadcast' ? 'joined automatically' : 'your inbox', 'auto'));
      else {
        item.append(
          button('Unsubscribe', 'unsubscribe', () => {
            client?.unsubscribe(topic).then(
              () => log(`unsubscribed ${topic}`),
              (error: Error) => log(`unsubscribe ${topic}: ${error.message}`, true),
            );
            renderTopics();
          }),
        );
      }
      return item;
    }),
  );
}

/** Notifications of subscribed topics and broadcasts: a plain list, they have no inbox state. */
function renderStreamed(notification: Notification): void {
  const item = make('li');
  item.dataset.testid = 'topic-notification';
  item.dataset.id = notification.id;
  item.append(...describe(notification, true));
  ui.stream.prepend(item);
  ui.streamEmpty.hidden = true;
  while (ui.stream.children.length > MAX_STREAM_ITEMS) ui.stream.lastElementChild?.remove();
}

function openCenter(): void {
  ui.center.hidden = false;
  ui.bell.setAttribute('aria-expanded', 'true');
  const current = session;
  // Opening the bell is seeing: every unseen notification of the inbox, loaded or not, becomes seen.
  if (!current || current.inbox.getSnapshot().counts.unseen === 0) return;
  void current.inbox.markAllSeen();
}

function closeCenter(): void {
  ui.center.hidden = true;
  ui.bell.setAttribute('aria-expanded', 'false');
}

function connect(url: string, token: string, user: string): void {
  if (session) {
    session.inbox.destroy();
    session.client.close();
  }
  rendered.clear();
  ui.stream.replaceChildren();
  ui.streamEmpty.hidden = false;
  const client = new NotificationsClient({ url, token: token || undefined, user: user || undefined });
  const inbox = createInbox(client, { pageSize: pageSize() });
  session = { client, inbox };
  inbox.subscribe(() => render(inbox.getSnapshot(), inbox));
  client.on('welcome', (welcome) => {
    log(`welcome ${welcome.connectionId} as ${welcome.userId ?? 'anonymous'}`);
    renderWelcome();
    renderTopics();
    render(inbox.getSnapshot(), inbox);
  });
  client.on('notification', (notification) => {
    log(`notification ${notification.type} on ${notification.topic}`);
    if (notification.topic !== personalTopic()) renderStreamed(notification);
  });
  client.on('counts', ({ unread, unseen }) => log(`counts: ${unread} unread, ${unseen} unseen`));
  client.on('subscribed', ({ topic, recovered, missed }) => {
    log(`subscribed ${topic}${missed ? `, ${missed} replayed` : ''}${recovered ? ', recovered' : ''}`);
    renderTopics();
  });
  client.on('exception', ({ code, message }) => log(`${code}: ${message}`, true));
  client.on('disconnected', ({ code, reconnectInMs }) =>
    log(`closed ${code}; ${reconnectInMs === null ? 'waiting for a new token' : `reconnecting in ${reconnectInMs} ms`}`, true),
  );
  client.on('error', (error) => log(error.message, true));
  render(inbox.getSnapshot(), inbox);
  client.connect();
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
  ui.disconnect.addEventListener('click', () => session?.client.close());
  ui.bell.addEventListener('click', () => (ui.center.hidden ? openCenter() : closeCenter()));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeCenter();
  });
  ui.readAll.addEventListener('click', () => void session?.inbox.markAllRead());
  ui.loadMore.addEventListener('click', () => void session?.inbox.loadMore());
  ui.subscribeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const topic = field(ui.subscribeForm, 'topic');
    const client = session?.client;
    if (!client || !topic) return;
    client.subscribe(topic).catch((error: Error) => {
      log(`subscribe ${topic}: ${error.message}`, true);
      renderTopics();
    });
    renderTopics();
    ui.subscribeForm.reset();
  });
  ui.sendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    send(ui.sendForm).catch((error: Error) => (ui.sendResult.textContent = error.message));
  });
}

start().catch((error: Error) => log(`playground failed to start: ${error.message}`, true));
