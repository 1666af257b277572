import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import type { ServiceProcess } from './built-service.js';
import { eventually } from './eventually.js';

/** The node option that opens a service's inspector on a spare loopback port, for heapUsedAfterGc. */
export const INSPECT_OPTION = '--inspect=127.0.0.1:0';

/**
 * A running service's heap in use right after a full garbage collection, read through its V8
 * inspector (`HeapProfiler.collectGarbage`, what `global.gc()` does, then `Runtime.getHeapUsage`):
 * "memory after GC" from the heap itself, not guessed from RSS, which the allocator hands back to
 * the system late if ever. The session is closed again at once: while one is attached, a process
 * that crashes waits for the debugger instead of exiting, which would hide the crash.
 */
export async function heapUsedAfterGc(service: ServiceProcess): Promise<number> {
  const url = await eventually(() => {
    const found = /Debugger listening on (ws:\/\/\S+)/.exec(service.output());
    if (!found) throw new Error('no inspector announced: start the service with INSPECT_OPTION');
    return found[1];
  }, 'the service inspector');
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const replies = new Map<number, (result: any) => void>();
  socket.on('message', (raw: Buffer) => {
    const { id, result } = JSON.parse(raw.toString());
    replies.get(id)?.(result);
  });
  const call = (id: number, method: string): Promise<any> => {
    socket.send(JSON.stringify({ id, method }));
    return new Promise((resolve) => replies.set(id, resolve));
  };
  try {
    await call(1, 'HeapProfiler.collectGarbage');
    const { usedSize } = await call(2, 'Runtime.getHeapUsage');
    return usedSize;
  } finally {
    socket.close();
  }
}

/** A process's resident memory from /proc, in bytes (Linux). */
export function residentBytes(pid: number): number {
  const found = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!found) throw new Error(`no VmRSS for ${pid}`);
  return Number(found[1]) * 1024;
}

/** Bytes as MiB with one decimal, for the runs' summary lines. */
export const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
