/**
 * What a test client received, in arrival order, for tests to take one at a time: `take` waits
 * for the first of an event until a deadline, or until the source says nothing more can come.
 */
export class Arrivals<Item extends { event: string; data?: unknown }> {
  readonly items: Item[] = [];
  private waiters: Array<() => void> = [];

  /** `halted` answers why waiting for `what` is over (the socket closed, the stream ended), or null while it is not. */
  constructor(
    private readonly noun: string,
    private readonly halted: (what: string) => string | null,
  ) {}

  push(item: Item): void {
    this.items.push(item);
    this.wake();
  }

  /** Lets whoever waits look again: something arrived, or the source stopped. */
  wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Removes and returns the first item (of `event`, if given), waiting up to `timeoutMs`. */
  async take(event: string | undefined, timeoutMs: number): Promise<Item> {
    const what = event ?? this.noun;
    let taken: Item | undefined;
    await this.until(
      () => {
        const index = this.items.findIndex((item) => event === undefined || item.event === event);
        if (index >= 0) [taken] = this.items.splice(index, 1);
        const halted = taken ? null : this.halted(what);
        if (halted !== null) throw new Error(halted);
        return taken !== undefined;
      },
      timeoutMs,
      `no ${what}`,
    );
    return taken!;
  }

  /** Resolves once `done()` holds, looking again at each arrival; fails with "`missing` within …" after `timeoutMs`. */
  async until(done: () => boolean, timeoutMs: number, missing: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${missing} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Fails when an item of `event` is here after `ms`. */
  async expectNone(event: string, ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const found = this.items.find((item) => item.event === event);
    if (found) throw new Error(`unexpected ${event}: ${JSON.stringify(found.data)}`);
  }
}
