// One call in a worker, as the calling task blocks on it: the Blocker the task waits on, fed
// by the worker's reply or its death, and killing the worker if the task stops waiting.
import { type Blocker, type Task, wake, wakeWithError } from '@curio/kernel';
import { WorkerError } from '../errors.js';
import { describeJob, type Job, type Reply, type WorkerKind } from './protocol.js';

/** What a call needs of the worker running it. */
export interface CallHost {
  readonly kind: WorkerKind;
  /** Stop the worker at once (terminate the thread, kill the process). Idempotent. */
  kill(): void;
}

export class Call implements Blocker {
  readonly external = true;
  /** The reply arrived, or the worker died: the outcome is known. */
  done = false;
  #task: Task | undefined;

  constructor(
    readonly id: number,
    readonly job: Job,
    readonly host: CallHost,
  ) {}

  block(task: Task): void {
    this.#task = task;
  }

  /** Cancelled or timed out while waiting: the work must stop now, so the worker goes. */
  unblock(): void {
    this.#task = undefined;
    if (!this.done) this.host.kill();
  }

  /** The worker replied. */
  reply(reply: Reply): void {
    if (this.done || reply.id !== this.id) return;
    this.done = true;
    const task = this.#task;
    this.#task = undefined;
    if (task !== undefined) wake(task, reply);
  }

  /** The call failed without a reply (the worker died, a result could not be received). */
  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    const task = this.#task;
    this.#task = undefined;
    if (task !== undefined) wakeWithError(task, error);
  }

  /** The worker ended while running this call. */
  died(how: string, cause: unknown): void {
    const message = `the worker ${this.host.kind} running ${describeJob(this.job)} ended unexpectedly (${how})`;
    this.fail(new WorkerError(message, cause === undefined ? undefined : { cause }));
  }
}
