import type { SchemaObject } from '@nestjs/swagger';

const up = { status: 'up', responseTime: 1 };
const storeDown = { status: 'down', message: 'store unavailable', responseTime: 0 };

/** One entry per checked part (`store`, `broker`), Terminus-style. */
const partsSchema = (example: Record<string, unknown>): SchemaObject => ({
  type: 'object',
  example,
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['up', 'down'] },
      message: { type: 'string', description: 'That the part does not answer (`store unavailable`, `broker unavailable`) or did not in time; never its error.' },
      responseTime: { type: 'number', description: 'How long the check took, in ms.' },
    },
  },
});

/** A health answer: `info` the parts up, `error` the parts down, `details` all of them. */
export const healthResultSchema = (status: 'ok' | 'error'): SchemaObject =>
  status === 'ok'
    ? {
        type: 'object',
        required: ['status', 'info', 'error', 'details'],
        properties: {
          status: { type: 'string', enum: ['ok'] },
          info: partsSchema({ store: up, broker: up }),
          error: partsSchema({}),
          details: partsSchema({ store: up, broker: up }),
        },
      }
    : {
        type: 'object',
        required: ['status', 'info', 'error', 'details'],
        properties: {
          status: { type: 'string', enum: ['error', 'shutting_down'] },
          info: partsSchema({ broker: up }),
          error: partsSchema({ store: storeDown }),
          details: partsSchema({ store: storeDown, broker: up }),
        },
      };
