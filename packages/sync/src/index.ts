/**
 * Curio synchronization: events, locks, semaphores, conditions, queues, signals.
 * @packageDocumentation
 */
export {};
