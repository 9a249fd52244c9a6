// The body of runInThread and runInProcess: reserve a worker, send the call, wait for the
// reply as a cancellation point, rebuild the outcome, give the worker back.
import { suspend } from '@curio/kernel';
import { WorkerCloneError } from '../errors.js';
import type { Call } from './call.js';
import { poolFor } from './pool.js';
import { describeJob, type Job, type Reply, type WorkerKind } from './protocol.js';
import { rebuildError } from './remote-error.js';

export async function runCall(kind: WorkerKind, job: Job, args: unknown[]): Promise<unknown> {
  const pool = poolFor(kind);
  const worker = await pool.reserve();
  let call: Call | undefined;
  try {
    call = worker.start(job, args);
    const reply = await suspend<Reply>('FUTURE_WAIT', call);
    if (reply.ok) return reply.value;
    if ('unsendable' in reply) {
      throw new WorkerCloneError(
        `the result of ${describeJob(job)} cannot be sent back from the worker ${kind}: ${reply.unsendable} Return plain data (numbers, strings, arrays, plain objects, Buffers, Maps...)`,
      );
    }
    throw rebuildError(reply.error);
  } finally {
    if (call !== undefined) {
      // Sent but not answered: cancelled (even before it could block) or failed. The worker
      // may still be running the function; it must not, so it goes.
      if (!call.done) worker.kill();
      worker.finish(call);
    }
    pool.release(worker);
  }
}
