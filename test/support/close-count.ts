/** How many connections the service closed with `code` for a reason of its own, from `GET /metrics`. */
export async function serverCloses(baseUrl: string, code: number): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const found = new RegExp(`^notifications_closes_total\\{code="${code}"\\} (\\S+)$`, 'm').exec(text);
  return found ? Number(found[1]) : 0;
}
