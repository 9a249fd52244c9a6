// Block the calling task until a TLS handshake ends: the socket's success event ('secure' on
// the server side, 'secureConnect' on the client side), its 'error', or the peer hanging up.
// The listeners stay until release(): an error that comes after the wake-up, before the
// SSLSocket around the connection listens for errors itself, is kept instead of escaping as
// an unhandled 'error' event.
import type tls from 'node:tls';
import { type Blocker, suspend, type Task, wake, wakeWithError } from '@curio/kernel';
import { SSLError } from '../errors.js';

export class Handshake implements Blocker {
  readonly external = true;
  #task: Task | null = null;
  // undefined while the handshake runs; null once it succeeded; { error } once it failed.
  #outcome: { error: unknown } | null | undefined = undefined;
  /** An error or close that came after the handshake succeeded, before release(). */
  late: unknown;
  readonly #socket: tls.TLSSocket;
  readonly #event: 'secure' | 'secureConnect';

  constructor(socket: tls.TLSSocket, event: 'secure' | 'secureConnect') {
    this.#socket = socket;
    this.#event = event;
    socket.once(event, this.#onSecure);
    socket.on('error', this.#onError);
    socket.on('end', this.#onClose);
    socket.on('close', this.#onClose);
  }

  /** Wait (a cancellation point) for the handshake; rejects with its error. */
  wait(): Promise<void> {
    const outcome = this.#outcome;
    if (outcome === null) return Promise.resolve();
    if (outcome !== undefined) return Promise.reject(outcome.error);
    return suspend<void>('READ_WAIT', this);
  }

  /** Stop listening: the socket's new owner handles its errors from now on. */
  release(): void {
    this.#socket.off(this.#event, this.#onSecure);
    this.#socket.off('error', this.#onError);
    this.#socket.off('end', this.#onClose);
    this.#socket.off('close', this.#onClose);
  }

  block(task: Task): void {
    this.#task = task;
  }

  unblock(): void {
    this.#task = null;
  }

  #onSecure = (): void => {
    this.#end(undefined, false);
  };

  #onError = (err: unknown): void => {
    this.#end(err, true);
  };

  // The peer hung up: 'end' (a half-open socket does not close by itself) or 'close'. Once
  // the handshake is done, either is the connection's business, not an error.
  #onClose = (): void => {
    if (this.#outcome !== undefined) return;
    this.#end(
      new SSLError(
        'the peer closed the connection during the TLS handshake (EOF in violation of the protocol): is it speaking TLS?',
        { reason: 'UNEXPECTED_EOF_WHILE_READING' },
      ),
      true,
    );
  };

  #end(err: unknown, failed: boolean): void {
    if (this.#outcome !== undefined) {
      if (failed && this.late === undefined) this.late = err;
      return;
    }
    this.#outcome = failed ? { error: err } : null;
    const task = this.#task;
    this.#task = null;
    if (task === null) return;
    if (failed) wakeWithError(task, err);
    else wake(task);
  }
}
