// Runs after every test in the workspace: a test fails if it leaves a curio kernel running,
// or more sockets, servers, pipes, child processes, workers or timers than it found.
// Handles close asynchronously, so the check waits (briefly, in real time) for them to settle.
import { afterEach, beforeEach, expect } from 'vitest';

const WATCHED = new Set([
  'TCPSocketWrap',
  'TCPServerWrap',
  'PipeWrap',
  'PipeServerWrap',
  'ProcessWrap',
  'UDPWrap',
  'Timeout',
  'Worker',
  'SignalWrap',
  'FSEventWrap',
]);

const KERNELS = Symbol.for('curio.kernel.running');
const SETTLE_MS = 1_000;

function census(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (WATCHED.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

function excess(before: Map<string, number>): string[] {
  const leaks: string[] = [];
  for (const [kind, n] of census()) {
    const extra = n - (before.get(kind) ?? 0);
    if (extra > 0) leaks.push(`${extra} × ${kind}`);
  }
  const kernels = (globalThis as Record<symbol, Set<unknown> | undefined>)[KERNELS];
  if (kernels && kernels.size > 0) leaks.push(`${kernels.size} × running curio kernel`);
  return leaks;
}

let baseline = new Map<string, number>();

beforeEach(() => {
  baseline = census();
});

afterEach(async () => {
  const until = Date.now() + SETTLE_MS;
  let leaks = excess(baseline);
  while (leaks.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
    leaks = excess(baseline);
  }
  expect(leaks, 'resources left open by the test').toEqual([]);
});
