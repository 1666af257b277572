import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { Hub } from '../hub/hub.service.js';
import { PRESENCE_TRACKER, type PresenceTracker, type PresenceTransition } from './presence.tracker.js';

/**
 * Presence as the module sees it: the Hub's users feed the tracker (20 tabs of one user are one
 * user to it), and the tracker answers for the whole cluster.
 */
@Injectable()
export class Presence implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(PRESENCE_TRACKER) private readonly tracker: PresenceTracker,
    private readonly hub: Hub,
  ) {
    hub.onUserConnections((userId, connected) => (connected ? tracker.connected(userId) : tracker.disconnected(userId)));
  }

  /** Graced transitions: online at a user's first connection, offline PRESENCE_GRACE_S after the last closed. */
  get transitions$(): Observable<PresenceTransition> {
    return this.tracker.transitions$;
  }

  onModuleInit(): Promise<void> {
    return this.tracker.start(() => this.hub.connectedUserIds());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tracker.close();
  }

  /** Whether each user has an open connection on any instance now. */
  async isOnline(userIds: string[]): Promise<Record<string, boolean>> {
    const unique = [...new Set(userIds)];
    const online = await this.tracker.online(unique);
    return Object.fromEntries(unique.map((userId, index) => [userId, online[index]]));
  }
}
