import { freePort, runService, type ServiceProcess, waitForPort } from './built-service.js';

/** One running `node dist/main.js` on a port of its own. */
export interface ServiceInstance extends ServiceProcess {
  port: number;
  baseUrl: string;
  wsUrl: string;
  /** SIGTERM (shutdown hooks run), SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5000;

/** Starts the built service with `env` plus a PORT; fails with its output if it exits instead of serving. */
export async function startInstance(env: Record<string, string>): Promise<ServiceInstance> {
  const port = await freePort();
  const service = runService({ ...env, PORT: String(port) });
  const stop = async (): Promise<void> => {
    const { child } = service;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await service.exited;
    clearTimeout(timer);
  };
  const died = service.exited.then((code) => Promise.reject(new Error(`service exited with ${code}:\n${service.output()}`)));
  try {
    await Promise.race([waitForPort(port), died]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ...service, port, baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws`, stop };
}
