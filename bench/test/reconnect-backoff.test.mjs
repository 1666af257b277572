import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import ts from 'typescript';
import { ReconnectBackoff } from '../client/reconnect-backoff.mjs';

/** The client library's own class, compiled from its source. */
async function libraryBackoff() {
  const source = readFileSync(new URL('../../client/src/reconnect-backoff.ts', import.meta.url), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  return (await import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`)).ReconnectBackoff;
}

test("the bench clients' backoff hands out the client library's delays, resets included", async () => {
  const Library = await libraryBackoff();
  for (const options of [{}, { baseDelayMs: 100, maxDelayMs: 1000 }]) {
    const draws = Array.from({ length: 40 }, (_, i) => ((i * 7919) % 1000) / 1000);
    const delays = (Backoff) => {
      let i = 0;
      // Each attempt fails after its delay and a few ms, some after much longer: the outage caps some ceilings, not others.
      let clock = 0;
      const backoff = new Backoff({ ...options, random: () => draws[i++ % draws.length], now: () => clock });
      const seen = [];
      for (let n = 0; n < 40; n++) {
        if (n === 25) backoff.reset();
        const delay = backoff.next();
        seen.push([delay, backoff.ceilingMs, backoff.attempts]);
        clock += delay + (n % 7 === 3 ? 20_000 : 3);
      }
      return seen;
    };
    assert.deepEqual(delays(ReconnectBackoff), delays(Library));
  }
  assert.throws(() => new ReconnectBackoff({ baseDelayMs: 0 }), RangeError);
});
