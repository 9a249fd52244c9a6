// "Intertask Communication" (older tutorial): the consumer gets 0..9, then the producer's
// queue.join() returns.
import { expect, test } from 'vitest';
import { main } from '../src/producer-consumer.js';
import { captureOutput, runVirtual, transcript } from './helpers.js';

test('producer-consumer: every item consumed, then the producer is done', async () => {
  const out = captureOutput();
  await runVirtual(main);
  expect(out.lines).toEqual(
    transcript(`
Consumer got 0
Consumer got 1
Consumer got 2
Consumer got 3
Consumer got 4
Consumer got 5
Consumer got 6
Consumer got 7
Consumer got 8
Consumer got 9
Producer done
`),
  );
});
