import type { ServiceProcess } from './built-service.js';

/**
 * Throws, with the end of its output, if the service has exited within `graceMs`: what a
 * hardening test must never see, reported as itself rather than as the refused connection
 * that follows it.
 */
export async function expectStillRunning(service: ServiceProcess, after: string, graceMs = 1000): Promise<void> {
  await Promise.race([service.exited, new Promise((resolve) => setTimeout(resolve, graceMs))]);
  const { exitCode, signalCode } = service.child;
  if (exitCode !== null || signalCode !== null) {
    throw new Error(`the service exited (${exitCode ?? signalCode}) after ${after}:\n${service.output().slice(-4000)}`);
  }
}
