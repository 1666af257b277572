import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { ConnectionUser } from '../notifications.options.js';
import { Connection } from './connection.js';
import type { Frame } from './frame.js';
import { rawSocketOf } from './ws-internals.js';

/** A connection over a WebSocket: prebuilt frames go to its TCP socket, past ws's own framing. */
export class WebSocketConnection extends Connection {
  /** Heartbeat pings sent since the last pong. */
  missedPongs = 0;

  constructor(
    readonly socket: WebSocket,
    connectionId: string,
    user: ConnectionUser | null,
  ) {
    super(connectionId, user);
  }

  get transport(): 'websocket' {
    return 'websocket';
  }

  get output(): Socket {
    return rawSocketOf(this.socket);
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  encoded(frame: Frame): Buffer {
    return frame.webSocket();
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  /** Pings; a peer that missed two pongs is terminated. */
  beat(): boolean {
    if (this.missedPongs >= 2) {
      this.socket.terminate();
      return false;
    }
    this.missedPongs++;
    this.socket.ping();
    return true;
  }
}
