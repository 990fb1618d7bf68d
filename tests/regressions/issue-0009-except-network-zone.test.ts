// Issue 9, one network codec: an `except` network with an IPv6 zone id (`fe80::1%eth0`). config/ used to parse
// networks with a second IPv6 parser of its own, which Node's isIP let zones into: some threw a RangeError out of
// config loading (`0::%eth0`), others became a different network (`::4:0:0:6%a:b` read as `…:6:b`), others were
// accepted with the zone silently dropped. HAProxy 2.6.12 reads the address with inet_pton and refuses every one of
// them; side by side with `haproxy -c`, orcalb now gives the same error text, for both options.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runHaproxyCli } from '../support/haproxy-process.js';
import { load, rendered, tempConfigDir, TIMEOUTS } from '../support/config-load.js';

const ZONED = ['0::%eth0', '::%a:b/8', 'fe80::1%eth0', 'fe80::1%eth0/64', '0:4::6%a:b', '1:2:3:4:5:6:7:8%a:b:c'];
const OPTIONS = ['forwardfor', 'originalto'] as const;

function configText(option: string, network: string): string {
  const line = `option ${option} except ${network}`;
  return `defaults\n  mode http\n${TIMEOUTS}\nbackend b\n  ${line}\n  server s 127.0.0.1:1\n`;
}

test('an except network with a zone id gets haproxy 2.6.12\'s error, never a throw or another network', async (t) => {
  const cases = OPTIONS.flatMap((option) => ZONED.map((network) => [option, network] as const));
  const dir = await tempConfigDir(t, Object.fromEntries(cases.map(([o, n], i) => [`${i}.cfg`, configText(o, n)])));
  for (const [i, [option, network]] of cases.entries()) {
    const text = `'option ${option} except' expects <address>[/mask] as argument.`;
    const haproxy = await runHaproxyCli(['-c', '-f', join(dir, `${i}.cfg`)]);
    const alert = /\[ALERT\].*parsing \[[^\]]*\] : (.*)$/m.exec(haproxy.stderr)?.[1];
    assert.equal(alert, text, `haproxy: option ${option} except ${network}`);
    const ours = rendered(await load(configText(option, network))).errors;
    assert.equal(ours.length, 1, `option ${option} except ${network}: ${ours.join(' | ')}`);
    assert.ok(ours[0]?.endsWith(` : ${text}`), `option ${option} except ${network}: ${ours[0] ?? ''}`);
  }
});
