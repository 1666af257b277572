// Builds the package into client/dist: the client's ESM and declarations, plus the declarations
// (never the code) of the service's protocol types it imports, so that the package refers to
// nothing outside itself while src/notifications/protocol stays the one source of the protocol.
import { execFileSync } from 'node:child_process';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const staging = join(dist, '.tsc');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const filesUnder = async (dir) =>
  (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));

await rm(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

// The client's own output goes to dist/; the service's types it reaches go to dist/notifications/.
await cp(join(staging, 'client/src'), dist, { recursive: true });
for (const file of await filesUnder(join(staging, 'src/notifications'))) {
  if (!file.endsWith('.d.ts')) continue;
  await cp(file, join(dist, 'notifications', relative(join(staging, 'src/notifications'), file)));
}
await rm(staging, { recursive: true });

// The client's imports of '../../src/notifications/...' now point at dist/notifications/.
const specifier = /(from\s+|import\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/g;
for (const file of await filesUnder(dist)) {
  const text = await readFile(file, 'utf8');
  const rewritten = text.replaceAll('../../src/notifications/', './notifications/');
  for (const [, , , path] of rewritten.matchAll(specifier)) {
    const target = resolve(dirname(file), path);
    if (relative(dist, target).startsWith('..')) throw new Error(`${relative(root, file)} refers outside the package: ${path}`);
  }
  if (rewritten !== text) await writeFile(file, rewritten);
}
