import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryTally, SequenceTrack } from '../client/delivery-tally.mjs';
import { LatencyHistogram } from '../client/latency-histogram.mjs';

test('counts unique deliveries per phase, duplicates and disorder by sequence', () => {
  const tally = new DeliveryTally();
  const track = new SequenceTrack();
  for (const [seq, measured] of [[0, false], [1, true], [3, true], [2, true], [3, true], [500, true]]) {
    tally.notification(track, seq, measured, 1000);
  }
  assert.equal(tally.warmup, 1);
  assert.equal(tally.measured, 4);
  assert.equal(tally.duplicates, 1);
  assert.equal(tally.disorder, 1);
});

test('merges tallies from several processes through their JSON form', () => {
  const reports = [1, 2].map((n) => {
    const tally = new DeliveryTally();
    const track = new SequenceTrack();
    for (let seq = 0; seq < 10 * n; seq++) tally.notification(track, seq, true, 1000 * n);
    tally.drop(4008);
    return JSON.parse(JSON.stringify(tally));
  });
  const total = DeliveryTally.merge(reports);
  assert.equal(total.measured, 30);
  assert.equal(total.latency.total, 30);
  assert.deepEqual(total.dropCodes, { 4008: 2 });
});

test('latency quantiles are within 1 % of the recorded values', () => {
  const histogram = new LatencyHistogram();
  for (let micros = 1; micros <= 10000; micros++) histogram.record(micros);
  assert.ok(Math.abs(histogram.quantile(0.5) - 5000) / 5000 < 0.01);
  assert.ok(Math.abs(histogram.quantile(0.99) - 9900) / 9900 < 0.01);
  assert.equal(new LatencyHistogram().quantile(0.5), null);
});

test('order is checked on the order key when one is given: a seq published late but numbered first is in order', () => {
  const tally = new DeliveryTally();
  const track = new SequenceTrack();
  // Two instances took publishes 0 and 1 in either order: 1 was numbered (and delivered) first.
  tally.notification(track, 1, true, 1000, 11);
  tally.notification(track, 0, true, 1000, 12);
  tally.notification(track, 2, true, 1000, 10);
  tally.notification(track, 0, true, 1000, 12);
  assert.equal(tally.measured, 3);
  assert.equal(tally.disorder, 1);
  assert.equal(tally.duplicates, 1);
});
