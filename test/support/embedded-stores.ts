import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NotificationsModuleOptions } from '../../src/notifications/index.js';

/**
 * The stores that need no server, for `describe.each`: SQLite in a scratch folder (`dir`, removed
 * after the file's tests) and memory.
 */
export function embeddedStores(name: string): { dir: string; stores: Array<[string, NotificationsModuleOptions]> } {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    stores: [
      ['sqlite', { store: 'sqlite', sqlitePath: join(dir, 'notifications.db') }],
      ['memory', { store: 'memory' }],
    ],
  };
}
