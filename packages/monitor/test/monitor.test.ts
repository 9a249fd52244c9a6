// The monitor: Curio's commands and output over TCP (ps, where, cancel, parents, signal,
// help, quit), one session at a time, and a server that stops with the kernel.
import { spawn as spawnProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  awaitPromise,
  currentTask,
  Kernel,
  sleep,
  spawn,
  type Task,
  TaskCancelled,
  TaskError,
} from '@curio/kernel';
import { MONITOR_PORT, monitor } from '@curio/monitor';
import { describe, expect, test, vi } from 'vitest';
import { MonitorClient, withMonitor } from './helpers.js';

async function kid(): Promise<void> {
  await sleep(1000);
}

async function parent(): Promise<void> {
  const kidTask = await spawn(kid);
  await kidTask.join();
}

/** Start parent (which spawns kid); resolves once the kid sleeps. */
async function family(): Promise<[Task, Task]> {
  const p = await spawn(parent);
  while (p.kernel.findTask(p.id + 1)?.state !== 'TIME_SLEEP') await sleep(0.001);
  return [p, p.kernel.findTask(p.id + 1)!];
}

describe('commands', () => {
  test('banner and ps: the task table as Curio prints it', async () => {
    await withMonitor(async (mon) => {
      const [p, k] = await family();
      const [client, banner] = await MonitorClient.open(mon);
      expect(banner).toBe('\nCurio Monitor: 3 tasks running\nType help for commands\n');
      const ps = (await client.command('ps')).split('\n');
      expect(ps[0]).toBe(
        `${'Task'.padEnd(6)} ${'State'.padEnd(12)} ${'Cycles'.padEnd(10)} ${'Timeout'.padEnd(7)} ${'Sleep'.padEnd(7)} ${'Task'.padEnd(50)} `,
      );
      expect(ps[1]).toBe(
        ['------', '-'.repeat(12), '-'.repeat(10), '-------', '-------', '-'.repeat(50)].join(' '),
      );
      // The main task waits for the client's reply (a promise: FUTURE_WAIT).
      const main = currentTask();
      expect(ps[2]).toMatch(
        new RegExp(`^${main.id} {6}FUTURE_WAIT {2}\\d+ +None {4}None {4}${main.name} +$`),
      );
      expect(ps[2]).toHaveLength(6 + 1 + 12 + 1 + 10 + 1 + 7 + 1 + 7 + 1 + 50);
      expect(ps[3]).toMatch(new RegExp(`^${p.id} +TASK_JOIN +${p.cycles} +None +None +parent +$`));
      expect(ps[4]).toMatch(new RegExp(`^${k.id} +TIME_SLEEP +1 +None +99\\d\\.\\d{3} kid +$`));
      expect(ps[5]).toBe('');
      expect(ps).toHaveLength(6);
      client.close();
      await p.cancel();
    });
  });

  test('where: the stack of a blocked task, with its source lines', async () => {
    await withMonitor(async (mon) => {
      const [p, k] = await family();
      const [client] = await MonitorClient.open(mon);
      const out = (await client.command(`where ${k.id}`)).split('\n');
      expect(out[0]).toBe(
        `Stack for Task(id=${k.id}, name='kid', state='TIME_SLEEP') (most recent call last):`,
      );
      expect(out[1]).toMatch(/^ {2}File ".*monitor\.test\.ts", line \d+, in kid$/);
      expect(out[2]).toBe('    await sleep(1000);');
      expect(await client.command(`w ${p.id}`)).toMatch(
        /in parent\n {4}await kidTask\.join\(\);\n$/,
      );
      expect(await client.command('where 999')).toBe('No task 999\n');
      client.close();
      await p.cancel();
    });
  });

  test("cancel: the kid is cancelled, and the parent's join fails", async () => {
    await withMonitor(async (mon) => {
      const [p, k] = await family();
      // Someone collects the parent's failure the moment it happens (no crash report).
      const outcome = await spawn(() => p.join().catch((err: unknown) => err));
      const [client] = await MonitorClient.open(mon);
      expect(await client.command(`cancel ${k.id}`)).toBe(`Cancelling task ${k.id}\n`);
      expect(await outcome.join()).toBeInstanceOf(TaskError);
      expect(k.exception).toBeInstanceOf(TaskCancelled);
      expect(await client.command(`cancel ${k.id}`)).toBe(`No task ${k.id}\n`);
      client.close();
    });
  });

  test('parents: the chain of spawners', async () => {
    await withMonitor(async (mon) => {
      const [p, k] = await family();
      const main = currentTask();
      const [client] = await MonitorClient.open(mon);
      expect(await client.command(`parents ${k.id}`)).toBe(
        [
          `${String(k.id).padEnd(6)} ${'TIME_SLEEP'.padStart(12)} kid`,
          `${String(p.id).padEnd(6)} ${'TASK_JOIN'.padStart(12)} parent`,
          `${String(main.id).padEnd(6)} ${'FUTURE_WAIT'.padStart(12)} ${main.name}`,
          '',
        ].join('\n'),
      );
      client.close();
      await p.cancel();
    });
  });

  test('help, unknown and bad commands, signals', async () => {
    await withMonitor(async (mon) => {
      const [client] = await MonitorClient.open(mon);
      expect(await client.command('help')).toMatch(/^Commands:\n {9}ps {15}: Show task table\n/);
      expect(await client.command('frobnicate')).toBe('Unknown command. Type help.\n');
      expect(await client.command('')).toBe('Unknown command. Type help.\n');
      expect(await client.command('where')).toBe('Bad command. usage: where taskid\n');
      expect(await client.command('cancel x')).toBe('Bad command. not a task id: x\n');
      expect(await client.command('signal SIGNOPE')).toBe('Unknown signal SIGNOPE\n');
      let got = 0;
      const onSignal = () => got++;
      process.on('SIGUSR2', onSignal);
      try {
        expect(await client.command('signal SIGUSR2')).toBe('');
        while (got === 0) await sleep(0.005);
      } finally {
        process.off('SIGUSR2', onSignal);
      }
      client.close();
    });
  });

  test('quit leaves; the next client is served after the first leaves', async () => {
    await withMonitor(async (mon) => {
      const [first] = await MonitorClient.open(mon);
      const second = spawn(() => MonitorClient.open(mon));
      const waiting = await second;
      await sleep(0.05);
      // Not served yet: the first session is still open.
      expect(waiting.terminated).toBe(false);
      expect(await first.command('quit')).toBe('Leaving monitor. Hit Ctrl-C to exit\n');
      expect(first.closed).toBe(true);
      const [client, banner] = (await waiting.join()) as [MonitorClient, string];
      expect(banner).toMatch(/^\nCurio Monitor: \d+ tasks running\n/);
      expect(await client.command('exit')).toBe('Leaving monitor. Hit Ctrl-C to exit\n');
    });
  });
});

describe('the server', () => {
  test('a port in use is reported, not fatal; the server stops with the kernel', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    let port = 0;
    try {
      await withMonitor(async (mon) => {
        [, port] = await awaitPromise(mon.address());
        // A second monitor on the same port (activated by hand: one kernel runs per thread).
        const other = monitor({ port });
        other.activate(new Kernel());
        await expect(awaitPromise(other.address())).rejects.toThrow(
          `Curio monitor: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`,
        );
        expect(errors).toHaveBeenCalledWith(
          expect.stringMatching(/^Curio monitor: cannot listen on 127\.0\.0\.1:\d+: /),
        );
        await awaitPromise(other.close());
        // The first one still serves.
        const [client, banner] = await MonitorClient.open(mon);
        expect(banner).toMatch(/^\nCurio Monitor: 1 tasks running\n/);
        client.close();
      });
    } finally {
      errors.mockRestore();
    }
    // The kernel has closed: nothing listens there any more.
    const refused = await new Promise<string>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.on('connect', () => {
        sock.destroy();
        resolve('connected');
      });
      sock.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? ''));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  test('options are checked', () => {
    expect(() => monitor({ port: 70000 })).toThrow(RangeError);
    expect(monitor().port).toBe(MONITOR_PORT);
    expect(monitor().host).toBe('127.0.0.1');
  });
});

describe('while a task hogs the kernel', () => {
  // A monitor client in a worker thread: this thread is about to be busy. It waits until the
  // hog runs, types its commands one prompt at a time, then lets the hog go.
  const CLIENT = `
    const { workerData, parentPort } = require('node:worker_threads');
    const net = require('node:net');
    const { host, port, flag, commands } = workerData;
    Atomics.wait(flag, 1, 0);
    const sock = net.connect(port, host);
    sock.setEncoding('latin1');
    let out = '';
    let sent = 0;
    sock.on('data', (d) => {
      out += d;
      const prompts = out.split('curio > ').length - 1;
      while (sent < prompts && sent < commands.length) sock.write(commands[sent++] + '\\n');
    });
    sock.on('close', () => {
      Atomics.store(flag, 0, 1);
      parentPort.postMessage(out);
    });`;

  function hog(flag: Int32Array): void {
    const until = Date.now() + 10_000; // a safety net: the client releases it long before
    while (Atomics.load(flag, 0) === 0 && Date.now() < until) {}
  }

  test('ps shows it RUNNING and where shows its live stack', async () => {
    await withMonitor(async (mon) => {
      const [host, port] = await awaitPromise(mon.address());
      const flag = new Int32Array(new SharedArrayBuffer(8));
      const hogger = await spawn(async function hogger() {
        Atomics.store(flag, 1, 1);
        Atomics.notify(flag, 1);
        hog(flag);
      });
      const commands = ['ps', `where ${hogger.id}`, 'quit'];
      const client = new Worker(CLIENT, { eval: true, workerData: { host, port, flag, commands } });
      try {
        const out = (await awaitPromise(once(client, 'message')))[0] as string;
        const lines = out.split('\n');
        expect(lines).toContain(
          `curio > ${'Task'.padEnd(6)} ${'State'.padEnd(12)} ${'Cycles'.padEnd(10)} ${'Timeout'.padEnd(7)} ${'Sleep'.padEnd(7)} ${'Task'.padEnd(50)} `,
        );
        expect(lines.find((l) => l.startsWith(`${hogger.id} `))).toMatch(
          /^\d+ +RUNNING +1 +None +None +hogger +$/,
        );
        const at = lines.findIndex((l) => l.includes('Stack for'));
        expect(lines[at]).toBe(
          `curio > Stack for Task(id=${hogger.id}, name='hogger', state='RUNNING') (most recent call last):`,
        );
        expect(lines[at + 1]).toMatch(/^ {2}File ".*monitor\.test\.ts", line \d+, in hogger$/);
        expect(lines[at + 2]).toBe('    hog(flag);');
        expect(lines[at + 3]).toMatch(/^ {2}File ".*monitor\.test\.ts", line \d+, in hog$/);
        expect(lines[at + 4]).toBe(
          '    while (Atomics.load(flag, 0) === 0 && Date.now() < until) {}',
        );
        expect(out).toMatch(/Leaving monitor\. Hit Ctrl-C to exit\n$/);
        await hogger.join();
      } finally {
        await awaitPromise(client.terminate());
      }
    });
  });
});

describe('curio-monitor', () => {
  test('connects a terminal to the monitor', async () => {
    await withMonitor(async (mon) => {
      const [host, port] = await awaitPromise(mon.address());
      const bin = fileURLToPath(new URL('../bin/curio-monitor.js', import.meta.url));
      const child = spawnProcess(process.execPath, [bin, '-H', host, '-p', String(port)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      child.stdin!.end('ps\nquit\n');
      const [code] = await awaitPromise(once(child, 'exit'));
      expect(code).toBe(0);
      expect(out).toMatch(
        /^\nCurio Monitor: 1 tasks running\nType help for commands\ncurio > Task /,
      );
      expect(out).toMatch(
        /curio > Leaving monitor\. Hit Ctrl-C to exit\n\*\*\* Connection closed by remote host \*\*\*\n$/,
      );
    });
  });

  test('reports a monitor it cannot reach', async () => {
    const bin = fileURLToPath(new URL('../bin/curio-monitor.js', import.meta.url));
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const child = spawnProcess(process.execPath, [bin, '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(err).toMatch(/^curio-monitor: cannot talk to 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });
});
