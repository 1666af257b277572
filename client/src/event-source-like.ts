/** What an event of a stream carries: the browser's `MessageEvent` fits. */
export interface StreamMessage {
  data?: unknown;
  lastEventId?: string;
}

/**
 * The part of the `EventSource` API the client uses: the browser's class, a Node implementation
 * (the `eventsource` package) and the client's own {@link FetchEventSource} all fit.
 */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: StreamMessage) => void): void;
  close(): void;
}

/** An EventSource class: `globalThis.EventSource` in browsers. */
export type EventSourceConstructor = new (url: string) => EventSourceLike;

/** `readyState` of a stream that ended for good, the same in every implementation. */
export const STREAM_CLOSED = 2;
