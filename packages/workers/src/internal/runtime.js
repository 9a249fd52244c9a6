// The worker side of runInThread and runInProcess, shared by both bootstraps: find the
// function a request names, run it, and encode its outcome as a reply the host can rebuild.
// Plain JavaScript on purpose: it is loaded by a fresh worker thread or child process, under
// no compiler or test runner, from src/ (tests) and from dist/ (installs) alike.

/**
 * @typedef {{ kind: 'source', source: string, name: string }
 *   | { kind: 'module', url: string, exportName: string }} Job
 * @typedef {{ id: number, job: Job, args: unknown[] }} Request
 * @typedef {{ thrown: unknown }
 *   | { type: string, name: string, message: string, stack: string,
 *       props: Record<string, unknown>, errors?: WireError[] }} WireError
 * @typedef {{ id: number, ok: true, value: unknown }
 *   | { id: number, ok: false, error: WireError }
 *   | { id: number, ok: false, unsendable: string }} Reply
 */

// Compiled sources, so a function called again in the same worker is evaluated once. Bounded:
// sources are normally static text, but a program could generate them.
const MAX_COMPILED = 256;
/** @type {Map<string, Function>} */
const compiled = new Map();

/**
 * The function a source text denotes. Strict mode, as the module it came from; evaluated
 * indirectly, so it sees only the worker's globals.
 * @param {string} source
 * @param {string} name
 * @returns {Function}
 */
function compile(source, name) {
  const cached = compiled.get(source);
  if (cached !== undefined) return cached;
  // biome-ignore lint/security/noGlobalEval: evaluating the caller's own function source is what runInThread is for
  const evaluate = eval;
  let fn;
  try {
    fn = evaluate(`'use strict';(${source}\n)`);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    // A method (`name(a) { ... }`) is not an expression on its own, but is inside an object.
    try {
      fn = evaluate(`'use strict';({${source}\n})`)[name];
    } catch {
      throw err;
    }
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`the source sent to the worker is not a function: ${source.slice(0, 80)}`);
  }
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(source, fn);
  return fn;
}

/**
 * The export a workerFunction reference names.
 * @param {string} url
 * @param {string} exportName
 * @returns {Promise<Function>}
 */
async function load(url, exportName) {
  const mod = await import(url);
  if (!(exportName in mod)) {
    const names = Object.keys(mod).join(', ') || 'nothing';
    throw new TypeError(
      `workerFunction: ${url} has no export named '${exportName}' (it exports ${names})`,
    );
  }
  const fn = mod[exportName];
  if (typeof fn !== 'function') {
    throw new TypeError(
      `workerFunction: the export '${exportName}' of ${url} is a ${typeof fn}, not a function`,
    );
  }
  return fn;
}

/**
 * Run one request to its end (awaiting a promise result) and describe the outcome.
 * @param {Request} request
 * @returns {Promise<Reply>}
 */
export async function handle(request) {
  const { id, job, args } = request;
  try {
    const fn =
      job.kind === 'source' ? compile(job.source, job.name) : await load(job.url, job.exportName);
    const value = await fn(...args);
    return { id, ok: true, value };
  } catch (err) {
    return { id, ok: false, error: encodeError(err, job) };
  }
}

/**
 * The reply to send instead of `reply` when `reply` itself could not be sent.
 * @param {Reply} reply
 * @param {unknown} sendError
 * @returns {Reply}
 */
export function unsendableReply(reply, sendError) {
  const why = sendError instanceof Error ? sendError.message : String(sendError);
  if (reply.ok) return { id: reply.id, ok: false, unsendable: why };
  // A thrown non-Error value that cannot be cloned: send its text as an Error.
  const text = 'error' in reply && 'thrown' in reply.error ? String(reply.error.thrown) : why;
  return { id: reply.id, ok: false, error: encodeError(new Error(text), undefined) };
}

// Most specific first: the first class an error is an instance of is the one rebuilt.
/** @type {[string, Function][]} */
const BUILTIN_ERRORS = [
  ['AggregateError', AggregateError],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['ReferenceError', ReferenceError],
  ['SyntaxError', SyntaxError],
  ['EvalError', EvalError],
  ['URIError', URIError],
];

/**
 * @param {unknown} err
 * @param {Job | undefined} job
 * @returns {WireError}
 */
function encodeError(err, job) {
  if (!(err instanceof Error)) return { thrown: err };
  const type = BUILTIN_ERRORS.find(([, cls]) => err instanceof cls)?.[0] ?? 'Error';
  /** @type {Record<string, unknown>} */
  const props = {};
  for (const key of Object.keys(err)) {
    const value = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (err))[key];
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      props[key] = value;
    }
  }
  /** @type {WireError} */
  const wire = {
    type,
    name: err.name,
    message: job?.kind === 'source' ? explainOuterVariable(err, job) : err.message,
    stack: String(err.stack ?? `${err.name}: ${err.message}`),
    props,
  };
  if (err instanceof AggregateError && Array.isArray(err.errors)) {
    wire.errors = err.errors.map((e) => encodeError(e, undefined));
  }
  return wire;
}

/**
 * A source-sent function that uses a variable from outside its body fails in the worker with
 * `x is not defined`: say why, and what to do instead.
 * @param {Error} err
 * @param {{ name: string }} job
 */
function explainOuterVariable(err, job) {
  const match = err instanceof ReferenceError ? /^(\S+) is not defined$/.exec(err.message) : null;
  if (match === null) return err.message;
  const variable = match[1];
  const what = variable.startsWith('__vite_ssr_')
    ? `an import (${variable} is how the test runner renamed it)`
    : `'${variable}'`;
  const fn = job.name ? `${job.name}()` : 'the function';
  return (
    `${fn} uses ${what}, which is not defined in the worker: a function sent as source may ` +
    'use only its parameters and worker globals (process.getBuiltinModule, Atomics, ' +
    'SharedArrayBuffer, ...), not variables or imports from outside its own body. Pass the ' +
    "value as an argument, or export the function from a module and pass workerFunction(moduleUrl, 'name')"
  );
}
