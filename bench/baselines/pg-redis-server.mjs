// Baseline for the scale-out configuration: the same parts as the service with STORE=postgres
// BROKER=redis and no framework. `POST /notifications` inserts each notification with a seq
// from a PostgreSQL sequence, then PUBLISHes it on a Redis channel; every instance subscribes
// to that channel and writes what arrives, preframed, to its sockets of the topic.
import { Redis } from 'ioredis';
import pg from 'pg';
import { deliverPreframed } from './preframed-delivery.mjs';
import { startWireServer } from './wire-server.mjs';

const { DATABASE_URL, REDIS_URL, REDIS_CHANNEL } = process.env;
const SCHEMA_LOCK = 7201; // instances starting together create the tables once

const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
const schema = await pool.connect();
try {
  await schema.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
  await schema.query(`CREATE SEQUENCE IF NOT EXISTS notification_seq AS bigint`);
  await schema.query(`CREATE TABLE IF NOT EXISTS notifications (
    topic text NOT NULL, seq bigint NOT NULL, type text NOT NULL, payload json NOT NULL,
    created_at timestamptz NOT NULL, read boolean, PRIMARY KEY (topic, seq))`);
  await schema.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]);
} finally {
  schema.release();
}
const publisher = new Redis(REDIS_URL);
const subscriber = new Redis(REDIS_URL);
const epoch = Date.now().toString(36);

const wire = startWireServer(deliverPreframed, {
  append: async ({ topics, type, payload }) => {
    const createdAt = new Date().toISOString();
    const payloadJson = JSON.stringify(payload);
    const accepted = [];
    for (const topic of topics) {
      const { rows } = await pool.query(
        `INSERT INTO notifications (topic, seq, type, payload, created_at, read)
         VALUES ($1, nextval('notification_seq'), $2, $3, $4, $5) RETURNING seq`,
        [topic, type, payloadJson, createdAt, topic.startsWith('user:') ? false : null],
      );
      const notification = { id: `${epoch}-${rows[0].seq}`, topic, type, payload, createdAt };
      await publisher.publish(REDIS_CHANNEL, JSON.stringify(notification));
      accepted.push({ id: notification.id, topic });
    }
    return accepted;
  },
});
subscriber.on('message', (_channel, message) => wire.fanOut(JSON.parse(message)));
await subscriber.subscribe(REDIS_CHANNEL);
