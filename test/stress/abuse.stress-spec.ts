import { type AbuseSettings, expectAbuseSurvived, runAbuseScenario, summaryLine } from '../hardening/abuse.scenario.js';

/** Minutes of abuse against one instance (`npm run test:stress`); the same scenario as test/hardening/abuse.e2e-spec.ts, harder and longer. */
const STRESS: AbuseSettings = {
  name: 'stress',
  phaseMs: 150_000,
  publishesPerSecond: 100,
  payloadBytes: 8_000,
  watchers: 20,
  flooders: 8,
  neverReaders: 4,
  neverReadHoldMs: 20_000,
  hoarders: 4,
  churnPerMinute: 2_000,
  authRacesPerSecond: 10,
};

describe('abuse against one instance, for minutes', () => {
  it('floods, never-readers, topic hoarders, 2,000 connects a minute and auth races cost well-behaved clients nothing and their p99 stays within 2x', async () => {
    const outcome = await runAbuseScenario(STRESS);
    console.log(summaryLine(outcome));
    expectAbuseSurvived(outcome);
  }, 900_000);
});
