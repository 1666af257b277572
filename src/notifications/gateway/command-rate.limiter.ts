import { Inject, Injectable } from '@nestjs/common';
import type { Connection } from '../hub/connection.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';

/** A connection's token bucket: what is left, and when it was last filled. */
interface Bucket {
  tokens: number;
  filledAt: number;
}

/**
 * COMMAND_RATE: each connection may send `commandRate` frames a second, in bursts of twice
 * that. Buckets live beside the connections (created at their first frame), not in them, so an
 * idle connection pays nothing.
 */
@Injectable()
export class CommandRateLimiter {
  private readonly buckets = new WeakMap<Connection, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;

  constructor(@Inject(NOTIFICATIONS_OPTIONS) options: ResolvedNotificationsOptions) {
    this.perMs = options.commandRate / 1000;
    this.burst = options.commandRate * 2;
  }

  /** Takes one frame's token; false when the connection is over its rate. */
  allow(connection: Connection, now = performance.now()): boolean {
    let bucket = this.buckets.get(connection);
    if (!bucket) this.buckets.set(connection, (bucket = { tokens: this.burst, filledAt: now }));
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.filledAt) * this.perMs);
    bucket.filledAt = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }
}
