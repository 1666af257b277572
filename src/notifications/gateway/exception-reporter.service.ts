import { Inject, Injectable, Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { CloseCode } from '../protocol/close-codes.js';
import { Hub } from '../hub/hub.service.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import type { ExceptionData } from '../protocol/exceptions.js';

const BAD_FRAME_WINDOW_MS = 10_000;

/**
 * Sends `exception` frames and enforces MAX_BAD_FRAMES: a bad frame never closes a socket by
 * itself, but more than the limit within 10 s closes it with 1008.
 */
@Injectable()
export class ExceptionReporter {
  private readonly logger = new Logger('NotificationsGateway');

  constructor(
    private readonly hub: Hub,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {}

  report(socket: WebSocket, body: ExceptionData): void {
    const connection = this.hub.connectionOf(socket);
    // A socket already closing (1008 for bad frames, say) is not answered, counted or logged again.
    if (!connection || socket.readyState !== WebSocket.OPEN) return;
    this.options.observer?.exceptionSent(body.code);
    this.logger.debug({ connectionId: connection.connectionId, code: body.code }, 'exception sent');
    this.hub.send(connection, 'exception', body);
    if (connection.recordBadFrame(Date.now(), this.options.maxBadFrames, BAD_FRAME_WINDOW_MS)) {
      this.hub.close(connection, CloseCode.POLICY, 'too many bad frames');
    }
  }
}
