/**
 * `@curio/kernel`: tasks that can be cancelled at any blocking point, timeouts that really
 * interrupt, task groups that never leak a child — Curio's kernel on `async`/`await`.
 * @packageDocumentation
 */
export { Activation } from './activation.js';
export { checkCancellation, disableCancellation, setCancellation } from './cancellation.js';
export { type Clock, MockClock, type MockClockOptions, realClock } from './clock.js';
export { currentTask, currentTaskOrUndefined } from './current.js';
export {
  type DebugOptions,
  type LongBlockOptions,
  logcrash,
  longblock,
  schedtrace,
  traptrace,
} from './debug.js';
export {
  AsyncOnlyError,
  CancelledError,
  CurioError,
  isCancellation,
  KeyboardInterrupt,
  ReadResourceBusy,
  ResourceBusy,
  SyncIOError,
  TaskCancelled,
  TaskError,
  TaskGroupError,
  TaskTimeout,
  TimeoutCancellationError,
  UncaughtTimeoutError,
  WriteResourceBusy,
} from './errors.js';
export { Kernel, type KernelOptions, type SpawnOptions } from './kernel.js';
export { run } from './run.js';
export { anchorShape } from './shape-anchor.js';
export {
  type Blocker,
  type CancellationSpec,
  type CancelOptions,
  Task,
  type TaskState,
} from './task.js';
export { TaskGroup, type TaskGroupOptions, type WaitPolicy, withTaskGroup } from './task-group.js';
export { TaskLocal } from './task-local.js';
export { ignoreAfter, ignoreAt, timeoutAfter, timeoutAt } from './timeout.js';
export {
  type AwaitPromiseOptions,
  awaitPromise,
  clock,
  schedule,
  sleep,
  spawn,
  suspend,
  wake,
  wakeWithError,
} from './traps.js';
export { WaitQueue } from './wait-queue.js';
