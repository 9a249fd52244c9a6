// Profile one echo server under load: where does the server's CPU time go, per message?
//   node bench/profile.mjs tcp|stream|raw [connections=100] [size=64] [seconds=4]
// Runs bench/server.mjs with --cpu-prof (server on CPU 0, client on CPU 1), then prints the
// time per message by category (kernel, @curio/net, async_hooks/AsyncLocalStorage, Node
// streams, the write system call, GC, ...) and the kernel/net functions with most self time.
// The profile is kept in bench/profiles/ for chrome://inspect or speedscope.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const [mode = 'tcp', conns = '100', size = '64', seconds = '4'] = process.argv.slice(2);
const dir = here('profiles');
mkdirSync(dir, { recursive: true });
const before = new Set(readdirSync(dir));
const taskset = existsSync('/usr/bin/taskset');
const pinned = (cpu, args, opts) =>
  taskset
    ? spawn('taskset', ['-c', String(cpu), process.execPath, ...args], opts)
    : spawn(process.execPath, args, opts);

const server = pinned(
  0,
  ['--cpu-prof', '--cpu-prof-interval', '100', `--cpu-prof-dir=${dir}`, here('server.mjs'), mode],
  {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  },
);
const port = await new Promise((resolve) =>
  createInterface({ input: server.stdout }).once('line', (l) => resolve(JSON.parse(l).port)),
);
const client = pinned(1, [here('client.mjs'), 'ping', String(port), conns, size, '0', seconds], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const lines = [];
createInterface({ input: client.stdout }).on('line', (l) => lines.push(l));
await new Promise((r) => client.on('exit', r));
server.send('exit');
await new Promise((r) => server.on('exit', r));
const { messages } = JSON.parse(lines.at(-1));
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
const prof = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));

const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const leafRules = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  [
    'write system call',
    (f) => /^(writeBuffer|writev|writeUtf8String|writeLatin1String)$/.test(f.functionName),
  ],
  ['async_hooks / AsyncLocalStorage', (f) => /async_hooks/.test(f.url)],
];
const stackRules = [
  ['@curio/kernel', (f) => /packages\/kernel\//.test(f.url)],
  ['@curio/net', (f) => /packages\/net\/dist\//.test(f.url)],
  ['echo handler (bench)', (f) => /bench\/server\.mjs/.test(f.url)],
  [
    'node streams / net',
    (f) => /node:net|streams\/|stream_base_commons|node:events|buffer/.test(f.url),
  ],
  ['timers, immediates, ticks', (f) => /timers|task_queues/.test(f.url)],
  ['(program: libuv, syscalls, native)', (f) => f.functionName === '(program)'],
];
function category(id) {
  const leaf = byId.get(id).callFrame;
  for (const [name, test] of leafRules) if (test(leaf)) return name;
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const hit = stackRules.find(([, test]) => test(byId.get(cur).callFrame));
    if (hit) return hit[0];
  }
  return 'other';
}
const totals = new Map();
const self = new Map();
prof.samples.forEach((id, i) => {
  const t = prof.timeDeltas[i] ?? 0;
  const c = category(id);
  totals.set(c, (totals.get(c) ?? 0) + t);
  const f = byId.get(id).callFrame;
  if (/packages\/(kernel|net)\/|async_hooks/.test(f.url)) {
    const key = `${f.functionName || '(anonymous)'}  ${f.url.replace(/^.*\/packages\//, '').replace(/^node:/, 'node:')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + t);
  }
});
// The profile covers warm-up too: per-message figures use every message the client counted.
const perMsg = (t) => (t / messages).toFixed(3);
console.log(
  `${mode}, ${conns} × ${size} B: ${messages} messages in ${seconds} s; profile ${dir}/${file}\n`,
);
console.log('µs/msg   category');
let busy = 0;
for (const [c, t] of [...totals].sort((a, b) => b[1] - a[1])) {
  if (c !== 'idle') busy += t;
  console.log(`${perMsg(t).padStart(7)}  ${c}`);
}
console.log(`${perMsg(busy).padStart(7)}  = busy (everything but idle)\n`);
console.log('µs/msg   self time, kernel / net / async_hooks functions');
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20))
  console.log(`${perMsg(t).padStart(7)}  ${k}`);
