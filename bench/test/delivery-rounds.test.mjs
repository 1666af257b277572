import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median } from '../harness/median.mjs';
import { deliveryProblems, interleavedDeliveries } from '../scenarios/delivery-run.mjs';

const round = (cpu, p99, extra = {}) => ({
  deliveries: 100,
  expected: 100,
  cpuPerDeliveryMicros: cpu,
  p50Ms: 1,
  p99Ms: p99,
  p999Ms: p99,
  loss: 0,
  duplicates: 0,
  disorder: 0,
  dropped: 0,
  dropCodes: {},
  exceptions: 0,
  firstException: null,
  unreadFrames: 0,
  publishErrors: 0,
  firstPublishError: null,
  publisherMaxLagMs: 0,
  serverCpuPercent: 10,
  clientCpuPercent: 20,
  serverCpuStealPercent: 0,
  measuredWallS: 5,
  ...extra,
});

test('the median of an even count is the mean of the middle two; nulls are left out', () => {
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([5, null, 1, 3]), 3);
  assert.equal(median([null]), null);
});

test('a summary takes the median of each figure over the rounds, so one slow round does not decide it', () => {
  const { summarize } = interleavedDeliveries({}, { warmupS: 1, roundWarmupS: 1, measureS: 1, drainS: 1, rounds: 3 });
  const summary = summarize([round(8, 30), round(9, 900, { serverCpuStealPercent: 60 }), round(7, 35)]);
  assert.equal(summary.cpuPerDeliveryMicros, 8);
  assert.equal(summary.p99Ms, 35);
  assert.equal(summary.serverCpuStealPercent, 0);
  assert.equal(summary.rounds.length, 3);
});

test('what goes wrong in any round is added up and reported', () => {
  const { summarize } = interleavedDeliveries({}, { warmupS: 1, roundWarmupS: 1, measureS: 1, drainS: 1, rounds: 3 });
  const summary = summarize([
    round(8, 30),
    round(8, 30, { deliveries: 97, loss: 3, dropped: 1, dropCodes: { 4008: 1 } }),
    round(8, 30, { dropped: 2, dropCodes: { 4008: 1, 1006: 1 }, publishErrors: 1, firstPublishError: 'ECONNRESET' }),
  ]);
  assert.equal(summary.expected, 300);
  assert.equal(summary.loss, 3);
  assert.equal(summary.lossRate, 0.01);
  assert.deepEqual(summary.dropCodes, { 4008: 2, 1006: 1 });
  assert.equal(summary.firstPublishError, 'ECONNRESET');
  assert.deepEqual(deliveryProblems(summary), [
    'lost 3 of 300 deliveries',
    '3 connections closed by the server {"1006":1,"4008":2}',
    '1 publishes failed, first: ECONNRESET',
  ]);
});
