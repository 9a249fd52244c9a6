// What the pool and a call see of one worker, thread or process: send a request, kill, and
// know when it is gone. Subclasses wire these to a Worker or a ChildProcess.
import { WorkerCloneError } from '../errors.js';
import { Call, type CallHost } from './call.js';
import { describeJob, type Job, type Reply, type WorkerKind } from './protocol.js';

let nextCallId = 1;
// Workers not yet gone. Idle workers are unref'd, so process.getActiveResourcesInfo() (and
// the workspace's leak check) does not list them: the tests count them here instead.
const live = new Set<WorkerHandle>();

/** @internal How many workers (threads and processes) have not fully ended. */
export function liveWorkerCount(): number {
  return live.size;
}

export abstract class WorkerHandle implements CallHost {
  abstract readonly kind: WorkerKind;
  /** False once the worker has ended or is being killed: it takes no more calls. */
  alive = true;
  /** Resolves when the worker and its handles are gone. */
  readonly gone: Promise<void>;
  /** Called once when the worker ends (the pool forgets it). */
  onEnd: (() => void) | undefined;
  #markGone!: () => void;
  #call: Call | undefined;
  #error: unknown;

  constructor() {
    this.gone = new Promise((resolve) => {
      this.#markGone = resolve;
    });
    live.add(this);
  }

  /**
   * Send `job(...args)` to the worker and return the call to wait on.
   * @throws WorkerCloneError when the arguments cannot be sent (nothing was sent).
   */
  start(job: Job, args: unknown[]): Call {
    const call = new Call(nextCallId++, job, this);
    try {
      this.post({ id: call.id, job, args });
    } catch (err) {
      throw new WorkerCloneError(
        `cannot send the arguments of ${describeJob(job)} to a worker ${this.kind}: ${(err as Error).message} Pass plain data (numbers, strings, arrays, plain objects, Buffers, Maps...): functions, class instances' methods, sockets and handles cannot be sent${this.kind === 'process' ? ', nor SharedArrayBuffers between processes' : ''}; create such values inside the worker function instead`,
        { cause: err },
      );
    }
    this.#call = call;
    return call;
  }

  /** The call has ended, one way or another. */
  finish(call: Call): void {
    if (this.#call === call) this.#call = undefined;
  }

  /** Stop the worker now. Idempotent. */
  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    this.stop();
  }

  protected abstract post(message: { id: number; job: Job; args: unknown[] }): void;
  protected abstract stop(): void;

  protected received(reply: Reply): void {
    this.#call?.reply(reply);
  }

  /** A reply could not be read on this side. */
  protected unreadable(error: unknown): void {
    this.#call?.fail(
      new WorkerCloneError(
        `the result of ${this.#call ? describeJob(this.#call.job) : 'a call'} could not be received from the worker ${this.kind}`,
        { cause: error },
      ),
    );
  }

  /** The worker reported an error of its own (before ending). */
  protected errored(error: unknown): void {
    this.#error ??= error;
  }

  /** The worker has ended (`how`: its exit code or signal). */
  protected ended(how: string): void {
    this.alive = false;
    this.#call?.died(how, this.#error);
    this.#call = undefined;
    this.onEnd?.();
  }

  /** Its handles are closed too. */
  protected closed(): void {
    live.delete(this);
    this.#markGone();
  }
}
