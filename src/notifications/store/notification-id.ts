/**
 * Notification ids are `<epoch>-<seq>`: `seq` is a store-wide sequence (so ids are unique
 * across the service and increase within every topic), `epoch` names the store's lifetime
 * so that a `since` from a wiped or different store is recognised instead of trusted.
 */
export interface NotificationPosition {
  epoch: string;
  seq: number;
}

const ID_PATTERN = /^([a-z0-9]{1,16})-(\d{1,15})$/;

export const formatNotificationId = (epoch: string, seq: number): string => `${epoch}-${seq}`;

/** Parses an id; null when it is not one this service could have issued. */
export function parseNotificationId(id: string): NotificationPosition | null {
  const match = ID_PATTERN.exec(id);
  if (!match) return null;
  const seq = Number(match[2]);
  return Number.isSafeInteger(seq) ? { epoch: match[1], seq } : null;
}

/** The seq of an id this service issued; 0 for anything else, which sorts before every notification. */
export const seqOf = (id: string): number => parseNotificationId(id)?.seq ?? 0;

/** A fresh random epoch: 10 base36 characters. */
export const newEpoch = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => (b % 36).toString(36)).join('');
