// Other AsyncLocalStorage stores (request ids, tracing contexts) follow a spawned task the way
// they follow any promise continuation: a task sees the stores of the code that spawned it,
// whoever later passes it the baton.
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { run, sleep, spawn, type Task, withTaskGroup } from '@curio/kernel';
import { expect, test } from 'vitest';

const request = new AsyncLocalStorage<string>();

test('a task starts in the async context of its spawner, not of the task that resumes it', async () => {
  const seen = await run(async () => {
    let child: Task<string | undefined> | undefined;
    await request.run('request-1', async () => {
      child = await spawn(async () => request.getStore());
    });
    // The main task leaves the request's context before it blocks and passes the baton.
    expect(request.getStore()).toBeUndefined();
    return child!.join();
  });
  expect(seen).toBe('request-1');
});

test('tasks spawned in different contexts each keep their own, across blocking calls', async () => {
  const seen = await run(async () => {
    const spawnIn = (id: string) =>
      request.run(id, () =>
        spawn(async () => {
          const before = request.getStore();
          await sleep(0);
          return `${before}/${request.getStore()}`;
        }),
      );
    const a = await spawnIn('a');
    const b = await spawnIn('b');
    // A third task, in no request, is the one that hands the baton to a and b.
    const c = await spawn(async () => request.getStore() ?? 'none');
    return [await a.join(), await b.join(), await c.join()];
  });
  expect(seen).toEqual(['a/a', 'b/b', 'none']);
});

test('the main task sees the context around run(); group members see their spawner', async () => {
  const seen = await request.run('outer', () =>
    run(async () => {
      const main = request.getStore();
      const group = await withTaskGroup<string | undefined>(async (g) => {
        await request.run('inner', () => g.spawn(async () => request.getStore()));
        await g.spawn(async () => request.getStore());
      });
      return [main, ...group.results];
    }),
  );
  expect(seen).toEqual(['outer', 'inner', 'outer']);
});

test('async_hooks see each start context created and destroyed (no leak for APM tools)', async () => {
  const created = new Set<number>();
  const destroyed = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'curio.Task') created.add(id);
    },
    destroy(id) {
      if (created.has(id)) destroyed.add(id);
    },
  }).enable();
  try {
    await run(async () => {
      const tasks = [];
      for (let i = 0; i < 3; i++) tasks.push(await spawn(async () => i));
      for (const t of tasks) await t.join();
    });
    // Destroy hooks are delivered in a later turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    hook.disable();
  }
  // The main task and its three children.
  expect(created.size).toBe(4);
  expect([...destroyed].sort()).toEqual([...created].sort());
});
