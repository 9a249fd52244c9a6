// "Signals": the programs run in a child process (built with tsc, on the sped-up clock of
// fixtures/ticking.mjs) and get real signals from the test.
//
// The tutorial's transcript starts at 'Building the Millenium Falcon'; the lines before it are
// the nagging kid's, as the program runs them (see nagging.test.ts). The 'Yes, go play' the
// tutorial leaves out is printed by its own parent.
import { beforeAll, expect, test } from 'vitest';
import { buildExamples, runTickingExample } from './child.js';
import { transcript } from './helpers.js';
import { countdown, nagging, orderlyShutdown, playing } from './signal-transcripts.js';

beforeAll(buildExamples, 60_000);

test('signals: Ctrl-C starts the orderly shutdown; more Ctrl-C changes nothing', async () => {
  const p = runTickingExample('signals');
  try {
    await p.waitFor('Playing Minecraft', 3);
    p.kill('SIGINT'); // ^C    (Control-C)
    await p.waitFor("Let's go");
    p.kill('SIGINT'); // the event is already set: nothing happens
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.lines).toEqual([...nagging, ...playing, ...orderlyShutdown]);
    expect(p.stderr).toBe('');
  } finally {
    await p.stop();
  }
});

test('signals: SIGTERM works like Ctrl-C', async () => {
  const p = runTickingExample('signals');
  try {
    await p.waitFor('Playing Minecraft', 3);
    p.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.lines.slice(nagging.length + playing.length)).toEqual([
      "Let's go",
      ...countdown,
      "We're leaving!",
      'I warned you!',
      'Fine. Saving my work.',
      'Max going home',
      'Lillian going home',
      'Thomas going home',
      'Leaving!',
    ]);
  } finally {
    await p.stop();
  }
});

test('signals-hasty: with the event closed, a second Ctrl-C cancels everyone at once', async () => {
  const p = runTickingExample('signals-hasty');
  try {
    await p.waitFor('Playing Minecraft', 3);
    p.kill('SIGINT');
    await p.waitFor("Let's go");
    p.kill('SIGINT'); // Boom! Everybody out, newest first: friends, kid, parent.
    const exit = await p.exited;
    const shutdown = p.lines.slice(nagging.length + playing.length);
    expect(p.lines.slice(0, nagging.length + playing.length)).toEqual([...nagging, ...playing]);
    // However far the countdown got when the second Ctrl-C landed...
    const counted = shutdown.slice(1).filter((l) => l.startsWith('T-minus'));
    expect(shutdown.slice(0, 1 + counted.length)).toEqual([
      "Let's go",
      ...countdown.slice(0, counted.length),
    ]);
    expect(counted.length).toBeLessThan(10);
    // ...the friends, the kid and the parent all make a hasty exit: no warning, no 'Leaving!'.
    expect(shutdown.slice(1 + counted.length)).toEqual(
      transcript(`
Thomas going home
Lillian going home
Max going home
Fine. Saving my work.
`),
    );
    expect(p.stderr).toMatch(/KeyboardInterrupt/);
    expect(exit.code).not.toBe(0);
  } finally {
    await p.stop();
  }
});

test('with-signals (older tutorial): the parent waits for a SIGHUP', async () => {
  const p = runTickingExample('with-signals');
  try {
    await p.waitFor('Building the Millenium Falcon in Minecraft');
    p.kill('SIGHUP'); // bash % kill -HUP 36069
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.lines).toEqual([
      `Parent PID ${p.pid}`,
      ...transcript(`
Can I play?
Wha!?!
Can I play?
Wha!?!
Can I play?
Wha!?!
Can I play?
Wha!?!
Can I play?
Yes, go play
Building the Millenium Falcon in Minecraft
`),
      "Let's go",
      ...countdown,
      "We're leaving!",
      'I warned you!',
      'Fine. Saving my work.',
      'Leaving!',
    ]);
  } finally {
    await p.stop();
  }
});
