/**
 * `@curio/monitor`: Curio's monitor. Install the {@link monitor} activation and connect with
 * `curio-monitor` (or any line-based TCP client) to list the tasks (`ps`), see where one is
 * blocked (`where N`), cancel one (`cancel N`), or send the program a signal. It answers
 * from a thread of its own, so it works while a task hogs the kernel.
 * @packageDocumentation
 */
export { MONITOR_HOST, MONITOR_PORT, Monitor, type MonitorOptions, monitor } from './monitor.js';
export type { Snapshot, TaskRow } from './snapshot.js';
