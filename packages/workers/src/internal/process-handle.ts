// A pooled child process running internal/process-main.js, talking over IPC with V8's
// serialization (structured-clone-like, so Maps, Sets, Buffers, Dates and errors survive).
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { workerExecArgv } from './exec-argv.js';
import type { Reply } from './protocol.js';
import { WorkerHandle } from './worker-handle.js';

// Next to this file in src/ (tests run the sources) and in dist/ (tsc copies it: allowJs).
const BOOTSTRAP = fileURLToPath(new URL('./process-main.js', import.meta.url));

export class ProcessHandle extends WorkerHandle {
  readonly kind = 'process';
  readonly #child: ChildProcess;

  constructor() {
    super();
    this.#child = fork(BOOTSTRAP, [], {
      execArgv: workerExecArgv(),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (reply: Reply) => this.received(reply));
    this.#child.on('error', (error) => {
      this.errored(error);
      // Never started: no 'exit' will come.
      if (this.#child.pid === undefined) {
        this.ended('could not start');
        this.closed();
      }
    });
    this.#child.on('exit', (code, signal) => {
      this.ended(signal === null ? `exit code ${code}` : `killed by ${signal}`);
    });
    this.#child.on('close', () => this.closed());
    // An idle worker must not keep the program alive; while a task waits on a call, the
    // kernel keeps it alive. After the listeners, which could ref the channel again.
    this.#child.unref();
    this.#child.channel?.unref();
  }

  protected post(message: unknown): void {
    // Serializes synchronously (throws when it cannot); a failed write is reported to the
    // callback, and means the process is ending: its 'exit' fails the call.
    this.#child.send(message as object, undefined, undefined, (error) => {
      if (error) this.errored(error);
    });
  }

  protected stop(): void {
    // Referenced again until it is gone: a kernel that closes waits for its end, and with
    // nothing else pending Node would otherwise leave that wait unfinished and exit early.
    this.#child.ref();
    // SIGKILL: a cancelled call stops now, whatever handlers the function installed.
    this.#child.kill('SIGKILL');
  }
}
