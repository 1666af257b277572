import { Logger } from '@nestjs/common';

const logger = new Logger('PostgresNotificationStore');
import type pg from 'pg';

/**
 * A committed batch whose connection holds the batch's topic locks while its onCommitted hooks
 * publish, so that per topic, publishes follow commit order across instances. The locks go once
 * every hook has run, or `deadlineMs` after the commit, whichever comes first: a hook that hangs
 * must not keep every instance from appending to those topics. A hook past the deadline keeps
 * running, unwaited; what it publishes late, or never, the other instances catch up from the
 * store (a notification names the one before it in its topic, see Hub.deliver).
 */
export class HeldBatch {
  private readonly expired: Promise<'late'>;
  private readonly timer: NodeJS.Timeout;
  private released = false;

  constructor(
    private readonly client: pg.PoolClient,
    private hooksPending: number,
    deadlineMs: number,
    /** Releases the locks and returns the connection; never rejects. */
    private readonly release: (client: pg.PoolClient) => Promise<void>,
  ) {
    let expire!: () => void;
    this.expired = new Promise<'late'>((resolve) => (expire = () => resolve('late')));
    this.timer = setTimeout(() => {
      logger.warn(`onCommitted hooks still running ${deadlineMs} ms after their commit: releasing its topic locks`);
      expire();
      this.releaseLocks();
    }, deadlineMs);
  }

  /** Runs one hook of the batch: settles as it does, or resolves at the batch's deadline. */
  async run(hook: () => Promise<void> | void): Promise<void> {
    try {
      const running = new Promise<void>((resolve) => resolve(hook()));
      const outcome = await Promise.race([running.then(() => 'done' as const), this.expired]);
      if (outcome === 'late') running.catch((error: Error) => logger.warn(`an onCommitted hook failed after its deadline: ${error.message}`));
    } finally {
      if (--this.hooksPending === 0) this.releaseLocks();
    }
  }

  private releaseLocks(): void {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.timer);
    void this.release(this.client);
  }
}
