// "Intertask Communication": every subscriber gets every message, in the order published.
import { expect, test } from 'vitest';
import { main } from '../src/pubsub.js';
import { captureOutput, runVirtual } from './helpers.js';

test('pubsub: three subscribers each get messages 0..9', async () => {
  const out = captureOutput();
  await runVirtual(main);
  const expected: string[] = [];
  for (let i = 0; i < 10; i++) {
    for (const name of ['child1', 'child2', 'child3']) expected.push(`${name} got ${i}`);
  }
  expect(out.lines).toEqual(expected);
  // One message every tenth of a second.
  expect(
    out.printed.filter((p) => p.line.startsWith('child1')).map((p) => Math.round(p.at! * 10)),
  ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});
