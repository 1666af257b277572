import type { ClientCommands, ClientEvent, ServerEvent, ServerFrames } from './frames.js';

/** Accepts a list of keys of `T` only when it names every one of them. */
const everyKeyOf =
  <T>() =>
  <const K extends readonly (keyof T)[]>(keys: K & ([keyof T] extends [K[number]] ? unknown : 'names every key')): K =>
    keys;

/** The WebSocket subprotocol a client may offer; the server then selects it. */
export const SUBPROTOCOL = 'notifications.v1';

/** Every event a client may send; anything else is UNKNOWN_EVENT. */
export const CLIENT_EVENTS: ReadonlySet<ClientEvent> = new Set(
  everyKeyOf<ClientCommands>()(['subscribe', 'unsubscribe', 'read', 'auth', 'ping', 'mark', 'inbox']),
);

/** Every event the server sends. */
export const SERVER_EVENTS: ReadonlySet<ServerEvent> = new Set(
  everyKeyOf<ServerFrames>()(['welcome', 'notification', 'unread', 'subscribed', 'unsubscribed', 'authenticated', 'pong', 'exception', 'counts', 'inbox']),
);

export const isClientEvent = (event: string): event is ClientEvent => (CLIENT_EVENTS as ReadonlySet<string>).has(event);
