/**
 * `curio`: Curio for TypeScript in one package — the kernel, synchronization primitives and
 * networking re-exported from `@curio/kernel`, `@curio/sync` and `@curio/net`. The ssl,
 * subprocess, workers and monitor layers join as they are released.
 * @packageDocumentation
 */
export * from '@curio/kernel';
export * from '@curio/net';
export * from '@curio/sync';
