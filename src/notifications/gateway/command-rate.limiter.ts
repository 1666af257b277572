import { Inject, Injectable } from '@nestjs/common';
import type { Connection } from '../hub/connection.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';

const MIN_CALLERS_SWEEP = 10_000;

/** A connection's token bucket: what is left, and when it was last filled. */
interface Bucket {
  tokens: number;
  filledAt: number;
}

/**
 * COMMAND_RATE: each connection may send `commandRate` frames a second, in bursts of twice
 * that; so may each caller of `POST /commands`. Buckets live beside the connections (created at their first frame), not in them, so an
 * idle connection pays nothing.
 */
@Injectable()
export class CommandRateLimiter {
  private readonly buckets = new WeakMap<Connection, Bucket>();
  /** Buckets of the callers of `POST /commands`, by user (or address when anonymous). */
  private readonly callers = new Map<string, Bucket>();
  /** Past this many callers tracked, the ones whose bucket refilled are forgotten (a full bucket is no bucket). */
  private callersSweepAt = MIN_CALLERS_SWEEP;
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
    return this.take(bucket, now);
  }

  /** Takes one token of a `POST /commands` caller (a user id, or an address); false when over the rate. */
  allowCaller(caller: string, now = performance.now()): boolean {
    let bucket = this.callers.get(caller);
    if (!bucket) {
      if (this.callers.size >= this.callersSweepAt) this.sweepCallers(now);
      this.callers.set(caller, (bucket = { tokens: this.burst, filledAt: now }));
    }
    return this.take(bucket, now);
  }

  private sweepCallers(now: number): void {
    for (const [caller, bucket] of this.callers) {
      if (bucket.tokens + (now - bucket.filledAt) * this.perMs >= this.burst) this.callers.delete(caller);
    }
    this.callersSweepAt = Math.max(MIN_CALLERS_SWEEP, this.callers.size * 2);
  }

  private take(bucket: Bucket, now: number): boolean {
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.filledAt) * this.perMs);
    bucket.filledAt = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }
}
