import { answerErrors } from './openapi-answers.js';

/**
 * A JSON request to the service; answers status and parsed body, and fails when a JSON answer
 * does not fit what the served OpenAPI document says of that operation and status.
 */
export async function http(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (response.headers.get('content-type')?.startsWith('application/json')) {
    const errors = await answerErrors(baseUrl, method, path, response.status, parsed);
    if (errors.length > 0) throw new Error(`${method} ${path} answered ${response.status} outside its OpenAPI schema: ${errors.join('; ')}`);
  }
  return { status: response.status, body: parsed };
}
