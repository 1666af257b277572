import { type AbuseSettings, expectAbuseSurvived, runAbuseScenario, summaryLine } from './abuse.scenario.js';

/** About a minute of abuse against one instance; `npm run test:stress` runs the minutes-long one (test/stress/abuse.stress-spec.ts). */
const SHORT: AbuseSettings = {
  name: 'short',
  phaseMs: 20_000,
  publishesPerSecond: 50,
  payloadBytes: 12_000,
  watchers: 8,
  flooders: 4,
  neverReaders: 2,
  neverReadHoldMs: 15_000,
  hoarders: 2,
  churnPerMinute: 600,
  authRacesPerSecond: 5,
};

describe('abuse against one instance', () => {
  it('floods, never-readers, topic hoarders, churn and auth races cost well-behaved clients nothing and their p99 stays within 2x', async () => {
    const outcome = await runAbuseScenario(SHORT);
    console.log(summaryLine(outcome));
    expectAbuseSurvived(outcome);
  }, 180_000);
});
