/**
 * The umbrella's `run()`: the kernel's, plus Curio's `with_monitor`. With
 * `withMonitor: true` (or `{ host, port }`), or the `CURIOMONITOR` environment variable set,
 * the run gets a monitor (see `@curio/monitor`).
 * @module
 */
import process from 'node:process';
import { type Activation, type KernelOptions, run as runKernel } from '@curio/kernel';
import { type MonitorOptions, monitor } from '@curio/monitor';

/** Options of the umbrella's {@link run}: the kernel's, and the monitor. */
export interface RunOptions extends KernelOptions {
  /**
   * Serve the Curio monitor while the run lasts: `true` for 127.0.0.1:48802, or where.
   * The `CURIOMONITOR` environment variable does the same (`host:port`, `:port`, or any
   * other value for the default).
   */
  withMonitor?: boolean | MonitorOptions;
}

/** Where the monitor goes for `withMonitor` and `CURIOMONITOR`, or `undefined` for none. */
function monitorOptions(option: RunOptions['withMonitor']): MonitorOptions | undefined {
  if (option === false) return undefined;
  if (option === true) return {};
  if (typeof option === 'object' && option !== null) return option;
  const env = process.env.CURIOMONITOR;
  if (env === undefined || env === '') return undefined;
  const m = /^(.*):(\d+)$/.exec(env);
  if (m === null) return {};
  return { ...(m[1] ? { host: m[1] } : {}), port: Number(m[2]) };
}

/**
 * Run `fn(...args)` as the main task of a new kernel, as `@curio/kernel`'s `run`; options
 * may also ask for the monitor (`withMonitor`, or the `CURIOMONITOR` environment variable).
 * @example
 * await run({ withMonitor: true }, parent);
 */
export function run<A extends unknown[], R>(
  fn: (...args: A) => R | PromiseLike<R>,
  ...args: A
): Promise<R>;
export function run<A extends unknown[], R>(
  options: RunOptions,
  fn: (...args: A) => R | PromiseLike<R>,
  ...args: A
): Promise<R>;
export function run(first: unknown, ...rest: unknown[]): Promise<unknown> {
  const withOptions = typeof first === 'object' && first !== null && !(first instanceof Promise);
  const { withMonitor, ...options } = (withOptions ? first : {}) as RunOptions;
  const [fn, args] = withOptions ? [rest[0], rest.slice(1)] : [first, rest];
  const where = monitorOptions(withMonitor);
  const activations: Activation[] =
    where === undefined
      ? (options.activations ?? [])
      : [...(options.activations ?? []), monitor(where)];
  return runKernel({ ...options, activations }, fn as (...a: unknown[]) => unknown, ...args);
}
