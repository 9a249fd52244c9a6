// What Popen's stdin/stdout/stderr options become in node:child_process's `stdio`, and how
// `stderr: STDOUT` shares the output pipe.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import process from 'node:process';
import type { Stream } from 'node:stream';
import { FileStream } from '@curio/net';
import { DEVNULL, PIPE, STDOUT } from '../constants.js';

/**
 * One standard stream of a child: `PIPE`, `DEVNULL`, `undefined`/`null` (inherit this
 * process's), a file descriptor, a `FileStream` over a pipe or file (such as another
 * `Popen`'s `stdout`), or a Node stream with a file descriptor.
 */
export type StdioSpec =
  | typeof PIPE
  | typeof DEVNULL
  | FileStream
  | Stream
  | number
  | null
  | undefined;

type NodeStdio = 'pipe' | 'ignore' | 'inherit' | Stream | number;

/** What spawning needs. */
export interface ResolvedStdio {
  stdio: [NodeStdio, NodeStdio, NodeStdio];
  /** stderr must join a piped stdout: only a shell redirection (`2>&1`) can do it exactly. */
  mergeIntoPipe: boolean;
  /** Node streams taken from FileStreams: the parent's copies, to close once spawned. */
  handedOver: Stream[];
}

/** Whether Node can give `stream` to a child (it must sit on a file descriptor). */
function hasDescriptor(stream: Stream): boolean {
  const s = stream as unknown as { _handle?: unknown; fd?: unknown };
  return (s._handle !== undefined && s._handle !== null) || typeof s.fd === 'number';
}

function resolveOne(spec: unknown, name: string, handedOver: Stream[]): NodeStdio {
  if (spec === undefined || spec === null) return 'inherit';
  if (spec === PIPE) return 'pipe';
  if (spec === DEVNULL) return 'ignore';
  if (typeof spec === 'number') {
    if (Number.isInteger(spec) && spec >= 0) return spec;
    throw new RangeError(
      `${name} must be PIPE, DEVNULL, STDOUT (stderr only), a file descriptor or a stream, got ${spec}`,
    );
  }
  if (spec instanceof FileStream) {
    if (!hasDescriptor(spec.stream)) {
      throw new TypeError(
        `${name}: this FileStream is not over a file descriptor, so a child process cannot use it`,
      );
    }
    // The child reads (or writes) it from now on: the parent lets go of it.
    const stream = spec.detach() as Stream;
    handedOver.push(stream);
    return stream;
  }
  if (typeof spec === 'object' && typeof (spec as Stream).pipe === 'function') {
    if (!hasDescriptor(spec as Stream)) {
      throw new TypeError(`${name}: a Node stream given to a child needs a file descriptor`);
    }
    return spec as Stream;
  }
  throw new TypeError(
    `${name} must be PIPE, DEVNULL, STDOUT (stderr only), a file descriptor or a stream, got ${String(spec)}`,
  );
}

/** Resolve the three options; FileStreams among them are detached. */
export function resolveStdio(stdin: unknown, stdout: unknown, stderr: unknown): ResolvedStdio {
  const handedOver: Stream[] = [];
  const input = resolveOne(stdin, 'stdin', handedOver);
  const output = resolveOne(stdout, 'stdout', handedOver);
  if (stderr !== STDOUT) {
    return {
      stdio: [input, output, resolveOne(stderr, 'stderr', handedOver)],
      mergeIntoPipe: false,
      handedOver,
    };
  }
  // stderr goes where stdout goes: the same descriptor, stream or null device, fd 1 when
  // inherited; a pipe made by spawn cannot be named here, so that takes a redirection.
  if (output === 'pipe')
    return { stdio: [input, 'pipe', 'ignore'], mergeIntoPipe: true, handedOver };
  return {
    stdio: [input, output, output === 'inherit' ? 1 : output],
    mergeIntoPipe: false,
    handedOver,
  };
}

/**
 * The executable `file` would run as (searched in `PATH` when it has no slash), or
 * `undefined` when there is none: then spawning it plainly gives Node's own ENOENT/EACCES.
 */
export function findExecutable(
  file: string,
  cwd: string | undefined,
  path: string | undefined,
): string | undefined {
  const candidates = file.includes('/')
    ? [isAbsolute(file) ? file : resolve(cwd ?? process.cwd(), file)]
    : (path ?? '').split(delimiter).map((dir) => join(dir === '' ? '.' : dir, file));
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}
