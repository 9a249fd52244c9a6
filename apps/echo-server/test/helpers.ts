// Shared helpers: a log that tests can wait on, and a fresh kernel per test.
import { run } from '@curio/kernel';
import { Event } from '@curio/sync';

/** Run `fn` as the main task of a fresh kernel (SIGINT left to Node). */
export const runApp = <R>(fn: () => Promise<R>): Promise<R> => run({ signals: 'default' }, fn);

/** Collects a server's output lines; tasks can wait for a line. */
export class Lines {
  readonly lines: string[] = [];
  readonly #changed = new Event();

  /** The `log` option to pass to a server. */
  readonly log = (line: string): void => {
    this.lines.push(line);
    this.#changed.set();
  };

  /** Wait until `count` lines match `pattern`; resolves to the last match. */
  async waitFor(pattern: RegExp, count = 1): Promise<RegExpMatchArray> {
    for (;;) {
      const matches = this.lines.map((l) => l.match(pattern)).filter((m) => m !== null);
      if (matches.length >= count) return matches[count - 1]!;
      this.#changed.clear();
      await this.#changed.wait();
    }
  }

  /** Wait for the `count`-th "Server listening at host:port" line; resolves to the port. */
  async port(count = 1): Promise<number> {
    const m = await this.waitFor(/^Server listening at .*:(\d+)$/, count);
    return Number(m[1]);
  }
}
