import { http } from './http.js';

/** A notification `POST /notifications` accepted: its id, and the topic it went to. */
export interface AcceptedNotification {
  id: string;
  topic: string;
}

/** Publishes as a backend would, over the real REST API; expects 202 and answers what it accepted. */
export async function publish(baseUrl: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<AcceptedNotification[]> {
  const { status, body: answer } = await http(baseUrl, 'POST', '/notifications', body, headers);
  expect(status).toBe(202);
  return answer.notifications;
}

/** The ids of what `publish` accepted, in its order. */
export const idsOf = (accepted: AcceptedNotification[]): string[] => accepted.map(({ id }) => id);
