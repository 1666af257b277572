import { Logger } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import type { Observable } from 'rxjs';
import { WebSocket } from 'ws';

/**
 * Nest's WsAdapter with a lean per-connection cost: one `message` listener that dispatches
 * to the gateway's handlers, instead of an rxjs pipeline per socket. Frames that do not parse
 * or name no handler are left to the gateway, which answers them with an `exception`.
 * A plain WsAdapter works too; this one holds idle connections in less memory.
 */
export class NotificationsWsAdapter extends WsAdapter {
  private readonly log = new Logger('NotificationsWsAdapter');

  override bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    const byEvent = new Map(handlers.map((handler) => [handler.message as string, handler]));
    client.on('message', (raw: Buffer | ArrayBuffer, isBinary: boolean) => {
      if (isBinary) return;
      let message: { event?: unknown; data?: unknown };
      try {
        message = JSON.parse(raw.toString());
      } catch {
        return;
      }
      const handler = typeof message?.event === 'string' ? byEvent.get(message.event) : undefined;
      if (!handler) return;
      let result: Observable<unknown>;
      try {
        result = transform(handler.callback(message.data, message.event));
      } catch (error) {
        // Nest's exception filters already answered; a throw here is a bug to log, not to crash on.
        this.log.error(error);
        return;
      }
      result.subscribe({
        next: (response) => {
          if (response !== undefined && response !== null && client.readyState === WebSocket.OPEN) {
            client.send(JSON.stringify(response));
          }
        },
        error: (error: unknown) => this.log.error(error),
      });
    });
  }
}
