/**
 * Curio subprocesses: Popen, run, checkOutput.
 * @packageDocumentation
 */
export {};
