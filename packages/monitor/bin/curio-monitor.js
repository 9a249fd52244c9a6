#!/usr/bin/env node
// curio-monitor [-H host] [-p port]: connect this terminal to a program's Curio monitor
// (default 127.0.0.1:48802), as Python's `python3 -m curio.monitor`.
import net from 'node:net';
import process from 'node:process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', short: 'H', default: '127.0.0.1' },
    port: { type: 'string', short: 'p', default: '48802' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('usage: curio-monitor [-H host] [-p port]\n');
  process.exit(0);
}
const port = Number(values.port);
const sock = net.connect(port, values.host);
sock.on('connect', () => process.stdin.pipe(sock));
sock.pipe(process.stdout);
sock.on('error', (err) => {
  process.stderr.write(`curio-monitor: cannot talk to ${values.host}:${port}: ${err.message}\n`);
  process.exit(1);
});
sock.on('close', () => {
  process.stdout.write('*** Connection closed by remote host ***\n');
  process.exit(0);
});
