import { spawn } from 'node:child_process';

const TAIL_LINES = 40;
const live = new Set();

/**
 * A process the benchmark started: its output tail (for error messages) and IPC requests.
 * Every one is registered so that `stopAll` can end it on error or interrupt.
 */
export class BenchProcess {
  /**
   * @param {string} name shown in errors
   * @param {string[]} argv the full command
   * @param {NodeJS.ProcessEnv} env
   */
  constructor(name, argv, env) {
    this.name = name;
    this.tail = [];
    this.child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.exitInfo = null;
    this.exited.then((info) => {
      this.exitInfo = info;
      live.delete(this);
    });
    this.child.on('error', (error) => this.keep(`spawn failed: ${error.message}`));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text) => text.split('\n').filter(Boolean).forEach((line) => this.keep(line)));
    }
    live.add(this);
  }

  keep(line) {
    this.tail.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }

  /** The last lines it printed, for an error message. */
  output() {
    return this.tail.length ? `\n--- last output of ${this.name} ---\n${this.tail.join('\n')}` : '';
  }

  /** Sends `message` and resolves with the next message whose `kind` is `kind`. */
  ask(message, kind, timeoutMs) {
    if (this.exitInfo) return Promise.reject(new Error(`${this.name} is not running${this.output()}`));
    return new Promise((resolve, reject) => {
      const done = (error, value) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolve(value);
      };
      const onMessage = (reply) => reply?.kind === kind && done(null, reply);
      const onExit = (code, signal) => done(new Error(`${this.name} exited (${signal ?? code}) before answering${this.output()}`));
      const timer = setTimeout(() => done(new Error(`${this.name} did not answer ${kind} within ${timeoutMs} ms${this.output()}`)), timeoutMs);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  async stop(graceMs = 5000) {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }
}

/** Stops every process the benchmark started that is still running. */
export async function stopAll(graceMs = 2000) {
  await Promise.all([...live].map((proc) => proc.stop(graceMs)));
}

/** Kills what is left synchronously: the last resort when this process exits. */
export function killAllNow() {
  for (const proc of live) proc.child.kill('SIGKILL');
}
