/** Retries `attempt` until it stops throwing; after `timeoutMs` throws its last error, naming `what`. */
export async function eventually<T>(attempt: () => Promise<T> | T, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Resolves once `condition` holds, polling; fails after `timeoutMs`, naming `what`. */
export function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  return eventually(
    () => {
      if (!condition()) throw new Error('not yet');
    },
    what,
    timeoutMs,
  );
}
