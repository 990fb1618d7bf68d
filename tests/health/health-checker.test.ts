// The health checker end to end on the main thread, against real servers on 127.0.0.1: rise/fall transitions
// counted check by check, HAProxy's exact log lines and levels, shared-buffer fields, backups, slowstart, stop.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Config, ServerConfig, TcpCheckRule } from '../../config/model.js';
import { CHECK_STATUS } from '../../core/health/check-status.js';
import { HealthChecker } from '../../core/health/health-checker.js';
import type { Logger } from '../../core/log.js';
import { ServerState } from '../../core/shared/layout.js';
import type { SharedState } from '../../core/shared/state-buffer.js';
import { serverSlotIndex } from '../../core/shared/topology.js';
import {
  CheckTarget,
  captureLogger,
  closedPort,
  healthConfig,
  seededState,
  serverConfig,
  type BackendSpec,
  type CapturedLogger,
} from '../support/check-target.js';
import { delay, pollUntil } from '../support/wait.js';

interface Rig {
  readonly config: Config;
  readonly state: SharedState;
  readonly checker: HealthChecker;
  slot(b: number, s: number): ReturnType<SharedState['server']>;
}

/** A started checker over `backends`; stopped in t.after. */
function rig(t: { after(fn: () => Promise<void>): void }, backends: BackendSpec[], logger: Logger, syslog?: Logger): Rig {
  const config = healthConfig(backends);
  const { state, topology } = seededState(config);
  const checker = new HealthChecker(config, state, topology, logger, syslog === undefined ? {} : { syslog });
  t.after(() => checker.stop());
  checker.start();
  return { config, state, checker, slot: (b, s) => state.server(serverSlotIndex(topology, b, s)) };
}

async function targets(t: { after(fn: () => Promise<void>): void }, n: number): Promise<CheckTarget[]> {
  const out: CheckTarget[] = [];
  for (let i = 0; i < n; i++) {
    const target = await CheckTarget.start();
    t.after(() => target.close());
    out.push(target);
  }
  return out;
}

const hasLine = (re: RegExp) => (lines: readonly { message: string }[]) => lines.some((l) => re.test(l.message));

test('an UP server goes DOWN after exactly `fall` failed checks and is back after exactly `rise` successes', async (t) => {
  const [t1, t2, t3] = await targets(t, 3);
  assert.ok(t1 !== undefined && t2 !== undefined && t3 !== undefined);
  const timing: Partial<ServerConfig> = { inter: 1000, fastinter: 30, downinter: 300, rise: 2, fall: 3 };
  const servers = [t1, t2, t3].map((tg, i) => serverConfig(`node${i + 1}`, tg.port, timing));
  const log = captureLogger();
  // What node2's slot said at the moment each line was logged.
  const atLog: { fails: number; health: number; duration: number }[] = [];
  let node2: ReturnType<Rig['slot']> | undefined;
  const logger: Logger = {
    log(level, message) {
      if (node2 !== undefined) {
        atLog.push({ fails: node2.load('checkFails'), health: node2.load('health'), duration: node2.load('checkDurationMs') });
      }
      log.log(level, message);
    },
    close() {},
  };
  const r = rig(t, [{ name: 'ddb_backend', servers }], logger);
  node2 = r.slot(0, 1);
  const slot = node2;
  const backend = r.state.backend(0);
  await pollUntil(() => slot.load('health') === 4, 3000, 'node2 to be fully healthy after its first success');
  assert.equal(backend.load('generation'), 1, 'checks that change no state leave the generation alone');
  assert.equal(slot.load('checkStatus'), CHECK_STATUS.L4OK.code);

  const killedSec = Math.floor(Date.now() / 1000);
  await t2.kill();
  await log.waitFor(hasLine(/is DOWN/), 4000, 'the DOWN line');
  const loggedSec = Math.floor(Date.now() / 1000);
  assert.deepEqual(atLog.map((a) => [a.fails, a.health]), [[3, 0]], 'DOWN exactly at the 3rd failed check');
  assert.deepEqual(log.lines, [
    {
      level: 'warning',
      message:
        `Server ddb_backend/node2 is DOWN, reason: Layer4 connection problem, info: "Connection refused", ` +
        `check duration: ${atLog[0]?.duration}ms. 2 active and 0 backup servers left. ` +
        '0 sessions active, 0 requeued, 0 remaining in queue.',
    },
  ]);
  assert.equal(slot.load('state'), ServerState.DOWN);
  assert.equal(slot.load('downTransitions'), 1);
  assert.equal(slot.load('checkStatus'), CHECK_STATUS.L4CON.code);
  // The change is stamped between the kill and the line (event order, not a time window).
  const changedSec = slot.load('lastChangeSec');
  assert.ok(killedSec <= changedSec && changedSec <= loggedSec, `${killedSec} <= ${changedSec} <= ${loggedSec}`);
  assert.equal(backend.load('activeServers'), 2);
  assert.equal(backend.load('generation'), 2);

  const before = t2.connections.length;
  await t2.revive();
  await log.waitFor(hasLine(/is UP/), 4000, 'the UP line');
  await t2.waitFor(() => t2.connections.length - before >= 2, 2000, 'the two successful checks');
  // Once UP the counter is at the top and the next check is `inter` (1 s) away: no third one can sneak in.
  assert.equal(t2.connections.length - before, 2, 'UP exactly at the 2nd successful check');
  assert.equal(atLog[1]?.health, 4);
  assert.deepEqual(log.lines[1], {
    level: 'warning',
    message:
      `Server ddb_backend/node2 is UP, reason: Layer4 check passed, check duration: ${atLog[1]?.duration}ms. ` +
      '3 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
  });
  assert.equal(slot.load('state'), ServerState.UP);
  assert.equal(slot.load('checkFails'), 3);
  assert.equal(backend.load('activeServers'), 3);
  assert.equal(backend.load('generation'), 3);
});

test('a server dead at start goes DOWN on its first failed check, as HAProxy starts servers at health = rise', async (t) => {
  const [live] = await targets(t, 1);
  assert.ok(live !== undefined);
  const dead = await closedPort();
  const log = captureLogger();
  const r = rig(t, [{ name: 'be', servers: [serverConfig('a', live.port, { inter: 100 }), serverConfig('b', dead, { inter: 100 })] }], log);
  await log.waitFor(hasLine(/is DOWN/), 3000, 'the DOWN line');
  assert.equal(r.slot(0, 1).load('checkFails'), 1);
  assert.match(log.messages()[0] ?? '', /^Server be\/b is DOWN, .* 1 active and 0 backup servers left\. /);
});

test('the last server going down logs "no server available": stderr quoted at alert, syslog unquoted at emerg', async (t) => {
  const [target] = await targets(t, 1);
  assert.ok(target !== undefined);
  await target.kill();
  const stderr = captureLogger();
  const syslog = captureLogger();
  rig(t, [{ name: 'solo', servers: [serverConfig('s', target.port, { inter: 50, rise: 1, fall: 1 })] }], stderr, syslog);
  await stderr.waitFor((l) => l.length >= 2, 3000, 'two lines');
  const down = stderr.lines[0]?.message ?? '';
  assert.match(down, /^Server solo\/s is DOWN, .* 0 active and 0 backup servers left\. 0 sessions active/);
  assert.deepEqual(stderr.lines.map((l) => l.level), ['warning', 'alert']);
  assert.equal(stderr.lines[1]?.message, "backend 'solo' has no server available!");
  assert.deepEqual(syslog.lines, [
    { level: 'alert', message: down },
    { level: 'emerg', message: 'backend solo has no server available!' },
  ]);
  await target.revive();
  await syslog.waitFor((l) => l.length >= 3, 3000, 'the UP line');
  assert.equal(syslog.lines[2]?.level, 'notice');
  assert.equal(stderr.lines[2]?.level, 'warning');
  assert.match(syslog.lines[2]?.message ?? '', /^Server solo\/s is UP, reason: Layer4 check passed/);
});

test('a listen section is a "proxy" in the no-server line', async (t) => {
  const dead = await closedPort();
  const log = captureLogger();
  rig(t, [{ name: 'lst', section: 'listen', servers: [serverConfig('x', dead, { inter: 50 })] }], log);
  await log.waitFor((l) => l.length >= 2, 3000, 'two lines');
  assert.equal(log.lines[1]?.message, "proxy 'lst' has no server available!");
});

test('backups are counted apart, named "Backup Server", and "Running on backup." is said when no active is left', async (t) => {
  const [b] = await targets(t, 1);
  assert.ok(b !== undefined);
  const deadA = await closedPort();
  const deadC = await closedPort();
  const log = captureLogger();
  const r = rig(t, [{
    name: 'bk',
    servers: [
      serverConfig('a', deadA, { inter: 300 }),
      serverConfig('b', b.port, { inter: 300, backup: true }),
      serverConfig('c', deadC, { inter: 300, backup: true }),
    ],
  }], log);
  // First checks are spread 0 / 100 / 200 ms apart, so a's line comes before c's.
  await log.waitFor((l) => l.length >= 2, 3000, 'two DOWN lines');
  assert.match(log.lines[0]?.message ?? '', /^Server bk\/a is DOWN, .*\. 0 active and 2 backup servers left\. Running on backup\. 0 sessions active/);
  assert.match(log.lines[1]?.message ?? '', /^Backup Server bk\/c is DOWN, .*\. 0 active and 1 backup servers left\. Running on backup\. /);
  assert.equal(r.state.backend(0).load('activeServers'), 0);
  assert.equal(r.state.backend(0).load('backupServers'), 1);
});

test('servers without `check` are never probed and keep their state', async (t) => {
  const [unchecked] = await targets(t, 1);
  assert.ok(unchecked !== undefined);
  const dead = await closedPort();
  const log = captureLogger();
  const r = rig(t, [{ name: 'be', servers: [serverConfig('u', unchecked.port, { check: false, inter: 20 }), serverConfig('d', dead, { inter: 20 })] }], log);
  await pollUntil(() => r.slot(0, 1).load('checkFails') >= 1 && r.slot(0, 1).load('health') === 0, 3000, 'checks of d');
  await log.waitFor(hasLine(/is DOWN/), 3000, 'the DOWN line of d');
  assert.equal(unchecked.connections.length, 0);
  assert.equal(r.slot(0, 0).load('state'), ServerState.UP);
  assert.equal(r.slot(0, 0).load('checkStatus'), 0);
});

test('slowstart ramps the effective weight from weight/16 to weight after a server comes back, bumping generation per step', async (t) => {
  const [target] = await targets(t, 1);
  assert.ok(target !== undefined);
  await target.kill();
  const log = captureLogger();
  const r = rig(t, [{ name: 'be', servers: [serverConfig('s', target.port, { inter: 50, rise: 1, fall: 1, weight: 100, slowstart: 2000 })] }], log);
  const slot = r.slot(0, 0);
  const backend = r.state.backend(0);
  await log.waitFor(hasLine(/is DOWN/), 3000, 'the DOWN line');
  assert.equal(slot.load('effectiveWeight'), 100, 'no slowstart at start');
  await target.revive();
  await pollUntil(() => slot.load('state') === ServerState.UP, 3000, 'UP');
  const genAtUp = backend.load('generation');
  const weights = [slot.load('effectiveWeight')];
  await pollUntil(() => {
    const w = slot.load('effectiveWeight');
    if (w !== weights.at(-1)) weights.push(w);
    return w === 100;
  }, 5000, 'full weight');
  assert.equal(weights[0], 7, 'ceil(100 / 16): HAProxy starts the ramp at 1/16 of the weight');
  assert.ok(weights.length >= 3 && weights.some((w) => w > 7 && w < 100), `a visible ramp: ${weights.join(' → ')}`);
  assert.deepEqual([...weights].sort((a, b) => a - b), weights, 'the weight only grows');
  assert.equal(backend.load('generation') - genAtUp, weights.length - 1, 'one generation bump per published weight');
});

test('tcp-check results are logged with their layer 7 code and info, as HAProxy prints them', async (t) => {
  let answer = false;
  const target = await CheckTarget.start((conn) => {
    if (answer) conn.socket.write('PONG\n');
  });
  t.after(() => target.close());
  const SRC = { file: 'test.cfg', line: 1 };
  const rules: TcpCheckRule[] = [
    { kind: 'send', source: SRC, data: Buffer.from('PING\r\n') },
    { kind: 'expect', source: SRC, match: 'string', pattern: 'PONG', negate: false },
  ];
  const log = captureLogger();
  rig(t, [{
    name: 'bk',
    servers: [serverConfig('s', target.port, { inter: 50, rise: 1, fall: 1 })],
    healthCheck: { type: 'tcp-check', rules },
    timeouts: { check: 100, connect: 1000 },
  }], log);
  await log.waitFor(hasLine(/is DOWN/), 3000, 'the DOWN line');
  assert.match(
    log.lines[0]?.message ?? '',
    /^Server bk\/s is DOWN, reason: Layer7 timeout, info: " at step 2 of tcp-check \(expect string 'PONG'\)", check duration: \d+ms\. 0 active/,
  );
  answer = true;
  await log.waitFor(hasLine(/is UP/), 3000, 'the UP line');
  assert.match(
    log.lines.find((l) => /is UP/.test(l.message))?.message ?? '',
    /^Server bk\/s is UP, reason: Layer7 check passed, code: 0, info: "\(tcp-check\)", check duration: \d+ms\. 1 active and 0 backup servers online\./,
  );
});

test('stop() ends the checks: no further connection reaches the servers', async (t) => {
  const [target] = await targets(t, 1);
  assert.ok(target !== undefined);
  const log: CapturedLogger = captureLogger();
  const config = healthConfig([{ name: 'be', servers: [serverConfig('s', target.port, { inter: 20 })] }]);
  const { state, topology } = seededState(config);
  const checker = new HealthChecker(config, state, topology, log);
  checker.start();
  await target.waitFor(() => target.connections.length >= 2, 3000, 'two checks');
  await checker.stop();
  const seen = target.connections.length;
  // Absence can only be observed over a window: five check intervals.
  await delay(100);
  assert.equal(target.connections.length, seen);
});
