/**
 * `@curio/sync`: Curio's synchronization primitives for tasks — `Event`, `Lock`, `RLock`,
 * `Semaphore`, `BoundedSemaphore`, `Condition`, `Result`, the queues `Queue`,
 * `PriorityQueue` and `LifoQueue`, and the signal watchers `SignalEvent` and `SignalQueue`.
 *
 * Operations that never block are synchronous and never switch tasks (`set`, `release`,
 * `notify`, `putNowait`, `taskDone`); blocking ones are `async` cancellation points. Locks
 * and semaphores hand off directly to the oldest waiter, and a cancelled or timed-out
 * operation leaves everything as if it had not started.
 * @packageDocumentation
 */
export { Condition } from './condition.js';
export { QueueEmpty, QueueFull } from './errors.js';
export { Event } from './event.js';
export { type Guard, Lock, RLock } from './lock.js';
export { BaseQueue, compareItems, LifoQueue, PriorityQueue, Queue } from './queue.js';
export { Result } from './result.js';
export { BoundedSemaphore, Semaphore } from './semaphore.js';
export { SignalEvent, type SignalName, SignalQueue } from './signal.js';
