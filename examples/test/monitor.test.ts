// "Tasks", with the monitor: `cancel` the kid from the monitor and the parent's join() fails
// with a TaskError (cause: the kid's TaskCancelled) — the "rather nasty traceback".
//
// Until @curio/monitor exists, the test plays the monitor's part: an Activation (the hook the
// monitor uses to see tasks) notes the kid and, once the parent is stuck joining it, cancels
// the kid from outside any task, as `cancel 3` does.
import { Activation, type Task, TaskCancelled, TaskError } from '@curio/kernel';
import { expect, test } from 'vitest';
import { main } from '../src/monitor.js';
import { captureOutput, runVirtualWith, transcript } from './helpers.js';

class CancelKidWhenParentJoinsIt extends Activation {
  #kid: Task | undefined;
  #countdownDone = false;
  override created(task: Task): void {
    if (task.name === 'kid') this.#kid = task;
  }
  override terminated(task: Task): void {
    if (task.name === 'countdown') this.#countdownDone = true;
  }
  override suspended(task: Task): void {
    const kid = this.#kid;
    if (task.name === 'parent' && task.state === 'TASK_JOIN' && this.#countdownDone && kid) {
      // The monitor runs beside the kernel: its command arrives after the kernel's current
      // step, from outside any task. A nextTick, not a later event-loop turn: on the virtual
      // clock the kernel jumps time (a 0 ms timer) as soon as every task blocks, and a turn
      // would race that jump and sometimes let the kid finish first. With a real monitor the
      // kid sleeps in real time and the command always comes first.
      process.nextTick(() => void kid.cancel({ blocking: false }));
    }
  }
}

test('monitor: cancelling the kid crashes the parent with a TaskError', async () => {
  const out = captureOutput();
  const error = await runVirtualWith(
    { activations: [new CancelKidWhenParentJoinsIt()] },
    main,
  ).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(out.lines).toEqual(
    transcript(`
Building the Millenium Falcon in Minecraft
Let's go
T-minus 10
T-minus 9
T-minus 8
T-minus 7
T-minus 6
T-minus 5
T-minus 4
T-minus 3
T-minus 2
T-minus 1
We're leaving!
`),
  );
  expect(error).toBeInstanceOf(TaskError);
  expect((error as TaskError).cause).toBeInstanceOf(TaskCancelled);
});
