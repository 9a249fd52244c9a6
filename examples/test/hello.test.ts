// "Getting Started": the countdown prints T-minus 10 .. 1, one line a second.
import { expect, test } from 'vitest';
import { countdown, main } from '../src/hello.js';
import { captureOutput, runVirtual, transcript } from './helpers.js';

test('hello: counts down from 10, one line a second', async () => {
  const out = captureOutput();
  await runVirtual(main, 10);
  expect(out.lines).toEqual(
    transcript(`
T-minus 10
T-minus 9
T-minus 8
T-minus 7
T-minus 6
T-minus 5
T-minus 4
T-minus 3
T-minus 2
T-minus 1
`),
  );
  expect(out.printed.map((p) => p.at)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(main).toBe(countdown);
});
