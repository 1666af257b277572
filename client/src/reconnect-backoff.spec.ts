import { ReconnectBackoff } from './reconnect-backoff.js';

describe('ReconnectBackoff', () => {
  it('doubles the ceiling after each attempt up to the maximum', () => {
    const backoff = new ReconnectBackoff({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
    const delays = Array.from({ length: 6 }, () => backoff.next());
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoff.attempts).toBe(6);
  });

  it('draws each delay uniformly below the ceiling (full jitter)', () => {
    const draws = [0, 0.5, 0.25];
    const backoff = new ReconnectBackoff({ baseDelayMs: 400, maxDelayMs: 10_000, random: () => draws.shift()! });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 400, 400]);
  });

  it('stays within bounds with the real random source', () => {
    const backoff = new ReconnectBackoff({ baseDelayMs: 50, maxDelayMs: 3000 });
    for (let i = 0; i < 200; i += 1) {
      const ceiling = backoff.ceilingMs;
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling);
    }
    expect(backoff.ceilingMs).toBe(3000);
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
