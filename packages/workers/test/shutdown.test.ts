// A program whose kernel closes with calls still running in workers: run() must settle after
// the workers are gone, and the program must then end normally. Idle workers are unref'd, so
// in a plain `node` process (unlike under vitest, which keeps its own loop busy) nothing else
// would keep Node waiting for the killed workers to go: it would exit mid-shutdown (code 13,
// "unsettled top-level await"). Runs the build (dist/), as a program would.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { expect, test } from 'vitest';

const dist = (pkg: string) => new URL(`../../${pkg}/dist/index.js`, import.meta.url).href;

const PROGRAM = `
  import { run, sleep, spawn } from ${JSON.stringify(dist('kernel'))};
  import { runInProcess, runInThread } from ${JSON.stringify(dist('workers'))};
  const block = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  await run(async () => {
    await spawn(() => runInProcess(block, 60_000));
    await spawn(() => runInThread(block, 60_000));
    await sleep(0.1); // both calls under way; main ends: shutdown cancels them
  });
  console.log('settled');
`;

test('a kernel closing with calls under way kills the workers, then the program ends', () => {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', PROGRAM], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe('settled\n');
  expect(result.status).toBe(0);
});
