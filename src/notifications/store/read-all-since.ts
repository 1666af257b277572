import type { NotificationStore, TopicHistory } from './notification-store.js';

const PAGE = 500;

/** Everything retained in `topic` after `since`, read page by page, in id order. */
export async function readAllSince(store: NotificationStore, topic: string, since: string): Promise<TopicHistory> {
  const first = await store.readSince(topic, since, PAGE);
  const items = [...first.items];
  for (let page = first.items; page.length === PAGE; ) {
    page = (await store.readSince(topic, page[page.length - 1].id, PAGE)).items;
    items.push(...page);
  }
  return { items, recovered: first.recovered };
}
