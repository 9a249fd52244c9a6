// Benchmark of @curio/net's echo servers against a raw node:net echo server.
//   pnpm bench            (in packages/net, after `pnpm build`)
//   node bench/run.mjs [--rounds 5] [--seconds 3] [--warmup 1] [--idle 10000] [--no-idle]
//                      [--load 100x16384 ...]
//
// Servers: (a) raw node:net callbacks, (b) runServer + recv/sendall, (c) the same with a
// SocketStream. Loads: 1 connection x 64 B, 100 x 64 B, 100 x 16 KiB ping-pong. Each round
// runs a, b, c back to back, so b and c are compared with an `a` measured next to them.
// Server pinned to CPU 0 (`taskset -c 0`), client to CPU 1. Reported: messages/s and the
// server's own CPU time (process.cpuUsage) per message, as medians over the rounds, and as
// ratios to (a). Then the extra heap of 10,000 idle connections.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    idle: { type: 'string', default: '10000' },
    'no-idle': { type: 'boolean', default: false },
    'no-taskset': { type: 'boolean', default: false },
    load: { type: 'string', multiple: true },
  },
});

if (!existsSync(here('../dist/index.js'))) {
  console.error('packages/net/dist is missing: run `pnpm build` first');
  process.exit(1);
}

const taskset = !opts['no-taskset'] && existsSync('/usr/bin/taskset');
function pinned(cpu, args, extra) {
  const [cmd, argv] = taskset
    ? ['taskset', ['-c', String(cpu), process.execPath, ...args]]
    : [process.execPath, args];
  return spawn(cmd, argv, extra);
}

function lines(stream) {
  const rl = createInterface({ input: stream });
  const queue = [];
  const waiters = [];
  rl.on('line', (l) => (waiters.length ? waiters.shift()(l) : queue.push(l)));
  return () =>
    queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r));
}

async function startServer(mode, nodeFlags = []) {
  const child = pinned(0, [...nodeFlags, here('server.mjs'), mode], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const next = lines(child.stdout);
  const { port } = JSON.parse(await next());
  const replies = [];
  const waiting = [];
  child.on('message', (m) => (waiting.length ? waiting.shift()(m) : replies.push(m)));
  const ask = (msg) => {
    child.send(msg);
    return replies.length ? Promise.resolve(replies.shift()) : new Promise((r) => waiting.push(r));
  };
  const stop = async () => {
    child.send('exit');
    await new Promise((r) => child.once('exit', r));
  };
  return { port, ask, stop };
}

async function measure(mode, conns, size) {
  const server = await startServer(mode);
  const client = pinned(
    1,
    [
      here('client.mjs'),
      'ping',
      String(server.port),
      String(conns),
      String(size),
      opts.warmup,
      opts.seconds,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const next = lines(client.stdout);
  if ((await next()) !== 'measuring') throw new Error('client did not start');
  await server.ask('reset');
  const result = JSON.parse(await next());
  const { cpuMicros } = await server.ask('report');
  await server.stop();
  return {
    rate: result.messages / result.seconds,
    cpuPerMsg: (cpuMicros * (result.seconds / Number(opts.seconds))) / result.messages,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const allLoads = [
  [1, 64, '1 × 64 B'],
  [100, 64, '100 × 64 B'],
  [100, 16384, '100 × 16 KiB'],
];
// --load 100x16384 (repeatable) runs only the loads named, as connections x bytes.
const loads = opts.load
  ? allLoads.filter(([conns, size]) => opts.load.includes(`${conns}x${size}`))
  : allLoads;
if (loads.length === 0) {
  console.error(`--load takes one of: ${allLoads.map(([c, s]) => `${c}x${s}`).join(', ')}`);
  process.exit(2);
}
const rounds = Number(opts.rounds);
console.log(
  `node ${process.version}, ${rounds} rounds of ${opts.seconds} s (+${opts.warmup} s warmup), taskset: ${taskset}`,
);
const rows = [];
for (const [conns, size, label] of loads) {
  const per = {
    raw: [],
    tcp: [],
    stream: [],
    tcpRate: [],
    tcpCpu: [],
    streamRate: [],
    streamCpu: [],
  };
  for (let r = 0; r < rounds; r++) {
    const a = await measure('raw', conns, size);
    const b = await measure('tcp', conns, size);
    const c = await measure('stream', conns, size);
    per.raw.push(a);
    per.tcp.push(b);
    per.stream.push(c);
    per.tcpRate.push(b.rate / a.rate);
    per.tcpCpu.push(b.cpuPerMsg / a.cpuPerMsg);
    per.streamRate.push(c.rate / a.rate);
    per.streamCpu.push(c.cpuPerMsg / a.cpuPerMsg);
    process.stderr.write(
      `${label} round ${r + 1}: raw ${a.rate.toFixed(0)}/s ${a.cpuPerMsg.toFixed(2)}µs, tcp ${b.rate.toFixed(0)}/s ${b.cpuPerMsg.toFixed(2)}µs, stream ${c.rate.toFixed(0)}/s ${c.cpuPerMsg.toFixed(2)}µs\n`,
    );
  }
  for (const [name, key] of [
    ['(a) raw node:net', 'raw'],
    ['(b) tcpServer recv/sendall', 'tcp'],
    ['(c) stream read/write', 'stream'],
  ]) {
    const rate = median(per[key].map((x) => x.rate));
    const cpu = median(per[key].map((x) => x.cpuPerMsg));
    const rRate = key === 'raw' ? 1 : median(per[`${key}Rate`]);
    const rCpu = key === 'raw' ? 1 : median(per[`${key}Cpu`]);
    rows.push(
      `| ${label} | ${name} | ${Math.round(rate).toLocaleString('en')} | ${rRate.toFixed(2)} | ${cpu.toFixed(2)} | ${rCpu.toFixed(2)} |`,
    );
  }
}
console.log('\n| load | server | messages/s | × raw | server CPU µs/msg | × raw |');
console.log('|---|---|---:|---:|---:|---:|');
for (const row of rows) console.log(row);

if (!opts['no-idle']) {
  const n = Number(opts.idle);
  console.log(`\n| ${n.toLocaleString('en')} idle connections | extra heapUsed | extra RSS |`);
  console.log('|---|---:|---:|');
  for (const mode of ['raw', 'tcp']) {
    const server = await startServer(mode, ['--expose-gc']);
    const before = await server.ask('report');
    const client = pinned(1, [here('client.mjs'), 'idle', String(server.port), String(n)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const next = lines(client.stdout);
    await next();
    let after = await server.ask('report');
    for (let i = 0; i < 50 && after.connections < n; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await server.ask('report');
    }
    const mib = (x) => `${(x / 1048576).toFixed(1)} MiB`;
    console.log(
      `| ${mode === 'raw' ? '(a) raw node:net' : '(b) tcpServer, handlers blocked in recv'} (${after.connections} open) | ${mib(after.heapUsed - before.heapUsed)} | ${mib(after.rss - before.rss)} |`,
    );
    client.kill();
    await server.stop();
  }
}
