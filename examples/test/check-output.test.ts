// "Subprocesses": checkOutput() returns the output of a command that succeeds, and the
// program reports a failing one. The test plays netstat with small Node scripts.
import process from 'node:process';
import { run } from '@curio/kernel';
import { expect, test } from 'vitest';
import { main } from '../src/check-output.js';
import { captureOutput } from './helpers.js';

test('check-output: the output of a command that succeeds', async () => {
  const out = captureOutput();
  const listing = await run(main, [
    process.execPath,
    '-e',
    "console.log('Active Internet connections')",
  ]);
  expect(listing?.toString()).toBe('Active Internet connections\n');
  expect(out.lines).toEqual([]);
});

test('check-output: a command that fails', async () => {
  const out = captureOutput();
  const args = [process.execPath, '-e', 'process.exit(1)'];
  expect(await run(main, args)).toBeUndefined();
  expect(out.lines).toEqual([
    `It failed! Command ${JSON.stringify(args)} returned non-zero exit status 1.`,
  ]);
});
