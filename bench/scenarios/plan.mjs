import { fanoutScenario } from './fanout.scenario.mjs';
import { idleScenario } from './idle.scenario.mjs';
import { ingestScenario } from './ingest.scenario.mjs';
import { personalScenario } from './personal.scenario.mjs';
import { sseFanoutScenario } from './sse-fanout.scenario.mjs';
import { reconnectStormScenario } from './reconnect-storm.scenario.mjs';
import { scaleOutFanoutScenario } from './scaleout-fanout.scenario.mjs';
import { scaleOutIngestScenario } from './scaleout-ingest.scenario.mjs';

/**
 * The scenarios in run order, at full size or tiny for `--smoke` (seconds, for CI), and how
 * many connections one load-client process holds (open files stay far below 20,000).
 */
export function scenarioPlan(smoke) {
  if (smoke) {
    const phase = { warmupS: 0.5, roundWarmupS: 0.5, measureS: 1, drainS: 5, rounds: 2 };
    return {
      perProcess: 100,
      scenarios: [
        fanoutScenario({ subscribers: 60, rate: 20, ...phase }),
        fanoutScenario({ subscribers: 250, rate: 4, ...phase }),
        sseFanoutScenario({ subscribers: 60, rate: 20, ...phase }),
        personalScenario({ users: 100, rate: 100, ...phase }),
        ingestScenario({ connections: 8, warmupS: 0.5, burstS: 0.5, rounds: 2 }),
        idleScenario({ connections: 250, settleS: 0.5 }),
        reconnectStormScenario({ clients: 200, topics: 10, rate: 50, perProcess: 100, settleS: 0.5, storms: 2 }),
        ...[1, 2].flatMap((instances) => [
          scaleOutIngestScenario({ instances, topics: 'hot', connections: 8, warmupS: 0.5, burstS: 0.5, rounds: 2 }),
          scaleOutIngestScenario({ instances, topics: 'many', connections: 8, warmupS: 0.5, burstS: 0.5, rounds: 2 }),
          scaleOutFanoutScenario({ instances, subscribers: 60, rate: 20, ...phase }),
        ]),
      ],
    };
  }
  const phase = { warmupS: 5, roundWarmupS: 2, measureS: 5, drainS: 10, rounds: 4 };
  return {
    perProcess: 5000,
    scenarios: [
      fanoutScenario({ subscribers: 2000, rate: 20, ...phase }),
      fanoutScenario({ subscribers: 10000, rate: 4, ...phase }),
      sseFanoutScenario({ subscribers: 2000, rate: 20, ...phase }),
      personalScenario({ users: 2000, rate: 500, ...phase }),
      ingestScenario({ connections: 50, warmupS: 3, burstS: 3, rounds: 8 }),
      idleScenario({ connections: 10000, settleS: 3 }),
      reconnectStormScenario({ clients: 10000, topics: 100, rate: 50, perProcess: 5000, settleS: 2, storms: 3 }),
      ...[1, 2].flatMap((instances) => [
        scaleOutIngestScenario({ instances, topics: 'hot', connections: 50, warmupS: 3, burstS: 3, rounds: 6 }),
        scaleOutIngestScenario({ instances, topics: 'many', connections: 50, warmupS: 3, burstS: 3, rounds: 6 }),
        scaleOutFanoutScenario({ instances, subscribers: 2000, rate: 20, ...phase }),
      ]),
    ],
  };
}
