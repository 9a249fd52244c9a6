// The tasks waiting for a child process to end (Popen.wait): all are woken by its 'exit'.
import { type Blocker, type Task, wake, wakeWithError } from '@curio/kernel';

export class ExitWait implements Blocker {
  readonly external = true;
  readonly #tasks = new Set<Task>();

  block(task: Task): void {
    this.#tasks.add(task);
  }

  unblock(task: Task): void {
    this.#tasks.delete(task);
  }

  /** The process ended with `returncode`. */
  exited(returncode: number): void {
    for (const task of this.#tasks) wake(task, returncode);
    this.#tasks.clear();
  }

  /** The process could not be started. */
  failed(error: unknown): void {
    for (const task of this.#tasks) wakeWithError(task, error);
    this.#tasks.clear();
  }
}
