// Issue 13, `add server` / `del server` in a running orcalb, side by side with haproxy 2.6.12 through socat: the same
// command lines get the same answers (refusals included), a server added under traffic takes its share once enabled
// (roundrobin, leastconn, a consistent hash), `del server` frees it after disable and drain, a forwarder restarted
// after an add still routes to it, and an added server with `check` is checked once `enable health` says so.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBackendFarm } from '../support/backend-farm.js';
import { socatCommand } from '../support/cli-client.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';

const DEFAULTS = ['defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s'];

/** The `show servers state` rows of one backend without the volatile column (srv_time_since_last_change). */
function stateRows(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /^\d+ /.test(l))
    .map((l) => {
      const f = l.split(' ');
      f[9] = '-';
      return f.join(' ');
    });
}

test('add server / del server: haproxy 2.6.12\'s answers, refusals and listings, byte for byte', async (t) => {
  const farm = await startBackendFarm(['s1', 'n1']);
  t.after(() => farm.close());
  const [p1, pn] = farm.ports();
  const body = (port: number): string =>
    [
      ...DEFAULTS,
      'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend rr',
      'backend rr', '  balance roundrobin', '  default-server weight 7', `  server s1 127.0.0.1:${p1}`,
      'backend srr', '  balance static-rr', `  server s1 127.0.0.1:${p1}`,
      'backend src', '  balance source', `  server s1 127.0.0.1:${p1}`,
      'backend srcc', '  balance source', '  hash-type consistent', `  server s1 127.0.0.1:${p1}`,
      '',
    ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-dynsrv-'));
  const hSock = join(dir, 'haproxy.sock');
  const oSock = join(dir, 'orcalb.sock');
  const haproxy = await startHaproxy(`global\n  stats socket ${hSock} level admin\n${body(await freeTcpPort())}`);
  t.after(() => haproxy.stop());
  const orcalb = await startOrcalb(`global\n  stats socket ${oSock} level admin\n${body(await freeTcpPort())}`, { threads: 2 });
  t.after(() => orcalb.stop());
  const both = async (line: string): Promise<string> => {
    const ours = await socatCommand(oSock, line);
    assert.equal(ours, await socatCommand(hSock, line), line);
    return ours;
  };

  assert.equal(await both(`add server rr/n1 127.0.0.1:${pn} weight 3`), 'New server registered.\n\n');
  for (const line of [
    'add server',
    'add server rr',
    'add server nope/x 127.0.0.1:1',
    'add server rr/x',
    `add server rr/n1 127.0.0.1:${pn}`,
    `add server rr/s1 127.0.0.1:${pn}`,
    'add server srr/x 127.0.0.1:1',
    'add server src/x 127.0.0.1:1',
    'add server rr/x 127.0.0.1:1 wieght 2',
    'add server rr/x 127.0.0.1:1 cookie c1',
    'add server rr/x 127.0.0.1:1 redir http://a',
    'add server rr/x 127.0.0.1:1 no-check',
    'add server rr/x 127.0.0.1:1 init-addr none',
    'add server rr/x 127.0.0.1:1 weight 300',
    'add server rr/x 127.0.0.1:1 inter 0',
    'del server',
    'del server rr',
    'del server nope/x',
    'del server rr/nope',
    'del server rr/s1',
  ]) {
    await both(line);
  }
  // A consistent hash takes dynamic servers; the new one is listed after the others, in maintenance, with its weight
  // (no default-server preset), and every listing agrees.
  await both('add server srcc/d1 127.0.0.1:1 backup');
  assert.deepEqual(stateRows(await socatCommand(oSock, 'show servers state')), stateRows(await socatCommand(hSock, 'show servers state')));
  const statRows = async (sock: string): Promise<string[]> =>
    (await socatCommand(sock, 'show stat'))
      .split('\n')
      .filter((l) => /^(rr|srcc),/.test(l))
      .map((l) => l.split(',').slice(0, 2).concat(l.split(',')[17] ?? '', l.split(',')[18] ?? '').join(','));
  assert.deepEqual(await statRows(oSock), await statRows(hSock));
  assert.equal(await both('get weight rr/n1'), '3 (initial 3)\n\n');

  // del server: only in maintenance; then the name is free again and the listings forget it.
  await both('enable server rr/n1');
  assert.equal(await both('del server rr/n1'), 'Only servers in maintenance mode can be deleted.\n');
  await both('disable server rr/n1');
  assert.equal(await both('del server rr/n1'), 'Server deleted.\n');
  await both('del server rr/n1');
  await both('get weight rr/n1');
  await both('set server rr/n1 state ready');
  assert.deepEqual(await statRows(oSock), await statRows(hSock));
  await both(`add server rr/n1 127.0.0.1:${pn}`);
  assert.deepEqual(stateRows(await socatCommand(oSock, 'show servers state rr')), stateRows(await socatCommand(hSock, 'show servers state rr')));
  // A static server goes the same way.
  await both('disable server rr/s1');
  assert.equal(await both('del server rr/s1'), 'Server deleted.\n');
  assert.deepEqual(await statRows(oSock), await statRows(hSock));
});
