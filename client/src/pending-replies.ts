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

  /** Fails every promise waiting on `key`. */
  reject(key: string, error: Error): void {
    this.take(key).forEach((waiter) => waiter.reject(error));
  }

  /** Fails every promise: the connection they were waiting on is gone. */
  rejectAll(error: Error): void {
    for (const key of [...this.waiters.keys()]) this.reject(key, error);
  }

  private take(key: string): Waiter<T>[] {
    const list = this.waiters.get(key) ?? [];
    this.waiters.delete(key);
    return list;
  }
}
