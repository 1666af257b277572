import { DEFAULT_SETTINGS, PRODUCTION_JWT_MAX_TTL_S, resolveOptions } from '../../src/notifications/notifications.options.js';

describe('resolveOptions', () => {
  it('reads production from NODE_ENV when the options do not say', () => {
    expect(resolveOptions({}, { NODE_ENV: 'production' }).production).toBe(true);
    expect(resolveOptions({}, { NODE_ENV: 'development' }).production).toBe(false);
    expect(resolveOptions({}, {}).production).toBe(false);
  });

  it('lets an explicit production option override NODE_ENV either way', () => {
    expect(resolveOptions({ production: false }, { NODE_ENV: 'production' }).production).toBe(false);
    expect(resolveOptions({ production: true }, {}).production).toBe(true);
  });

  it('defaults jwtMaxTtlS to 86,400 in production and leaves it unset otherwise', () => {
    expect(PRODUCTION_JWT_MAX_TTL_S).toBe(86_400);
    expect(resolveOptions({}, { NODE_ENV: 'production' }).jwtMaxTtlS).toBe(86_400);
    expect(resolveOptions({ production: true }, {}).jwtMaxTtlS).toBe(86_400);
    expect(resolveOptions({ production: false }, { NODE_ENV: 'production' }).jwtMaxTtlS).toBeUndefined();
    expect(resolveOptions({}, {}).jwtMaxTtlS).toBeUndefined();
  });

  it('keeps a jwtMaxTtlS that the options give, in production or not', () => {
    expect(resolveOptions({ jwtMaxTtlS: 600 }, { NODE_ENV: 'production' }).jwtMaxTtlS).toBe(600);
    expect(resolveOptions({ jwtMaxTtlS: 600 }, {}).jwtMaxTtlS).toBe(600);
  });

  it('applies defaults for options left undefined, as loadConfiguration leaves unset variables', () => {
    const resolved = resolveOptions({ maxConnections: undefined, jwtClockToleranceS: undefined, commandRate: 7 }, {});
    expect(resolved).toMatchObject({ maxConnections: 50_000, jwtClockToleranceS: 5, commandRate: 7 });
    expect(resolved.maxSubscriptions).toBe(DEFAULT_SETTINGS.maxSubscriptions);
  });

  it('reads process.env when no environment is passed', () => {
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(resolveOptions({}).production).toBe(true);
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
  });
});
