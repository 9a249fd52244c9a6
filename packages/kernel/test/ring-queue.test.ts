// RingQueue is the FIFO under the ready queue, every WaitQueue and a TaskGroup's finished
// members. Checked against an array model under random pushes, shifts and removals
// (removal by identity is how cancelled waiters and joined group members leave).
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { RingQueue } from '../src/ring-queue.js';

type Op = { kind: 'push' } | { kind: 'shift' } | { kind: 'remove'; pick: number };

const ops = fc.array(
  fc.oneof(
    fc.constant<Op>({ kind: 'push' }),
    fc.constant<Op>({ kind: 'shift' }),
    fc.nat(1000).map<Op>((pick) => ({ kind: 'remove', pick })),
  ),
  { maxLength: 300 },
);

test('push, shift and remove behave as on an array, in order', () => {
  fc.assert(
    fc.property(ops, (list) => {
      const ring = new RingQueue<{ n: number }>();
      const model: { n: number }[] = [];
      let next = 0;
      for (const op of list) {
        if (op.kind === 'push') {
          const item = { n: next++ };
          ring.push(item);
          model.push(item);
        } else if (op.kind === 'shift') {
          expect(ring.shift()).toBe(model.shift());
        } else if (model.length > 0) {
          const item = model[op.pick % model.length]!;
          model.splice(model.indexOf(item), 1);
          expect(ring.remove(item)).toBe(true);
          expect(ring.remove(item)).toBe(false);
        }
        expect(ring.length).toBe(model.length);
        expect([...ring]).toEqual(model);
      }
    }),
  );
});

test('removals at either end leave no holes, so they cost O(1) however long the queue', () => {
  const make = () => {
    const ring = new RingQueue<{ n: number }>();
    const items = Array.from({ length: 1000 }, (_, n) => ({ n }));
    for (const item of items) ring.push(item);
    return { ring, items };
  };
  // Oldest first (joining group members as they finished, timeouts expiring in order).
  const fifo = make();
  for (const item of fifo.items) {
    expect(fifo.ring.remove(item)).toBe(true);
    expect(fifo.ring.span).toBe(fifo.ring.length);
  }
  // Newest first (the kernel cancelling leftover tasks at shutdown).
  const lifo = make();
  for (const item of [...lifo.items].reverse()) {
    expect(lifo.ring.remove(item)).toBe(true);
    expect(lifo.ring.span).toBe(lifo.ring.length);
  }
  // A hole in the middle is passed over once an end reaches it.
  const mid = make();
  mid.ring.remove(mid.items[1]!);
  expect(mid.ring.span).toBe(mid.ring.length + 1);
  mid.ring.remove(mid.items[0]!);
  expect(mid.ring.span).toBe(mid.ring.length);
  expect(mid.ring.shift()).toBe(mid.items[2]);
});

test('after removing every item oldest first the queue is empty and reusable', () => {
  const ring = new RingQueue<{ n: number }>();
  const items = Array.from({ length: 1000 }, (_, n) => ({ n }));
  for (const item of items) ring.push(item);
  // Removed in order, each from the head (the head moves on instead of leaving holes):
  // afterwards the queue is empty, and what is pushed next comes out first.
  for (const item of items) expect(ring.remove(item)).toBe(true);
  expect(ring.length).toBe(0);
  expect(ring.shift()).toBeUndefined();
  const later = { n: -1 };
  ring.push(later);
  expect([...ring]).toEqual([later]);
  expect(ring.shift()).toBe(later);
});
