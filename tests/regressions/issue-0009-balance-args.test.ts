// Issue 9, one owner for `balance`: each algorithm's descriptor parses its own arguments once, at config load, with
// HAProxy's wording (they were checked three times before, with texts of orcalb's own). Side by side, `haproxy -c`
// refuses each line below with a text that orcalb's error must end with, word for word; the model then keeps the
// parsed arguments, so the forwarders read them without parsing again.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runHaproxyCli } from '../support/haproxy-process.js';
import { backendNamed, load, rendered, tempConfigDir, TIMEOUTS, validConfig } from '../support/config-load.js';

// `balance` lines haproxy 2.6.12 refuses, each with the text it prints (measured; asserted below too).
const REFUSED: readonly (readonly [string, string])[] = [
  ['random(0)', 'balance random : number of draws must be at least 1.'],
  ['random(x)', "balance random : unexpected character 'x' after argument."],
  ['random(1.5)', "balance random : unexpected character '.' after argument."],
  ['hdr()', 'balance hdr requires an http header field name.'],
  ['hdr(Host) foo', "balance hdr(Host) only accepts 'use_domain_only' modifier (got 'foo')."],
  ['uri len', "balance uri : 'len' expects a positive integer (got '')."],
  ['uri len 0', "balance uri : 'len' expects a positive integer (got '0')."],
  ['uri depth -1', "balance uri : 'depth' expects a positive integer (got '-1')."],
  ['uri bogus', "balance uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got 'bogus')."],
  ['url_param', 'balance url_param requires an URL parameter name.'],
  ['url_param sid post', "balance url_param only accepts 'check_post' modifier (got 'post')."],
];

function configText(line: string): string {
  return `defaults\n  mode http\n${TIMEOUTS}\nbackend b\n  balance ${line}\n  server s 127.0.0.1:1\n`;
}

test('a bad balance argument gets haproxy 2.6.12\'s own error text, side by side with haproxy -c', async (t) => {
  const dir = await tempConfigDir(t, Object.fromEntries(REFUSED.map(([line], i) => [`${i}.cfg`, configText(line)])));
  for (const [i, [line, text]] of REFUSED.entries()) {
    const haproxy = await runHaproxyCli(['-c', '-f', join(dir, `${i}.cfg`)]);
    const alert = /\[ALERT\].*parsing \[[^\]]*\] : (.*)$/m.exec(haproxy.stderr)?.[1];
    assert.equal(alert, text, `haproxy: balance ${line}`);
    const ours = rendered(await load(configText(line))).errors;
    assert.equal(ours.length, 1, `balance ${line}: ${ours.join(' | ')}`);
    assert.ok(ours[0]?.endsWith(` : ${text}`), `balance ${line}: ${ours[0] ?? ''}`);
  }
});

test('the model keeps the arguments each algorithm parsed, and a TCP backend\'s L7 hash falls back to roundrobin\'s', async () => {
  const c = validConfig(await load(configText('uri len 10 depth 2 whole')));
  assert.deepEqual(backendNamed(c, 'b').balance.args, { kind: 'uri', len: 10, depth: 2, whole: true, pathOnly: false });
  const tcp = validConfig(await load(`defaults\n  mode tcp\n${TIMEOUTS}\nbackend b\n  balance hdr(Host)\n  server s 127.0.0.1:1\n`));
  assert.deepEqual([backendNamed(tcp, 'b').balance.algorithm, backendNamed(tcp, 'b').balance.args], ['roundrobin', { kind: 'none' }]);
});
