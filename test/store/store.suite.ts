import { describe } from '@jest/globals';
import { describeAppend } from './store-append.suite.js';
import { describeHistory } from './store-history.suite.js';
import { describeInbox } from './store-inbox.suite.js';
import { describeUnreadScan } from './store-unread-scan.suite.js';
import { type OpenStore, storeFixture } from './store.fixture.js';

/**
 * The behaviour every NotificationStore must have. `open` answers a fresh, empty, opened store
 * for each call; the suite closes it after the test. Stores must take time from `Date`: the
 * retention tests move it.
 */
export function describeStoreSuite(name: string, open: OpenStore): void {
  describe(`${name} notification store`, () => {
    const fixture = storeFixture(open);
    describeHistory(fixture);
    describeInbox(fixture);
    describeAppend(fixture);
    describeUnreadScan(fixture);
  });
}
