/**
 * What the monitor shows of the kernel: one row per live task, taken on the kernel's thread
 * and sent to the monitor's server thread.
 * @module
 */
import type { Kernel } from '@curio/kernel';

/** One task as `ps` shows it. */
export interface TaskRow {
  /** Task id. */
  id: number;
  /** Curio state name (`TIME_SLEEP`, `READ_WAIT`, ...). */
  state: string;
  /** Times the task has been scheduled. */
  cycles: number;
  /** Seconds left before its timeout, or `null`. */
  timeout: number | null;
  /** Seconds left of its sleep, or `null`. */
  sleep: number | null;
  /** Task name. */
  name: string;
  /** The id of the task that spawned it, or `null`. */
  parentId: number | null;
}

/** The task table at one moment. */
export interface Snapshot {
  /** `Date.now()` when it was taken. */
  takenAt: number;
  /** Live tasks, oldest first. */
  tasks: TaskRow[];
}

/** The kernel's task table now. */
export function takeSnapshot(kernel: Kernel): Snapshot {
  const now = kernel.now();
  const tasks: TaskRow[] = [];
  for (const task of kernel.liveTasks()) {
    const timeout = task.timeoutDeadline;
    const sleep = task.sleepDeadline;
    tasks.push({
      id: task.id,
      state: task.state,
      cycles: task.cycles,
      timeout: timeout === null ? null : timeout - now,
      sleep: sleep === null ? null : sleep - now,
      name: task.name,
      parentId: task.parentId,
    });
  }
  return { takenAt: Date.now(), tasks };
}
