#!/usr/bin/env node
// Load generator for the chat server. Starts the built server (dist/main.js) as a child
// process on 127.0.0.1 with an ephemeral port, connects C clients, has them send M lines
// each at a fixed aggregate rate, and measures what the clients receive:
//   - delivery: every message must reach every client, exactly once;
//   - latency: each line carries its send time (this process's clock), read on arrival;
//   - throughput: deliveries per second over the run;
//   - the server's RSS (VmRSS at the end, VmHWM = peak) and CPU time from /proc.
// Exits 0 when every message reached every client, 1 otherwise, 2 for a bad command line.
//
//   pnpm --filter chat-server loadtest -- --clients 1000 --rate 1000 --seconds 15
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HELP = `Usage: loadtest.mjs [options]
  --clients C          connected clients (default 100)
  --rate R             messages per second, all clients together (default 1000)
  --seconds S          length of the sending phase; sets --messages (default 15)
  --messages M         lines per client (default: rate × seconds / clients)
  --client-queue N     the server's --client-queue (default: the server's own, 1000)
  --write-interval MS  the server's --write-interval (default: the server's own, 10)
  --node PATH          Node binary for the server (default: this one)
  --cpu-prof DIR       run the server with --cpu-prof, writing the profile into DIR
  --json               print the results as one JSON line too
  -h, --help           this text`;

const { values: opts } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '15' },
    messages: { type: 'string' },
    'client-queue': { type: 'string' },
    'write-interval': { type: 'string' },
    node: { type: 'string', default: process.execPath },
    'cpu-prof': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(HELP);
  process.exit(0);
}
const C = positive('--clients', opts.clients);
const RATE = positive('--rate', opts.rate);
const M =
  opts.messages === undefined
    ? Math.max(1, Math.round((RATE * Number(opts.seconds)) / C))
    : positive('--messages', opts.messages);
const N = C * M; // messages published
const SERVER = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const CONNECT_BATCH = 50;
const DRAIN_TIMEOUT_MS = 30_000;

function positive(flag, text) {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    console.error(`loadtest: ${flag} needs a positive whole number, got '${text}'`);
    process.exit(2);
  }
  return n;
}

// ---------------------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------------------

function startServer() {
  // The same V8 setting as `pnpm start`: a small young generation keeps RSS low on Node 24.
  const args = ['--max-semi-space-size=8'];
  if (opts['cpu-prof'] !== undefined) args.push('--cpu-prof', `--cpu-prof-dir=${opts['cpu-prof']}`);
  args.push(SERVER, '--host', '127.0.0.1', '--port', '0');
  if (opts['client-queue'] !== undefined) args.push('--client-queue', opts['client-queue']);
  if (opts['write-interval'] !== undefined) args.push('--write-interval', opts['write-interval']);
  const child = spawn(opts.node, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const port = new Promise((resolve, reject) => {
    let text = '';
    // Keep reading stdout for the whole run: a full pipe would block the server's logging.
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      if (text === null) return;
      text += chunk;
      const m = /Chat server listening on [^\s]*:(\d+)/.exec(text);
      if (m) {
        text = null;
        resolve(Number(m[1]));
      }
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`server exited (${code ?? signal}) before listening`)),
    );
  });
  return { child, port, exited };
}

function procStatus(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

function procSchedstat(pid) {
  // Time on a CPU and time spent runnable but waiting for one (another process had it), in s.
  const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { run: run / 1e9, wait: wait / 1e9 };
}

function procCpuSeconds(pid) {
  // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// ---------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------

// A latency histogram with 0.1 ms buckets up to 60 s.
const BUCKET_MS = 0.1;
const histogram = new Uint32Array(600_000);
let latencyMax = 0;
let delivered = 0;
let duplicates = 0;
let foreign = 0; // lines that are neither chat load nor expected announcements
let lastArrival = 0;

const NL = 0x0a;
const COLON = 0x3a;
const SPACE = 0x20;

/** One client: buffers partial lines and checks off every load message it receives. */
class Client {
  constructor(index, socket) {
    this.index = index;
    this.name = `c${index}`;
    this.socket = socket;
    this.seen = new Uint8Array(N); // one flag per message, exactly-once check
    this.count = 0;
    this.partial = null;
    this.closed = false;
    this.onLine = null; // set during setup to watch for prompts/announcements
    this.prompted = false;
    socket.on('data', (chunk) => this.data(chunk));
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {});
  }

  data(chunk) {
    const now = performance.now();
    let buf = chunk;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let start = 0;
    if (!this.prompted) {
      // The prompt has no newline.
      if (buf.length >= 11 && buf.toString('latin1', 0, 11) === 'Your name: ') {
        this.prompted = true;
        start = 11;
        this.onLine?.('Your name: ');
      } else {
        this.partial = buf;
        return;
      }
    }
    for (;;) {
      const end = buf.indexOf(NL, start);
      if (end < 0) break;
      this.line(buf, start, end, now);
      start = end + 1;
    }
    if (start < buf.length) this.partial = buf.subarray(start);
    lastArrival = now;
  }

  /** A line `cI:m K T` (load message K sent at T ms) or an announcement. */
  line(buf, start, end, now) {
    const colon = buf.indexOf(COLON, start);
    if (colon > 0 && colon + 2 < end && buf[colon + 1] === 0x6d && buf[colon + 2] === SPACE) {
      let i = colon + 3;
      let k = 0;
      while (i < end && buf[i] !== SPACE) k = k * 10 + (buf[i++] - 48);
      i++;
      let t = 0;
      while (i < end && buf[i] !== 0x2e) t = t * 10 + (buf[i++] - 48);
      let scale = 0.1;
      for (i++; i < end; i++, scale /= 10) t += (buf[i] - 48) * scale;
      if (this.seen[k] === 1) {
        duplicates++;
        return;
      }
      this.seen[k] = 1;
      this.count++;
      delivered++;
      const latency = now - t;
      if (latency > latencyMax) latencyMax = latency;
      histogram[Math.min(histogram.length - 1, Math.max(0, Math.floor(latency / BUCKET_MS)))]++;
      return;
    }
    const text = buf.toString('latin1', start, end);
    if (this.onLine) this.onLine(text);
    else if (!text.endsWith(':joined') && !text.endsWith(':has gone away')) foreign++;
  }
}

function connect(index, port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      const client = new Client(index, socket);
      client.onLine = (text) => {
        if (text === 'Your name: ') socket.write(`${client.name}\n`);
        else if (text === `${client.name}:joined`) {
          client.onLine = null;
          resolve(client);
        }
      };
    });
  });
}

/** Wait until `check()` holds, polling every 10 ms; fails after `ms`. */
function until(check, ms, what) {
  return new Promise((resolve, reject) => {
    const deadline = performance.now() + ms;
    const tick = () => {
      if (check()) return resolve();
      if (performance.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

function percentile(p) {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return Number.NaN;
  const want = Math.ceil(total * p);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= want) return (i + 1) * BUCKET_MS;
  }
  return latencyMax;
}

// ---------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------

const loadBefore = os.loadavg()[0];
const server = startServer();
const clients = [];
let exitCode = 0;
try {
  const port = await server.port;
  const pid = server.child.pid;
  const baseRss = procStatus(pid).rss;
  const tSetup = performance.now();
  for (let i = 0; i < C; i += CONNECT_BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(C, i + CONNECT_BATCH); j++) batch.push(connect(j, port));
    clients.push(...(await Promise.all(batch)));
  }
  // Every client is subscribed once it has seen its own `joined`; a sync line proves the
  // room reaches all of them before the clock starts.
  let synced = 0;
  for (const c of clients) {
    c.onLine = (text) => {
      if (text === 'c0:sync') {
        synced++;
        c.onLine = null;
      }
    };
  }
  clients[0].socket.write('sync\n');
  await until(() => synced === C, 30_000, 'the sync line to reach every client');
  const setupSeconds = (performance.now() - tSetup) / 1000;
  const rssJoined = procStatus(pid).rss;
  const cpuBefore = procCpuSeconds(pid);
  const schedBefore = procSchedstat(pid);
  const selfBefore = procSchedstat(process.pid);
  const selfCpuBefore = process.cpuUsage();

  // Sending: message k goes out at start + k / RATE from client k % C.
  const rssSamples = [];
  const sampler = setInterval(() => rssSamples.push(procStatus(pid).rss), 250);
  const elu0 = performance.eventLoopUtilization();
  const start = performance.now();
  let k = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(N, Math.floor(((now - start) * RATE) / 1000) + 1);
      for (; k < due; k++) {
        const c = clients[k % C];
        c.socket.write(`m ${k} ${performance.now().toFixed(3)}\n`);
      }
      // Wake for the next message's due time (timers have ~1 ms resolution), so messages go
      // out evenly rather than in bursts.
      if (k >= N) resolve();
      else setTimeout(tick, Math.max(0, (k * 1000) / RATE - (performance.now() - start)));
    };
    tick();
  });
  const sendSeconds = (performance.now() - start) / 1000;
  const expected = N * C;
  let timedOut = false;
  try {
    await until(
      () => delivered + dropped() >= expected || clients.every((c) => c.count === N || c.closed),
      DRAIN_TIMEOUT_MS,
      'deliveries',
    );
  } catch {
    timedOut = true;
  }
  const elapsed = (lastArrival - start) / 1000;
  clearInterval(sampler);
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = procCpuSeconds(pid) - cpuBefore;
  const schedAfter = procSchedstat(pid);
  const runqueueWait = schedAfter.wait - schedBefore.wait;
  const selfWait = procSchedstat(process.pid).wait - selfBefore.wait;
  const selfCpu = process.cpuUsage(selfCpuBefore);
  const selfCpuSeconds = (selfCpu.user + selfCpu.system) / 1e6;
  const mem = procStatus(pid);
  const complete = clients.filter((c) => c.count === N).length;
  const closedClients = clients.filter((c) => c.closed).length;
  const ok = !timedOut && complete === C && duplicates === 0;
  if (!ok) exitCode = 1;

  const result = {
    clients: C,
    messagesPerClient: M,
    rate: RATE,
    messages: N,
    deliveries: delivered,
    expected,
    allDelivered: ok,
    clientsComplete: complete,
    clientsDisconnected: closedClients,
    duplicates,
    foreignLines: foreign,
    setupSeconds: round(setupSeconds, 2),
    sendSeconds: round(sendSeconds, 2),
    elapsedSeconds: round(elapsed, 2),
    deliveriesPerSecond: Math.round(delivered / elapsed),
    p50ms: round(percentile(0.5), 1),
    p99ms: round(percentile(0.99), 1),
    maxMs: round(latencyMax, 1),
    serverRssBaseMiB: round(baseRss, 1),
    serverRssJoinedMiB: round(rssJoined, 1),
    serverRssMaxSampledMiB: round(Math.max(mem.rss, ...rssSamples), 1),
    serverRssEndMiB: round(mem.rss, 1),
    serverPeakRssMiB: round(mem.peak, 1),
    serverCpuSeconds: round(cpu, 2),
    serverCpuPercent: Math.round((100 * cpu) / elapsed),
    serverRunqueueWaitSeconds: round(runqueueWait, 2),
    loadgenEventLoopUtilization: round(elu.utilization, 2),
    loadgenRunqueueWaitSeconds: round(selfWait, 2),
    loadgenCpuSeconds: round(selfCpuSeconds, 2),
    cpus: os.availableParallelism(),
    loadAverageBefore: round(loadBefore, 2),
  };
  const targets = [
    ['every message delivered to every client', ok],
    ['p99 latency < 100 ms', result.p99ms < 100],
    ['server RSS < 200 MiB (peak)', result.serverPeakRssMiB < 200],
  ];
  console.log(
    `chat-server loadtest: ${C} clients × ${M} messages at ${RATE} msg/s (node ${process.version} → server ${opts.node === process.execPath ? process.version : opts.node})`,
  );
  console.log(
    `  machine        ${os.availableParallelism()} CPUs, load average ${loadBefore.toFixed(1)} before the run (the server and this generator share the machine)`,
  );
  console.log(`  setup          ${result.setupSeconds} s to connect and join ${C} clients`);
  console.log(
    `  delivered      ${delivered} / ${expected} (${complete}/${C} clients got every message, ${closedClients} disconnected, ${duplicates} duplicates)${timedOut ? ' — TIMED OUT' : ''}`,
  );
  console.log(
    `  throughput     ${result.deliveriesPerSecond} deliveries/s (${N} messages in ${result.sendSeconds} s of sending, last delivery at ${result.elapsedSeconds} s)`,
  );
  console.log(
    `  latency        p50 ${result.p50ms} ms, p99 ${result.p99ms} ms, max ${result.maxMs} ms`,
  );
  console.log(
    `  server RSS     ${result.serverRssBaseMiB} MiB idle, ${result.serverRssJoinedMiB} MiB joined, ${result.serverRssEndMiB} MiB at end, ${result.serverPeakRssMiB} MiB peak`,
  );
  console.log(
    `  server CPU     ${result.serverCpuSeconds} s (${result.serverCpuPercent}% of one core), ${result.serverRunqueueWaitSeconds} s runnable but waiting for a CPU; load generator: ${result.loadgenCpuSeconds} s CPU, ${result.loadgenRunqueueWaitSeconds} s waiting for a CPU`,
  );
  for (const [what, pass] of targets) console.log(`  ${pass ? 'PASS' : 'MISS'}  ${what}`);
  if (opts.json) console.log(JSON.stringify(result));
} catch (err) {
  console.error(`loadtest: ${err instanceof Error ? err.message : String(err)}`);
  exitCode = 1;
} finally {
  for (const c of clients) c.socket.destroy();
  if (server.child.exitCode === null) server.child.kill('SIGTERM');
  const killer = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  const { code, signal } = await server.exited;
  clearTimeout(killer);
  if (code !== 0) {
    console.error(`loadtest: server exited with ${code ?? signal}`);
    exitCode ||= 1;
  }
}
process.exit(exitCode);

function dropped() {
  // Messages a disconnected client will never get.
  let missing = 0;
  for (const c of clients) if (c.closed) missing += N - c.count;
  return missing;
}

function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
