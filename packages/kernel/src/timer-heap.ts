/**
 * The kernel's one heap of deadlines (sleeps and timeouts), ordered by deadline then by
 * insertion. Cancelled entries are only marked dead and skipped; the heap is compacted when
 * dead entries outnumber live ones, so a loop that sets and clears long timeouts stays small.
 * @module
 */

/** One deadline in the heap. `owner` is set to undefined when the entry is cancelled. */
export interface TimerEntry<T> {
  deadline: number;
  seq: number;
  owner: T | undefined;
}

/** A binary min-heap of {@link TimerEntry}. */
export class TimerHeap<T> {
  #items: TimerEntry<T>[] = [];
  #seq = 0;
  #dead = 0;

  /** Number of entries, dead ones included. */
  get size(): number {
    return this.#items.length;
  }

  /** Add a deadline for `owner`; returns the entry to cancel it with. */
  push(deadline: number, owner: T): TimerEntry<T> {
    const entry: TimerEntry<T> = { deadline, seq: this.#seq++, owner };
    const items = this.#items;
    items.push(entry);
    this.#up(items.length - 1);
    return entry;
  }

  /** Mark an entry dead; it is dropped when it reaches the top or at the next compaction. */
  cancel(entry: TimerEntry<T>): void {
    if (entry.owner === undefined) return;
    entry.owner = undefined;
    this.#dead++;
    if (this.#dead > 64 && this.#dead * 2 > this.#items.length) this.#compact();
  }

  /** The earliest live deadline, or `undefined` when there is none. */
  peekDeadline(): number | undefined {
    this.#dropDead();
    return this.#items[0]?.deadline;
  }

  /** Remove and return the earliest live entry if its deadline is <= `now`. */
  popExpired(now: number): TimerEntry<T> | undefined {
    this.#dropDead();
    const top = this.#items[0];
    if (top === undefined || top.deadline > now) return undefined;
    this.#pop();
    return top;
  }

  /** Drop everything. */
  clear(): void {
    for (const e of this.#items) e.owner = undefined;
    this.#items = [];
    this.#dead = 0;
  }

  #dropDead(): void {
    const items = this.#items;
    while (items.length > 0 && items[0]!.owner === undefined) {
      this.#pop();
      this.#dead--;
    }
  }

  #pop(): void {
    const items = this.#items;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      this.#down(0);
    }
  }

  #compact(): void {
    this.#items = this.#items.filter((e) => e.owner !== undefined);
    this.#dead = 0;
    for (let i = (this.#items.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #less(a: TimerEntry<T>, b: TimerEntry<T>): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  #up(i: number): void {
    const items = this.#items;
    const entry = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(entry, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = entry;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const entry = items[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.#less(items[child + 1]!, items[child]!)) child++;
      if (!this.#less(items[child]!, entry)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = entry;
  }
}
