// Bundles the playground page (its script imports the client library) into dist/public.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/playground/public/', import.meta.url);
const target = new URL('../dist/public/', import.meta.url);

await mkdir(target, { recursive: true });
await build({
  entryPoints: [fileURLToPath(new URL('playground.ts', source))],
  outfile: fileURLToPath(new URL('playground.js', target)),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
await Promise.all(['index.html', 'playground.css'].map((name) => copyFile(new URL(name, source), new URL(name, target))));
