/**
 * `curio`: Curio for TypeScript in one package — the kernel, synchronization primitives,
 * networking and TLS re-exported from `@curio/kernel`, `@curio/sync`, `@curio/net` and
 * `@curio/ssl`, and `@curio/subprocess` as the namespace `subprocess` (its `run` would clash
 * with the kernel's). The workers and monitor layers join as they are released.
 * @packageDocumentation
 */
export * from '@curio/kernel';
export * from '@curio/net';
export * from '@curio/ssl';
export * as subprocess from '@curio/subprocess';
export * from '@curio/sync';
