// Rebuild an error that a worker threw: the same built-in class, name, message and simple
// properties (`code`, `errno`, ...), with the worker's stack as `cause`; the local stack shows
// where the task called the worker.
import { RemoteTraceback } from '../errors.js';
import type { WireError } from './protocol.js';

type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

const BUILTINS: Record<string, ErrorClass> = {
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
};

/** The error (or thrown value) a worker's failure stands for. */
export function rebuildError(wire: WireError): unknown {
  if ('thrown' in wire) return wire.thrown;
  const options = { cause: new RemoteTraceback(wire.stack) };
  const err =
    wire.type === 'AggregateError'
      ? new AggregateError((wire.errors ?? []).map(rebuildError), wire.message, options)
      : new (BUILTINS[wire.type] ?? Error)(wire.message, options);
  const defaultName = err.name;
  Object.assign(err, wire.props);
  if (wire.name !== defaultName) {
    // A subclass (`class ParseError extends TypeError`) keeps its name; the stack, captured
    // under the built-in name, is made to agree.
    Object.defineProperty(err, 'name', { value: wire.name, writable: true, configurable: true });
    if (err.stack?.startsWith(defaultName)) {
      err.stack = wire.name + err.stack.slice(defaultName.length);
    }
  }
  return err;
}
