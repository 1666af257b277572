/**
 * The protocol's frames, the notification center's included (contract 1.2, section 11), as the
 * service defines them (src/notifications/protocol). Imported as types only: the client ships
 * without any of the service's code (the package carries their declarations).
 */
import type { ClientCommands, MarkData, ServerFrames } from '../../src/notifications/protocol/frames.js';

export type {
  AuthenticatedData,
  CountsData,
  InboxData as InboxPage,
  InboxItem,
  InboxQueryData as InboxQuery,
  MarkData,
  Notification,
  PongData,
  SubscribedData,
  UnreadData,
  UnsubscribedData,
  WelcomeData,
} from '../../src/notifications/protocol/frames.js';
export type { ExceptionCode, ExceptionData, FieldError } from '../../src/notifications/protocol/exceptions.js';

/** Which notifications a `mark` applies to. */
export type MarkSelection = { ids: string[] } | { all: true };
/** The flags a `mark` sets; at least one. Reading implies seen. */
export type MarkFlags = Omit<MarkData, 'ids' | 'all'>;

/** Every command the client sends, by event, with its data. */
export type ClientCommandMap = ClientCommands;
/** Every frame the client understands, by event, with its data. */
export type ServerFrameMap = ServerFrames;
/** A server frame: `{event, data}`. */
export type ServerFrame = { [E in keyof ServerFrameMap]: { event: E; data: ServerFrameMap[E] } }[keyof ServerFrameMap];
/** A client command: `{event, data}`. */
export type ClientCommand = { [E in keyof ClientCommandMap]: { event: E; data: ClientCommandMap[E] } }[keyof ClientCommandMap];

/** Reads one frame's JSON text; null when it is not an `{event, data}` object. */
export function parseServerFrame(text: unknown): ServerFrame | null {
  const value = parseObject(text);
  if (!value) return null;
  const { event, data } = value as { event?: unknown; data?: unknown };
  if (typeof event !== 'string' || typeof data !== 'object' || data === null) return null;
  return value as ServerFrame;
}

/** Reads the JSON text of an event whose name came separately (a Server-Sent Event); null when it is not an object. */
export function parseFrameData(event: keyof ServerFrameMap, text: unknown): ServerFrame | null {
  const data = parseObject(text);
  return data ? ({ event, data } as ServerFrame) : null;
}

function parseObject(text: unknown): object | null {
  if (typeof text !== 'string') return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}
