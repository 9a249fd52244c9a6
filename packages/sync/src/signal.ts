/**
 * Unix signals as synchronization objects: `SignalEvent` and `SignalQueue` (from Curio's
 * pre-1.0 `curio.signal`, used by the tutorials).
 *
 * While open, a watcher owns its signals: it keeps a `process.on(name)` listener installed,
 * which suspends Node's default action (for SIGINT: the kernel's Ctrl-C shutdown too, since
 * the kernel steps aside when it is not the only SIGINT listener). `close()` removes the
 * listener; when the last watcher of a signal closes, the default action returns. One
 * process listener per signal is shared by every watcher of that signal.
 * @module
 */
import { constants } from 'node:os';
import process from 'node:process';
import { CurioError, type TaskState, WaitQueue } from '@curio/kernel';
import { Event } from './event.js';

/** A signal name such as `'SIGINT'`, `'SIGTERM'`, `'SIGHUP'`, `'SIGUSR1'`. */
export type SignalName = NodeJS.Signals;

type Deliver = (name: SignalName) => void;

interface Watch {
  readonly listener: (name: SignalName) => void;
  readonly targets: Set<Deliver>;
}

const watching = new Map<SignalName, Watch>();

/** Signals a process cannot catch, or that Node reserves. */
const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP']);

function checkSignals(where: string, signals: readonly unknown[]): SignalName[] {
  if (signals.length === 0) {
    throw new CurioError(
      `${where} needs at least one signal name, e.g. new ${where}('SIGINT', 'SIGTERM')`,
    );
  }
  const names: SignalName[] = [];
  for (const name of signals) {
    if (typeof name !== 'string' || !Object.hasOwn(constants.signals, name)) {
      const shown = typeof name === 'string' ? `'${name}'` : String(name);
      throw new CurioError(
        `${where}: unknown signal ${shown}: use a signal name such as 'SIGINT', 'SIGTERM', 'SIGHUP' or 'SIGUSR1'`,
      );
    }
    if (UNCATCHABLE.has(name))
      throw new CurioError(`${where}: ${name} cannot be caught by any process`);
    if (!names.includes(name as SignalName)) names.push(name as SignalName);
  }
  return names;
}

function watch(names: readonly SignalName[], deliver: Deliver): void {
  const added: SignalName[] = [];
  try {
    for (const name of names) {
      let entry = watching.get(name);
      if (entry === undefined) {
        const targets = new Set<Deliver>();
        const listener = (signal: SignalName) => {
          for (const target of [...targets]) target(signal);
        };
        process.on(name, listener);
        entry = { listener, targets };
        watching.set(name, entry);
      }
      entry.targets.add(deliver);
      added.push(name);
    }
  } catch (err) {
    unwatch(added, deliver);
    throw new CurioError(
      `cannot watch ${names.join(', ')}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
}

function unwatch(names: readonly SignalName[], deliver: Deliver): void {
  for (const name of names) {
    const entry = watching.get(name);
    if (entry === undefined) continue;
    entry.targets.delete(deliver);
    if (entry.targets.size === 0) {
      process.off(name, entry.listener);
      watching.delete(name);
    }
  }
}

/**
 * An {@link Event} set when any of the given signals arrives. It is sticky: further
 * arrivals change nothing until `clear()`. Watches from construction until `close()` (or
 * disposal); construct it anywhere, even outside a kernel. Waiting shows as `SIGNAL_WAIT`.
 * @example
 * const goodbye = new SignalEvent('SIGINT', 'SIGTERM');
 * await goodbye.wait();
 * goodbye.close(); // a second Ctrl-C now interrupts the kernel again
 */
export class SignalEvent extends Event implements Disposable, AsyncDisposable {
  /** The signals watched. */
  readonly signals: readonly SignalName[];
  protected override readonly waitState: TaskState = 'SIGNAL_WAIT';
  #deliver: Deliver | undefined;

  /**
   * Start watching `signals`.
   * @throws CurioError for an unknown signal name or one that cannot be caught.
   */
  constructor(...signals: SignalName[]) {
    super();
    this.signals = checkSignals('SignalEvent', signals);
    this.#deliver = () => this.set();
    watch(this.signals, this.#deliver);
  }

  /** True until `close()`. */
  get watching(): boolean {
    return this.#deliver !== undefined;
  }

  /**
   * Stop watching: the signals get their previous behaviour back once no other watcher
   * holds them. The event keeps its state. Idempotent.
   */
  close(): void {
    const deliver = this.#deliver;
    if (deliver === undefined) return;
    this.#deliver = undefined;
    unwatch(this.signals, deliver);
  }

  /** `using evt = new SignalEvent(...)` closes it at block exit. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using evt = new SignalEvent(...)` closes it at block exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** `SignalEvent(SIGINT,SIGTERM, unset, waiters=1)`. */
  override toString(): string {
    return super.toString().replace('(', `(${this.signals.join(',')}, `);
  }
}

const CLOSED: unique symbol = Symbol('closed');

/**
 * A queue of signal arrivals: every arrival of a watched signal is queued, and `get()`
 * returns the next one's name (waiting, as `SIGNAL_WAIT`, if none arrived yet). Watches
 * from construction until `close()`; `await using` closes it at block exit.
 * @example
 * await using restart = new SignalQueue('SIGHUP');
 * for (;;) {
 *   const server = await spawn(tcpServer, '', 25000, echoClient);
 *   await restart.get();
 *   await server.cancel();
 * }
 */
export class SignalQueue implements AsyncIterable<SignalName>, Disposable, AsyncDisposable {
  /** The signals watched. */
  readonly signals: readonly SignalName[];
  readonly #arrived: SignalName[] = [];
  readonly #getters = new WaitQueue<SignalName | typeof CLOSED>();
  #deliver: Deliver | undefined;

  /**
   * Start watching `signals`.
   * @throws CurioError for an unknown signal name or one that cannot be caught.
   */
  constructor(...signals: SignalName[]) {
    this.signals = checkSignals('SignalQueue', signals);
    this.#deliver = (name) => {
      if (this.#getters.length > 0) this.#getters.wakeOne(name);
      else this.#arrived.push(name);
    };
    watch(this.signals, this.#deliver);
  }

  /** True until `close()`. */
  get watching(): boolean {
    return this.#deliver !== undefined;
  }

  /**
   * The name of the next signal that arrived, waiting for one if needed. A cancellation
   * point when it has to wait; a cancelled get takes nothing.
   * @throws CurioError once the queue is closed and every arrival has been taken (also
   * thrown into tasks waiting when it closes).
   */
  async get(): Promise<SignalName> {
    const name = this.#arrived.length > 0 ? this.#arrived.shift() : await this.#wait();
    if (name === undefined || name === CLOSED) {
      throw new CurioError(
        `SignalQueue(${this.signals.join(', ')}) is closed: it receives no more signals`,
      );
    }
    return name;
  }

  #wait(): Promise<SignalName | typeof CLOSED> {
    if (this.#deliver === undefined) return Promise.resolve(CLOSED);
    return this.#getters.wait('SIGNAL_WAIT');
  }

  /** Number of arrivals not taken yet. */
  qsize(): number {
    return this.#arrived.length;
  }

  /** True when no arrival is waiting to be taken. */
  empty(): boolean {
    return this.#arrived.length === 0;
  }

  /**
   * Stop watching: the signals get their previous behaviour back once no other watcher
   * holds them. Arrivals already queued can still be taken; tasks waiting in `get()` get a
   * `CurioError`, loops in `for await` end. Idempotent.
   */
  close(): void {
    const deliver = this.#deliver;
    if (deliver === undefined) return;
    this.#deliver = undefined;
    unwatch(this.signals, deliver);
    this.#getters.wakeAll(CLOSED);
  }

  /** `using q = new SignalQueue(...)` closes it at block exit. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using q = new SignalQueue(...)` closes it at block exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /**
   * `for await (const name of signals)`: every arrival, until the queue is closed.
   */
  [Symbol.asyncIterator](): AsyncIterator<SignalName> {
    return {
      next: async (): Promise<IteratorResult<SignalName>> => {
        const name = this.#arrived.length > 0 ? this.#arrived.shift() : await this.#wait();
        if (name === undefined || name === CLOSED) return { value: undefined, done: true };
        return { value: name, done: false };
      },
    };
  }

  /** `SignalQueue(SIGHUP, qsize=0, getters=1)`. */
  toString(): string {
    return `SignalQueue(${this.signals.join(',')}, qsize=${this.#arrived.length}, getters=${this.#getters.length})`;
  }
}
