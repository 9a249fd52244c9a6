// Load generator for the benchmark (run by run.mjs, pinned to the other CPU).
//   node bench/client.mjs ping <port> <connections> <size> <warmupSeconds> <seconds>
//     Each connection sends `size` bytes, waits until they have all come back, repeats.
//     Prints 'measuring' when the warmup ends, then {"messages": N, "seconds": S}.
//   node bench/client.mjs idle <port> <connections>
//     Opens that many idle connections, prints 'connected', keeps them until killed.
import net from 'node:net';
import process from 'node:process';

const [kind, portArg, countArg, sizeArg, warmupArg, secondsArg] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);

function connect() {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1' }, () => resolve(c));
    c.once('error', reject);
  });
}

if (kind === 'idle') {
  const sockets = [];
  for (let i = 0; i < count; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 500); j++) batch.push(connect());
    sockets.push(...(await Promise.all(batch)));
  }
  for (const s of sockets) s.on('error', () => {});
  process.stdout.write('connected\n');
  setInterval(() => {}, 1 << 30);
} else {
  const size = Number(sizeArg);
  const warmup = Number(warmupArg) * 1000;
  const duration = Number(secondsArg) * 1000;
  const payload = Buffer.alloc(size, 'x');
  let measuring = false;
  let stopping = false;
  let messages = 0;
  const sockets = await Promise.all(Array.from({ length: count }, connect));
  let running = sockets.length;
  let finish;
  const done = new Promise((r) => (finish = r));
  for (const c of sockets) {
    c.setNoDelay(true);
    let pending = size;
    c.on('data', (d) => {
      pending -= d.length;
      if (pending > 0) return;
      if (measuring) messages++;
      if (stopping) {
        c.destroy();
        if (--running === 0) finish();
        return;
      }
      pending = size;
      c.write(payload);
    });
    c.write(payload);
  }
  await new Promise((r) => setTimeout(r, warmup));
  measuring = true;
  process.stdout.write('measuring\n');
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, duration));
  measuring = false;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const counted = messages;
  stopping = true;
  await done;
  process.stdout.write(`${JSON.stringify({ messages: counted, seconds })}\n`);
  process.exit(0);
}
