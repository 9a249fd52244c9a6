/**
 * Curio monitor: inspect and control running tasks.
 * @packageDocumentation
 */
export {};
