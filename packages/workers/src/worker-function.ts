/**
 * What `runInThread`/`runInProcess` can run: a self-contained function, sent as its source
 * text, or a {@link workerFunction} reference to an export of a module.
 * @module
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Job } from './internal/protocol.js';

const WORKER_FUNCTION: unique symbol = Symbol.for('curio.workers.workerFunction') as never;

/**
 * A reference to a function exported by a module, run in a worker by importing the module
 * there. Made by {@link workerFunction}; `F` is the function's type, for typed calls.
 */
export interface WorkerFunction<
  F extends (...args: never[]) => unknown = (...args: unknown[]) => unknown,
> {
  /** The module, as the worker imports it (a `file:` URL for local files). */
  readonly moduleUrl: string;
  /** The name of the export. */
  readonly exportName: string;
  /** @internal Brand; also carries `F` for type inference. */
  readonly [WORKER_FUNCTION]: F | true;
}

/**
 * A reference to the export `exportName` of the module at `moduleUrl`, for functions that
 * need imports or outer variables and so cannot be sent as source. The worker imports the
 * module (once per worker) and calls the export. Pass a URL (`new URL('./fib.js',
 * import.meta.url)`), a `file:` URL string, an absolute path or a package specifier; the
 * module must be loadable by plain Node (JavaScript, or TypeScript where Node strips types).
 * @example
 * import type { fib } from './fib.js';
 * const fibRef = workerFunction<typeof fib>(new URL('./fib.js', import.meta.url), 'fib');
 * const n = await runInProcess(fibRef, 30);
 */
export function workerFunction<
  F extends (...args: never[]) => unknown = (...args: unknown[]) => unknown,
>(moduleUrl: string | URL, exportName: string): WorkerFunction<F> {
  if (typeof exportName !== 'string' || exportName === '') {
    throw new TypeError(`workerFunction() needs the name of an export, got ${String(exportName)}`);
  }
  return Object.freeze({
    moduleUrl: moduleSpecifier(moduleUrl),
    exportName,
    [WORKER_FUNCTION]: true as const,
  });
}

function moduleSpecifier(moduleUrl: string | URL): string {
  if (moduleUrl instanceof URL) return moduleUrl.href;
  if (typeof moduleUrl !== 'string' || moduleUrl === '') {
    throw new TypeError(`workerFunction() needs a module URL, got ${String(moduleUrl)}`);
  }
  if (isAbsolute(moduleUrl)) return pathToFileURL(moduleUrl).href;
  // The worker would resolve it against the bootstrap's folder, not the caller's.
  if (moduleUrl.startsWith('.')) {
    throw new TypeError(
      `workerFunction('${moduleUrl}') is relative: pass new URL('${moduleUrl}', import.meta.url)`,
    );
  }
  return moduleUrl;
}

/** Whether `value` was made by {@link workerFunction}. */
export function isWorkerFunction(value: unknown): value is WorkerFunction {
  return typeof value === 'object' && value !== null && WORKER_FUNCTION in value;
}

// Functions are stringified once: asyncThread and loops call the same function many times.
const sourceJobs = new WeakMap<Function, Job>();

/**
 * The job that runs `fn`, checked before anything is sent.
 * @internal
 */
export function jobOf(fn: unknown, caller: string): Job {
  if (isWorkerFunction(fn)) {
    return { kind: 'module', url: fn.moduleUrl, exportName: fn.exportName };
  }
  if (typeof fn !== 'function') {
    throw new TypeError(
      `${caller}() needs a function or a workerFunction(moduleUrl, exportName), got ${fn === null ? 'null' : typeof fn}`,
    );
  }
  let job = sourceJobs.get(fn);
  if (job === undefined) {
    job = { kind: 'source', source: sourceOf(fn, caller), name: fn.name };
    sourceJobs.set(fn, job);
  }
  return job;
}

function sourceOf(fn: Function, caller: string): string {
  const source = Function.prototype.toString.call(fn);
  const label = fn.name ? `${fn.name}()` : 'the function';
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new TypeError(
      `${caller}() cannot send ${label} to a worker: it is built in or bound, so it has no source. Wrap the call in a function of your own, or use workerFunction(moduleUrl, exportName)`,
    );
  }
  if (/^class\b/.test(source)) {
    throw new TypeError(`${caller}() needs a function, not the class ${fn.name}`);
  }
  return source;
}
