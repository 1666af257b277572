import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Subject } from 'rxjs';
import { connectionOptions } from '../broker/redis.broker.js';
import { USER_ID_PATTERN } from '../dto/publish-notification.dto.js';
import type { PresenceTracker, PresenceTransition } from './presence.tracker.js';
import { CONNECT_SCRIPT, DEPART_SCRIPT, DISCONNECT_SCRIPT, RESYNC_SCRIPT, TICK_SCRIPT } from './redis-presence.scripts.js';

export interface RedisPresenceOptions {
  /** Keys and the transitions channel are named after it (REDIS_CHANNEL): one deployment, one namespace. */
  namespace: string;
  graceMs: number;
  /** HEARTBEAT_MS: an instance silent for 1.5 of it no longer counts. */
  heartbeatMs: number;
  timeoutMs: number;
}

/** Offline transitions published per tick at most; the next tick takes the rest. */
const OFFLINE_BATCH = 1000;

const isTransition = (value: unknown): value is { userId: string; online: boolean; at: number } => {
  const candidate = value as { userId?: unknown; online?: unknown; at?: unknown } | null;
  return (
    typeof candidate?.userId === 'string' &&
    USER_ID_PATTERN.test(candidate.userId) &&
    typeof candidate.online === 'boolean' &&
    Number.isFinite(candidate.at)
  );
};

/**
 * Presence across the instances sharing a Redis (see docs/presence.md). Each instance keeps the
 * set of its users and refreshes its own expiry each tick; any instance's tick lets a silent
 * one's users go and ends grace periods, in Lua, so every change is counted and published once.
 * No command waits for Redis: one that fails marks this instance's share for a resync on the
 * next tick.
 */
export class RedisPresenceTracker implements PresenceTracker {
  private readonly logger = new Logger(RedisPresenceTracker.name);
  private readonly subject = new Subject<PresenceTransition>();
  readonly transitions$ = this.subject.asObservable();
  private readonly instanceId = randomUUID();
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly keys: { instances: string; counts: string; leaving: string; usersPrefix: string; self: string };
  private readonly channel: string;
  private readonly tickMs: number;
  private timer?: NodeJS.Timeout;
  private ticking: Promise<void> | null = null;
  private localUsers: () => string[] = () => [];
  /** This instance's set in Redis may differ from its connections: resync on the next tick. */
  private stale = true;

  constructor(
    redisUrl: string,
    private readonly options: RedisPresenceOptions,
  ) {
    const prefix = `{${options.namespace}}:presence:`;
    this.keys = {
      instances: `${prefix}instances`,
      counts: `${prefix}counts`,
      leaving: `${prefix}leaving`,
      usersPrefix: `${prefix}users:`,
      self: `${prefix}users:${this.instanceId}`,
    };
    this.channel = `${prefix}transitions`;
    this.tickMs = Math.min(1000, options.heartbeatMs / 8, Math.max(50, options.graceMs / 4));
    const connection = connectionOptions(options.timeoutMs);
    this.commands = new Redis(redisUrl, { ...connection, connectionName: 'notifications-presence' });
    this.subscriber = new Redis(redisUrl, { ...connection, connectionName: 'notifications-presence-subscriber' });
    for (const client of [this.commands, this.subscriber]) client.on('error', () => undefined);
  }

  async start(localUsers: () => string[]): Promise<void> {
    this.localUsers = localUsers;
    // ioredis resubscribes after a reconnection; transitions published meanwhile are lost to this instance only.
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    await Promise.all([this.commands.connect(), this.subscriber.connect()]);
    await this.subscriber.subscribe(this.channel);
    await this.tick();
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = null));
    }, this.tickMs).unref();
  }

  connected(userId: string): void {
    this.run(this.commands.eval(CONNECT_SCRIPT, 3, this.keys.self, this.keys.counts, this.keys.leaving, this.channel, userId, Date.now()));
  }

  disconnected(userId: string): void {
    this.run(this.commands.eval(DISCONNECT_SCRIPT, 3, this.keys.self, this.keys.counts, this.keys.leaving, userId, Date.now()));
  }

  async online(userIds: string[]): Promise<boolean[]> {
    if (userIds.length === 0) return [];
    const counts = await this.commands.hmget(this.keys.counts, ...userIds);
    return counts.map((count) => count !== null && Number(count) > 0);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    try {
      await this.commands.eval(DEPART_SCRIPT, 4, this.keys.instances, this.keys.self, this.keys.counts, this.keys.leaving, this.instanceId, Date.now());
    } catch (error) {
      // The other instances let this one's users go once its expiry passes.
      this.logger.warn(`Leaving presence failed: ${(error as Error).message}`);
    }
    this.subject.complete();
    await Promise.all([quit(this.commands), quit(this.subscriber)]);
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    try {
      const known = await this.commands.eval(
        TICK_SCRIPT,
        3,
        this.keys.instances,
        this.keys.counts,
        this.keys.leaving,
        this.instanceId,
        now,
        now + Math.round(this.options.heartbeatMs * 1.5),
        this.options.graceMs,
        this.channel,
        this.keys.usersPrefix,
        OFFLINE_BATCH,
      );
      if (known === 0) this.stale = true;
      if (!this.stale) return;
      await this.commands.eval(RESYNC_SCRIPT, 3, this.keys.self, this.keys.counts, this.keys.leaving, this.channel, Date.now(), ...this.localUsers());
      this.stale = false;
    } catch (error) {
      this.stale = true;
      this.logger.warn(`Presence tick failed: ${(error as Error).message}`);
    }
  }

  /** Commands are sent in call order on one connection, so a user's connect and disconnect stay in order. */
  private run(command: Promise<unknown>): void {
    command.catch(() => (this.stale = true));
  }

  private receive(message: string): void {
    let transition: unknown;
    try {
      transition = JSON.parse(message);
    } catch {
      transition = null;
    }
    if (!isTransition(transition)) {
      this.logger.warn(`Ignored a message on "${this.channel}" that is not a presence transition`);
      return;
    }
    this.subject.next({ userId: transition.userId, online: transition.online, at: new Date(transition.at).toISOString() });
  }
}

async function quit(connection: Redis): Promise<void> {
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
