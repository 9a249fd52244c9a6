/**
 * `curio`: Curio for TypeScript in one package — the kernel, synchronization primitives,
 * networking, TLS, workers and the monitor re-exported from `@curio/kernel`, `@curio/sync`,
 * `@curio/net`, `@curio/ssl`, `@curio/workers` and `@curio/monitor`, and `@curio/subprocess`
 * as the namespace `subprocess` (its `run` would clash with the kernel's). `run` is the
 * kernel's with `withMonitor`.
 * @packageDocumentation
 */
export * from '@curio/kernel';
export * from '@curio/monitor';
export * from '@curio/net';
export * from '@curio/ssl';
export * as subprocess from '@curio/subprocess';
export * from '@curio/sync';
export * from '@curio/workers';
export { type RunOptions, run } from './run.js';
