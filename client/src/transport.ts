import type { ClientCommand, ServerFrame } from './protocol-frames.js';

/** How a client is connected: one WebSocket, or a Server-Sent Events stream plus `POST /commands`. */
export type TransportKind = 'websocket' | 'sse';

/** What a transport reports to the client that opened it. */
export interface TransportEvents {
  /** A frame from the server: pushed, or the reply to a command. */
  frame(frame: ServerFrame): void;
  /** A command could not be delivered or answered (its reply will never come). */
  commandFailed(command: ClientCommand, error: Error): void;
  /** The connection is gone for good; the client decides whether and how to reconnect. */
  closed(code: number, reason: string): void;
  /** Something went wrong that the transport carries on after (an unreadable frame, a socket error). */
  error(error: Error): void;
}

/**
 * One connection to the service, whatever carries it: the client's logic (recovery, replies,
 * pacing, tokens) is the same over every transport.
 */
export interface Transport {
  readonly kind: TransportKind;
  /** True while commands can be sent. */
  readonly isOpen: boolean;
  send(command: ClientCommand): void;
  /** Closes it; no `closed` event follows. */
  close(code: number, reason: string): void;
}

/** Who the connection is for: a JWT, or a dev-mode user id, or nobody (anonymous). */
export interface TransportIdentity {
  token?: string;
  user?: string;
}

/** Adds the identity to a URL the way browsers can send it: `access_token`, or dev-mode `user`. */
export function withIdentity(base: string, identity: TransportIdentity): string {
  const url = new URL(base);
  if (identity.token !== undefined) url.searchParams.set('access_token', identity.token);
  else if (identity.user !== undefined) url.searchParams.set('user', identity.user);
  return url.toString();
}
