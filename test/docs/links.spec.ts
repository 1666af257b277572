import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's markdown: every relative link must reach a file, and every `#anchor` into a
 * markdown file a heading of it. External links (any scheme) are not followed.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README_MAX_LINES = 250;

/** README.md, client/README.md, bench/README.md and every docs/*.md, as repository paths. */
const documents = (): string[] => [
  'README.md',
  'client/README.md',
  'bench/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Fenced code blocks become blank lines (line numbers kept); inline code spans become spaces. */
function withoutCode(markdown: string): string[] {
  let fence: string | null = null;
  return markdown.split('\n').map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== null) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
      return '';
    }
    if (marker) {
      fence = marker;
      return '';
    }
    return line.replace(/(`+)[\s\S]*?\1/g, (span) => ' '.repeat(span.length));
  });
}

/** GitHub's heading anchor: lowercase, punctuation other than `-` and `_` dropped, each space a `-`. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link or image in a heading: its text
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors a markdown document offers: its headings' slugs (repeats get -1, -2, ...) and HTML ids. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const add = (heading: string): void => {
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  };
  // Headings are read with their code spans intact (GitHub keeps their text), outside fences only.
  const raw = markdown.split('\n');
  const lines = withoutCode(markdown);
  lines.forEach((line, index) => {
    if (line === '' && raw[index] !== '') return; // inside a fence
    const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(raw[index]);
    if (atx) return add(atx[1] ?? '');
    const previous = raw[index - 1];
    const isSetextUnderline = /^ {0,3}(=+|-+)[ \t]*$/.test(raw[index]);
    if (isSetextUnderline && index > 0 && previous.trim() !== '' && lines[index - 1] !== '' && !/^ {0,3}([#>|*+-]|\d+[.)])/.test(previous)) {
      add(previous);
    }
  });
  for (const match of markdown.matchAll(/<a\s[^>]*\b(?:id|name)=["']([^"']+)["']/gi)) anchors.add(match[1]);
  return anchors;
}

/** Every link target of a document, with its line: inline `](target)` and reference definitions. */
function linkTargets(markdown: string): { line: number; target: string }[] {
  const targets: { line: number; target: string }[] = [];
  withoutCode(markdown).forEach((text, index) => {
    for (const match of text.matchAll(/\]\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) {
      targets.push({ line: index + 1, target: match[1].replace(/^<|>$/g, '') });
    }
    const definition = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(text);
    if (definition) targets.push({ line: index + 1, target: definition[1].replace(/^<|>$/g, '') });
  });
  return targets;
}

const isExternal = (target: string): boolean => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(target) || target.startsWith('//');

/** What is wrong with the relative links of `markdown`, read as the repository file `path`. */
export function brokenLinks(path: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const { line, target } of linkTargets(markdown)) {
    if (target === '' || isExternal(target)) continue;
    const hash = target.indexOf('#');
    const filePart = (hash === -1 ? target : target.slice(0, hash)).replace(/\?.*$/, '');
    const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
    const file = filePart === '' ? path : posix.normalize(filePart.startsWith('/') ? filePart.slice(1) : posix.join(posix.dirname(path), decodeURIComponent(filePart)));
    const where = `${path}:${line} (${target})`;
    if (filePart !== '' && (file.startsWith('..') || !existsSync(join(ROOT, file)))) {
      problems.push(`${where}: ${file} does not exist`);
      continue;
    }
    if (anchor === null || !file.endsWith('.md') || (file !== path && !statSync(join(ROOT, file)).isFile())) continue;
    const anchors = anchorsOf(file === path ? markdown : read(file));
    if (!anchors.has(anchor)) problems.push(`${where}: ${file} has no heading #${anchor}`);
  }
  return problems;
}

describe('heading anchors (GitHub slugs)', () => {
  it.each([
    ['Delivery guarantees', 'delivery-guarantees'],
    ['WebSocket protocol (`notifications.v1`)', 'websocket-protocol-notificationsv1'],
    ['Recovery with `since`', 'recovery-with-since'],
    ['Scale-out: several instances behind a load balancer', 'scale-out-several-instances-behind-a-load-balancer'],
    ['What a `202` means', 'what-a-202-means'],
    ['snake_case and **bold**, [a link](x.md)', 'snake_case-and-bold-a-link'],
    ['Two  spaces', 'two--spaces'],
  ])('%s -> #%s', (heading, expected) => {
    expect(slug(heading)).toBe(expected);
  });

  it('repeated headings get -1, -2; headings inside code fences do not count', () => {
    const markdown = '# Usage\n\n## Usage\n\n```md\n# Fenced\n```\n\nSetext\n------\n';
    const problems = brokenLinks('docs/virtual.md', `${markdown}[a](#usage) [b](#usage-1) [c](#setext) [d](#fenced) [e](#usage-2)`);
    expect(problems).toEqual([
      'docs/virtual.md:11 (#fenced): docs/virtual.md has no heading #fenced',
      'docs/virtual.md:11 (#usage-2): docs/virtual.md has no heading #usage-2',
    ]);
  });
});

describe('the checker', () => {
  it('reports missing files and missing headings, and skips external links and code', () => {
    const markdown = [
      '[gone](missing.md) and [up](../README.md#configuration)',
      '[no such heading](operations.md#no-such-heading) and [health](operations.md#health)',
      '[web](https://example.com/missing.md) [mail](mailto:someone@example.com)',
      '`[in code](nowhere.md)`',
      '```',
      '[fenced](nowhere.md)',
      '```',
      '![picture](playground.png "title") [folder](../client/)',
      '[ref]: ./not-here.md',
    ].join('\n');
    expect(brokenLinks('docs/virtual.md', markdown)).toEqual([
      'docs/virtual.md:1 (missing.md): docs/missing.md does not exist',
      'docs/virtual.md:2 (operations.md#no-such-heading): docs/operations.md has no heading #no-such-heading',
      'docs/virtual.md:9 (./not-here.md): docs/not-here.md does not exist',
    ]);
  });
});

describe('documentation links', () => {
  it.each(documents())('every relative link in %s resolves', (path) => {
    expect(brokenLinks(path, read(path))).toEqual([]);
  });

  it(`README.md has at most ${README_MAX_LINES} lines`, () => {
    const text = read('README.md');
    const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });
});
