/**
 * `curio`: Curio for TypeScript in one package — the kernel, synchronization primitives,
 * networking and TLS re-exported from `@curio/kernel`, `@curio/sync`, `@curio/net` and
 * `@curio/ssl`. The subprocess, workers and monitor layers join as they are released.
 * @packageDocumentation
 */
export * from '@curio/kernel';
export * from '@curio/net';
export * from '@curio/ssl';
export * from '@curio/sync';
