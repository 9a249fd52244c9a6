// Port of TestEvent in Curio 1.6 tests/test_sync.py, plus the Event rules of DESIGN §6.6
// that Curio's tests do not cover (FIFO wake order, set() never switches tasks).
//
// Adapted: `await evt.set()` → `evt.set()` (synchronous here; awaiting it is harmless);
// `timeout_after(s, evt.wait())` → `timeoutAfter(s, () => evt.wait())`.
// Not ported (threads and asyncio live in @curio/workers): TestUniversalEvent.
import { CancelledError, sleep, spawn, TaskTimeout, timeoutAfter } from '@curio/kernel';
import { Event } from '@curio/sync';
import { describe, expect, test } from 'vitest';
import { runVirtual } from './helpers.js';

describe('Event (Curio test_sync.py)', () => {
  test('a waiter blocks until another task sets the event (test_event_get_wait)', async () => {
    const results: unknown[] = [];
    async function eventSetter(evt: Event, seconds: number) {
      results.push('sleep');
      await sleep(seconds);
      results.push('event_set');
      evt.set();
    }
    async function eventWaiter(evt: Event) {
      results.push('wait_start');
      results.push(evt.isSet());
      await evt.wait();
      results.push('wait_done');
      results.push(evt.isSet());
      evt.clear();
      results.push(evt.isSet());
    }
    await runVirtual(async () => {
      const evt = new Event();
      const t1 = await spawn(eventWaiter, evt);
      const t2 = await spawn(eventSetter, evt, 1);
      await t1.join();
      await t2.join();
    });
    expect(results).toEqual(['wait_start', false, 'sleep', 'event_set', 'wait_done', true, false]);
  });

  test('wait() on a set event returns at once (test_event_get_immediate)', async () => {
    const results: unknown[] = [];
    async function eventSetter(evt: Event) {
      results.push('event_set');
      await evt.set();
    }
    async function eventWaiter(evt: Event, seconds: number) {
      results.push('sleep');
      await sleep(seconds);
      results.push('wait_start');
      await evt.wait();
      results.push('wait_done');
    }
    await runVirtual(async () => {
      const evt = new Event();
      const t1 = await spawn(eventWaiter, evt, 1);
      const t2 = await spawn(eventSetter, evt);
      await t1.join();
      await t2.join();
    });
    expect(results).toEqual(['sleep', 'event_set', 'wait_start', 'wait_done']);
  });

  test('a waiting task can be cancelled (test_event_wait_cancel)', async () => {
    const results: unknown[] = [];
    async function eventWaiter(evt: Event) {
      results.push('event_wait');
      try {
        await evt.wait();
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push('event_cancel');
      }
    }
    async function eventCancel(seconds: number) {
      const evt = new Event();
      const task = await spawn(eventWaiter, evt);
      results.push('sleep');
      await sleep(seconds);
      results.push('cancel_start');
      await task.cancel();
      results.push('cancel_done');
    }
    await runVirtual(() => eventCancel(1));
    expect(results).toEqual(['sleep', 'event_wait', 'cancel_start', 'event_cancel', 'cancel_done']);
  });

  test('a wait can time out (test_event_wait_timeout)', async () => {
    const results: unknown[] = [];
    async function eventWaiter(evt: Event) {
      results.push('event_wait');
      try {
        await timeoutAfter(0.5, () => evt.wait());
      } catch (err) {
        if (!(err instanceof TaskTimeout)) throw err;
        results.push('event_timeout');
      }
    }
    async function eventRun(seconds: number) {
      const evt = new Event();
      const task = await spawn(eventWaiter, evt);
      results.push('sleep');
      await sleep(seconds);
      results.push('sleep_done');
      await task.join();
    }
    await runVirtual(() => eventRun(1));
    expect(results).toEqual(['sleep', 'event_wait', 'event_timeout', 'sleep_done']);
  });

  test('a wait set before its timeout leaves no timeout behind (test_event_wait_notimeout)', async () => {
    const results: unknown[] = [];
    async function eventWaiter(evt: Event) {
      results.push('event_wait');
      try {
        await timeoutAfter(1.0, () => evt.wait());
        results.push('got event');
      } catch (err) {
        if (!(err instanceof TaskTimeout)) throw err;
        results.push('event_timeout');
      }
      evt.clear();
      try {
        await evt.wait();
        results.push('got event');
      } catch (err) {
        if (!(err instanceof TaskTimeout)) throw err;
        results.push('bad timeout');
      }
    }
    async function eventRun() {
      const evt = new Event();
      const task = await spawn(eventWaiter, evt);
      results.push('sleep');
      await sleep(0.25);
      results.push('event_set');
      evt.set();
      await sleep(1.0);
      results.push('event_set');
      evt.set();
      await task.join();
    }
    await runVirtual(eventRun);
    expect(results).toEqual([
      'sleep',
      'event_wait',
      'event_set',
      'got event',
      'event_set',
      'got event',
    ]);
  });

  test('toString shows the state (test_repr)', () => {
    const evt = new Event();
    expect(String(evt)).toBe('Event(unset, waiters=0)');
    evt.set();
    expect(String(evt)).toBe('Event(set, waiters=0)');
  });
});

describe('Event (DESIGN §6.6)', () => {
  test('set() wakes every waiter in FIFO order and never switches tasks', async () => {
    const results: unknown[] = [];
    async function waiter(evt: Event, name: string) {
      await evt.wait();
      results.push(name);
    }
    await runVirtual(async () => {
      const evt = new Event();
      const tasks = [];
      for (const name of ['w1', 'w2', 'w3']) tasks.push(await spawn(waiter, evt, name));
      await sleep(0.1);
      expect(tasks.map((t) => t.state)).toEqual(['EVENT_WAIT', 'EVENT_WAIT', 'EVENT_WAIT']);
      evt.set();
      results.push('set returned');
      expect(tasks.map((t) => t.state)).toEqual(['READY', 'READY', 'READY']);
      for (const t of tasks) await t.join();
    });
    expect(results).toEqual(['set returned', 'w1', 'w2', 'w3']);
  });

  test('an event can be set from outside any task, before or between runs', async () => {
    const evt = new Event();
    evt.set();
    expect(evt.isSet()).toBe(true);
    await runVirtual(async () => {
      await evt.wait(); // set: returns at once
      evt.clear();
    });
    expect(evt.isSet()).toBe(false);
  });

  test('a cancelled waiter is skipped by later sets', async () => {
    const results: unknown[] = [];
    async function waiter(evt: Event, name: string) {
      try {
        await evt.wait();
        results.push(`${name} woke`);
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push(`${name} cancelled`);
      }
    }
    await runVirtual(async () => {
      const evt = new Event();
      const a = await spawn(waiter, evt, 'a');
      const b = await spawn(waiter, evt, 'b');
      await sleep(0.1);
      await a.cancel();
      evt.set();
      await b.join();
    });
    expect(results).toEqual(['a cancelled', 'b woke']);
  });
});
