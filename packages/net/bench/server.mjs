// One echo server process for the benchmark (run by run.mjs, pinned to one CPU).
//   node bench/server.mjs raw|tcp|stream
// Prints {"port": N} on stdout, then answers IPC messages from the runner:
//   'reset'  -> start measuring CPU time here
//   'report' -> { cpuMicros, heapUsed, rss, connections } (after a GC when --expose-gc)
//   'exit'   -> exit
// (a) raw:    node:net callbacks, `socket.on('data', d => socket.write(d))`
// (b) tcp:    @curio/net runServer(tcpServerSocket()) with recv/sendall
// (c) stream: @curio/net, the handler uses client.asStream() read/write
import net from 'node:net';
import process from 'node:process';
import { run } from '@curio/kernel';
import { runServer, tcpServerSocket } from '../dist/index.js';

const mode = process.argv[2];
let connections = 0;
let baseline = process.cpuUsage();

process.on('message', (msg) => {
  if (msg === 'reset') {
    baseline = process.cpuUsage();
    process.send({ type: 'reset' });
  } else if (msg === 'report') {
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    const cpu = process.cpuUsage(baseline);
    const mem = process.memoryUsage();
    process.send({
      type: 'report',
      cpuMicros: cpu.user + cpu.system,
      heapUsed: mem.heapUsed,
      rss: mem.rss,
      connections,
    });
  } else if (msg === 'exit') {
    process.exit(0);
  }
});

function announce(port) {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

if (mode === 'raw') {
  const server = net.createServer((c) => {
    connections++;
    c.on('data', (d) => c.write(d));
    c.on('error', () => {});
    c.on('close', () => connections--);
  });
  server.listen(0, '127.0.0.1', () => announce(server.address().port));
} else if (mode === 'tcp' || mode === 'stream') {
  async function echoRecv(client) {
    connections++;
    try {
      for (;;) {
        const data = await client.recv(65536);
        if (data.length === 0) break;
        await client.sendall(data);
      }
    } finally {
      connections--;
    }
  }
  async function echoStream(client) {
    connections++;
    const s = client.asStream();
    try {
      for (;;) {
        const data = await s.read(65536);
        if (data.length === 0) break;
        await s.write(data);
      }
    } finally {
      connections--;
    }
  }
  await run({ signals: 'default' }, async () => {
    const sock = tcpServerSocket('127.0.0.1', 0, { backlog: 4096 });
    announce(sock.getsockname()[1]);
    await runServer(sock, mode === 'tcp' ? echoRecv : echoStream, { onHandlerError: () => {} });
  });
} else {
  console.error(`unknown mode ${mode}: use raw, tcp or stream`);
  process.exit(2);
}
