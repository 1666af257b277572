import type {
  AuthenticatedData,
  CountsData,
  ExceptionData,
  Notification,
  SubscribedData,
  UnreadData,
  UnsubscribedData,
  WelcomeData,
} from './protocol-frames.js';

/**
 * Where the client is in its life:
 * - `idle`: created, `connect()` not called yet;
 * - `connecting`: opening a socket (or fetching a token for it);
 * - `open`: `welcome` received, commands flow;
 * - `reconnecting`: lost the socket, waiting out the backoff delay;
 * - `unauthorized`: closed with 4001, waiting for a new token (`setToken()` or a fresh one from the getter);
 * - `closed`: `close()` was called.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed';

/** A change of {@link ConnectionState}. */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
}

/** Why a socket went away and what the client does next. */
export interface DisconnectInfo {
  code: number;
  reason: string;
  /** Milliseconds until the next attempt; null when the client will not retry by itself. */
  reconnectInMs: number | null;
}

/** Every event the client emits, with its payload. */
export interface ClientEventMap {
  state: StateChange;
  welcome: WelcomeData;
  /** Deduplicated and in order within its topic, live or replayed. */
  notification: Notification;
  unread: UnreadData;
  /** The user's `{unread, unseen}` (servers of contract 1.2; older ones send `unread` only). */
  counts: CountsData;
  subscribed: SubscribedData;
  unsubscribed: UnsubscribedData;
  authenticated: AuthenticatedData;
  exception: ExceptionData;
  disconnected: DisconnectInfo;
  /** A socket error or a token getter that failed; the client carries on. */
  error: Error;
}

/** A listener for event `E`. */
export type ClientListener<E extends keyof ClientEventMap> = (payload: ClientEventMap[E]) => void;

/** A small typed event emitter that runs the same in browsers and Node. */
export class ClientEvents {
  private readonly listeners = new Map<keyof ClientEventMap, Set<(payload: never) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof ClientEventMap>(event: E, listener: ClientListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs once. */
  once<E extends keyof ClientEventMap>(event: E, listener: ClientListener<E>): () => void {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /** Removes a listener added with `on`. */
  off<E extends keyof ClientEventMap>(event: E, listener: ClientListener<E>): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Calls every listener of `event`; a listener that throws is reported like EventTarget does, without stopping the others. */
  protected emit<E extends keyof ClientEventMap>(event: E, payload: ClientEventMap[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as ClientListener<E>)(payload);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
