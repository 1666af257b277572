// Preloaded into every server under test (node --expose-gc --import): answers a memory probe
// over IPC after a full GC, and ends the server when the benchmark that started it is gone.
if (process.send) {
  process.on('message', (message) => {
    if (message?.cmd !== 'memory') return;
    globalThis.gc?.();
    process.send({ kind: 'memory', gc: typeof globalThis.gc === 'function', ...process.memoryUsage() });
  });
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep a server alive that is shutting down by itself.
  process.channel?.unref();
}
