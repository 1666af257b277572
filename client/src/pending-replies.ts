interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/**
 * Promises waiting for the server's reply to a command, grouped by a key such as the topic,
 * settled in the order they were made.
 */
export class PendingReplies<T> {
  private readonly waiters = new Map<string, Waiter<T>[]>();

  /** A promise settled by the next `resolve` or `reject` of `key`. */
  wait(key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const list = this.waiters.get(key) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(key, list);
    });
  }

  /** Settles every promise waiting on `key`. */
  resolve(key: string, value: T): void {
    this.take(key).forEach((waiter) => waiter.resolve(value));
  }

  /** Settles the oldest promise waiting on `key`: for replies that come in the order of their commands. */
  resolveFirst(key: string, value: T): void {
    this.takeFirst(key)?.resolve(value);
  }

  /** Fails the oldest promise waiting on `key`. */
  rejectFirst(key: string, error: Error): void {
    this.takeFirst(key)?.reject(error);
  }

  /** Fails every promise waiting on `key`. */
  reject(key: string, error: Error): void {
    this.take(key).forEach((waiter) => waiter.reject(error));
  }

  /** Fails every promise: the connection they were waiting on is gone. */
  rejectAll(error: Error): void {
    for (const key of [...this.waiters.keys()]) this.reject(key, error);
  }

  private takeFirst(key: string): Waiter<T> | undefined {
    const list = this.waiters.get(key);
    const first = list?.shift();
    if (list?.length === 0) this.waiters.delete(key);
    return first;
  }

  private take(key: string): Waiter<T>[] {
    const list = this.waiters.get(key) ?? [];
    this.waiters.delete(key);
    return list;
  }
}
