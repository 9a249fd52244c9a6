// examples/run.mjs, behind `pnpm example <name>`: runs the built example as the program.
import { beforeAll, expect, test } from 'vitest';
import { buildExamples, LineClient, runExample } from './child.js';

beforeAll(buildExamples, 60_000);

test('run.mjs runs an example by name', async () => {
  const p = runExample('producer-consumer');
  try {
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.lines.at(-1)).toBe('Producer done');
    expect(p.lines).toHaveLength(11);
  } finally {
    await p.stop();
  }
});

test('run.mjs lists the examples, and refuses unknown names', async () => {
  const list = runExample('--list');
  const unknown = runExample('no-such-example');
  try {
    expect(await list.exited).toEqual({ code: 0, signal: null });
    expect(list.lines).toEqual(expect.arrayContaining(['  hello', '  signals', '  task-group']));
    expect(list.lines).not.toContain('  support');
    expect(await unknown.exited).toEqual({ code: 2, signal: null });
    expect(unknown.stderr).toMatch(/unknown example 'no-such-example'/);
  } finally {
    await list.stop();
    await unknown.stop();
  }
});

test('run.mjs passes the arguments on: echo-server 127.0.0.1 0', async () => {
  const p = runExample('echo-server', '127.0.0.1', '0');
  let client: LineClient | undefined;
  try {
    await p.waitFor(/^Server listening at/);
    const [, host, port] = /^Server listening at \[ '(.*)', (\d+) \]$/.exec(p.lines[0]!)!;
    expect(host).toBe('127.0.0.1');
    client = await LineClient.connect(Number(port));
    client.send('Hello\n');
    expect(await client.readline()).toBe('Hello\n');
    await client.close();
    await p.waitFor('Connection closed');
    p.kill('SIGINT');
    expect((await p.exited).code).not.toBe(0);
    expect(p.stderr).toMatch(/KeyboardInterrupt/);
  } finally {
    await client?.close();
    await p.stop();
  }
});
