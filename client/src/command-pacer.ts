/**
 * Sends a connection's commands no faster than the server's COMMAND_RATE lets them through, so
 * that a client resubscribing to many topics after a reconnect is never answered RATE_LIMITED
 * (which also counts toward a 1008 close). The server allows bursts of twice the rate; the pacer
 * bursts only the rate itself, keeping the other half for frames the network delivers bunched
 * together. Commands past the budget wait, in order, for their turn.
 */
export class CommandPacer<T> {
  private tokens: number;
  private filledAt = Date.now();
  private waiting: T[] = [];
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly perSecond: number,
    private readonly write: (command: T) => void,
  ) {
    this.tokens = perSecond;
  }

  send(command: T): void {
    this.waiting.push(command);
    this.flush();
  }

  /** A new connection: the server's budget is whole again, and frames meant for the old one are dropped. */
  reset(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting = [];
    this.tokens = this.perSecond;
    this.filledAt = Date.now();
  }

  private flush(): void {
    const now = Date.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.filledAt) * this.perSecond) / 1000);
    this.filledAt = now;
    while (this.waiting.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.write(this.waiting.shift()!);
    }
    if (this.waiting.length > 0 && this.timer === undefined) {
      const wait = Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
    }
  }
}
