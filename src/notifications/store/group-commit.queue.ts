import { nextTurn } from './next-turn.js';
import { type AppendItem, type AppendResult, type CommittedHook, type IdempotencyClaim, StoreOverloadedError } from './notification-store.js';

/** One caller's append as the store receives it. */
export interface AppendRequest {
  items: AppendItem[];
  idempotency?: IdempotencyClaim;
}

/** A batch commit's answer for one request: its result, or the error that undid that request alone. */
export type AppendOutcome = { result: AppendResult } | { error: unknown };

/**
 * Writes every request of a batch in one transaction, each request all-or-nothing on its own
 * (a failed request is undone without undoing the others), and answers in batch order.
 * Throwing fails the whole batch.
 */
export type BatchCommit = (batch: AppendRequest[]) => Promise<AppendOutcome[]> | AppendOutcome[];

interface QueuedAppend extends AppendRequest {
  onCommitted?: CommittedHook;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** Resolves when a batch has gathered the appends it should wait for. */
export type Gather = () => Promise<void>;

/** The bound every store puts on its commit queue. */
export interface StoreQueueOptions {
  /** Appends that may wait to commit (MAX_PENDING_WRITES); default: no limit. */
  maxPendingWrites?: number;
}

export interface GroupCommitOptions extends StoreQueueOptions {
  /** What a batch waits for before it commits; by default one event-loop turn, which every append made in this tick joins. */
  gather?: Gather;
}

/** Bounds one transaction so a burst cannot hold the event loop for long. */
const MAX_BATCH = 1000;

/**
 * Group commit: appends made while a batch gathers (one event-loop turn unless the store says
 * otherwise) are committed together in one transaction, then every caller's `onCommitted` hook
 * is started, in append order, each running until its first `await` before the next starts (so
 * what a hook sends before awaiting, such as a publish, goes out in append order), and each
 * caller's promise settles once its own hook has. The next batch commits only after every hook
 * of the previous one has settled, so hooks publish in commit order. A hook that throws rejects
 * its append, yet its notifications stay committed. A hook must not await another append of
 * the same store: that append waits for it. When `maxPendingWrites` appends
 * wait already, another is refused with StoreOverloadedError before anything of it is queued.
 */
export class GroupCommitQueue {
  private pending: QueuedAppend[] = [];
  private running: Promise<void> | null = null;
  private readonly gather: Gather;
  private readonly maxPending: number;

  constructor(
    private readonly commit: BatchCommit,
    options: GroupCommitOptions = {},
  ) {
    this.gather = options.gather ?? nextTurn;
    this.maxPending = options.maxPendingWrites ?? Infinity;
  }

  /** Queues an append for the next commit; resolves after that commit and the hook. */
  append(request: AppendRequest, onCommitted?: CommittedHook): Promise<AppendResult> {
    // A database slower than the publishers would otherwise grow this queue, and its latency, without bound.
    if (this.pending.length >= this.maxPending) {
      return Promise.reject(new StoreOverloadedError(`${this.pending.length} appends are waiting to commit already`));
    }
    return new Promise<AppendResult>((resolve, reject) => {
      // Spelled out: on Node 20's V8, spreading an object and adding keys costs microseconds per call.
      this.pending.push({ items: request.items, idempotency: request.idempotency, onCommitted, resolve, reject });
      this.running ??= this.run();
    });
  }

  /** Resolves once every queued append has settled. */
  async drained(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    while (this.pending.length > 0) {
      await this.gather();
      await this.settle(this.pending.splice(0, MAX_BATCH));
    }
    this.running = null;
  }

  private async settle(batch: QueuedAppend[]): Promise<void> {
    let outcomes: AppendOutcome[];
    try {
      outcomes = await this.commit(batch);
    } catch (error) {
      outcomes = batch.map(() => ({ error }));
    }
    const hooks: Array<Promise<void>> = [];
    for (const [index, append] of batch.entries()) {
      const outcome = outcomes[index];
      if ('error' in outcome) {
        append.reject(outcome.error);
        continue;
      }
      // Started here, in append order, without waiting for the one before to settle: the batch's
      // publishes leave together (one broker message), in order.
      const hook = new Promise<void>((resolve) => resolve(append.onCommitted?.(outcome.result)));
      hooks.push(hook.then(() => append.resolve(outcome.result), (error: unknown) => append.reject(error)));
    }
    await Promise.all(hooks);
  }
}
