/**
 * Curio workers: run code in threads and processes.
 * @packageDocumentation
 */
export {};
