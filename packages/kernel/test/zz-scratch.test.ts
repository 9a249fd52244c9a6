import { clock, disableCancellation, sleep, timeoutAfter, Activation, run, MockClock } from '@curio/kernel';
import { test } from 'vitest';

test('scratch', async () => {
  const log: string[] = [];
  const mc = new MockClock({ start: 0, autojump: true });
  class A extends Activation {
    override running(t: any) { log.push(`run ${t.name} @${mc.now()}`); if (log.length > 40) throw new Error('loop:' + log.join('\n')); }
    override suspended(t: any) { log.push(`susp ${t.name} ${t.state}`); }
  }
  const p = run({ clock: mc, signals: 'default', activations: [new A()] }, async function main() {
    try {
      await timeoutAfter(1, async () => {
        await disableCancellation(async () => {
          log.push('before sleep');
          await sleep(2);
          log.push('shielded sleep completed ' + clock());
        });
        log.push('shield exited');
        await sleep(1);
        log.push('not here');
      });
    } catch (e) {
      log.push(`caught ${e} at ${clock()}`);
    }
  });
  const r = await Promise.race([p.then(() => 'done', (e) => 'err ' + e), new Promise((r) => setTimeout(() => r('timeout'), 2000))]);
  console.log(r, log);
});
