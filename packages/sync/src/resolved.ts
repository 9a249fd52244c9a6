/**
 * @internal A settled promise shared by the fast paths that return at once (an already set
 * Event, a put with room): one allocation per process instead of one per call.
 * @module
 */

/** @internal An already-fulfilled `Promise<void>`. */
export const resolvedVoid: Promise<void> = Promise.resolve();
