// The rise/fall counter (HAProxy check.c: one integer 0..rise+fall-1) driven by tables of check sequences,
// and the check status table against HAProxy 2.6's enum values and log texts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECK_STATUS, checkStatusOfCode, hasLayer7Code } from '../../core/health/check-status.js';
import {
  applyCheckResult,
  healthProgress,
  initialHealth,
  isHealthy,
  maxHealth,
  type RiseFall,
} from '../../core/health/health-counter.js';

const RF: RiseFall = { rise: 2, fall: 3 };

/** Runs a sequence of S(uccess)/F(ailure) from (health, up) and returns health, transitions and moved flags. */
function run(rf: RiseFall, health: number, up: boolean, seq: string) {
  const healths: number[] = [];
  const transitions: string[] = [];
  let counted = 0;
  for (const c of seq) {
    const step = applyCheckResult(health, c === 'S' ? 'passed' : 'failed', rf, up);
    health = step.health;
    if (step.moved && c === 'F') counted++;
    if (step.transition === 'down') up = false;
    if (step.transition === 'up') up = true;
    healths.push(health);
    transitions.push(step.transition);
  }
  return { healths, transitions, up, counted };
}

const SEQUENCES: readonly {
  name: string;
  health: number;
  up: boolean;
  seq: string;
  healths: number[];
  down: number | undefined;
  upAt: number | undefined;
}[] = [
  { name: 'fully healthy server goes DOWN on exactly the 3rd failure', health: 4, up: true, seq: 'FFF', healths: [3, 2, 0], down: 2, upAt: undefined },
  { name: 'DOWN server comes back UP on exactly the 2nd success', health: 0, up: false, seq: 'SS', healths: [1, 4], down: undefined, upAt: 1 },
  { name: 'one success in the middle of failures refills the whole fall budget', health: 4, up: true, seq: 'FFSFF', healths: [3, 2, 4, 3, 2], down: undefined, upAt: undefined },
  { name: 'a failure while rising starts the rise over', health: 0, up: false, seq: 'SFSS', healths: [1, 0, 1, 4], down: undefined, upAt: 3 },
  { name: 'a freshly started server (health = rise) goes DOWN on its first failure', health: 2, up: true, seq: 'F', healths: [0], down: 0, upAt: undefined },
  { name: 'a freshly started server jumps to the top on its first success', health: 2, up: true, seq: 'SF', healths: [4, 3], down: undefined, upAt: undefined },
  { name: 'successes at the top and failures at 0 leave the counter alone', health: 4, up: true, seq: 'SSFFFFF', healths: [4, 4, 3, 2, 0, 0, 0], down: 4, upAt: undefined },
];

for (const c of SEQUENCES) {
  test(`rise 2 fall 3: ${c.name}`, () => {
    const r = run(RF, c.health, c.up, c.seq);
    assert.deepEqual(r.healths, c.healths);
    assert.equal(r.transitions.indexOf('down') === -1 ? undefined : r.transitions.indexOf('down'), c.down);
    assert.equal(r.transitions.indexOf('up') === -1 ? undefined : r.transitions.indexOf('up'), c.upAt);
  });
}

test('only failures that move the counter count as failed checks (chkfail), as in HAProxy', () => {
  // From the top: 3 failures move it (4→3→2→0); the 2 further ones at 0 do not.
  assert.equal(run(RF, 4, true, 'FFFFF').counted, 3);
});

test('for every rise/fall from 1 to 5: DOWN after exactly fall failures, UP after exactly rise successes', () => {
  for (let rise = 1; rise <= 5; rise++) {
    for (let fall = 1; fall <= 5; fall++) {
      const rf = { rise, fall };
      const down = run(rf, maxHealth(rf), true, 'F'.repeat(fall));
      assert.equal(down.transitions.indexOf('down'), fall - 1, `rise ${rise} fall ${fall} down`);
      const up = run(rf, 0, false, 'S'.repeat(rise));
      assert.equal(up.transitions.indexOf('up'), rise - 1, `rise ${rise} fall ${fall} up`);
      assert.equal(up.healths.at(-1), maxHealth(rf));
    }
  }
});

test('a server is healthy while its counter is at least rise', () => {
  assert.equal(isHealthy(1, RF), false);
  assert.equal(isHealthy(2, RF), true);
  assert.equal(maxHealth(RF), 4);
});

test('servers start at health = rise, as HAProxy ("up, but will fall down at first failure")', () => {
  assert.equal(initialHealth(2, 3), 2);
  assert.equal(initialHealth(5, 1), 5);
});

test('healthProgress gives the X/Y HAProxy prints: failures left while UP, successes so far while DOWN', () => {
  assert.deepEqual(healthProgress(4, RF), { done: 3, of: 3, up: true });
  assert.deepEqual(healthProgress(2, RF), { done: 1, of: 3, up: true });
  assert.deepEqual(healthProgress(1, RF), { done: 1, of: 2, up: false });
});

test('unknown and neutral results leave the counter and state alone', () => {
  assert.deepEqual(applyCheckResult(3, 'unknown', RF, true), { health: 3, moved: false, transition: 'none' });
  assert.deepEqual(applyCheckResult(0, 'neutral', RF, false), { health: 0, moved: false, transition: 'none' });
});

test('check statuses carry HAProxy 2.6 enum codes, short names and log texts', () => {
  const expected: [keyof typeof CHECK_STATUS, number, string, string][] = [
    ['UNKNOWN', 0, 'UNK', 'Unknown'],
    ['INI', 1, 'INI', 'Initializing'],
    ['SOCKERR', 5, 'SOCKERR', 'Socket error'],
    ['L4OK', 6, 'L4OK', 'Layer4 check passed'],
    ['L4TOUT', 7, 'L4TOUT', 'Layer4 timeout'],
    ['L4CON', 8, 'L4CON', 'Layer4 connection problem'],
    ['L6OK', 9, 'L6OK', 'Layer6 check passed'],
    ['L6TOUT', 10, 'L6TOUT', 'Layer6 timeout'],
    ['L6RSP', 11, 'L6RSP', 'Layer6 invalid response'],
    ['L7TOUT', 12, 'L7TOUT', 'Layer7 timeout'],
    ['L7RSP', 13, 'L7RSP', 'Layer7 invalid response'],
    ['L7OK', 15, 'L7OK', 'Layer7 check passed'],
    ['L7OKC', 16, 'L7OKC', 'Layer7 check conditionally passed'],
    ['L7STS', 17, 'L7STS', 'Layer7 wrong status'],
    ['PROCERR', 18, 'PROCERR', 'External check error'],
    ['PROCTOUT', 19, 'PROCTOUT', 'External check timeout'],
    ['PROCOK', 20, 'PROCOK', 'External check passed'],
  ];
  assert.deepEqual(Object.keys(CHECK_STATUS), expected.map((e) => e[0]));
  for (const [key, code, name, desc] of expected) {
    const s = CHECK_STATUS[key];
    assert.deepEqual([s.code, s.name, s.desc], [code, name, desc], key);
    assert.equal(checkStatusOfCode(code), s);
  }
  assert.equal(checkStatusOfCode(99), CHECK_STATUS.UNKNOWN);
});

test('only layer 5-7 statuses print a code in the log', () => {
  assert.equal(hasLayer7Code(CHECK_STATUS.L7OK), true);
  assert.equal(hasLayer7Code(CHECK_STATUS.L7STS), true);
  assert.equal(hasLayer7Code(CHECK_STATUS.L7RSP), false);
  assert.equal(hasLayer7Code(CHECK_STATUS.L4CON), false);
});
