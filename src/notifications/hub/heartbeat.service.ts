import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { Hub } from './hub.service.js';
import type { Connection } from './connection.js';

/** A heartbeat pass is spread over this many ticks of its one timer. */
const HEARTBEAT_SLICES = 10;

/**
 * Beats every connection once per HEARTBEAT_MS (a WebSocket ping, an SSE comment line) and drops
 * the ones whose peer is gone (two pongs missed; nothing taken from the stream for two beats).
 * One timer for every socket rather than a timer per socket.
 */
@Injectable()
export class Heartbeat implements OnModuleDestroy {
  private readonly logger = new Logger(Heartbeat.name);
  private readonly timer: NodeJS.Timeout;
  /** The connections of the running pass, and how many of its slices are done. */
  private pass: Connection[] = [];
  private slicesDone = HEARTBEAT_SLICES;

  constructor(
    private readonly hub: Hub,
    @Inject(NOTIFICATIONS_OPTIONS) options: ResolvedNotificationsOptions,
  ) {
    this.timer = setInterval(() => this.sweep(), options.heartbeatMs / HEARTBEAT_SLICES).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * Pings the next slice of the pass, a tenth of the connections at a time, so that 10,000 pings
   * (and their pongs) never hold up deliveries at once. Connections opened during a pass join the next one.
   */
  private sweep(): void {
    if (this.slicesDone === HEARTBEAT_SLICES) {
      this.pass = [...this.hub.connections];
      this.slicesDone = 0;
    }
    const from = Math.floor((this.pass.length * this.slicesDone) / HEARTBEAT_SLICES);
    this.slicesDone++;
    const to = Math.floor((this.pass.length * this.slicesDone) / HEARTBEAT_SLICES);
    for (let index = from; index < to; index++) this.beat(this.pass[index]);
  }

  private beat(connection: Connection): void {
    if (!this.hub.connections.has(connection)) return;
    if (!connection.beat()) this.logger.debug(`dropped ${connection.connectionId}: two heartbeats unanswered`);
  }
}
