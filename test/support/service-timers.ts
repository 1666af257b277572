import { createHook } from 'node:async_hooks';

/**
 * Watches the timers the service's own code (under src/) starts, so that a test can name those
 * still pending when nothing should be: each is listed by the service frame that started it.
 */
export class ServiceTimers {
  private readonly started = new Map<number, string>();
  private readonly hook = createHook({
    init: (id, type) => {
      if (type !== 'Timeout') return;
      const origin = new Error().stack!.split('\n').find((frame) => frame.includes('/src/'));
      if (origin) this.started.set(id, origin.trim());
    },
    destroy: (id) => this.started.delete(id),
  });

  /** Starts watching timers created from now on. */
  watch(): this {
    this.hook.enable();
    return this;
  }

  /** Where the watched timers that neither fired nor were cleared were started. */
  pending(): string[] {
    return [...this.started.values()];
  }

  stop(): void {
    this.hook.disable();
  }
}
