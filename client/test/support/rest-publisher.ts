import { request } from 'node:http';

/** What `POST /notifications` accepts (CONTRACT section 6). */
export interface PublishBody {
  type: string;
  payload?: Record<string, unknown>;
  userIds?: string[];
  topic?: string;
  broadcast?: true;
}

/**
 * Publishes over the real REST API and returns the ids it was given. A fresh connection per
 * request (no keep-alive pool), so that a service restarted on the same port is reached anew.
 */
export function publish(baseUrl: string, body: PublishBody, apiKey?: string): Promise<{ id: string; topic: string }[]> {
  const json = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}/notifications`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(json),
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 202) reject(new Error(`POST /notifications answered ${res.statusCode}: ${text}`));
          else resolve((JSON.parse(text) as { notifications: { id: string; topic: string }[] }).notifications);
        });
      },
    );
    req.on('error', reject);
    req.end(json);
  });
}
