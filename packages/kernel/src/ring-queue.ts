/**
 * @internal A FIFO on a growable ring buffer: O(1) push/shift without the re-allocation
 * churn of `Array.prototype.shift` or of truncating arrays, and O(n) removal by identity
 * (a hole that `shift` skips) for cancelled waiters. The ready queue and every WaitQueue use it.
 * @module
 */
export class RingQueue<T> {
  // Starts empty: most queues (a task's joiners, an idle lock) never hold anything.
  #buf: (T | undefined)[] = [];
  #mask = -1;
  #head = 0;
  #tail = 0;
  #holes = 0;

  /** Number of items (holes excluded). */
  get length(): number {
    return this.#tail - this.#head - this.#holes;
  }

  /** Slots from the oldest item to the newest, holes included (equals `length` without holes). */
  get span(): number {
    return this.#tail - this.#head;
  }

  push(item: T): void {
    if (this.#tail - this.#head === this.#buf.length) this.#grow();
    this.#buf[this.#tail++ & this.#mask] = item;
  }

  /** Remove and return the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    // Every task switch shifts twice (a wait queue, the ready queue): keep this path short
    // enough for V8 to inline, and skip holes elsewhere.
    const head = this.#head;
    if (head === this.#tail) return undefined;
    if (this.#holes !== 0) return this.#shiftPastHoles();
    const buf = this.#buf;
    const i = head & this.#mask;
    const item = buf[i];
    buf[i] = undefined;
    if (head + 1 === this.#tail) this.#head = this.#tail = 0;
    else this.#head = head + 1;
    return item;
  }

  #shiftPastHoles(): T | undefined {
    const buf = this.#buf;
    while (this.#head < this.#tail) {
      const i = this.#head++ & this.#mask;
      const item = buf[i];
      buf[i] = undefined;
      if (item !== undefined) {
        if (this.#head === this.#tail) this.#head = this.#tail = 0;
        return item;
      }
      this.#holes--;
    }
    this.#head = this.#tail = 0;
    return undefined;
  }

  /**
   * Remove `item` wherever it is; returns whether it was there. Searches from both ends at
   * once, so removing the oldest or the newest item is O(1): cancelling waiters oldest
   * first (timeouts) or newest first (the kernel's shutdown), and joining group members in
   * the order they finished. A removal at either end moves that end past the holes instead
   * of leaving one.
   */
  remove(item: T): boolean {
    const buf = this.#buf;
    const mask = this.#mask;
    for (let lo = this.#head, hi = this.#tail - 1; lo <= hi; lo++, hi--) {
      if (buf[lo & mask] === item) {
        this.#removeAt(lo);
        return true;
      }
      if (buf[hi & mask] === item) {
        this.#removeAt(hi);
        return true;
      }
    }
    return false;
  }

  #removeAt(n: number): void {
    const buf = this.#buf;
    const mask = this.#mask;
    buf[n & mask] = undefined;
    if (n === this.#head) {
      let head = n + 1;
      while (head < this.#tail && buf[head & mask] === undefined) {
        head++;
        this.#holes--;
      }
      if (head === this.#tail) this.#head = this.#tail = 0;
      else this.#head = head;
    } else if (n === this.#tail - 1) {
      let tail = n;
      while (tail > this.#head && buf[(tail - 1) & mask] === undefined) {
        tail--;
        this.#holes--;
      }
      if (tail === this.#head) this.#head = this.#tail = 0;
      else this.#tail = tail;
    } else {
      this.#holes++;
    }
  }

  /** Items oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let n = this.#head; n < this.#tail; n++) {
      const item = this.#buf[n & this.#mask];
      if (item !== undefined) yield item;
    }
  }

  #grow(): void {
    const old = this.#buf;
    const next: (T | undefined)[] = new Array(Math.max(4, old.length * 2));
    let j = 0;
    for (let n = this.#head; n < this.#tail; n++) next[j++] = old[n & this.#mask];
    this.#buf = next;
    this.#mask = next.length - 1;
    this.#head = 0;
    this.#tail = j;
  }
}
