import { setTimeout as delay } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { rawSocketOf } from '../../src/notifications/hub/ws-internals.js';

/** What the abusers heard from the server, by kind of abuser. */
export class AbuseTally {
  /** Connections opened (past `welcome`). */
  opened = 0;
  /** Handshakes that failed: refused, or the connection dropped before `welcome`. */
  failedHandshakes = 0;
  readonly exceptions = new Map<string, number>();
  /** Close codes the server sent (our own closes are not counted). */
  readonly closes = new Map<number, number>();
  /** Most topics one connection was subscribed to (`subscribed` replies). */
  mostSubscriptions = 0;

  exception(code: string): void {
    this.exceptions.set(code, (this.exceptions.get(code) ?? 0) + 1);
  }

  close(code: number): void {
    this.closes.set(code, (this.closes.get(code) ?? 0) + 1);
  }

  /** `{code: count}` of exceptions and closes, for the summary. */
  toJSON(): object {
    return { opened: this.opened, failedHandshakes: this.failedHandshakes, exceptions: Object.fromEntries(this.exceptions), closes: Object.fromEntries(this.closes), mostSubscriptions: this.mostSubscriptions };
  }
}

/** Where abusers connect, as whom, and when they stop. */
export interface AbuseTarget {
  wsUrl: string;
  /** A token for `user`: the service verifies JWTs, so `auth` costs it real work. */
  token(user: string): Promise<string>;
  signal: AbortSignal;
}

/** An open socket; `closed` resolves with the close code once it is gone. */
interface AbuserSocket {
  socket: WebSocket;
  closed: Promise<number>;
  /** Ends the connection from this side (a close, or a TCP reset); its close code is then not the server's. */
  leave(how?: 'close' | 'reset'): void;
}

const OPEN_TIMEOUT_MS = 5000;
/** A flooder closed with 1008 comes back after this, as a client library's reconnect would. */
const REJOIN_MS = 250;

/** Opens a socket as `user` and waits for `welcome`; null (tallied) when the handshake fails. */
async function open(target: AbuseTarget, user: string, tally: AbuseTally): Promise<AbuserSocket | null> {
  const socket = new WebSocket(`${target.wsUrl}?access_token=${await target.token(user)}`);
  let left = false;
  let subscribed = 0;
  const closed = new Promise<number>((resolve) =>
    socket.once('close', (code) => {
      if (!left) tally.close(code);
      resolve(code);
    }),
  );
  socket.on('error', () => undefined);
  const welcomed = new Promise<boolean>((resolve) => {
    socket.on('message', (raw: Buffer) => {
      const { event, data } = JSON.parse(raw.toString());
      if (event === 'welcome') resolve(true);
      if (event === 'exception') tally.exception(data.code);
      if (event === 'subscribed') tally.mostSubscriptions = Math.max(tally.mostSubscriptions, ++subscribed);
    });
    socket.once('close', () => resolve(false));
    setTimeout(() => resolve(false), OPEN_TIMEOUT_MS).unref();
  });
  const leave = (how: 'close' | 'reset' = 'close'): void => {
    left = true;
    const raw = rawSocketOf(socket);
    if (how === 'close') socket.close();
    // Before the upgrade there is no TCP socket of its own to reset.
    else if (raw) raw.resetAndDestroy();
    else socket.terminate();
  };
  if (!(await welcomed)) {
    tally.failedHandshakes++;
    leave('reset');
    return null;
  }
  tally.opened++;
  return { socket, closed, leave };
}

const frame = (event: string, data: object): string => JSON.stringify({ event, data });
const pause = (ms: number, signal: AbortSignal): Promise<void> => delay(ms, undefined, { signal }).catch(() => undefined);

/** Sends valid commands (ping, subscribe) as fast as its socket takes them, rejoining each time it is closed. */
export async function flood(target: AbuseTarget, user: string, tally: AbuseTally): Promise<void> {
  let n = 0;
  while (!target.signal.aborted) {
    const opened = await open(target, user, tally);
    while (opened && opened.socket.readyState === WebSocket.OPEN && !target.signal.aborted) {
      for (let i = 0; i < 50; i++) opened.socket.send(n++ % 2 === 0 ? frame('ping', {}) : frame('subscribe', { topic: `flood-${n % 10}` }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Closed by the server (its close code tallied), or leaving because the run is over.
    if (target.signal.aborted) opened?.leave();
    else await opened?.closed;
    await pause(REJOIN_MS, target.signal);
  }
}

/** Subscribes to ever new topics at `perSecond` (within COMMAND_RATE), rejoining each time it is closed. */
export async function hoardTopics(target: AbuseTarget, user: string, perSecond: number, tally: AbuseTally): Promise<void> {
  let n = 0;
  while (!target.signal.aborted) {
    const opened = await open(target, user, tally);
    while (opened && opened.socket.readyState === WebSocket.OPEN && !target.signal.aborted) {
      opened.socket.send(frame('subscribe', { topic: `hoard-${user}-${n++}` }));
      await pause(1000 / perSecond, target.signal);
    }
    // Closed by the server (its close code tallied), or leaving because the run is over.
    if (target.signal.aborted) opened?.leave();
    else await opened?.closed;
    await pause(REJOIN_MS, target.signal);
  }
}

/**
 * Subscribes to `topic`, then stops reading (its TCP socket paused) for `holdMs`, then reads
 * again to see what the server did meanwhile; over and over.
 */
export async function neverRead(target: AbuseTarget, user: string, topic: string, holdMs: number, tally: AbuseTally): Promise<void> {
  while (!target.signal.aborted) {
    const opened = await open(target, user, tally);
    if (!opened) continue;
    opened.socket.send(frame('subscribe', { topic }));
    const raw = rawSocketOf(opened.socket);
    await pause(50, target.signal);
    raw.pause();
    await pause(holdMs, target.signal);
    raw.resume();
    // What was sent meanwhile drains now, the close frame last if the server closed it.
    const outcome = await Promise.race([opened.closed, delay(5000, 'open', { ref: false })]);
    if (outcome === 'open') opened.leave();
  }
}

/** Opens and closes `perMinute` connections a minute, each subscribing to `topic` and living up to `lifeMs`. */
export async function churn(target: AbuseTarget, perMinute: number, topic: string, lifeMs: number, tally: AbuseTally): Promise<void> {
  const lives: Promise<void>[] = [];
  for (let n = 0; !target.signal.aborted; n++) {
    lives.push(
      open(target, `churn-${n % 1000}`, tally).then(async (opened) => {
        opened?.socket.send(frame('subscribe', { topic }));
        await delay(Math.random() * lifeMs);
        opened?.leave();
      }),
    );
    await pause(60_000 / perMinute, target.signal);
  }
  await Promise.all(lives);
}

/** Sends `auth` with a fresh token and resets the TCP connection at once, `perSecond` times a second. */
export async function raceAuth(target: AbuseTarget, perSecond: number, tally: AbuseTally): Promise<void> {
  const races: Promise<void>[] = [];
  for (let n = 0; !target.signal.aborted; n++) {
    const user = `racer-${n % 1000}`;
    races.push(
      open(target, user, tally).then(async (opened) => {
        if (!opened) return;
        const fresh = await target.token(user);
        opened.socket.send(frame('auth', { token: fresh }));
        opened.leave('reset');
        await opened.closed;
      }),
    );
    await pause(1000 / perSecond, target.signal);
  }
  await Promise.all(races);
}
