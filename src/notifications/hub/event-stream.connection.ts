import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionUser } from '../notifications.options.js';
import { CloseCode } from '../protocol/close-codes.js';
import { Connection } from './connection.js';
import type { Frame } from './frame.js';

/** An event-stream comment line: ignored by EventSource, it keeps proxies from timing the stream out. */
const HEARTBEAT_COMMENT = Buffer.from(':\n\n');

/**
 * A connection over a Server-Sent Events stream (`GET /sse`). Its response is sent without
 * chunked encoding (it ends when the connection does), so event bytes go to the TCP socket as
 * they are, as a WebSocket's prebuilt frames do.
 */
export class EventStreamConnection extends Connection {
  /** Consecutive heartbeats over which the peer took none of the bytes waiting for it. */
  private stalledBeats = 0;
  /** Bytes handed to the kernel at the last heartbeat. */
  private sentAtBeat = 0;

  constructor(
    private readonly response: ServerResponse,
    private readonly socket: Socket,
    connectionId: string,
    user: ConnectionUser | null,
  ) {
    super(connectionId, user);
  }

  get transport(): 'sse' {
    return 'sse';
  }

  get output(): Socket {
    return this.socket;
  }

  get open(): boolean {
    return this.socket.writable && !this.response.writableEnded;
  }

  encoded(frame: Frame): Buffer {
    return frame.eventStream();
  }

  /**
   * A stream has no close code: it ends after what was written (EventSource then reconnects with
   * Last-Event-ID); one too slow to read (4008) is cut at once, its unsent bytes dropped.
   */
  close(code: number): void {
    if (code === CloseCode.TOO_SLOW) this.socket.destroy();
    else if (!this.response.writableEnded) this.response.end();
  }

  /**
   * Writes a comment line. A peer that took none of the bytes waiting for it over two whole
   * intervals is gone (as one that missed two pongs is on a WebSocket): dropped. A slow reader
   * that takes some is not.
   */
  beat(): boolean {
    if (!this.open) return true;
    const waiting = this.socket.writableLength;
    // bytesWritten counts what is still queued too.
    const sent = this.socket.bytesWritten - waiting;
    this.stalledBeats = waiting > 0 && sent === this.sentAtBeat ? this.stalledBeats + 1 : 0;
    this.sentAtBeat = sent;
    if (this.stalledBeats >= 2) {
      this.socket.destroy();
      return false;
    }
    this.socket.write(HEARTBEAT_COMMENT);
    return true;
  }
}
