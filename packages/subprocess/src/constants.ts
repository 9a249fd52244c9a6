/**
 * Where a child's standard stream goes, as in Python's `subprocess`.
 * @module
 */

/** Connect the stream to a pipe: the `Popen` gets a `FileStream` for it. */
export const PIPE = -1;
/** `stderr` only: send the child's errors wherever its standard output goes. */
export const STDOUT = -2;
/** Connect the stream to the null device. */
export const DEVNULL = -3;
