// Port of Curio 1.6 tests/test_activation.py: the hooks an Activation sees.
//
// Adapted: Curio's `suspended(task, trap)` gets the trap tuple; here only the task (the
// trap is visible as `task.state`). test_activation_count expects Curio's internal tasks
// (`_kernel_task`, `_shutdown_tasks`); the port checks that `created` sees the program's own
// tasks (main, a child, a named daemon), whatever internal tasks the kernel adds.
import { Activation, Kernel, MockClock, run, sleep, spawn, type Task } from '@curio/kernel';
import { describe, expect, test } from 'vitest';
import { caught } from './helpers.js';

/** Records the hooks called for the task named `main` (Curio's `_TestActivation`). */
class TestActivation extends Activation {
  readonly events: string[] = [];
  override activate(): void {
    this.events.push('activate');
  }
  override created(task: Task): void {
    if (task.name.endsWith('main')) this.events.push('created');
  }
  override running(task: Task): void {
    if (task.name.endsWith('main')) this.events.push('running');
  }
  override suspended(task: Task): void {
    if (task.name.endsWith('main')) this.events.push('suspended');
  }
  override terminated(task: Task): void {
    if (task.name.endsWith('main')) this.events.push('terminated');
  }
}

describe('Activation', () => {
  test('hooks for a task that blocks three times (test_activation_base)', async () => {
    async function main() {
      await sleep(0.01);
      await sleep(0.01);
      await sleep(0.01);
    }
    const a = new TestActivation();
    await run({ activations: [a], signals: 'default' }, main); // real clock, 30 ms
    expect(a.events).toEqual([
      'activate',
      'created',
      'running',
      'suspended',
      'running',
      'suspended',
      'running',
      'suspended',
      'running',
      'suspended',
      'terminated',
    ]);
  });

  test('hooks for a task that crashes (test_activation_crash)', async () => {
    class ValueError extends Error {}
    async function main() {
      await sleep(0.01);
      throw new ValueError('Dead');
    }
    const a = new TestActivation();
    const kern = new Kernel({
      activations: [a],
      clock: new MockClock({ start: 0, autojump: true }),
      signals: 'default',
    });
    try {
      const e = await caught(() => kern.run(main));
      expect(e).toBeInstanceOf(ValueError);
      expect(a.events).toEqual([
        'activate',
        'created',
        'running',
        'suspended',
        'running',
        'suspended',
        'terminated',
      ]);
    } finally {
      await kern.close();
    }
  });

  test('created() sees every task (test_activation_count)', async () => {
    const names = new Set<string>();
    class CreateActivation extends Activation {
      override created(task: Task): void {
        names.add(task.name);
      }
    }
    async function kid() {
      await sleep(0.001);
    }
    async function main() {
      const k = await spawn(kid);
      await spawn({ daemon: true, name: 'helper' }, sleep, 100);
      await k.join();
    }
    await run(
      {
        activations: [new CreateActivation()],
        clock: new MockClock({ start: 0, autojump: true }),
        signals: 'default',
      },
      main,
    );
    // Curio also sees its internal tasks (`_kernel_task`, `_shutdown_tasks`); a kernel may
    // have such helpers too, so only the program's own tasks are required.
    expect([...names]).toEqual(expect.arrayContaining(['main', 'kid', 'helper']));
  });

  test('hooks of several tasks follow the scheduling order', async () => {
    const events: string[] = [];
    class Trace extends Activation {
      override activate(): void {
        events.push('activate');
      }
      override created(task: Task): void {
        events.push(`created ${task.name}`);
      }
      override running(task: Task): void {
        events.push(`running ${task.name}`);
      }
      override suspended(task: Task): void {
        events.push(`suspended ${task.name}`);
      }
      override terminated(task: Task): void {
        events.push(`terminated ${task.name}`);
      }
    }
    async function kid() {
      await sleep(0);
      return 1;
    }
    async function main() {
      await spawn(kid);
      await sleep(0.1);
    }
    await run(
      {
        activations: [new Trace()],
        clock: new MockClock({ start: 0, autojump: true }),
        signals: 'default',
      },
      main,
    );
    expect(events).toEqual([
      'activate',
      'created main',
      'running main',
      'created kid',
      'suspended main',
      'running kid',
      'suspended kid',
      'running kid',
      'suspended kid',
      'terminated kid',
      'running main',
      'suspended main',
      'terminated main',
    ]);
  });

  test('an activation sees the states a task blocks in', async () => {
    const states: string[] = [];
    class States extends Activation {
      override suspended(task: Task): void {
        if (task.name === 'main') states.push(task.state);
      }
    }
    async function kid() {
      await sleep(1);
    }
    async function main() {
      const t = await spawn(kid);
      await sleep(0.5);
      await t.join();
    }
    await run(
      {
        activations: [new States()],
        clock: new MockClock({ start: 0, autojump: true }),
        signals: 'default',
      },
      main,
    );
    expect(states).toEqual(['TIME_SLEEP', 'TASK_JOIN', 'TERMINATED']);
  });
});
