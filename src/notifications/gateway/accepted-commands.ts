import type { InboundCommand } from './inbound-frame.js';

/** Sockets of the notifications gateway: their frames are inspected by it, not by the adapter. */
const inspected = new WeakSet<object>();
/** Commands the gateway accepted, keyed by the frame that carried them. */
const accepted = new WeakMap<object, InboundCommand>();

/**
 * The gateway's listener sees each frame of its sockets first (it is added at connection, before
 * Nest binds the handlers), so the adapter dispatches what it accepted without parsing the frame
 * again, and nothing else.
 */
export function inspectsFrames(socket: object): void {
  inspected.add(socket);
}

export function acceptCommand(frame: object, command: InboundCommand): void {
  accepted.set(frame, command);
}

/**
 * The command a frame carries: for the gateway's sockets, what it accepted (each taken once);
 * for a host app's own gateways, the frame as Nest's WsAdapter reads it.
 */
export function commandOf(socket: object, frame: Buffer, isBinary: boolean): { event: unknown; data: unknown } | undefined {
  if (inspected.has(socket)) {
    const command = accepted.get(frame);
    accepted.delete(frame);
    return command;
  }
  if (isBinary) return undefined;
  try {
    const message: unknown = JSON.parse(frame.toString());
    return typeof message === 'object' && message !== null ? (message as { event: unknown; data: unknown }) : undefined;
  } catch {
    return undefined;
  }
}
