import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createService } from '../src/bootstrap.js';
import { NOTIFICATION_STORE, type NotificationStore } from '../src/notifications/index.js';
import { http } from './support/http.js';
import { DocumentSchemas } from './support/document-schemas.js';
import { freePort, runService, waitForPort } from './support/built-service.js';
import { listening } from './support/start-app.js';

const API_KEY = 'openapi-test-api-key-0123456789';
/** Routes deliberately left out of the document: the playground is a page, not API. */
const UNDOCUMENTED = /^\/($|playground\/)/;

interface Route {
  method: string;
  path: string;
}

/** `/users/:userId/notifications` as OpenAPI writes it: `/users/{userId}/notifications`. */
const openApiPath = (fastifyPath: string): string => fastifyPath.replace(/:(\w+)/g, '{$1}');

/** The OpenAPI document at /docs-json (contract section 6) against the routes the app really serves. */
describe('OpenAPI', () => {
  let app: NestFastifyApplication;
  let baseUrl: string;
  let document: any;
  /** Every route registered once the app starts, as Fastify sees them (HEAD twins left out). */
  const routes: Route[] = [];
  const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` }) =>
    http(baseUrl, 'POST', '/notifications', body, headers);
  /** The documented answer of an operation for a status: its schema, and its example when given. */
  const documented = (method: string, path: string, status: number) =>
    document.paths[path][method].responses[String(status)].content['application/json'];
  let schemas: DocumentSchemas;
  /** Where a value breaks the documented answer of an operation for a status. */
  const answerErrors = (value: unknown, method: string, path: string, status: number | string): string[] =>
    schemas.errors(value, 'paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema');

  beforeAll(async () => {
    app = await createService({ port: 0, logLevel: 'silent', notifications: { store: 'memory', apiKey: API_KEY } });
    app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method: method.toLowerCase(), path: route.url });
    });
    ({ baseUrl } = await listening(app));
    const response = await http(baseUrl, 'GET', '/docs-json');
    expect(response.status).toBe(200);
    document = response.body;
    schemas = new DocumentSchemas(document);
  });
  afterAll(() => app.close());

  it('is an OpenAPI 3 document with the API key as bearer scheme', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info).toEqual(expect.objectContaining({ title: expect.any(String), version: expect.any(String) }));
    expect(document.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  });

  it('documents every route the app serves, and nothing else', () => {
    const served = routes.filter(({ path }) => !UNDOCUMENTED.test(path));
    expect(served.length).toBeGreaterThanOrEqual(8);
    for (const { method, path } of served) {
      expect({ method, path, documented: Boolean(document.paths[openApiPath(path)]?.[method]) }).toEqual({ method, path, documented: true });
    }
    const servedKeys = new Set(served.map(({ method, path }) => `${method} ${openApiPath(path)}`));
    for (const [path, operations] of Object.entries<Record<string, unknown>>(document.paths)) {
      for (const method of Object.keys(operations)) expect(servedKeys).toContain(`${method} ${path}`);
    }
  });

  it('documents the errors of every API operation: 401 and 503 always, 400 where input is read, 413 for bodies, 409 for publish', () => {
    for (const [path, operations] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (operation.tags.includes('operations')) continue;
        const statuses = Object.keys(operation.responses);
        const expected = ['401', '503'];
        if (operation.requestBody || operation.parameters.length > 0) expected.push('400');
        if (operation.requestBody) expected.push('413');
        if (method === 'post' && path === '/notifications') expected.push('409');
        expect({ operation: `${method} ${path}`, statuses }).toEqual({ operation: `${method} ${path}`, statuses: expect.arrayContaining(expected) });
        // The SSE edge takes a user's identity, as the WebSocket does; the rest the API key.
        expect(operation.security).toEqual(operation.tags.includes('sse') ? [{ userToken: [] }, { accessToken: [] }] : [{ bearer: [] }]);
      }
    }
    expect(documented('post', '/notifications', 400).schema.$ref).toBe('#/components/schemas/BadRequestResponseDto');
    expect(document.components.schemas.BadRequestResponseDto.properties.errors).toEqual(expect.objectContaining({ type: 'array' }));
  });

  it('tags health, metrics and the AsyncAPI document as operations, without an API key', () => {
    for (const path of ['/health/live', '/health/ready', '/metrics', '/asyncapi.json']) {
      expect(document.paths[path].get.tags).toEqual(['operations']);
      expect(document.paths[path].get.security).toBeUndefined();
    }
    expect(Object.keys(document.paths['/health/ready'].get.responses)).toEqual(expect.arrayContaining(['200', '503']));
  });

  it('gives examples that fit their own schemas', () => {
    let checked = 0;
    for (const [path, operations] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries<any>(operation.responses)) {
          const content = response.content?.['application/json'];
          if (!content?.example) continue;
          expect({ path, method, status, errors: answerErrors(content.example, method, path, status) }).toEqual({ path, method, status, errors: [] });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('describes the answers the service really gives: errors 400, 401, 409, 413 and 503, and readiness up and down', async () => {
    const answers: Array<[number, { status: number; body: unknown }]> = [
      [400, await post({ type: 'bad type!', topic: 'orders', surprise: 1 })],
      [401, await post({ type: 't', topic: 'orders' }, {})],
      [413, await post({ type: 't', topic: 'orders', payload: { blob: 'x'.repeat(70 * 1024) } })],
    ];
    await post({ type: 't', topic: 'orders', idempotencyKey: 'openapi-key' });
    answers.push([409, await post({ type: 'other', topic: 'orders', idempotencyKey: 'openapi-key' })]);
    const ready = await http(baseUrl, 'GET', '/health/ready');
    expect(answerErrors(ready.body, 'get', '/health/ready', 200)).toEqual([]);
    await app.get<NotificationStore>(NOTIFICATION_STORE).close();
    answers.push([503, await post({ type: 't', topic: 'orders' })]);
    const notReady = await http(baseUrl, 'GET', '/health/ready');
    expect(notReady.status).toBe(503);
    expect(answerErrors(notReady.body, 'get', '/health/ready', 503)).toEqual([]);
    for (const [status, answer] of answers) {
      expect(answer.status).toBe(status);
      expect({ status, errors: answerErrors(answer.body, 'post', '/notifications', status) }).toEqual({ status, errors: [] });
    }
    expect((answers[0][1].body as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
  });
});

describe('OpenAPI UI', () => {
  it('is served at /docs by the built service, with its assets', async () => {
    const port = await freePort();
    const service = runService({ PORT: String(port), STORE: 'memory', LOG_LEVEL: 'silent' });
    try {
      await waitForPort(port);
      const page = await fetch(`http://127.0.0.1:${port}/docs`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      const bundle = /src="\.?\/?([^"]*swagger-ui-bundle\.js)"/.exec(html)?.[1];
      expect(bundle).toBeDefined();
      const asset = await fetch(`http://127.0.0.1:${port}/${bundle!.replace(/^\//, '')}`);
      expect(asset.status).toBe(200);
      expect((await asset.text()).length).toBeGreaterThan(100_000);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });
});
