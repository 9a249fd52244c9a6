#!/usr/bin/env node
// Package hygiene: packs every publishable package in packages/* exactly as `pnpm publish`
// would (workspace: ranges rewritten, `files` applied) and lints the tarball with publint
// (package.json fields, exports, files) and Are the Types Wrong (types resolve for every
// consumer). ESM-only is a choice here (DESIGN.md §2), so attw runs with the `esm-only`
// profile: `require()` from CommonJS is not expected to work.
// Usage: node scripts/hygiene.mjs [package-folder...]   (after `pnpm build`)
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
/** @param {string} name */
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

// pnpm, as whoever started us ran it (`pnpm hygiene` sets npm_execpath), else through npx.
const execpath = process.env.npm_execpath ?? '';
const pnpm = /pnpm.*\.[cm]?js$/.test(path.basename(execpath))
  ? [process.execPath, execpath]
  : ['npx', '-y', 'pnpm@10'];

/** @returns {{ name: string, folder: string }[]} the publishable packages, or the ones asked for */
function packages() {
  const asked = process.argv.slice(2).map((p) => path.resolve(p));
  const folders =
    asked.length > 0
      ? asked
      : readdirSync(path.join(root, 'packages')).map((d) => path.join(root, 'packages', d));
  return folders
    .filter((folder) => existsSync(path.join(folder, 'package.json')))
    .map((folder) => ({
      folder,
      manifest: JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')),
    }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ folder, manifest }) => ({ name: manifest.name, folder }));
}

/**
 * @param {string} file
 * @param {string[]} args
 * @param {string} cwd
 * @returns {Promise<{ ok: boolean, output: string }>}
 */
async function tool(file, args, cwd) {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    const e = /** @type {{ stdout?: string, stderr?: string, message: string }} */ (error);
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}

/** @param {{ name: string, folder: string }} pkg */
async function check(pkg) {
  const rel = path.relative(root, pkg.folder);
  const problems = [];
  const entry = path.join(pkg.folder, 'dist', 'index.js');
  if (!existsSync(entry)) {
    return { pkg, rel, ok: false, report: `${rel}/dist is missing: run \`pnpm build\` first` };
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'curio-hygiene-'));
  try {
    const [cmd, ...pre] = pnpm;
    const packed = await tool(cmd, [...pre, 'pack', '--pack-destination', scratch], pkg.folder);
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
    if (!packed.ok || !tarball) {
      return { pkg, rel, ok: false, report: `pnpm pack failed:\n${packed.output}` };
    }
    const file = path.join(scratch, tarball);
    const publint = await tool(bin('publint'), ['run', file, '--strict'], pkg.folder);
    const attw = await tool(
      bin('attw'),
      [file, '--profile', 'esm-only', '--format', 'table-flipped', '--no-emoji', '--no-color'],
      pkg.folder,
    );
    if (!publint.ok) problems.push(`publint:\n${publint.output.trim()}`);
    if (!attw.ok) problems.push(`attw:\n${attw.output.trim()}`);
    // publint's suggestions do not fail the run, but they are worth seeing.
    const suggestions =
      publint.ok && /Suggestion/i.test(publint.output) ? publint.output.trim() : '';
    return {
      pkg,
      rel,
      ok: problems.length === 0,
      report: problems.length > 0 ? problems.join('\n') : suggestions,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const todo = packages();
if (todo.length === 0) {
  console.error('hygiene: no publishable package found');
  process.exit(1);
}
/** @type {Awaited<ReturnType<typeof check>>[]} */
const results = [];
const queue = [...todo];
await Promise.all(
  Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
    for (let pkg = queue.shift(); pkg; pkg = queue.shift()) results.push(await check(pkg));
  }),
);
results.sort((a, b) => a.rel.localeCompare(b.rel));
for (const { pkg, rel, ok, report } of results) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${pkg.name} (${rel})`);
  if (report) console.log(report.replace(/^/gm, '     '));
}
const failed = results.filter((r) => !r.ok).length;
console.log(
  `hygiene: ${results.length - failed} packages clean, ${failed} with problems (publint --strict, attw --profile esm-only)`,
);
process.exitCode = failed > 0 ? 1 : 0;
