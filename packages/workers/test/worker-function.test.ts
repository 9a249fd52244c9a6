// workerFunction: functions exported by a module, imported by the worker (so they may use
// imports and module state), in threads and in processes.
import { fileURLToPath } from 'node:url';
import { Kernel } from '@curio/kernel';
import {
  isWorkerFunction,
  RemoteTraceback,
  runInProcess,
  runInThread,
  workerFunction,
} from '@curio/workers';
import { describe, expect, test } from 'vitest';
import { caught, runK } from './helpers.js';

const math = new URL('./fixtures/math.js', import.meta.url);

describe('workerFunction', () => {
  test('runs an export in a thread and in a process', async () => {
    const fib = workerFunction<(n: number) => number>(math, 'fib');
    const line = workerFunction<(text: string) => Promise<string>>(math.href, 'line');
    expect(isWorkerFunction(fib)).toBe(true);
    expect(fib).toMatchObject({ moduleUrl: math.href, exportName: 'fib' });
    const results = await runK(async () => [
      await runInThread(fib, 20),
      await runInProcess(fib, 21),
      await runInThread(line, 'with an import'),
    ]);
    expect(results).toEqual([6765, 10946, 'with an import\n']);
  });

  test('the module is imported once per worker, so its state persists between calls', async () => {
    const count = workerFunction<() => number>(fileURLToPath(math), 'count'); // an absolute path
    await using kernel = new Kernel({ signals: 'default' });
    const first = await kernel.run(async () => [
      await runInThread(count),
      await runInThread(count),
    ]);
    const later = await kernel.run(() => runInThread(count)); // the pool lives as long as the kernel
    expect([...first, later]).toEqual([1, 2, 3]);
  });

  test('errors keep their class, name and code', async () => {
    const parse = workerFunction<(text: string) => never>(math, 'parse');
    const err = await runK(() => caught(() => runInThread(parse, '{')));
    expect(err).toBeInstanceOf(SyntaxError);
    expect(err).toMatchObject({ name: 'ParseError', message: 'cannot parse "{"', code: 'E_PARSE' });
    expect((err as Error).cause).toBeInstanceOf(RemoteTraceback);
  });

  test('a missing export or one that is not a function is an error naming it', async () => {
    const [missing, notFunction] = await runK(async () => [
      await caught(() => runInThread(workerFunction(math, 'fibonacci'))),
      await caught(() => runInProcess(workerFunction(math, 'answer'))),
    ]);
    expect(missing).toBeInstanceOf(TypeError);
    expect((missing as Error).message).toBe(
      `workerFunction: ${math.href} has no export named 'fibonacci' (it exports ParseError, answer, count, fib, line, parse)`,
    );
    expect(notFunction).toBeInstanceOf(TypeError);
    expect((notFunction as Error).message).toMatch(
      /the export 'answer' of .* is a number, not a function/,
    );
  });

  test('a module that cannot be found fails with Node error code', async () => {
    const err = await runK(() =>
      caught(() =>
        runInThread(workerFunction(new URL('./fixtures/none.js', import.meta.url), 'f')),
      ),
    );
    expect(err).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });

  test('relative specifiers and empty names are refused at once', () => {
    expect(() => workerFunction('./fixtures/math.js', 'fib')).toThrow(
      "workerFunction('./fixtures/math.js') is relative: pass new URL('./fixtures/math.js', import.meta.url)",
    );
    expect(() => workerFunction(math, '')).toThrow(TypeError);
  });
});
