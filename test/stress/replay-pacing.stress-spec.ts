import { runPacedReplay } from '../support/paced-replay.scenario.js';

const MiB = 1024 * 1024;

/**
 * The full-size replay (contract 1.1, section 10): 1000 notifications of 60 KB (60 MB) to a
 * client reading 1 MB/s, against the built service. About a minute; run with the stress config.
 */
describe('replay pacing at full size', () => {
  it('1000 × 60 KB reach a client reading 1 MB/s whole, in order, without 4008, with the service growing under 64 MB', async () => {
    const outcome = await runPacedReplay({ count: 1000, payloadBytes: 60_000, readBytesPerSecond: 1_000_000, maxBufferedBytes: MiB });
    console.log(
      `replayed ${(outcome.bytesRead / MiB).toFixed(1)} MiB in ${(outcome.durationMs / 1000).toFixed(1)} s; ` +
        `service RSS grew ${(outcome.rssGrowthBytes / MiB).toFixed(1)} MiB at its peak`,
    );
    expect(outcome.closeCode).toBeNull();
    expect(outcome.subscribed?.data).toEqual({ topic: 'paced-replay', recovered: true, missed: 1000 });
    expect(outcome.received).toEqual(outcome.published);
    expect(outcome.rssGrowthBytes).toBeLessThan(64 * MiB);
  });
});
