/**
 * `@curio/subprocess`: child processes for curio tasks, as Python's `subprocess` module.
 * `Popen` starts a process with `FileStream`s for its piped standard streams; `run` and
 * `checkOutput` run a command to its end, and stop its whole process group when cancelled.
 * @packageDocumentation
 */
export { CompletedProcess } from './completed-process.js';
export { DEVNULL, PIPE, STDOUT } from './constants.js';
export { CalledProcessError } from './errors.js';
export type { StdioSpec } from './internal/stdio.js';
export { Popen, type PopenOptions } from './popen.js';
export { checkOutput, type RunOptions, run } from './run.js';
