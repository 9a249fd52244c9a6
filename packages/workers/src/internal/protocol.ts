// The messages between the host and a worker (thread or process). The worker side is
// internal/runtime.js, which documents the same shapes in JSDoc.

/** What to run: a function sent as source text, or an export of a module. */
export type Job =
  | { kind: 'source'; source: string; name: string }
  | { kind: 'module'; url: string; exportName: string };

/** One call. */
export interface Request {
  id: number;
  job: Job;
  args: unknown[];
}

/** An error as it crosses to the host: the parts needed to rebuild it there. */
export type WireError =
  | { thrown: unknown }
  | {
      type: string;
      name: string;
      message: string;
      stack: string;
      props: Record<string, unknown>;
      errors?: WireError[];
    };

/** The outcome of a call. `unsendable`: the result could not be sent back (why). */
export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WireError }
  | { id: number; ok: false; unsendable: string };

/** Where a job runs, for messages: `worker thread` or `worker process`. */
export type WorkerKind = 'thread' | 'process';

/** `fib()`, `fib() from file:///…/math.js`: the job as error messages name it. */
export function describeJob(job: Job): string {
  if (job.kind === 'module') return `${job.exportName}() from ${job.url}`;
  return job.name ? `${job.name}()` : 'an anonymous function';
}
