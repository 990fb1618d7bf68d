// Issue 11, the L7 wiring: HTTP sessions evaluate ACLs, switch backends per request, track sticky counters and run
// stick rules, side by side with haproxy 2.6.12 on the same config text. Until this wiring, orcalb refused every
// config here (acl, use_backend, stick on: the fail-closed table). A keep-alive client whose requests alternate
// between backends must reach each backend's own server (never a connection to the other backend's server), a
// dynamic use_backend naming no backend falls back to the default, no backend at all is a 503, and `stick on src`
// keeps each client address on one server across fresh connections and threads.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawHttpConnection, rawRequest } from '../support/http-client.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject } from '../support/lb-subject.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

const DEFAULTS = ['defaults', '  mode http', '  timeout connect 2s', '  timeout client 5s', '  timeout server 5s'];

function switchingConfig(port: number, bare: number, ports: readonly number[]): string {
  return [
    'global',
    '  nbthread 2',
    ...DEFAULTS,
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  acl is_api path_beg /api',
    '  acl from_two src 127.0.0.2',
    '  use_backend be_api if is_api',
    '  use_backend %[req.hdr(x-backend),lower] if { req.hdr(x-backend) -m found }',
    '  use_backend be_two if from_two',
    '  default_backend be_web',
    'frontend nodefault',
    `  bind 127.0.0.1:${bare}`,
    '  use_backend be_api if { path_beg /api }',
    'backend be_web',
    `  server web 127.0.0.1:${ports[0]}`,
    'backend be_api',
    `  server api 127.0.0.1:${ports[1]}`,
    'backend be_two',
    `  server two 127.0.0.1:${ports[2]}`,
    '',
  ].join('\n');
}

function stickConfig(port: number, ports: readonly number[]): string {
  return [
    'global',
    '  nbthread 2',
    ...DEFAULTS,
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  default_backend be',
    'backend be',
    '  balance roundrobin',
    '  stick-table type ip size 1k expire 30s',
    '  stick on src',
    `  server a 127.0.0.1:${ports[0]}`,
    `  server b 127.0.0.1:${ports[1]}`,
    '',
  ].join('\n');
}

/** The server that answered (the farm's `x-server`), '' for none. */
function server(headers: readonly (readonly [string, string])[]): string {
  return headers.find(([n]) => n === 'x-server')?.[1] ?? '';
}

for (const subject of SUBJECTS) {
  describe(`use_backend and ACLs per request: ${subject.name}`, () => {
    let backends: HttpBackends;
    let lb: LbProcess;
    let port: number;
    /** The second frontend's port: it has no default backend. */
    let bare: number;
    before(async () => {
      backends = await startHttpBackends(['web', 'api', 'two']);
      port = await freeTcpPort();
      bare = await freeTcpPort();
      for (let i = 0; i < 10 && bare === port; i++) bare = await freeTcpPort();
      lb = await subject.start(switchingConfig(port, bare, backends.ports()), port);
    });
    after(async () => {
      // A failed start leaves no process: the backends still close, so the file ends.
      try {
        await lb?.stop();
      } finally {
        await backends?.close();
      }
    });

    test('a keep-alive connection alternating paths reaches each backend, never the other backend’s server connection', async (t) => {
      const c = await RawHttpConnection.open(port);
      t.after(() => c.destroy());
      const seen: string[] = [];
      for (const path of ['/api/1', '/x', '/api/2', '/y', '/y2', '/api/3']) {
        c.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
        seen.push(server((await c.response()).headers));
      }
      assert.deepEqual(seen, ['api', 'web', 'api', 'web', 'web', 'api']);
      assert.equal(c.closed, false);
      // What each server received: only its own backend's paths.
      const paths = (name: string): string[] => backends.requests.filter((r) => r.server === name).map((r) => r.head.split(' ')[1] ?? '');
      assert.deepEqual(paths('api'), ['/api/1', '/api/2', '/api/3']);
      assert.deepEqual(paths('web'), ['/x', '/y', '/y2']);
    });

    test('a dynamic use_backend names a backend; a name that is no backend falls back to default_backend', async () => {
      const named = await rawRequest(port, 'GET /z HTTP/1.1\r\nHost: t\r\nX-Backend: BE_TWO\r\nConnection: close\r\n\r\n');
      assert.equal(server(named.headers), 'two');
      const unknown = await rawRequest(port, 'GET /z HTTP/1.1\r\nHost: t\r\nX-Backend: nosuch\r\nConnection: close\r\n\r\n');
      assert.equal(unknown.status, 200);
      assert.equal(server(unknown.headers), 'web');
    });

    test('an ACL on the client address chooses the backend', async (t) => {
      const c = await RawHttpConnection.open(port, '127.0.0.2');
      t.after(() => c.destroy());
      c.write('GET /z HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal(server((await c.response()).headers), 'two');
    });

    test('no use_backend applies and no default_backend: 503, and the next request of the connection is served', async (t) => {
      const c = await RawHttpConnection.open(bare);
      t.after(() => c.destroy());
      c.write('GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal((await c.response()).status, 503);
      c.write('GET /api/x HTTP/1.1\r\nHost: t\r\n\r\n');
      const res = await c.response();
      assert.equal(res.status, 200);
      assert.equal(server(res.headers), 'api');
    });
  });

  describe(`stick on src: ${subject.name}`, () => {
    let backends: HttpBackends;
    let lb: LbProcess;
    let port: number;
    before(async () => {
      backends = await startHttpBackends(['a', 'b']);
      port = await freeTcpPort();
      lb = await subject.start(stickConfig(port, backends.ports()), port);
    });
    after(async () => {
      // A failed start leaves no process: the backends still close, so the file ends.
      try {
        await lb?.stop();
      } finally {
        await backends?.close();
      }
    });

    test('each client address stays on the server its first request got, over fresh connections', async () => {
      const servedTo = async (address: string): Promise<string[]> => {
        const out: string[] = [];
        for (let i = 0; i < 8; i++) {
          const c = await RawHttpConnection.open(port, address);
          c.write('GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
          out.push(server((await c.response()).headers));
          c.destroy();
        }
        return out;
      };
      const one = await servedTo('127.0.0.1');
      const two = await servedTo('127.0.0.3');
      assert.equal(new Set(one).size, 1, `127.0.0.1 went to ${one.join(',')}`);
      assert.equal(new Set(two).size, 1, `127.0.0.3 went to ${two.join(',')}`);
      // Round robin gave the second address the other server (nothing else sticks it there).
      assert.notEqual(one[0], two[0]);
    });
  });
}
