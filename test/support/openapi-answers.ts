import { DocumentSchemas } from './document-schemas.js';

/** A path's operations by method, as far as this reads them. */
type Operations = Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>;

/** One served OpenAPI document, with its paths as patterns (`/users/{userId}/notifications`). */
interface ServedApi {
  schemas: DocumentSchemas;
  paths: Array<{ template: string; pattern: RegExp; operations: Operations }>;
}

const served = new Map<string, Promise<ServedApi | null>>();

async function load(baseUrl: string): Promise<ServedApi | null> {
  const response = await fetch(`${baseUrl}/docs-json`);
  // A host app without the service's OpenAPI document: nothing to check against.
  if (response.status !== 200) return null;
  const document = (await response.json()) as { paths: Record<string, Operations> };
  return {
    schemas: new DocumentSchemas(document),
    paths: Object.entries(document.paths).map(([template, operations]) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      operations,
    })),
  };
}

/**
 * Where a JSON answer of the service breaks what its OpenAPI document says of that operation and
 * status; empty when it fits, or when the document says nothing of it (an undocumented route or
 * status, a host app without the document).
 */
export async function answerErrors(baseUrl: string, method: string, path: string, status: number, body: unknown): Promise<string[]> {
  let api = served.get(baseUrl);
  if (!api) served.set(baseUrl, (api = load(baseUrl).catch(() => null)));
  const loaded = await api;
  const pathname = path.split('?')[0];
  const route = loaded?.paths.find(({ pattern }) => pattern.test(pathname));
  const operation = route?.operations[method.toLowerCase()];
  if (!loaded || !route || !operation?.responses?.[String(status)]?.content?.['application/json']) return [];
  return loaded.schemas.errors(body, 'paths', route.template, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema');
}
