// Issue 8 (config checks), at run time: two frontends binding the same address (haproxy binds both with
// SO_REUSEPORT and the kernel spreads connections), server port offsets (`:+2`: the port the client connected to,
// or the PROXY header's destination with accept-proxy, plus two), and UNIX socket binds (`/path` and `unix@path`,
// with `mode`/`user`/`group`, PROXY UNKNOWN for their clients). Side by side with haproxy 2.6.12 in both accept
// modes. Test-runner thread; TCP on 127.0.0.1 only.

import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { lookupGroupId, lookupUserId } from '../../config/system-accounts.js';
import { requestTag, startBackendFarm, type BackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_REUSEPORT_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT, ORCALB_REUSEPORT_SUBJECT];
const T = '    timeout connect 2s\n    timeout client 30s\n    timeout server 30s';

/**
 * A farm server at the port p + 2 of a free port p (bounded search), for a frontend on p with a `:+2` server. +2
 * rather than +1: Linux hands bind(0) odd ports and connect() even ones, so on a busy machine p + 1 is often taken
 * by some client's connection while p + 2 is free.
 */
async function farmAboveFreePort(name: string): Promise<{ front: number; farm: BackendFarm }> {
  for (let i = 0; i < 50; i++) {
    const p = await freeTcpPort();
    if (p + 2 > 65535) continue;
    const farm = await startBackendFarm([name], { ports: [p + 2] }).catch(() => undefined);
    if (farm !== undefined) return { front: p, farm };
  }
  throw new Error('no free port p with p + 2 free too');
}

/** Sends `bytes` on a new connection to `target` and resolves with the first line that comes back. */
function firstLine(target: { port: number } | { path: string }, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = 'path' in target ? connect(target.path) : connect(target.port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => fail(new Error(`no line within 5 s (got ${JSON.stringify(got)})`)), 5000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      s.destroy();
      reject(e);
    };
    s.on('error', fail);
    s.on('connect', () => s.write(bytes));
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const nl = got.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      s.destroy();
      resolve(got.slice(0, nl));
    });
  });
}

for (const subject of SUBJECTS) {
  describe(subject.name, () => {
    test('two frontends on one address: both bound, connections spread over both', async (t) => {
      const farm = await startBackendFarm(['s1', 's2']);
      t.after(() => farm.close());
      const front = await freeTcpPort();
      const cfg = `defaults\n    mode tcp\n${T}\n` +
        `frontend a\n    bind 127.0.0.1:${front}\n    default_backend ba\n` +
        `frontend b\n    bind 127.0.0.1:${front}\n    default_backend bb\n` +
        `backend ba\n    server s1 127.0.0.1:${farm.port('s1')}\n` +
        `backend bb\n    server s2 127.0.0.1:${farm.port('s2')}\n`;
      const lb = await subject.start(cfg, front);
      t.after(() => lb.stop());
      const tags = new Set<string>();
      // Each new client port hashes anew; both frontends answering within 60 tries is all but certain.
      for (let i = 0; i < 60 && tags.size < 2; i++) tags.add((await requestTag(front, `spread-${i}`)).tag);
      assert.deepEqual([...tags].sort(), ['s1', 's2']);
    });

    test('server port offsets: :+2 from the port the client connected to, or from the PROXY header destination', async (t) => {
      const { front, farm } = await farmAboveFreePort('direct');
      t.after(() => farm.close());
      // The announced destination is only a number in the header: nothing has to listen there.
      const other = await startBackendFarm(['announced']);
      t.after(() => other.close());
      const announced = other.port('announced') - 2;
      const proxied = await freeTcpPort();
      const cfg = `defaults\n    mode tcp\n${T}\n` +
        `frontend f\n    bind 127.0.0.1:${front}\n    bind 127.0.0.1:${proxied} accept-proxy\n    default_backend b\n` +
        'backend b\n    server s 127.0.0.1:+2\n';
      const lb = await subject.start(cfg, front);
      t.after(() => lb.stop());
      assert.equal((await requestTag(front, 'offset')).tag, 'direct');
      const header = `PROXY TCP4 192.0.2.7 127.0.0.1 40000 ${announced}\r\n`;
      assert.equal(await firstLine({ port: proxied }, header), 'announced');
    });

    test('UNIX socket binds: /path with mode 600 user nobody group nogroup, unix@path as the umask leaves it; PROXY UNKNOWN', async (t) => {
      const farm = await startBackendFarm(['s1'], { expectProxy: true });
      t.after(() => farm.close());
      const dir = await mkdtemp(join(tmpdir(), 'orcalb-unix-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const owned = join(dir, 'owned.sock');
      const plain = join(dir, 'plain.sock');
      const front = await freeTcpPort();
      // The TCP bind comes last: once it listens, every listener of the frontend is bound.
      const cfg = `defaults\n    mode tcp\n${T}\n` +
        `frontend f\n    bind ${owned} mode 600 user nobody group nogroup\n    bind unix@${plain}\n` +
        `    bind 127.0.0.1:${front}\n    default_backend b\n` +
        `backend b\n    server s1 127.0.0.1:${farm.port('s1')} send-proxy\n`;
      const lb = await subject.start(cfg, front);
      t.after(() => lb.stop());

      const o = await stat(owned);
      assert.ok(o.isSocket());
      assert.equal(o.mode & 0o777, 0o600);
      assert.equal(o.uid, lookupUserId('nobody'));
      assert.equal(o.gid, lookupGroupId('nogroup'));
      const p = await stat(plain);
      assert.equal(p.mode & 0o777, 0o777 & ~process.umask());
      assert.equal(p.uid, process.getuid?.());

      for (const path of [owned, plain]) {
        assert.equal(await firstLine({ path }, `${path}-marker\n`), 's1');
        await farm.waitFor(() => farm.dataConnections('s1').some((r) => r.received.startsWith(`${path}-marker`)), 5000, path);
        const rec = farm.dataConnections('s1').find((r) => r.received.startsWith(`${path}-marker`));
        assert.equal(rec?.proxyLine, 'PROXY UNKNOWN');
      }
    });
  });
}
