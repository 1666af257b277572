/** True when the service answers `GET /sse` with something other than 404: it streams Server-Sent Events. */
export async function servesSse(baseUrl: string): Promise<boolean> {
  const abort = new AbortController();
  try {
    const response = await fetch(`${baseUrl}/sse?user=sse-probe`, { signal: abort.signal });
    return response.status !== 404;
  } finally {
    abort.abort();
  }
}
