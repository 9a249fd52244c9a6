// docs/tutorial.md cannot rot: every ```ts block in it must appear, verbatim, in one of the
// tested example programs, and every `pnpm example <name>` it mentions must exist.
import { readdirSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

const tutorial = readFileSync(new URL('../../docs/tutorial.md', import.meta.url), 'utf8');
const srcDir = new URL('../src/', import.meta.url);
const sources = readdirSync(srcDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ name: f.slice(0, -3), text: readFileSync(new URL(f, srcDir), 'utf8') }));

const blocks = [...tutorial.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) =>
  m[1]!.replace(/\n$/, ''),
);

test('the tutorial has TypeScript code blocks', () => {
  expect(blocks.length).toBeGreaterThan(15);
});

test.each(blocks.map((block, i) => [i + 1, block.split('\n')[0], block] as const))(
  'docs/tutorial.md block %i (%s) is copied from an example',
  (_n, _first, block) => {
    const homes = sources.filter((s) => s.text.includes(block)).map((s) => s.name);
    expect(homes, `not found verbatim in examples/src:\n${block}`).not.toEqual([]);
  },
);

test('every `pnpm example <name>` in the tutorial is an example', () => {
  const names = new Set(sources.map((s) => s.name));
  const mentioned = [...tutorial.matchAll(/pnpm example ([a-z0-9-]+)/g)].map((m) => m[1]!);
  expect(mentioned.length).toBeGreaterThan(10);
  expect(mentioned.filter((n) => !names.has(n))).toEqual([]);
});
