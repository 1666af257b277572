import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLIENT_DIR = fileURLToPath(new URL('../../', import.meta.url));
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });

/** What `npm pack --json` says of the tarball. */
export interface PackReport {
  filename: string;
  size: number;
  entryCount: number;
  files: { path: string }[];
}

/** A fresh project outside the repository with the packed client installed from its tarball, and nothing else. */
export interface ConsumerProject {
  dir: string;
  pack: PackReport;
  remove(): void;
}

/** Builds and packs client/, then installs the tarball into a new project under the system's temporary directory. */
export function installPackedClient(): ConsumerProject {
  const dir = mkdtempSync(join(tmpdir(), 'notifications-client-consumer-'));
  try {
    execFileSync(process.execPath, [join(CLIENT_DIR, 'scripts/build.mjs')], { stdio: 'inherit' });
    const [pack] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], CLIENT_DIR)) as PackReport[];
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    npm(['install', '--offline', join(dir, pack.filename)], dir);
    return { dir, pack, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
