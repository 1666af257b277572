import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const HOST_SOURCES = fileURLToPath(new URL('./host/', import.meta.url));

/** The environment of a child that behaves as a user's shell would: none of this run's npm or Jest settings. */
export function userEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name, value]) => value !== undefined && !/^npm_/i.test(name) && name !== 'NODE_OPTIONS'),
  ) as Record<string, string>;
  return { ...env, ...extra };
}

/** `npm pack` of this repository (its prepack builds first) into `folder`; answers the tarball's path, size and files. */
export async function packRepository(folder: string): Promise<{ tarball: string; size: number; files: string[] }> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', folder], { cwd: REPO, env: userEnvironment(), maxBuffer: 1 << 26 });
  // Lifecycle scripts print before the JSON.
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('[\n'))) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>;
  return { tarball: join(folder, packed.filename), size: packed.size, files: packed.files.map((file) => file.path) };
}

/** The exact versions this repository's lock file installs, so a host runs what the repository's tests run. */
export async function lockedVersions(names: string[]): Promise<Record<string, string>> {
  const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  return Object.fromEntries(names.map((name) => [name, lock.packages[`node_modules/${name}`].version]));
}

export type Platform = 'express' | 'fastify';

export interface HostApp {
  folder: string;
  installMs: number;
}

/**
 * A fresh Nest host app outside the repository: its own package.json (Nest pinned, the tarball),
 * `npm install` from the registry, then `tsc` over its sources, which import the package by name.
 */
export async function createHostApp(tarball: string, platform: Platform, options: { dependencies?: string[]; npmFlags?: string[] } = {}): Promise<HostApp> {
  const folder = await mkdtemp(join(tmpdir(), `nest-notifications-host-${platform}-`));
  const nest = ['@nestjs/common', '@nestjs/core', `@nestjs/platform-${platform}`, '@nestjs/swagger', 'class-validator', 'reflect-metadata', 'rxjs'];
  const dependencies = { ...(await lockedVersions([...nest, ...(options.dependencies ?? [])])), 'nest-notifications': `file:${tarball}` };
  const devDependencies = await lockedVersions(['typescript', '@types/node']);
  await writeFile(join(folder, 'package.json'), JSON.stringify({ name: 'host-app', private: true, type: 'module', dependencies, devDependencies }, null, 2));
  await writeFile(
    join(folder, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        skipLibCheck: true,
        rootDir: 'src',
        outDir: 'dist',
      },
      files: ['src/host.module.ts', 'src/serve.ts', `src/${platform}.main.ts`],
    }),
  );
  await mkdir(join(folder, 'src'));
  for (const file of ['host.module.ts', 'serve.ts', `${platform}.main.ts`]) await copyFile(join(HOST_SOURCES, file), join(folder, 'src', file));
  const started = Date.now();
  await run('npm', ['install', '--no-audit', '--no-fund', ...(options.npmFlags ?? [])], { cwd: folder, env: userEnvironment(), maxBuffer: 1 << 26 });
  const installMs = Date.now() - started;
  await run(join(folder, 'node_modules/.bin/tsc'), ['-p', folder], { cwd: folder, env: userEnvironment() });
  return { folder, installMs };
}

/** Every installed copy of `name` under `folder`'s node_modules, nested ones included. */
export async function installedCopies(folder: string, name: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (modules: string): Promise<void> => {
    let entries: string[];
    try {
      entries = await readdir(modules);
    } catch {
      return;
    }
    for (const entry of entries) {
      const packages = entry.startsWith('@') ? (await readdir(join(modules, entry)).catch(() => [])).map((inner) => `${entry}/${inner}`) : [entry];
      for (const pkg of packages) {
        if (pkg === name) found.push(join(modules, pkg));
        await visit(join(modules, pkg, 'node_modules'));
      }
    }
  };
  await visit(join(folder, 'node_modules'));
  return found;
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Stops the process and everything it started. */
  stop(): Promise<void>;
}

/** Starts `command` in its own process group, so stopping it stops what it spawned (npx runs the bin in a shell). */
export function startProcess(command: string, args: string[], cwd: string, env: Record<string, string>): RunningProcess {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    output: () => output,
    exited,
    stop: async () => {
      if (!done) process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}
