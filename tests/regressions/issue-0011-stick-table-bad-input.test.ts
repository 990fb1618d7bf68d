// Issue 11, stick tables: before, `stick-table`, `http-request track-sc*` and `stick …` lines were only warned
// about and ignored whatever they said, so a broken one (a missing size, a rate without its period, a table that
// does not exist) passed `orcalb -c` while `haproxy -c` refused it. Now each is parsed, and refused with haproxy
// 2.6.12's own text, side by side with haproxy -c (valid ones: tests/stick/stick-config.test.ts).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runHaproxyCli } from '../support/haproxy-process.js';
import { load, rendered, tempConfigDir, TIMEOUTS } from '../support/config-load.js';

/** [the line, in backend `b` of an HTTP config; haproxy 2.6.12's alert, after its location]. */
const REFUSED: readonly (readonly [string, string])[] = [
  ['stick-table type ip', 'stick-table: missing size.'],
  ['stick-table type ip size 10 store http_req_rate', "stick-table: missing argument to store option 'http_req_rate'."],
  ['stick-table type ip size 10 store foo', "stick-table: unknown store option 'foo'."],
  ['stick-table type ipx size 10', "stick-table: unknown type 'ipx'."],
  ['stick-table type ip size 10 expire 30d', 'stick-table: timer overflow in argument <30d> to <expire>, maximum value is 2147483647 ms (~24.8 days).'],
  ['http-request track-sc0 src table nope', "Proxy 'b': unable to find table 'nope' referenced by track-sc0."],
  ['http-request track-sc3 src', "error detected in backend 'b' while parsing 'http-request track-sc3' rule : 3 track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value."],
  ['stick on src', "Proxy 'b': unable to find stick-table 'b'."],
  ['stick foo src', "'stick' expects 'on', 'match', or 'store'."],
];

function configText(line: string): string {
  return `defaults\n  mode http\n${TIMEOUTS}\nbackend b\n  ${line}\n  server s 127.0.0.1:1\n`;
}

test("a bad stick-table, track-sc or stick line is refused with haproxy 2.6.12's text, side by side with haproxy -c", async (t) => {
  const dir = await tempConfigDir(t, Object.fromEntries(REFUSED.map(([line], i) => [`${i}.cfg`, configText(line)])));
  for (const [i, [line, text]] of REFUSED.entries()) {
    const haproxy = await runHaproxyCli(['-c', '-f', join(dir, `${i}.cfg`)]);
    const alert = /\[ALERT\][^:]*: config : (?:parsing \[[^\]]*\] ?: )?(.*)$/m.exec(haproxy.stderr)?.[1];
    assert.equal(alert, text, `haproxy: ${line}`);
    const ours = rendered(await load(configText(line))).errors;
    assert.ok(
      ours.some((e) => e.endsWith(` : ${text}`)),
      `${line}: ${ours.join(' | ') || '(no error)'}`,
    );
  }
});
