// DeadlineSweep (core/io/deadline-sweep.ts) on an injected clock: never early, at most one tick late, later dues
// cost no re-filing call, earlier ones are re-filed by arm() (unless their slot comes round first), deadlines beyond
// one lap of the wheel still fire.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadline, DeadlineSweep, TICK_MS, type DeadlineOwner } from '../../core/io/deadline-sweep.js';

class Recorder implements DeadlineOwner {
  readonly fired: number[] = [];
  onDeadline(now: number): void {
    this.fired.push(now);
  }
}

function setup(): { sweep: DeadlineSweep; clock: { now: number } } {
  const clock = { now: 1000 };
  return { sweep: new DeadlineSweep(() => clock.now, false), clock };
}

/** Advances the fake clock in steps of one ms, running the sweep at each step as its timer would. */
function advance(sweep: DeadlineSweep, clock: { now: number }, to: number): void {
  while (clock.now < to) {
    clock.now++;
    sweep.runDue(clock.now);
  }
}

test('a deadline fires after its due time and within one tick of it', () => {
  const { sweep, clock } = setup();
  const r = new Recorder();
  const d = new Deadline(r);
  d.due = clock.now + 100;
  sweep.arm(d);
  advance(sweep, clock, 1099);
  assert.deepEqual(r.fired, []);
  advance(sweep, clock, 1100 + TICK_MS);
  assert.equal(r.fired.length, 1);
  assert.ok(r.fired[0]! >= 1100 && r.fired[0]! <= 1100 + TICK_MS);
  assert.equal(sweep.size(), 0);
});

test('moving a due later needs no call: the sweep re-files it when it reaches the old slot', () => {
  const { sweep, clock } = setup();
  const r = new Recorder();
  const d = new Deadline(r);
  d.due = clock.now + 50;
  sweep.arm(d);
  advance(sweep, clock, 1040);
  d.due = clock.now + 50; // activity: 1090
  advance(sweep, clock, 1089);
  assert.deepEqual(r.fired, []);
  advance(sweep, clock, 1090 + TICK_MS);
  assert.equal(r.fired.length, 1);
});

test('moving a due earlier takes effect once arm() is called', () => {
  const { sweep, clock } = setup();
  const r = new Recorder();
  const d = new Deadline(r);
  d.due = clock.now + 10_000;
  sweep.arm(d);
  d.due = clock.now + 20;
  sweep.arm(d);
  advance(sweep, clock, 1020 + TICK_MS);
  assert.equal(r.fired.length, 1);
});

test('a deadline further out than one lap of the wheel fires at its time, not a lap early', () => {
  const { sweep, clock } = setup();
  const r = new Recorder();
  const d = new Deadline(r);
  d.due = clock.now + 10_000; // the wheel spans 512 * 8 ms = 4,096 ms
  sweep.arm(d);
  advance(sweep, clock, 10_999);
  assert.deepEqual(r.fired, []);
  advance(sweep, clock, 11_000 + TICK_MS);
  assert.equal(r.fired.length, 1);
});

test('disarm unfiles; an owner may re-arm from its callback', () => {
  const { sweep, clock } = setup();
  const gone = new Recorder();
  const a = new Deadline(gone);
  a.due = clock.now + 30;
  sweep.arm(a);
  sweep.disarm(a);
  sweep.disarm(a);
  let rearmed = 0;
  const again: DeadlineOwner = {
    onDeadline(now: number): void {
      rearmed++;
      if (rearmed < 3) {
        b.due = now + 30;
        sweep.arm(b);
      }
    },
  };
  const b = new Deadline(again);
  b.due = clock.now + 30;
  sweep.arm(b);
  advance(sweep, clock, 1200);
  assert.deepEqual(gone.fired, []);
  assert.equal(rearmed, 3);
  assert.equal(sweep.size(), 0);
});

test('after a stall longer than the wheel, every overdue entry fires in one run', () => {
  const { sweep, clock } = setup();
  const r = new Recorder();
  for (let i = 0; i < 50; i++) {
    const d = new Deadline(r);
    d.due = clock.now + 10 + i * 97;
    sweep.arm(d);
  }
  clock.now += 20_000;
  sweep.runDue(clock.now);
  assert.equal(r.fired.length, 50);
  assert.equal(sweep.size(), 0);
});

test('the real timer fires a deadline and stops when nothing is filed', async () => {
  const sweep = new DeadlineSweep();
  const fired = await new Promise<number>((resolve) => {
    const d = new Deadline({ onDeadline: (now) => resolve(now) });
    d.due = sweep.now() + 30;
    sweep.arm(d);
  });
  assert.ok(fired >= 0);
  assert.equal(sweep.size(), 0);
});

test('a due moved earlier, but past the next visit of its slot, is left there and still fires on time', () => {
  const { sweep, clock } = setup();
  const r = new Recorder();
  const d = new Deadline(r);
  // Filed for an hour: its slot comes round within one lap (4 s) and re-files it.
  d.due = clock.now + 3_600_000;
  sweep.arm(d);
  advance(sweep, clock, 1500);
  // A 10 s wait now: later than that slot's next visit, so arm() moves nothing; the visit re-files it.
  d.due = clock.now + 10_000;
  sweep.arm(d);
  advance(sweep, clock, 11_499);
  assert.deepEqual(r.fired, []);
  advance(sweep, clock, 11_500 + TICK_MS);
  assert.equal(r.fired.length, 1);
  assert.ok(r.fired[0]! >= 11_500 && r.fired[0]! <= 11_500 + TICK_MS);
});
