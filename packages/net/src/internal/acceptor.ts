// The listening side of a stream socket: a net.Server whose connections queue up until a
// task accepts them. A task that finds the queue empty blocks in READ_WAIT; a connection
// wakes it with the connection itself, so a woken accept always gets one. A cancelled
// accept is forgotten (unblock) and the next connection stays queued for the next accept.
// Errors of listen() (EADDRINUSE, EACCES, ...) arrive as 'error' events and are thrown by
// the next accept.
import type { Socket as NodeSocket, Server } from 'node:net';
import {
  type Blocker,
  ReadResourceBusy,
  suspend,
  type Task,
  wake,
  wakeWithError,
} from '@curio/kernel';

/** An accepted connection, wrapped by the owner. */
export type Accepted<S, A> = [S, A];

export class Acceptor<S, A> implements Blocker {
  readonly external = true;
  readonly server: Server;
  readonly #wrap: (conn: NodeSocket) => Accepted<S, A>;
  readonly #discard: (entry: Accepted<S, A>) => void;
  #queue: Accepted<S, A>[] = [];
  #head = 0;
  #waiter: Task | null = null;
  #error: unknown = undefined;
  #hasError = false;
  #closed: Error | undefined = undefined;

  constructor(
    server: Server,
    wrap: (conn: NodeSocket) => Accepted<S, A>,
    discard: (entry: Accepted<S, A>) => void,
  ) {
    this.server = server;
    this.#wrap = wrap;
    this.#discard = discard;
    server.on('connection', this.#onConnection);
    server.on('error', this.#onError);
  }

  /** Connections waiting to be accepted. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** The task blocked in accept, if any. */
  get waiter(): Task | null {
    return this.#waiter;
  }

  #onConnection = (conn: NodeSocket): void => {
    if (this.#closed !== undefined) {
      conn.destroy();
      return;
    }
    const entry = this.#wrap(conn);
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      wake(waiter, entry);
    } else {
      this.#queue.push(entry);
    }
  };

  #onError = (err: unknown): void => {
    if (!this.#hasError) {
      this.#hasError = true;
      this.#error = err;
    }
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      wakeWithError(waiter, err);
    }
  };

  /** The next connection: a queued one at once (no task switch), else wait for one. */
  accept(): Promise<Accepted<S, A>> {
    if (this.#head < this.#queue.length) {
      const entry = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as Accepted<S, A>;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
        // A queue that never quite empties (steady load) must not grow without bound.
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve(entry);
    }
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (this.#hasError) return Promise.reject(this.#error);
    if (this.#waiter !== null) {
      return Promise.reject(
        new ReadResourceBusy(
          `${this.#waiter} is already accepting on this socket: only one task may wait at a time`,
        ),
      );
    }
    return suspend<Accepted<S, A>>('READ_WAIT', this);
  }

  /** @internal Blocker hook. */
  block(task: Task): void {
    this.#waiter = task;
  }

  /** @internal Blocker hook: the accept was cancelled; nothing was taken. */
  unblock(task: Task): void {
    if (this.#waiter === task) this.#waiter = null;
  }

  /** Stop listening; queued connections are closed and a waiting accept gets `err`. */
  close(err: Error): void {
    if (this.#closed !== undefined) return;
    this.#closed = err;
    this.server.off('connection', this.#onConnection);
    // Keep swallowing a late listen error: the socket is closed anyway.
    this.server.close();
    for (let i = this.#head; i < this.#queue.length; i++) this.#discard(this.#queue[i]!);
    this.#queue = [];
    this.#head = 0;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      wakeWithError(waiter, err);
    }
  }
}
