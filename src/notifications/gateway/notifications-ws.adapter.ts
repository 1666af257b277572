import { Logger } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import { isObservable, type Observable } from 'rxjs';
import { WebSocket } from 'ws';
import { commandOf } from './accepted-commands.js';

/**
 * Nest's WsAdapter with a lean per-connection cost: one `message` listener per socket that
 * dispatches to the gateway's handlers, instead of an rxjs pipeline per socket. On the
 * notifications gateway's sockets it dispatches only the commands the gateway accepted (see
 * accepted-commands), without parsing them again: frames it refused (bad JSON, unknown events,
 * over the command rate) reach no handler. What a handler returns is sent as Nest's adapter sends
 * it (an Observable's every value), without an rxjs pipeline per frame. A host app's own gateways
 * work as on Nest's adapter.
 */
export class NotificationsWsAdapter extends WsAdapter {
  private readonly log = new Logger('NotificationsWsAdapter');

  override bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    _transform: (data: unknown) => Observable<unknown>,
  ): void {
    const byEvent = new Map(handlers.map((handler) => [handler.message as string, handler]));
    const reply = (response: unknown) => {
      if (response !== undefined && response !== null && client.readyState === WebSocket.OPEN) client.send(JSON.stringify(response));
    };
    // Nest's exception filters already answered a handler's error; one that reaches here is a bug to log, not to crash on.
    const fail = (error: unknown) => this.log.error(error);
    client.on('message', (raw: Buffer, isBinary: boolean) => {
      const command = commandOf(client, raw, isBinary);
      const handler = typeof command?.event === 'string' ? byEvent.get(command.event) : undefined;
      if (!handler) return;
      let result: unknown;
      try {
        result = handler.callback(command!.data, command!.event);
      } catch (error) {
        return fail(error);
      }
      Promise.resolve(result).then(
        (response) => (isObservable(response) ? response.subscribe({ next: reply, error: fail }) : reply(response)),
        fail,
      );
    });
  }
}
