/**
 * The protocol's frames, as the service defines them (src/notifications/protocol). Imported as
 * types only: the client ships without any of the service's code.
 */
export type {
  AuthenticatedData,
  ClientCommands as ClientCommandMap,
  Notification,
  PongData,
  ServerFrame,
  ServerFrames as ServerFrameMap,
  SubscribedData,
  UnreadData,
  UnsubscribedData,
  WelcomeData,
} from '../../src/notifications/protocol/frames.js';
export type { ExceptionCode, ExceptionData, FieldError } from '../../src/notifications/protocol/exceptions.js';
import type { ClientCommands, ServerFrame } from '../../src/notifications/protocol/frames.js';

/** Reads one text frame; null when it is not an `{event, data}` object. */
export function parseServerFrame(text: unknown): ServerFrame | null {
  if (typeof text !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { event, data } = value as { event?: unknown; data?: unknown };
  if (typeof event !== 'string' || typeof data !== 'object' || data === null) return null;
  return value as ServerFrame;
}

/** Serializes one command in the `{event, data}` envelope. */
export const encodeCommand = <E extends keyof ClientCommands>(event: E, data: ClientCommands[E]): string =>
  JSON.stringify({ event, data });
