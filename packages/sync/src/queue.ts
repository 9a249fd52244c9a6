/**
 * Queues between tasks: `Queue` (FIFO), `PriorityQueue` and `LifoQueue` (Curio's
 * `curio.queue`), with Python's `join()`/`taskDone()` accounting.
 *
 * Nothing is lost (DESIGN §1.4): a `put()` that finds a task waiting in `get()` hands the
 * item straight to it — the woken task cannot be cancelled before it runs, so it will
 * return the item. A `get()` or `put()` that is cancelled or times out while waiting has
 * taken or put nothing. Getters and putters are served FIFO (DESIGN §6 rule 6).
 *
 * Capacity: an item handed to a woken getter keeps its slot until that getter resumes, and
 * a slot freed for a waiting putter stays reserved for it until it resumes. So `full()` is
 * Curio's: a put arriving in between waits its turn, and the interleavings of Curio's tests
 * are reproduced exactly.
 * @module
 */
import { anchorShape, CurioError, WaitQueue } from '@curio/kernel';
import { QueueEmpty, QueueFull } from './errors.js';
import { resolvedVoid } from './resolved.js';

/** @internal How a queue stores the items nobody is waiting for yet. */
export interface QueueStore<T> {
  /** Number of items stored. */
  readonly size: number;
  /** Store an item. */
  push(item: T): void;
  /** Remove and return the next item (the store is not empty). */
  take(): T;
}

/** FIFO store: an array with a moving head (shift() is O(n)). */
class FifoStore<T> implements QueueStore<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  get size(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  take(): T {
    const items = this.#items;
    const item = items[this.#head] as T;
    items[this.#head++] = undefined;
    if (this.#head === items.length) {
      items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/** LIFO store: a stack. */
class LifoStore<T> implements QueueStore<T> {
  readonly #items: T[] = [];
  get size(): number {
    return this.#items.length;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  take(): T {
    return this.#items.pop() as T;
  }
}

/**
 * Compares two items the way {@link PriorityQueue} does by default: a negative number if
 * `a` comes first, positive if `b` does, 0 for a tie.
 *
 * - numbers and bigints compare numerically, strings by UTF-16 code units;
 * - arrays compare element by element like Python tuples (`[1, 'b'] < [2, 'a']`,
 *   `[1] < [1, 0]`), so `[priority, payload]` pairs work;
 * - anything else — objects, `null`, `undefined`, values of different kinds — ties.
 *
 * Ties keep FIFO order, so `[priority, payload]` items with equal priorities come out in
 * the order they were put, whatever the payload.
 */
export function compareItems(a: unknown, b: unknown): number {
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint')) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (ta === 'string' && tb === 'string')
    return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = compareItems(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return 0;
}

/** A binary min-heap that breaks ties by insertion order (stable). */
class HeapStore<T> implements QueueStore<T> {
  readonly #items: T[] = [];
  readonly #seqs: number[] = [];
  #next = 0;
  readonly #compare: (a: T, b: T) => number;
  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }
  get size(): number {
    return this.#items.length;
  }
  #less(i: number, j: number): boolean {
    const c = this.#compare(this.#items[i] as T, this.#items[j] as T);
    return c < 0 || (c === 0 && (this.#seqs[i] as number) < (this.#seqs[j] as number));
  }
  #swap(i: number, j: number): void {
    const items = this.#items;
    const seqs = this.#seqs;
    [items[i], items[j]] = [items[j] as T, items[i] as T];
    [seqs[i], seqs[j]] = [seqs[j] as number, seqs[i] as number];
  }
  push(item: T): void {
    this.#items.push(item);
    this.#seqs.push(this.#next++);
    let i = this.#items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }
  take(): T {
    const items = this.#items;
    const top = items[0] as T;
    const last = items.length - 1;
    this.#swap(0, last);
    items.pop();
    this.#seqs.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.#less(l, m)) m = l;
      if (r < last && this.#less(r, m)) m = r;
      if (m === i) break;
      this.#swap(i, m);
      i = m;
    }
    return top;
  }
}

function checkMaxsize(where: string, maxsize: number): number {
  if (typeof maxsize !== 'number' || Number.isNaN(maxsize)) {
    throw new CurioError(
      `${where}(maxsize) needs a number (0 for unbounded), got ${String(maxsize)}`,
    );
  }
  return maxsize > 0 && Number.isFinite(maxsize) ? Math.floor(maxsize) : 0;
}

/**
 * What {@link Queue}, {@link PriorityQueue} and {@link LifoQueue} share: blocking `get`/`put`
 * served FIFO, non-blocking `getNowait`/`putNowait`, Python's `join`/`taskDone`, and
 * `for await` iteration. Only the order in which stored items come out differs.
 */
export abstract class BaseQueue<T> implements AsyncIterable<T> {
  /** Capacity; 0 means unbounded. */
  readonly maxsize: number;
  readonly #store: QueueStore<T>;
  readonly #getters = new WaitQueue<T>();
  readonly #putters = new WaitQueue();
  readonly #joiners = new WaitQueue();
  #inTransit = 0; // items handed to woken getters that have not resumed yet
  #reserved = 0; // slots promised to woken putters that have not resumed yet
  #unfinished = 0; // items put and not yet marked done

  /** @internal Subclasses pick the store. */
  protected constructor(maxsize: number, store: QueueStore<T>) {
    this.maxsize = checkMaxsize(new.target.name, maxsize);
    this.#store = store;
  }

  /**
   * Take the next item, waiting (state `QUEUE_GET`, FIFO among getters) while the queue is
   * empty. A cancellation point when it has to wait; a get cancelled or timed out while
   * waiting takes nothing.
   */
  get(): Promise<T> {
    if (this.#store.size === 0) return this.#getSlow();
    // Getters only ever wait on an empty queue, so nobody is ahead of us. (Not an async
    // function: this fast path is the hot one. A comparator that throws still rejects.)
    try {
      return Promise.resolve(this.getNowait());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #getSlow(): Promise<T> {
    const item = await this.#getters.wait('QUEUE_GET');
    // The putter handed us `item` and kept its slot for us: free it now.
    this.#inTransit--;
    if (this.#putters.length > 0) this.#admitPutters();
    return item;
  }

  /**
   * Add an item, waiting (state `QUEUE_PUT`, FIFO among putters) while the queue is full.
   * A cancellation point when it has to wait; a put cancelled or timed out while waiting
   * puts nothing.
   */
  put(item: T): Promise<void> {
    if (this.full()) return this.#putSlow(item);
    try {
      this.#place(item);
    } catch (err) {
      return Promise.reject(err);
    }
    return resolvedVoid;
  }

  async #putSlow(item: T): Promise<void> {
    await this.#putters.wait('QUEUE_PUT');
    // A getter freed a slot and reserved it for us.
    this.#reserved--;
    this.#place(item);
  }

  /**
   * Add an item without waiting. Never switches tasks.
   * @throws QueueFull if the queue is full.
   */
  putNowait(item: T): void {
    if (this.full()) throw new QueueFull();
    this.#place(item);
  }

  /**
   * Take an item without waiting. Never switches tasks.
   * @throws QueueEmpty if no item is available.
   */
  getNowait(): T {
    if (this.#store.size === 0) throw new QueueEmpty();
    const item = this.#store.take();
    if (this.#putters.length > 0) this.#admitPutters();
    return item;
  }

  /** Number of items waiting to be taken. */
  qsize(): number {
    return this.#store.size;
  }

  /** True when no item is waiting to be taken. */
  empty(): boolean {
    return this.#store.size === 0;
  }

  /**
   * True when a `put()` would have to wait: `maxsize` slots are taken by stored items,
   * items on their way to woken getters, and slots reserved for woken putters.
   */
  full(): boolean {
    return this.maxsize > 0 && this.#store.size + this.#inTransit + this.#reserved >= this.maxsize;
  }

  /**
   * Wait (state `QUEUE_JOIN`) until every item put has been marked done with `taskDone()`.
   * Returns at once when none is outstanding.
   */
  join(): Promise<void> {
    return this.#unfinished > 0 ? this.#joiners.wait('QUEUE_JOIN') : resolvedVoid;
  }

  /**
   * Mark one item taken from the queue as processed; when every item put is done, the
   * tasks in `join()` wake up. Never switches tasks.
   * @throws CurioError if called more times than items were put.
   */
  taskDone(): void {
    if (this.#unfinished <= 0) {
      throw new CurioError('Queue.taskDone() called more times than items were put');
    }
    if (--this.#unfinished === 0) this.#joiners.wakeAll();
  }

  /**
   * Iterate over the items forever: `for await (const item of queue)` is `get()` in a loop.
   * It ends only by `break`, an error, or the task being cancelled.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => ({ value: await this.get(), done: false }),
    };
  }

  /** Curio's repr: `Queue(qsize=2, maxsize=0, getters=0, putters=0)`. */
  toString(): string {
    return `${this.constructor.name}(qsize=${this.#store.size}, maxsize=${this.maxsize}, getters=${this.#getters.length}, putters=${this.#putters.length})`;
  }

  #place(item: T): void {
    if (this.#getters.length > 0) {
      // Getters only wait on an empty queue: the item goes straight to the oldest one.
      this.#inTransit++;
      this.#getters.wakeOne(item);
    } else {
      this.#store.push(item);
    }
    this.#unfinished++;
  }

  #admitPutters(): void {
    while (this.#putters.length > 0 && !this.full()) {
      this.#reserved++;
      this.#putters.wakeOne();
    }
  }
}

/**
 * A first-in first-out queue between tasks. `maxsize` 0 (the default) is unbounded.
 * @example
 * const q = new Queue<string>();
 * await spawn(async () => { for await (const msg of q) console.log('got', msg); });
 * await q.put('hello');
 */
export class Queue<T = unknown> extends BaseQueue<T> {
  /** @param maxsize - capacity (default 0: unbounded). */
  constructor(maxsize = 0) {
    super(maxsize, new FifoStore<T>());
  }
}

/**
 * A queue that hands out the smallest item first, as compared by `compare` (default
 * {@link compareItems}: numbers, strings, and arrays element by element like Python tuples).
 * Equal items come out in the order they were put.
 * @example
 * const jobs = new PriorityQueue<[number, string]>();
 * await jobs.put([2, 'later']);
 * await jobs.put([1, 'first']);
 * (await jobs.get())[1]; // 'first'
 */
export class PriorityQueue<T = unknown> extends BaseQueue<T> {
  /**
   * @param maxsize - capacity (default 0: unbounded).
   * @param compare - negative if `a` comes out before `b` (default {@link compareItems}). It
   *   must be consistent and must not throw: an error rejects the `put`/`get` that called it,
   *   but leaves the order of the items already stored unspecified.
   */
  constructor(maxsize = 0, compare: (a: T, b: T) => number = compareItems) {
    super(maxsize, new HeapStore<T>(compare));
  }
}

/**
 * A last-in first-out queue (a stack) between tasks.
 * @example
 * const stack = new LifoQueue<number>();
 * await stack.put(1);
 * await stack.put(2);
 * await stack.get(); // 2
 */
export class LifoQueue<T = unknown> extends BaseQueue<T> {
  /** @param maxsize - capacity (default 0: unbounded). */
  constructor(maxsize = 0) {
    super(maxsize, new LifoStore<T>());
  }
}

// See anchorShape in @curio/kernel.
anchorShape(new Queue());
anchorShape(new PriorityQueue());
anchorShape(new LifoQueue());
