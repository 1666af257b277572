import type { SUBPROTOCOL as ProtocolSubprotocol } from '../../src/notifications/protocol/events.js';
import { parseServerFrame, type ClientCommand } from './protocol-frames.js';
import { withIdentity, type Transport, type TransportEvents, type TransportIdentity } from './transport.js';
import { SOCKET_OPEN, type WebSocketConstructor, type WebSocketLike } from './websocket-like.js';

/** The subprotocol the client offers; the server then selects it. */
export const SUBPROTOCOL = 'notifications.v1' satisfies typeof ProtocolSubprotocol;

/** The client's connection over one WebSocket: commands and frames both ways on it. */
export class WebSocketTransport implements Transport {
  readonly kind = 'websocket';
  private readonly socket: WebSocketLike;
  private closedByUs = false;

  constructor(WebSocketImpl: WebSocketConstructor, url: string, identity: TransportIdentity, events: TransportEvents) {
    const socket = new WebSocketImpl(withIdentity(url, identity), [SUBPROTOCOL]);
    this.socket = socket;
    socket.addEventListener('message', (event) => {
      if (this.closedByUs) return;
      const frame = parseServerFrame(event.data);
      if (frame) events.frame(frame);
      else events.error(new Error('unreadable frame from server'));
    });
    socket.addEventListener('error', (event) => {
      if (!this.closedByUs) events.error(new Error(event.message ?? 'WebSocket error'));
    });
    socket.addEventListener('close', (event) => {
      if (!this.closedByUs) events.closed(event.code, event.reason);
    });
  }

  get isOpen(): boolean {
    return !this.closedByUs && this.socket.readyState === SOCKET_OPEN;
  }

  send(command: ClientCommand): void {
    this.socket.send(JSON.stringify(command));
  }

  close(code: number, reason: string): void {
    this.closedByUs = true;
    this.socket.close(code, reason);
  }
}
