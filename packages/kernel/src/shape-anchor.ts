/**
 * Keep the hidden classes of hot-path objects alive between bursts of work.
 *
 * Why: an object gets its final hidden class (V8 "map") by adding its class fields one at a
 * time, and V8 holds the maps along that chain only weakly. Once no instance is left — after
 * a `run()` ends, or between two bursts of cancellations — a full GC frees the map, and
 * every optimized function that was specialised for it is thrown away and compiled again
 * when the next instance appears. Measured in this package's benchmark, where every sample
 * is a new `run()` after a GC: `cancelTask`, `exited` and the `TaskCancelled` constructor were
 * re-optimized after every GC, and after a few rounds the kernel's hot functions were left
 * with megamorphic property access (spawn + join 0.37 → 0.55–0.60 µs per task). One instance
 * kept here pins each such map for the life of the process, at the cost of one small object
 * per class.
 * @module
 */

const anchors: object[] = [];

/**
 * Keep `instance`, and so its hidden class, alive for good; returns it. For libraries that
 * build primitives on the kernel: call it once per class, at module level, with an instance
 * made the way the hot path makes them.
 * @example
 * export class Gate { #open = false; #waiters = new WaitQueue(); ... }
 * anchorShape(new Gate());
 */
export function anchorShape<T extends object>(instance: T): T {
  anchors.push(instance);
  return instance;
}
