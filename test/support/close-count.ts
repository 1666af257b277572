/** `GET /metrics` read into `name{labels}` → value, e.g. `notifications_closes_total{code="4008"}`. */
export async function scrapeMetrics(baseUrl: string): Promise<Map<string, number>> {
  const samples = new Map<string, number>();
  for (const line of (await (await fetch(`${baseUrl}/metrics`)).text()).split('\n')) {
    const match = /^([a-z_:]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1], Number(match[2]));
  }
  return samples;
}

/** How many connections the service closed with `code` for a reason of its own, from `GET /metrics`. */
export async function serverCloses(baseUrl: string, code: number): Promise<number> {
  return (await scrapeMetrics(baseUrl)).get(`notifications_closes_total{code="${code}"}`) ?? 0;
}
