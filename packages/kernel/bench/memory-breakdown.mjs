// Where the heap of an idle task goes: heap snapshots before and after starting N tasks
// blocked on one WaitQueue (curio) or N pending async functions awaiting one promise (plain),
// diffed by object kind, in bytes per task.
//   node --expose-gc bench/memory-breakdown.mjs [curio|plain] [N=10000]
// Build first (the curio side imports ../dist/index.js). Snapshots go to a temporary
// directory and are deleted afterwards.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { writeHeapSnapshot } from 'node:v8';
import { run, sleep, spawn, WaitQueue } from '../dist/index.js';

const [impl = 'curio', count = '10000'] = process.argv.slice(2);
const N = Number(count);
if (typeof globalThis.gc !== 'function') {
  console.error('run with --expose-gc');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'curio-heap-'));

/** Object kind → [count, bytes] in a heap snapshot. */
function kinds(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snap.snapshot.meta.node_fields.length;
  const types = snap.snapshot.meta.node_types[0];
  const { nodes, strings } = snap;
  const byKind = new Map();
  for (let i = 0; i < nodes.length; i += fields) {
    const type = types[nodes[i]];
    const name = type === 'string' || type === 'concatenated string' ? '' : strings[nodes[i + 1]];
    const key = `${type}: ${name.slice(0, 50)}`;
    const entry = byKind.get(key) ?? [0, 0];
    entry[0]++;
    entry[1] += nodes[i + 3];
    byKind.set(key, entry);
  }
  return byKind;
}

// Both snapshots are written before either is parsed, so the parse results are not in them.
function snapshot(name) {
  globalThis.gc();
  globalThis.gc();
  return writeHeapSnapshot(join(dir, `${name}.heapsnapshot`));
}

function report(beforeFile, afterFile) {
  const before = kinds(beforeFile);
  const after = kinds(afterFile);
  const rows = [];
  for (const [key, [n, bytes]] of after) {
    const [n0, bytes0] = before.get(key) ?? [0, 0];
    const perTask = (bytes - bytes0) / N;
    if (Math.abs(perTask) >= 4) rows.push([perTask, (n - n0) / N, key]);
  }
  rows.sort((a, b) => b[0] - a[0]);
  let total = 0;
  console.log(`${impl}: heap per idle task (${N} tasks)\n  bytes  objects  kind`);
  for (const [perTask, objects, key] of rows) {
    total += perTask;
    console.log(`${perTask.toFixed(0).padStart(7)}  ${objects.toFixed(2).padStart(7)}  ${key}`);
  }
  console.log(`${total.toFixed(0).padStart(7)}  total`);
}

try {
  if (impl === 'curio') {
    await run(async () => {
      const queue = new WaitQueue();
      let started = 0;
      const idle = async () => {
        started++;
        await queue.wait('EVENT_WAIT');
      };
      const before = snapshot('before');
      const tasks = [];
      for (let i = 0; i < N; i++) tasks.push(await spawn(idle));
      while (started < N) await sleep(0);
      report(before, snapshot('after'));
      queue.wakeAll();
      for (const t of tasks) await t.join();
    });
  } else {
    let open;
    const gate = new Promise((resolve) => {
      open = resolve;
    });
    const idle = async () => {
      await gate;
    };
    const before = snapshot('before');
    const pending = [];
    for (let i = 0; i < N; i++) pending.push(idle());
    report(before, snapshot('after'));
    open();
    await Promise.all(pending);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
