// The layering rule of DESIGN.md §2, checked over the real workspace, and shown to catch each
// kind of breach on a fixture workspace that commits every one of them.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  allowedImports,
  checkLayering,
  findImports,
  findPackages,
  formatViolations,
  LAYERS,
} from '../layering.mjs';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/bad-workspace', import.meta.url));
const design = fileURLToPath(new URL('../../../../shared/DESIGN.md', import.meta.url));
const designCopy = fileURLToPath(new URL('../design-table.md', import.meta.url));

describe('the workspace', () => {
  test('follows the layering rule', () => {
    const violations = checkLayering(repoRoot);
    expect(formatViolations(violations)).toBe('');
  });

  test('has a folder for every row of the table', () => {
    const folders = findPackages(repoRoot).map((p) => `${p.folder} ${p.name}`);
    for (const [name, { folder }] of Object.entries(LAYERS)) {
      expect(folders).toContain(`${folder} ${name}`);
    }
  });

  // DESIGN.md lives beside the repository (../shared); its table is also kept in
  // tooling/checks/design-table.md so a clone without ../shared still checks it, and when
  // DESIGN.md is there the copy must still match it.
  test('mirrors the package table of DESIGN.md §2', () => {
    const tableLines = (text: string) =>
      text.split('\n').filter((line) => /^\| `(@curio\/)?[a-z]+` \| packages\//.test(line));
    const copy = tableLines(readFileSync(designCopy, 'utf8'));
    if (existsSync(design)) expect(copy).toEqual(tableLines(readFileSync(design, 'utf8')));
    const rows = copy.map((line) => line.split('|').map((cell) => cell.trim()));
    const documented: Record<string, string[]> = {};
    for (const [, name, , dependsOn] of rows) {
      const pkg = name.replaceAll('`', '');
      documented[pkg] =
        dependsOn === '—'
          ? []
          : dependsOn === 'all of the above'
            ? Object.keys(documented)
            : dependsOn.split(',').map((short) => `@curio/${short.trim()}`);
    }
    const table = Object.fromEntries(
      Object.entries(LAYERS).map(([name, row]) => [name, [...row.dependsOn]]),
    );
    expect(table).toEqual(documented);
  });
});

describe('the allowed graph', () => {
  const allowed = (name: string) => [...allowedImports(name)].sort();

  test('is the transitive closure of the table', () => {
    expect(allowed('@curio/kernel')).toEqual([]);
    expect(allowed('@curio/sync')).toEqual(['@curio/kernel']);
    expect(allowed('@curio/net')).toEqual(['@curio/kernel', '@curio/sync']);
    expect(allowed('@curio/ssl')).toEqual(['@curio/kernel', '@curio/net', '@curio/sync']);
    expect(allowed('@curio/subprocess')).toEqual(['@curio/kernel', '@curio/net', '@curio/sync']);
    expect(allowed('@curio/workers')).toEqual(['@curio/kernel', '@curio/sync']);
    expect(allowed('@curio/monitor')).toEqual(['@curio/kernel', '@curio/net', '@curio/sync']);
    expect(allowed('curio')).toEqual(
      Object.keys(LAYERS)
        .filter((n) => n !== 'curio')
        .sort(),
    );
  });

  test('lets apps and examples use every library package', () => {
    expect(allowed('chat-server')).toEqual(Object.keys(LAYERS).sort());
  });
});

describe('findImports', () => {
  test('finds every form of import and nothing in comments or strings', () => {
    const source = [
      "// import { a } from 'commented-out';",
      "/* import 'block-comment'; */",
      "import a, { b as c } from './a.js';",
      "import type { T } from '@curio/kernel';",
      "export * from './b.js';",
      'export {',
      '  d,',
      "} from '@curio/sync';",
      "import './side-effect.js';",
      "const lazy = await import('lazy');",
      'const tpl = await import(`template`);',
      "type N = typeof import('@curio/net');",
      "import fs = require('node:fs');",
      'const s = \'import x from "in-a-string"\';',
      "const r = /from 'in-a-regex'/g;",
      "const q = a / 2 / 3; import z from 'after-division';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: this is source code under test
      "const t = `${{ a: 1 }.a} from 'in-a-template' ${'inner'}`;",
      "const o = { from: 'a-property', x: Array.from('abc') };",
    ].join('\n');
    expect(findImports(source)).toEqual([
      { specifier: './a.js', line: 3 },
      { specifier: '@curio/kernel', line: 4 },
      { specifier: './b.js', line: 5 },
      { specifier: '@curio/sync', line: 8 },
      { specifier: './side-effect.js', line: 9 },
      { specifier: 'lazy', line: 10 },
      { specifier: 'template', line: 11 },
      { specifier: '@curio/net', line: 12 },
      { specifier: 'node:fs', line: 13 },
      { specifier: 'after-division', line: 16 },
    ]);
  });
});

describe('a workspace that breaks the rule', () => {
  test('fails, naming each forbidden import and dependency', () => {
    const found = checkLayering(fixture).map((v) => `${v.rule} ${v.file}:${v.line} ${v.specifier}`);
    expect(found).toEqual([
      'outside-package apps/demo/src/main.ts:2 ../../../packages/net/src/index.js',
      'undeclared-dependency apps/demo/src/main.ts:3 chalk',
      'undeclared-dependency apps/demo/src/main.ts:4 curio',
      'unknown-package packages/extra/package.json:0 @curio/extra',
      'dependency-not-allowed packages/kernel/package.json:0 @curio/sync',
      'kernel-builtins-only packages/kernel/src/index.ts:3 events',
      'layer packages/kernel/src/index.ts:4 @curio/sync',
      'kernel-builtins-only packages/kernel/src/index.ts:6 left-pad',
      'outside-package packages/kernel/test/helpers.ts:4 ../../sync/src/index.js',
      'workspace-protocol packages/net/package.json:0 @curio/kernel',
      'missing-dependency packages/net/package.json:0 @curio/sync',
      'outside-package packages/net/src/index.ts:1 ../../kernel/src/clock.js',
      'deep-import packages/sync/src/index.ts:1 @curio/kernel/dist/task.js',
      'layer packages/sync/src/index.ts:2 @curio/net',
      'layer packages/sync/src/index.ts:7 @curio/monitor',
      'tsconfig-references packages/sync/tsconfig.json:0 @curio/net',
    ]);
  });

  test('explains what to do instead', () => {
    const text = formatViolations(checkLayering(fixture));
    expect(text).toContain(
      "packages/sync/src/index.ts:2: [layer] '@curio/net': @curio/sync may not import @curio/net: " +
        'by DESIGN.md §2 it sits on only @curio/kernel',
    );
    expect(text).toContain("import from '@curio/kernel' itself");
    expect(text).toContain("write 'node:events'");
  });
});
