import { Injectable } from '@nestjs/common';
import type { EventStreamConnection } from '../hub/event-stream.connection.js';

/** The open SSE streams of this instance by stream id, for `POST /commands` to find the one a command names. */
@Injectable()
export class EventStreams {
  private readonly streams = new Map<string, EventStreamConnection>();

  add(stream: EventStreamConnection): void {
    this.streams.set(stream.connectionId, stream);
  }

  remove(stream: EventStreamConnection): void {
    this.streams.delete(stream.connectionId);
  }

  get(streamId: string): EventStreamConnection | undefined {
    return this.streams.get(streamId);
  }
}
