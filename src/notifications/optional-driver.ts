/** Thrown when the chosen store or broker needs a package that is not installed. */
export class MissingDriverError extends Error {}

/**
 * Loads the module of a store or broker whose driver is an optional dependency
 * (`better-sqlite3`, `pg`, `ioredis`): a host installs only the one it chooses. A missing driver
 * stops start-up with one line naming the package to install.
 */
export async function importDriver<T>(load: () => Promise<T>, driver: string, choice: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, driver)) {
      throw new MissingDriverError(`${choice} needs the ${driver} package, which is not installed: npm install ${driver}`);
    }
    throw error;
  }
}

function isMissingPackage(error: unknown, name: string): boolean {
  return (
    error instanceof Error &&
    (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
    error.message.includes(`'${name}'`)
  );
}
