import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Every use of ws's private API, in one place. The Hub frames a notification once (see
 * text-frame) and writes the same bytes to every socket's TCP stream, skipping ws's per-socket
 * copy and framing. That is sound only while ws queues nothing of its own on a socket, which
 * holds with per-message compression off (the gateway turns it off); test/hub/ws-internals.spec.ts
 * pins both assumptions and fails when a ws upgrade breaks them.
 */

/** The TCP socket under a WebSocket, which ws keeps private. */
export const rawSocketOf = (socket: WebSocket): Socket => (socket as unknown as { _socket: Socket })._socket;
