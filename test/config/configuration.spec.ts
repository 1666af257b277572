import 'reflect-metadata';
import { ConfigurationError, DEFAULT_REQUEST_TIMEOUT_MS, loadConfiguration } from '../../src/config/configuration.js';

/** The contract 1.1 variables: where each lands, a good value, and one below its minimum. */
const LIMITS = [
  ['MAX_CONNECTIONS', 'maxConnections', '1000', '0'],
  ['MAX_CONNECTIONS_PER_USER', 'maxConnectionsPerUser', '5', '0'],
  ['MAX_SUBSCRIPTIONS', 'maxSubscriptions', '50', '0'],
  ['COMMAND_RATE', 'commandRate', '10', '0'],
  ['MAX_REPLAY', 'maxReplay', '500', '0'],
  ['MAX_PUBLISH_BYTES', 'maxPublishBytes', '1048576', '1024'],
  ['MAX_PENDING_WRITES', 'maxPendingWrites', '2000', '0'],
  ['JWT_MAX_TTL_S', 'jwtMaxTtlS', '3600', '59'],
  ['JWT_CLOCK_TOLERANCE_S', 'jwtClockToleranceS', '0', '301'],
  ['STORE_TIMEOUT_MS', 'storeTimeoutMs', '2500', '99'],
  ['BROKER_TIMEOUT_MS', 'brokerTimeoutMs', '1500', '99'],
  ['PRESENCE_GRACE_S', 'presenceGraceS', '0', '-1'],
  ['WEBHOOK_RETRY_S', 'webhookRetryS', '3600', '0'],
  ['WEBHOOK_TIMEOUT_MS', 'webhookTimeoutMs', '2000', '99'],
  ['ESCALATE_AFTER_S', 'escalateAfterS', '600', '0'],
] as const;

const refusal = (env: NodeJS.ProcessEnv): ConfigurationError => {
  try {
    loadConfiguration(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
};

describe('loadConfiguration', () => {
  it.each(LIMITS)('%s is parsed into notifications.%s', (variable, option, good) => {
    expect(loadConfiguration({ [variable]: good }).notifications[option]).toBe(Number(good));
  });

  it.each(LIMITS)('%s: a value that is not an integer or out of range is refused, naming it', (variable, _, good, belowRange) => {
    for (const bad of ['many', '1.5', belowRange]) {
      expect(refusal({ [variable]: bad }).message).toMatch(new RegExp(`^Invalid configuration: ${variable}=`));
    }
    expect(() => loadConfiguration({ [variable]: good })).not.toThrow();
  });

  it('leaves unset limits to the module defaults (undefined) and an empty one counts as unset', () => {
    const { notifications } = loadConfiguration({ MAX_CONNECTIONS: '' });
    for (const [, option] of LIMITS) expect(notifications[option]).toBeUndefined();
  });

  it('REQUEST_TIMEOUT_MS is parsed, defaults to 10,000, and a bad value is refused naming it', () => {
    expect(loadConfiguration({ REQUEST_TIMEOUT_MS: '2500' }).requestTimeoutMs).toBe(2500);
    expect(loadConfiguration({}).requestTimeoutMs).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    for (const bad of ['soon', '999']) expect(refusal({ REQUEST_TIMEOUT_MS: bad }).message).toMatch(/^Invalid configuration: REQUEST_TIMEOUT_MS=/);
  });

  it('JWT_PUBLIC_KEY takes a PEM (with \\n escapes) or a JSON document, and refuses anything else naming it', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\\nMFkw\\n-----END PUBLIC KEY-----';
    expect(loadConfiguration({ JWT_PUBLIC_KEY: pem }).notifications.jwtPublicKey).toBe('-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----');
    expect(loadConfiguration({ JWT_PUBLIC_KEY: ' {"keys": []}' }).notifications.jwtPublicKey).toBe(' {"keys": []}');
    expect(refusal({ JWT_PUBLIC_KEY: 'not-a-key' }).message).toMatch(/^Invalid configuration: JWT_PUBLIC_KEY=.*PEM public key or a JWKS document/);
  });

  it.each([
    ['HEARTBEAT_MS', { HEARTBEAT_MS: 'soon' }],
    ['STORE', { STORE: 'mongo' }],
    ['PORT', { PORT: '70000' }],
    ['REDIS_URL', { BROKER: 'redis' }],
    ['DATABASE_URL', { STORE: 'postgres' }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['API_KEY', { API_KEY: 'has spaces in it, sixteen+' }],
    ['WEBHOOK_SECRET', { WEBHOOK_URL: 'https://hooks.example.com/notify' }],
    ['WEBHOOK_SECRET', { WEBHOOK_URL: 'https://hooks.example.com/notify', WEBHOOK_SECRET: 'not-a-whsec-secret-of-any-length' }],
    ['WEBHOOK_SECRET', { WEBHOOK_URL: 'https://hooks.example.com/notify', WEBHOOK_SECRET: `whsec_${Buffer.alloc(16).toString('base64')}` }],
    ['WEBHOOK_URL', { WEBHOOK_URL: 'ftp://hooks.example.com', WEBHOOK_SECRET: `whsec_${Buffer.alloc(32).toString('base64')}` }],
  ])('refuses a bad or missing %s with one line naming it', (variable, env) => {
    const { message } = refusal(env);
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${variable}=`));
    expect(message).not.toContain('\n');
  });

  it('names what is wrong with a value that is not a number, before its range', () => {
    expect(refusal({ PORT: 'abc' }).message).toBe('Invalid configuration: PORT="abc": PORT must be an integer number');
  });

  it('takes WEBHOOK_URL with a Standard Webhooks WEBHOOK_SECRET', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const { notifications } = loadConfiguration({ WEBHOOK_URL: 'http://hooks.internal:8080/notify', WEBHOOK_SECRET: secret });
    expect([notifications.webhookUrl, notifications.webhookSecret]).toEqual(['http://hooks.internal:8080/notify', secret]);
  });

  it('NODE_ENV=production sets production; anything else does not', () => {
    expect(loadConfiguration({ NODE_ENV: 'production' }).notifications.production).toBe(true);
    expect(loadConfiguration({ NODE_ENV: 'staging' }).notifications.production).toBe(false);
  });
});
