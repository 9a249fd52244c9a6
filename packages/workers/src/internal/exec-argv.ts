// The Node options a worker thread or process starts with: this process's (so loaders such
// as `--import tsx`, `--conditions` or memory limits apply to workers too), minus those
// that concern only how this process was started. Inherited as they are, `-e`/`-p` would run
// the parent's script again, `--input-type` makes a worker fail at once, and `--inspect`
// would fight for the debugger's port.
import process from 'node:process';

// Options followed by a value in the next argument when not written `--opt=value`.
const WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--input-type', '--inspect-port']);
const DROPPED =
  /^(?:-e|--eval|-p|--print|--input-type|--inspect(?:-brk|-port|-wait)?|--debug-port|--test|--watch(?:-path|-preserve-output)?)(?:=|$)/;

/** `process.execArgv` without the options that must not reach a worker. */
export function workerExecArgv(): string[] {
  const argv = process.execArgv;
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!DROPPED.test(arg)) {
      kept.push(arg);
      continue;
    }
    // `--opt value`: skip the value too.
    if (WITH_VALUE.has(arg) && i + 1 < argv.length) i++;
  }
  return kept;
}
