// orcalb's own DolphinDB keywords: `option dolphindb-check [user U password P] [script S]` maps to
// HealthCheckConfig { type: 'dolphindb' } in the style of HAProxy's mysql-check/pgsql-check, and `balance
// dolphindb-load` is accepted (core/balance/registry.ts registers it).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getAlgorithm } from '../../core/balance/registry.js';
import { TIMEOUTS, backendNamed, load, oneWarning, rendered, validConfig } from '../support/config-load.js';

/** Loads one backend whose lines follow its header (line 1), timeouts after them. */
async function backendOf(lines: readonly string[]) {
  const r = await load(['backend b', ...lines.map((l) => `  ${l}`), TIMEOUTS].join('\n'));
  return { r, b: backendNamed(validConfig(r), 'b') };
}

async function errorsOf(lines: readonly string[]): Promise<string[]> {
  return rendered(await load(['backend b', ...lines.map((l) => `  ${l}`), TIMEOUTS].join('\n'))).errors;
}

describe('option dolphindb-check', () => {
  test('without arguments it runs version() without a login', async () => {
    const { r, b } = await backendOf(['option dolphindb-check', 'server s 127.0.0.1:8848 check']);
    assert.deepEqual(b.healthCheck, { type: 'dolphindb', rules: [], dolphindb: { script: 'version()' } });
    // Implemented: no "not implemented" warning for it.
    assert.equal(rendered(r).warnings.filter((w) => w.includes('dolphindb-check')).length, 0);
  });

  test('user, password and a quoted script with spaces are kept, in any order', async () => {
    const { b } = await backendOf(['option dolphindb-check script "select count(*) from t" user admin password 123456']);
    assert.deepEqual(b.healthCheck.dolphindb, { user: 'admin', password: '123456', script: 'select count(*) from t' });
    const { b: login } = await backendOf(['option dolphindb-check user admin password 123456']);
    assert.deepEqual(login.healthCheck.dolphindb, { user: 'admin', password: '123456', script: 'version()' });
  });

  test('the last check option wins, as with HAProxy check options', async () => {
    const { b } = await backendOf(['option dolphindb-check', 'option tcp-check']);
    assert.deepEqual(b.healthCheck, { type: 'tcp-check', rules: [] });
    const { b: back } = await backendOf(['option httpchk', 'option dolphindb-check user u password p']);
    assert.equal(back.healthCheck.type, 'dolphindb');
    // Inherited from defaults like any option.
    const c = validConfig(await load(`defaults\n  option dolphindb-check script 1+1\n${TIMEOUTS}\nbackend x`));
    assert.deepEqual(backendNamed(c, 'x').healthCheck.dolphindb, { script: '1+1' });
  });

  test('malformed arguments are errors in the style of HAProxy check options', async () => {
    const cases: [string, string][] = [
      ['option dolphindb-check user', "'option dolphindb-check user' expects <username> as argument."],
      ['option dolphindb-check user admin password', "'option dolphindb-check password' expects <password> as argument."],
      ['option dolphindb-check script ""', "'option dolphindb-check script' expects <script> as argument."],
      ['option dolphindb-check user admin', "'option dolphindb-check' expects 'user <username>' and 'password <password>' together."],
      ['option dolphindb-check password x', "'option dolphindb-check' expects 'user <username>' and 'password <password>' together."],
      ['option dolphindb-check login admin', "'option dolphindb-check' only supports optional values: 'user', 'password' and 'script' (got 'login')."],
      ['no option dolphindb-check', "negation/default is not supported for option 'dolphindb-check'."],
    ];
    for (const [line, message] of cases) {
      assert.deepEqual(await errorsOf([line]), [`[t.cfg:2] : ${message}`], line);
    }
  });

  test('a frontend ignores it with HAProxy capability warning', async () => {
    const r = await load(`frontend f\n  bind 127.0.0.1:18000\n  option dolphindb-check\n${TIMEOUTS}`);
    validConfig(r);
    oneWarning(r, "[t.cfg:3] : 'dolphindb-check' ignored because frontend 'f' has no backend capability.");
  });
});

describe('balance dolphindb-load', () => {
  test('is accepted as the registered algorithm, with no warning', async () => {
    const { r, b } = await backendOf(['balance dolphindb-load', 'option dolphindb-check']);
    assert.ok(getAlgorithm('dolphindb-load') !== undefined);
    assert.equal(b.balance.algorithm, 'dolphindb-load');
    assert.deepEqual(r.warnings.filter((w) => w.message.includes('dolphindb')), []);
  });

  test('a misspelt name is still an unknown algorithm', async () => {
    const [error] = await errorsOf(['balance dolphindb-loads']);
    assert.match(error ?? '', /^\[t\.cfg:2\] : 'balance' : unknown algorithm 'dolphindb-loads'/);
  });
});

describe('option dolphindb-inspect / dolphindb-drain-idle / dolphindb-rebalance (issue 16)', () => {
  test('are read in a mode tcp backend, rebalance with its defaults or its arguments', async () => {
    const { r, b } = await backendOf(['mode tcp', 'option dolphindb-inspect', 'option dolphindb-drain-idle', 'option dolphindb-rebalance idle 200ms max-per-sec 5']);
    assert.deepEqual(rendered(r).errors, []);
    assert.equal(b.options.dolphindbInspect?.line, 3);
    assert.equal(b.options.dolphindbDrainIdle?.line, 4);
    assert.equal(b.options.dolphindbRebalance?.idleMs, 200);
    assert.equal(b.options.dolphindbRebalance?.maxPerSec, 5);
    const plain = await backendOf(['mode tcp', 'option dolphindb-rebalance']);
    assert.equal(plain.b.options.dolphindbRebalance?.idleMs, 1000);
    assert.equal(plain.b.options.dolphindbRebalance?.maxPerSec, 10);
    const off = await backendOf(['mode tcp', 'option dolphindb-inspect', 'no option dolphindb-inspect']);
    assert.equal(off.b.options.dolphindbInspect, undefined);
  });

  test('are refused in mode http with a clear error, and bad arguments are errors', async () => {
    const [http] = await errorsOf(['mode http', 'option dolphindb-drain-idle']);
    assert.match(http ?? '', /'option dolphindb-drain-idle' works in 'mode tcp' only .* is in mode http/);
    for (const [line, re] of [
      ['option dolphindb-rebalance idle soon', /expects a time/],
      ['option dolphindb-rebalance max-per-sec 0', /from 1 to 100000/],
      ['option dolphindb-rebalance every 5s', /expects \[idle <time>\] \[max-per-sec <n>\]/],
    ] as const) {
      const errors = await errorsOf(['mode tcp', line]);
      assert.equal(errors.length, 1, line);
      assert.match(errors[0] ?? '', re, line);
    }
  });

  test('dolphindb-inspect is read in mode http too; json-affinity needs mode http and the backend\'s string stick table', async () => {
    const ok = await backendOf(['mode http', 'option dolphindb-inspect', 'stick-table type string len 32 size 1k expire 1h', 'option dolphindb-json-affinity']);
    assert.deepEqual(rendered(ok.r).errors, []);
    assert.equal(ok.b.options.dolphindbInspect?.line, 3);
    assert.equal(ok.b.options.dolphindbJsonAffinity?.line, 5);
    const [noTable] = await errorsOf(['mode http', 'option dolphindb-json-affinity']);
    assert.match(noTable ?? '', /needs 'stick-table type string/);
    const [ipTable] = await errorsOf(['mode http', 'stick-table type ip size 1k', 'option dolphindb-json-affinity']);
    assert.match(ipTable ?? '', /needs 'stick-table type string/);
    const [tcp] = await errorsOf(['mode tcp', 'stick-table type string len 32 size 1k', 'option dolphindb-json-affinity']);
    assert.match(tcp ?? '', /'option dolphindb-json-affinity' works in 'mode http' only/);
  });
});
