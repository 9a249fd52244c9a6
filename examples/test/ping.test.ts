// "Subprocesses": each line of the command's output is printed as it arrives. The test plays
// ping with a small Node script (ping itself may be missing or unable to reach the network).
import process from 'node:process';
import { run } from '@curio/kernel';
import { expect, test } from 'vitest';
import { main } from '../src/ping.js';
import { captureOutput } from './helpers.js';

const PING = `
  console.log('PING www.python.org (151.101.0.223): 56 data bytes');
  for (let i = 0; i < 3; i++) {
    console.log('64 bytes from 151.101.0.223: icmp_seq=' + i + ' ttl=57 time=11.2 ms');
  }`;

test('ping: prints every line the command writes', async () => {
  const out = captureOutput();
  await run(main, [process.execPath, '-e', PING]);
  expect(out.lines).toEqual([
    'Got: PING www.python.org (151.101.0.223): 56 data bytes',
    'Got: 64 bytes from 151.101.0.223: icmp_seq=0 ttl=57 time=11.2 ms',
    'Got: 64 bytes from 151.101.0.223: icmp_seq=1 ttl=57 time=11.2 ms',
    'Got: 64 bytes from 151.101.0.223: icmp_seq=2 ttl=57 time=11.2 ms',
  ]);
});
