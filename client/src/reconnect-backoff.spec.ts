import { ReconnectBackoff } from './reconnect-backoff.js';

describe('ReconnectBackoff', () => {
  it('doubles the ceiling after each attempt up to the maximum', () => {
    // Attempts that each take 10 s to fail: the outage never holds the ceiling back.
    let clock = 0;
    const backoff = new ReconnectBackoff({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999, now: () => (clock += 10_000) });
    const delays = Array.from({ length: 6 }, () => backoff.next());
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoff.attempts).toBe(6);
  });

  it('draws each delay uniformly below the ceiling (full jitter)', () => {
    const draws = [0, 0.5, 0.25];
    let clock = 0;
    const backoff = new ReconnectBackoff({ baseDelayMs: 400, maxDelayMs: 10_000, random: () => draws.shift()!, now: () => (clock += 10_000) });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 400, 400]);
  });

  it('stays within bounds with the real random source', () => {
    let clock = 0;
    const backoff = new ReconnectBackoff({ baseDelayMs: 50, maxDelayMs: 3000, now: () => clock });
    for (let i = 0; i < 200; i += 1) {
      const ceiling = backoff.ceilingMs;
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling);
      clock += delay;
    }
    expect(backoff.ceilingMs).toBe(3000);
  });

  it('does not send a client refused at once further than the outage has lasted', () => {
    // A restarting server: each attempt is refused 1 ms after the delay before it.
    let clock = 0;
    const backoff = new ReconnectBackoff({ baseDelayMs: 500, maxDelayMs: 30_000, random: () => 0.999999, now: () => clock });
    const delays = [];
    for (let i = 0; i < 8; i += 1) {
      const delay = backoff.next();
      delays.push(delay);
      clock += delay + 1;
    }
    expect(delays).toEqual([499, 499, 999, 1999, 3999, 7999, 15_999, 29_999]);
    expect(backoff.attempts).toBe(8);
  });

  it('keeps the doubling when it is shorter than the outage', () => {
    let clock = 0;
    const backoff = new ReconnectBackoff({ baseDelayMs: 500, maxDelayMs: 30_000, random: () => 0.5, now: () => clock });
    backoff.next();
    clock = 60_000;
    expect(backoff.ceilingMs).toBe(1000);
  });

  it('starts a new outage after reset', () => {
    let clock = 0;
    const backoff = new ReconnectBackoff({ baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.999999, now: () => clock });
    backoff.next();
    clock = 5000;
    backoff.next();
    backoff.reset();
    backoff.next();
    backoff.next();
    expect(backoff.ceilingMs).toBe(100);
  });

  it('starts over after reset', () => {
    const backoff = new ReconnectBackoff({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(50);
  });

  it('refuses settings that cannot work', () => {
    expect(() => new ReconnectBackoff({ baseDelayMs: 0 })).toThrow(RangeError);
    expect(() => new ReconnectBackoff({ baseDelayMs: 500, maxDelayMs: 100 })).toThrow(RangeError);
  });
});
