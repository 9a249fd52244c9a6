// Port of Curio 1.6 tests/test_queue.py (Queue, PriorityQueue, LifoQueue), plus the queue
// rules of DESIGN §1.4 and §6.6 that Curio's tests do not cover: direct hand-off, FIFO
// getters and putters, nothing lost on cancellation, putNowait/getNowait errors, the
// ordering of PriorityQueue, and `for await`.
//
// Adapted: `await queue.task_done()` → `queue.taskDone()` (synchronous here);
// `spawn(consumer(queue, 'cons1'))` → `spawn(consumer, queue, 'cons1')`;
// `timeout_after(s, queue.get())` → `timeoutAfter(s, () => queue.get())`; `None` → `null`;
// Python tuples → arrays.
// Not ported (UniversalQueue lives in @curio/workers): test_univ_queue_basic,
// test_univ_queue_sync_async, test_univ_queue_async_sync, test_univ_queue_cancel,
// test_univ_queue_multiple_consumer, test_univ_queue_multiple_kernels,
// test_univ_queue_withfd, test_uqueue_asyncio_prod, test_uqueue_asyncio_consumer,
// test_uqueue_withfd_corner, test_uqueue_put_cancel.
import {
  CancelledError,
  CurioError,
  sleep,
  spawn,
  type Task,
  TaskTimeout,
  timeoutAfter,
} from '@curio/kernel';
import {
  BaseQueue,
  compareItems,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
} from '@curio/sync';
import { describe, expect, test } from 'vitest';
import { caught, caughtSync, runVirtual } from './helpers.js';

describe('Queue (Curio test_queue.py)', () => {
  test('two consumers share the items, join waits for taskDone (test_queue_simple)', async () => {
    const results: unknown[] = [];
    async function consumer(queue: Queue<number | null>, label: string) {
      for (;;) {
        const item = await queue.get();
        if (item === null) break;
        results.push([label, item]);
        queue.taskDone();
      }
      queue.taskDone();
      results.push(`${label} done`);
    }
    async function producer() {
      const queue = new Queue<number | null>();
      results.push('producer_start');
      const c1 = await spawn(consumer, queue, 'cons1');
      const c2 = await spawn(consumer, queue, 'cons2');
      await sleep(0.1);
      for (let n = 0; n < 4; n++) {
        await queue.put(n);
        await sleep(0.1);
      }
      for (let n = 0; n < 2; n++) await queue.put(null);
      results.push('producer_join');
      await queue.join();
      results.push('producer_done');
      await c1.join();
      await c2.join();
    }
    await runVirtual(producer);
    expect(results).toEqual([
      'producer_start',
      ['cons1', 0],
      ['cons2', 1],
      ['cons1', 2],
      ['cons2', 3],
      'producer_join',
      'cons1 done',
      'cons2 done',
      'producer_done',
    ]);
  });

  test('puts on an unbounded queue never block (test_queue_unbounded)', async () => {
    const results: unknown[] = [];
    async function consumer(queue: Queue<number | null>, label: string) {
      for (;;) {
        const item = await queue.get();
        if (item === null) break;
        results.push([label, item]);
        queue.taskDone();
      }
      queue.taskDone();
      results.push(`${label} done`);
    }
    async function producer() {
      const queue = new Queue<number | null>();
      results.push('producer_start');
      const c1 = await spawn(consumer, queue, 'cons1');
      await sleep(0.1);
      for (let n = 0; n < 4; n++) await queue.put(n);
      await queue.put(null);
      results.push('producer_join');
      await queue.join();
      results.push('producer_done');
      await c1.join();
    }
    await runVirtual(producer);
    expect(results).toEqual([
      'producer_start',
      'producer_join',
      ['cons1', 0],
      ['cons1', 1],
      ['cons1', 2],
      ['cons1', 3],
      'cons1 done',
      'producer_done',
    ]);
  });

  test('puts on a full bounded queue wait for a get (test_queue_bounded)', async () => {
    const results: unknown[] = [];
    async function consumer(queue: Queue<number | null>, label: string) {
      for (;;) {
        const item = await queue.get();
        if (item === null) break;
        results.push([label, item]);
        await sleep(0.1);
        queue.taskDone();
      }
      queue.taskDone();
      results.push(`${label} done`);
    }
    async function producer() {
      const queue = new Queue<number | null>(2);
      results.push('producer_start');
      await spawn(consumer, queue, 'cons1');
      await sleep(0.1);
      for (let n = 0; n < 4; n++) {
        await queue.put(n);
        results.push(['produced', n]);
      }
      await queue.put(null);
      results.push('producer_join');
      await queue.join();
      results.push('producer_done');
    }
    await runVirtual(producer);
    expect(results).toEqual([
      'producer_start',
      ['produced', 0],
      ['produced', 1],
      ['cons1', 0],
      ['produced', 2],
      ['cons1', 1],
      ['produced', 3],
      ['cons1', 2],
      'producer_join',
      ['cons1', 3],
      'cons1 done',
      'producer_done',
    ]);
  });

  test('a blocked get can be cancelled (test_queue_get_cancel)', async () => {
    const results: unknown[] = [];
    async function consumer() {
      const queue = new Queue();
      try {
        results.push('consumer waiting');
        await queue.get();
        results.push('not here');
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push('consumer cancelled');
      }
    }
    async function driver() {
      const task = await spawn(consumer);
      await sleep(0.5);
      await task.cancel();
    }
    await runVirtual(driver);
    expect(results).toEqual(['consumer waiting', 'consumer cancelled']);
  });

  test('a blocked put can be cancelled (test_queue_put_cancel)', async () => {
    const results: unknown[] = [];
    async function producer() {
      const queue = new Queue(1);
      results.push('producer_start');
      await queue.put(0);
      try {
        await queue.put(1);
        results.push('not here');
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push('producer_cancel');
      }
    }
    async function driver() {
      const task = await spawn(producer);
      await sleep(0.5);
      await task.cancel();
    }
    await runVirtual(driver);
    expect(results).toEqual(['producer_start', 'producer_cancel']);
  });

  test('a blocked get respects timeouts (test_queue_get_timeout)', async () => {
    const results: unknown[] = [];
    async function consumer() {
      const queue = new Queue();
      try {
        results.push('consumer waiting');
        await timeoutAfter(0.5, () => queue.get());
        results.push('not here');
      } catch (err) {
        if (!(err instanceof TaskTimeout)) throw err;
        results.push('consumer timeout');
      }
    }
    await runVirtual(consumer);
    expect(results).toEqual(['consumer waiting', 'consumer timeout']);
  });

  test('a blocked put respects timeouts (test_queue_put_timeout)', async () => {
    const results: unknown[] = [];
    async function producer() {
      const queue = new Queue(1);
      results.push('producer start');
      await queue.put(0);
      try {
        await timeoutAfter(0.5, () => queue.put(1));
        results.push('not here');
      } catch (err) {
        if (!(err instanceof TaskTimeout)) throw err;
        results.push('producer timeout');
      }
    }
    await runVirtual(producer);
    expect(results).toEqual(['producer start', 'producer timeout']);
  });

  test('qsize counts the items (test_queue_qsize)', async () => {
    await runVirtual(async () => {
      const q = new Queue();
      expect(String(q)).toBe('Queue(qsize=0, maxsize=0, getters=0, putters=0)');
      await q.put(1);
      expect(q.qsize()).toBe(1);
    });
  });

  test('a PriorityQueue hands out the smallest item first (test_priority_queue)', async () => {
    const results: unknown[] = [];
    const priorities = [4, 2, 1, 3];
    async function consumer(queue: PriorityQueue<[number, number | null]>) {
      for (;;) {
        const item = await queue.get();
        if (item[1] === null) break;
        results.push(item[1]);
        queue.taskDone();
        await sleep(0.2);
      }
      queue.taskDone();
    }
    async function producer() {
      const queue = new PriorityQueue<[number, number | null]>();
      for (const n of priorities) await queue.put([n, n]);
      await queue.put([10, null]);
      await spawn(consumer, queue);
      await queue.join();
    }
    await runVirtual(producer);
    expect(results).toEqual([...priorities].sort());
  });

  test('a LifoQueue hands out the newest item first (test_lifo_queue)', async () => {
    const results: unknown[] = [];
    const items = [0, 1, 2, 3];
    async function consumer(queue: LifoQueue<number | null>) {
      for (;;) {
        const item = await queue.get();
        if (item === null) break;
        results.push(item);
        queue.taskDone();
        await sleep(0.2);
      }
      queue.taskDone();
    }
    async function producer() {
      const queue = new LifoQueue<number | null>();
      await queue.put(null);
      for (const n of items) await queue.put(n);
      await spawn(consumer, queue);
      await queue.join();
    }
    await runVirtual(producer);
    expect(results).toEqual([...items].reverse());
  });
});

describe('Queue: hand-off and FIFO service (DESIGN §6.6)', () => {
  test('put hands the item to the oldest waiting getter, without switching tasks', async () => {
    const results: unknown[] = [];
    async function getter(q: Queue<string>, name: string) {
      results.push(`${name} got ${await q.get()}`);
    }
    await runVirtual(async () => {
      const q = new Queue<string>();
      const a = await spawn(getter, q, 'a');
      const b = await spawn(getter, q, 'b');
      await sleep(0.1);
      expect([a.state, b.state]).toEqual(['QUEUE_GET', 'QUEUE_GET']);
      q.putNowait('x');
      await q.put('y');
      results.push(`put returned, qsize=${q.qsize()}, a is ${a.state}`);
      await a.join();
      await b.join();
    });
    expect(results).toEqual(['put returned, qsize=0, a is READY', 'a got x', 'b got y']);
  });

  test('putters of a full queue are served FIFO and the freed slot is kept for the oldest', async () => {
    const results: unknown[] = [];
    async function putter(q: Queue<string>, item: string) {
      await q.put(item);
      results.push(`put ${item}`);
    }
    await runVirtual(async () => {
      const q = new Queue<string>(1);
      await q.put('first');
      const a = await spawn(putter, q, 'a');
      const b = await spawn(putter, q, 'b');
      await sleep(0.1);
      expect([a.state, b.state]).toEqual(['QUEUE_PUT', 'QUEUE_PUT']);
      results.push(q.getNowait());
      // The slot is reserved for `a`: the queue stays full, a newcomer cannot take it.
      results.push(`full=${q.full()}`, caughtSync(() => q.putNowait('late')) instanceof QueueFull);
      await sleep(0.1);
      results.push(await q.get());
      results.push(await q.get());
      await a.join();
      await b.join();
    });
    expect(results).toEqual(['first', 'full=true', true, 'put a', 'a', 'put b', 'b']);
  });

  test('an item handed to a getter keeps its slot until the getter runs', async () => {
    await runVirtual(async () => {
      const q = new Queue<number>(1);
      const getter = await spawn(() => q.get());
      await sleep(0.1);
      q.putNowait(1);
      expect([q.qsize(), q.empty(), q.full()]).toEqual([0, true, true]);
      expect(await getter.join()).toBe(1);
      expect(q.full()).toBe(false);
    });
  });

  test('a getter woken with an item returns it even if cancelled before it runs', async () => {
    const results: unknown[] = [];
    let getter!: Task;
    async function consumer(q: Queue<string>) {
      try {
        const item = await q.get();
        results.push(`got ${item}`);
        await sleep(1);
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push('cancelled after the get');
      }
    }
    await runVirtual(async () => {
      const q = new Queue<string>();
      getter = await spawn(consumer, q);
      await sleep(0.1);
      q.putNowait('item');
      await getter.cancel();
      results.push(`qsize=${q.qsize()}`);
    });
    expect(results).toEqual(['got item', 'cancelled after the get', 'qsize=0']);
  });

  test('a cancelled getter takes nothing: the next one gets the item', async () => {
    const results: unknown[] = [];
    async function getter(q: Queue<string>, name: string) {
      try {
        results.push(`${name} got ${await q.get()}`);
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push(`${name} cancelled`);
      }
    }
    await runVirtual(async () => {
      const q = new Queue<string>();
      const a = await spawn(getter, q, 'a');
      const b = await spawn(getter, q, 'b');
      await sleep(0.1);
      await a.cancel();
      await q.put('x');
      await b.join();
    });
    expect(results).toEqual(['a cancelled', 'b got x']);
  });

  test('a cancelled putter puts nothing and gives up its place in line', async () => {
    const results: unknown[] = [];
    async function putter(q: Queue<string>, item: string) {
      try {
        await q.put(item);
        results.push(`put ${item}`);
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push(`${item} cancelled`);
      }
    }
    await runVirtual(async () => {
      const q = new Queue<string>(1);
      q.putNowait('first');
      const a = await spawn(putter, q, 'a');
      const b = await spawn(putter, q, 'b');
      await sleep(0.1);
      await a.cancel();
      results.push(await q.get());
      results.push(await q.get());
      await b.join();
      results.push(`qsize=${q.qsize()}`);
    });
    expect(results).toEqual(['a cancelled', 'first', 'put b', 'b', 'qsize=0']);
  });

  test('a putter woken with a slot puts its item even if cancelled before it runs', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const q = new Queue<string>(1);
      q.putNowait('first');
      const p = await spawn(async () => {
        await q.put('second');
        results.push('put second');
        await sleep(1); // cancelled here
      });
      await sleep(0.1);
      results.push(q.getNowait());
      await p.cancel();
      results.push(q.getNowait());
    });
    expect(results).toEqual(['first', 'put second', 'second']);
  });
});

describe('Queue: non-blocking operations and accounting', () => {
  test('putNowait on a full queue raises QueueFull; getNowait on an empty one QueueEmpty', () => {
    const q = new Queue<number>(1);
    const empty = caughtSync(() => q.getNowait());
    expect(empty).toBeInstanceOf(QueueEmpty);
    expect(empty).toBeInstanceOf(CurioError);
    expect((empty as QueueEmpty).code).toBe('CURIO_QUEUE_EMPTY');
    expect((empty as Error).message).toBe(
      'the queue is empty: use await queue.get() to wait for an item',
    );
    q.putNowait(1);
    expect(q.full()).toBe(true);
    const full = caughtSync(() => q.putNowait(2));
    expect(full).toBeInstanceOf(QueueFull);
    expect((full as QueueFull).code).toBe('CURIO_QUEUE_FULL');
    expect((full as Error).name).toBe('QueueFull');
    expect(q.getNowait()).toBe(1);
    expect(q.empty()).toBe(true);
  });

  test('unbounded queues are never full; maxsize <= 0 means unbounded', () => {
    for (const maxsize of [0, -1, Number.POSITIVE_INFINITY]) {
      const q = new Queue<number>(maxsize);
      for (let i = 0; i < 1000; i++) q.putNowait(i);
      expect([q.maxsize, q.full(), q.qsize()]).toEqual([0, false, 1000]);
    }
    expect(() => new Queue(Number.NaN)).toThrow(/needs a number/);
  });

  test('non-blocking operations work outside a task', () => {
    const q = new LifoQueue<number>();
    q.putNowait(1);
    q.putNowait(2);
    expect(q.getNowait()).toBe(2);
  });

  test('join returns at once when nothing is outstanding; taskDone too often is an error', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const q = new Queue<number>();
      await q.join();
      results.push('joined empty');
      const err = caughtSync(() => q.taskDone());
      results.push(err instanceof CurioError, (err as Error).message);
      await q.put(1);
      const joiner = await spawn(async () => {
        await q.join();
        results.push('joined');
      });
      await sleep(0.1);
      results.push(joiner.state);
      q.getNowait();
      q.taskDone();
      results.push('task done');
      await joiner.join();
    });
    expect(results).toEqual([
      'joined empty',
      true,
      'Queue.taskDone() called more times than items were put',
      'QUEUE_JOIN',
      'task done',
      'joined',
    ]);
  });

  test('for await iterates forever, until cancelled (the tutorial pub-sub)', async () => {
    const results: unknown[] = [];
    async function subscriber(q: Queue<[string, string]>) {
      try {
        for await (const [name, msg] of q) results.push(`${name}: ${msg}`);
      } finally {
        results.push('unsubscribed');
      }
    }
    await runVirtual(async () => {
      const q = new Queue<[string, string]>();
      const sub = await spawn(subscriber, q);
      await q.put(['max', 'hi']);
      await sleep(1);
      await q.put(['lillian', 'hello']);
      await sleep(1);
      await sub.cancel();
    });
    expect(results).toEqual(['max: hi', 'lillian: hello', 'unsubscribed']);
  });

  test('break ends a for await loop', async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      for (const n of [1, 2, 3]) q.putNowait(n);
      const seen: number[] = [];
      for await (const n of q) {
        seen.push(n);
        if (n === 2) break;
      }
      expect([seen, q.qsize()]).toEqual([[1, 2], 1]);
    });
  });

  test('the three queues share BaseQueue', () => {
    for (const q of [new Queue(), new PriorityQueue(), new LifoQueue()])
      expect(q).toBeInstanceOf(BaseQueue);
    expect(String(new PriorityQueue(3))).toBe(
      'PriorityQueue(qsize=0, maxsize=3, getters=0, putters=0)',
    );
  });
});

describe('PriorityQueue ordering', () => {
  test('numbers, strings and arrays compare like Python; ties keep FIFO order', () => {
    const q = new PriorityQueue<unknown>();
    const items: unknown[] = [
      [2, 'b'],
      [1, { id: 'first 1' }],
      [2, 'a'],
      [1, { id: 'second 1' }],
      [1],
      [0, 'z', 9],
      [0, 'z'],
      [1, { id: 'third 1' }],
    ];
    for (const item of items) q.putNowait(item);
    const out: unknown[] = [];
    while (!q.empty()) out.push(q.getNowait());
    expect(out).toEqual([
      [0, 'z'],
      [0, 'z', 9],
      [1],
      [1, { id: 'first 1' }],
      [1, { id: 'second 1' }],
      [1, { id: 'third 1' }],
      [2, 'a'],
      [2, 'b'],
    ]);
  });

  test('compareItems', () => {
    expect(compareItems(1, 2)).toBeLessThan(0);
    expect(compareItems(2n, 1)).toBeGreaterThan(0);
    expect(compareItems('b', 'a')).toBeGreaterThan(0);
    expect(compareItems([1, 'a'], [1, 'b'])).toBeLessThan(0);
    expect(compareItems([1], [1, 0])).toBeLessThan(0);
    expect(compareItems({}, {})).toBe(0);
    expect(compareItems(1, 'a')).toBe(0);
  });

  test('a custom comparator; equal items keep FIFO order over many puts', () => {
    const q = new PriorityQueue<{ pri: number; seq: number }>(0, (a, b) => a.pri - b.pri);
    const items = Array.from({ length: 200 }, (_, seq) => ({ pri: (seq * 7) % 5, seq }));
    for (const item of items) q.putNowait(item);
    const out: { pri: number; seq: number }[] = [];
    while (!q.empty()) out.push(q.getNowait());
    const expected = [...items].sort((a, b) => a.pri - b.pri || a.seq - b.seq);
    expect(out).toEqual(expected);
  });

  test('a getter waiting on an empty PriorityQueue gets the next item put', async () => {
    await runVirtual(async () => {
      const q = new PriorityQueue<number>();
      const getter = await spawn(() => q.get());
      await sleep(0.1);
      q.putNowait(5);
      q.putNowait(1);
      expect(await getter.join()).toBe(5);
      expect(q.getNowait()).toBe(1);
    });
  });
});

describe('Queue misuse', () => {
  test('a PriorityQueue comparator that throws rejects put()/get() instead of throwing', async () => {
    const q = new PriorityQueue<number>(0, () => {
      throw new Error('cannot compare');
    });
    await q.put(1); // nothing to compare with yet
    await expect(q.put(2)).rejects.toThrow('cannot compare');
  });

  test('a blocking get outside a task is a CurioError', async () => {
    const err = await caught(() => new Queue().get());
    expect((err as Error).message).toMatch(/not inside a curio task/);
  });
});
