#!/usr/bin/env node
// `pnpm example <name> [args...]` runs one example: examples/dist/<name>.js (the root script
// builds it first), exactly as `node examples/dist/<name>.js args...` would. The example's
// own `isMain` block starts it, so Ctrl-C and other signals go straight to it.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = fileURLToPath(new URL('./dist/', import.meta.url));

function available() {
  if (!existsSync(dist)) return [];
  return readdirSync(dist)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .sort();
}

const [name, ...args] = process.argv.slice(2);

if (name === undefined || name === '--help' || name === '-h' || name === '--list') {
  const names = available();
  console.log('usage: pnpm example <name> [args...]   (see examples/README.md)\n');
  console.log(
    names.length > 0
      ? `examples:\n  ${names.join('\n  ')}`
      : 'no built examples: run `pnpm build` first',
  );
  process.exitCode = name === undefined ? 2 : 0;
} else {
  const file = path.join(dist, `${name}.js`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !existsSync(file)) {
    console.error(
      `unknown example '${name}'. Try one of: ${available().join(', ') || '(none built yet)'}`,
    );
    process.exitCode = 2;
  } else {
    // The example sees itself as the program: `node dist/<name>.js args...`.
    process.argv = [process.argv[0], file, ...args];
    await import(pathToFileURL(file).href);
  }
}
