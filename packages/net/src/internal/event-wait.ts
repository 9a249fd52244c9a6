// Block the calling task until an emitter emits one event (success) or 'error' (failure):
// connect, TLS handshakes and the like. On cancellation or failure `onAbort` runs, so the
// half-done operation is undone (the caller usually destroys the socket).
import type { EventEmitter } from 'node:events';
import {
  type Blocker,
  suspend,
  type Task,
  type TaskState,
  wake,
  wakeWithError,
} from '@curio/kernel';

class EventWait implements Blocker {
  readonly external = true;
  #task: Task | null = null;
  readonly #emitter: EventEmitter;
  readonly #event: string;

  constructor(emitter: EventEmitter, event: string) {
    this.#emitter = emitter;
    this.#event = event;
    emitter.on(event, this.#onEvent);
    emitter.on('error', this.#onError);
  }

  #onEvent = (value?: unknown): void => {
    const task = this.#task;
    this.detach();
    if (task !== null) wake(task, value);
  };

  #onError = (err: unknown): void => {
    const task = this.#task;
    this.detach();
    if (task !== null) wakeWithError(task, err);
  };

  block(task: Task): void {
    this.#task = task;
  }

  unblock(): void {
    this.detach();
  }

  detach(): void {
    this.#task = null;
    this.#emitter.off(this.#event, this.#onEvent);
    this.#emitter.off('error', this.#onError);
  }
}

/** Wait (a cancellation point) for `event` on `emitter`; `onAbort` undoes on failure. */
export async function waitEvent<T = void>(
  emitter: EventEmitter,
  event: string,
  state: TaskState,
  onAbort: () => void,
): Promise<T> {
  const wait = new EventWait(emitter, event);
  try {
    return await suspend<T>(state, wait);
  } catch (err) {
    onAbort();
    throw err;
  } finally {
    wait.detach();
  }
}
