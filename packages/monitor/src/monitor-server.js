// The monitor's server thread (plain JavaScript: a worker loads it as it is, from the
// sources and from the build). It speaks Curio's monitor protocol on TCP, one client at a
// time, and asks the kernel's thread for what it shows:
// - by message, when that thread is free (answered within REPLY_MS);
// - when a task hogs it, through the inspector: the thread is paused for an instant, the
//   monitor's hooks are evaluated there, and a running task's live stack is read;
// - failing both (a thread blocked outside JavaScript), from the last task table the kernel
//   pushed, with the running task from shared memory.

import { readFileSync } from 'node:fs';
import inspector from 'node:inspector';
import net from 'node:net';
import { constants } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

const { host, port, running } = workerData;
const REPLY_MS = 300;
// While a task holds the kernel's thread, it answers once the task blocks: usually at once.
// A task that keeps it longer is hogging it, and the monitor looks through the inspector.
const HOLDER_REPLY_MS = 50;
const PAUSE_MS = 500;
const HOOKS = 'globalThis[Symbol.for("curio.monitor.hooks")]';

let lastSnapshot = { takenAt: 0, tasks: [] };
let nextId = 1;
const pending = new Map();

parentPort.on('message', (msg) => {
  if (msg.type === 'snapshot') lastSnapshot = msg.snapshot;
  else if (msg.type === 'reply') {
    const done = pending.get(msg.id);
    pending.delete(msg.id);
    done?.(msg.value);
  }
});

/** Ask the kernel's thread; `undefined` if it does not answer in time (it is busy). */
function ask(op, taskId) {
  const id = nextId++;
  const wait = Atomics.load(running, 0) === 0 ? REPLY_MS : HOLDER_REPLY_MS;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve(undefined);
    }, wait);
    pending.set(id, (value) => {
      clearTimeout(timer);
      resolve(value);
    });
    parentPort.postMessage({ id, op, taskId });
  });
}

function post(session, method, params) {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * Pause the kernel's thread, run `fn(session, pausedEvent)`, resume. `undefined` if the
 * thread does not pause in time (blocked in native code).
 */
async function whilePaused(fn) {
  const session = new inspector.Session();
  session.connectToMainThread();
  try {
    await post(session, 'Debugger.enable');
    const paused = new Promise((resolve) => {
      session.once('Debugger.paused', (m) => resolve(m.params));
      setTimeout(() => resolve(undefined), PAUSE_MS);
    });
    await post(session, 'Debugger.pause');
    const event = await paused;
    if (event === undefined) return undefined;
    try {
      return await fn(session, event);
    } finally {
      await post(session, 'Debugger.resume');
    }
  } catch {
    return undefined;
  } finally {
    session.disconnect();
  }
}

/** Evaluate a monitor hook on the paused thread; its JSON result, parsed. */
async function evaluate(session, event, expression) {
  const frame = event.callFrames[0];
  const { result } = await post(session, 'Debugger.evaluateOnCallFrame', {
    callFrameId: frame.callFrameId,
    expression: `JSON.stringify(${HOOKS}?.${expression})`,
    returnByValue: true,
  });
  return typeof result.value === 'string' ? JSON.parse(result.value) : undefined;
}

/** The task table: asked, else read while paused, else the last one pushed. */
async function snapshot() {
  const asked = await ask('snapshot');
  if (asked !== undefined) return (lastSnapshot = asked);
  const read = await whilePaused((session, event) => evaluate(session, event, 'snapshot()'));
  if (read !== undefined) return (lastSnapshot = read);
  // Stale: at least show who holds the thread now.
  const id = Atomics.load(running, 0);
  return {
    ...lastSnapshot,
    tasks: lastSnapshot.tasks.map((t) =>
      t.id === id ? { ...t, state: 'RUNNING', cycles: Atomics.load(running, 1) } : t,
    ),
  };
}

// ---- Formatting, as Curio's monitor ------------------------------------------------------

const pad = (s, w) => String(s).padEnd(w);

function remaining(seconds) {
  return seconds === null ? 'None' : seconds.toFixed(6).slice(0, 7);
}

function formatPs(snap) {
  const headers = ['Task', 'State', 'Cycles', 'Timeout', 'Sleep', 'Task'];
  const widths = [6, 12, 10, 7, 7, 50];
  let out = `${headers.map((h, i) => `${pad(h, widths[i])} `).join('')}\n`;
  out += `${widths.map((w) => '-'.repeat(w)).join(' ')}\n`;
  for (const t of [...snap.tasks].sort((a, b) => a.id - b.id)) {
    const cells = [t.id, t.state, t.cycles, remaining(t.timeout), remaining(t.sleep), t.name];
    out += `${cells.map((c, i) => pad(c, widths[i])).join(' ')}\n`;
  }
  return out;
}

const sources = new Map();
function sourceLine(file, line) {
  try {
    if (!sources.has(file)) sources.set(file, readFileSync(file, 'utf8').split('\n'));
    return sources.get(file)[line - 1]?.trim();
  } catch {
    return undefined;
  }
}

/**
 * `  File ..., line N, in fn` lines get the source line under them, and a frame repeated
 * more than three times in a row (a recursion) is folded, as Python prints them.
 */
function withSource(traceback) {
  const out = [];
  let previous;
  let repeats = 0;
  const fold = () => {
    if (repeats > 3) out.push(`  [Previous line repeated ${repeats - 3} more times]`);
    repeats = 0;
  };
  for (const line of traceback.split('\n')) {
    if (line === previous) {
      repeats++;
      if (repeats > 3) continue;
    } else {
      fold();
      repeats = 1;
    }
    previous = line;
    out.push(line);
    const m = /^ {2}File "(.*)", line (\d+), in /.exec(line);
    const source = m ? sourceLine(m[1], Number(m[2])) : undefined;
    if (source) out.push(`    ${source}`);
  }
  fold();
  return out.join('\n');
}

async function where(taskId) {
  // The stack recorded where the task blocked, asked for; if the kernel's thread does not
  // answer, a task is hogging it: if it is this one, its stack is the thread's own, read
  // while the thread is paused; otherwise the recorded one is read while paused.
  let text = await ask('traceback', taskId);
  if (text === undefined) {
    const hook = Atomics.load(running, 0) === taskId ? 'liveTraceback' : 'traceback';
    text = await whilePaused((session, event) => evaluate(session, event, `${hook}(${taskId})`));
  }
  if (text === undefined) return 'The kernel is busy and does not answer: try again.';
  return text === null ? `No task ${taskId}` : withSource(text);
}

// ---- Commands ----------------------------------------------------------------------------

const HELP = `Commands:
         ps               : Show task table
         where taskid     : Show stack frames for a task
         cancel taskid    : Cancel an indicated task
         signal signame   : Send a Unix signal
         parents taskid   : List task parents
         quit             : Leave the monitor
`;

class BadCommand extends Error {}

function taskIdOf(words, usage) {
  if (words.length !== 2) throw new BadCommand(`usage: ${usage}`);
  const id = Number(words[1]);
  if (!Number.isInteger(id)) throw new BadCommand(`not a task id: ${words[1]}`);
  return id;
}

/** Run one command line; returns the text to send, and whether the session ends. */
async function command(line) {
  const words = line.trim().split(/\s+/);
  try {
    if (line.startsWith('q') || line.startsWith('exit')) {
      return ['Leaving monitor. Hit Ctrl-C to exit\n', true];
    }
    if (line.startsWith('pa')) {
      const id = taskIdOf(words, 'parents taskid');
      const byId = new Map((await snapshot()).tasks.map((t) => [t.id, t]));
      if (!byId.has(id)) return [`No task ${id}\n`, false];
      let out = '';
      for (let t = byId.get(id); t !== undefined; t = byId.get(t.parentId)) {
        out += `${pad(t.id, 6)} ${String(t.state).padStart(12)} ${t.name}\n`;
      }
      return [out, false];
    }
    if (line.startsWith('p')) return [formatPs(await snapshot()), false];
    if (line.startsWith('cancel')) {
      const id = taskIdOf(words, 'cancel taskid');
      const known = (await snapshot()).tasks.some((t) => t.id === id);
      if (!known) return [`No task ${id}\n`, false];
      // Delivered by the kernel's thread when it is free (queued meanwhile).
      parentPort.postMessage({ id: nextId++, op: 'cancel', taskId: id });
      return [`Cancelling task ${id}\n`, false];
    }
    if (line.startsWith('signal')) {
      if (words.length !== 2) throw new BadCommand('usage: signal signame');
      const name = words[1];
      if (!Object.hasOwn(constants.signals, name)) return [`Unknown signal ${name}\n`, false];
      process.kill(process.pid, name);
      return ['', false];
    }
    if (line.startsWith('w')) {
      const id = taskIdOf(words, 'where taskid');
      return [`${await where(id)}\n`, false];
    }
    if (line.startsWith('h')) return [HELP, false];
    return ['Unknown command. Type help.\n', false];
  } catch (err) {
    return [`Bad command. ${err.message}\n`, false];
  }
}

// ---- Sessions: one client at a time, the others wait their turn ---------------------------

const waiting = [];
let busy = false;

async function session(client) {
  client.setEncoding('latin1');
  client.setNoDelay(true);
  client.on('error', () => {});
  const lines = [];
  let wake;
  let ended = false;
  let buffer = '';
  client.on('data', (chunk) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      lines.push(buffer.slice(0, nl + 1));
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
    }
    wake?.();
  });
  // No more input (the client may still read what is left to say), or gone.
  const finish = () => {
    ended = true;
    wake?.();
  };
  client.on('end', finish);
  client.on('close', finish);
  const nextLine = async () => {
    while (lines.length === 0 && !ended) await new Promise((resolve) => (wake = resolve));
    return lines.shift();
  };
  const snap = await snapshot();
  // Each answer goes out with the next prompt in one write (no wait on Nagle's algorithm).
  let text = `\nCurio Monitor: ${snap.tasks.length} tasks running\nType help for commands\n`;
  for (;;) {
    client.write(`${text}curio > `, 'latin1');
    const line = await nextLine();
    if (line === undefined) break;
    let done;
    [text, done] = await command(line);
    if (done) {
      client.end(text, 'latin1');
      return;
    }
  }
  client.end();
}

async function serveInTurn(client) {
  if (busy) {
    waiting.push(client);
    return;
  }
  busy = true;
  for (let c = client; c !== undefined; c = waiting.shift()) {
    if (c.destroyed) continue;
    try {
      await session(c);
    } catch {
      c.destroy();
    }
  }
  busy = false;
}

// Half-open: a client that sends its commands and then EOF (`printf 'ps\nquit\n' | nc`)
// still gets the answers.
const server = net.createServer({ allowHalfOpen: true }, (client) => void serveInTurn(client));
server.on('error', (err) => parentPort.postMessage({ type: 'error', message: err.message }));
server.listen(port, host, () => {
  const address = server.address();
  parentPort.postMessage({ type: 'listening', host: address.address, port: address.port });
});
