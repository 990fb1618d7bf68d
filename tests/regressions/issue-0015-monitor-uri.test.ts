// Issue 15: `monitor-uri` with `monitor fail if { nbsrv(be) lt 1 }`, what the keepalived pair's check polls
// (config/examples/keepalived/): 200 while a server of the backend is up, 503 once the health checks took the last
// one down, 200 again when it is back; HAProxy 2.6.12's exact bytes (status line, headers, page), the monitor URI
// compared whole (a query string makes it an ordinary request), and `curl -f` (the check script) exits 0 / 22.
// Side by side with haproxy on the same backend. Test-runner thread.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startHttpBackends } from '../support/http-backends.js';
import { rawRequest } from '../support/http-client.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT } from '../support/lb-subject.js';
import { pollUntil } from '../support/wait.js';

function config(front: number, server: number): string {
  return `
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:${front}
    monitor-uri /lb-health
    monitor fail if { nbsrv(be) lt 1 }
    default_backend be
backend be
    server s1 127.0.0.1:${server} check inter 100ms fall 1 rise 1
`;
}

const GET = 'GET /lb-health HTTP/1.1\r\nhost: lb\r\n\r\n';

/** The whole answer as the client saw it: head and body. */
async function answer(port: number, request = GET): Promise<string> {
  const r = await rawRequest(port, request);
  return r.head + r.body.toString('latin1');
}

/** `curl -fsS -m 2 URL`'s exit status, as keepalived's check script runs it. */
function curlStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    execFile('curl', ['-fsS', '-o', '/dev/null', '-m', '2', url], (error) => {
      resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : -1);
    });
  });
}

test('monitor-uri answers 200, then 503 under monitor fail once the last server is down, as haproxy 2.6.12 does', async (t) => {
  const farm = await startHttpBackends(['s1']);
  t.after(() => farm.close());
  const server = farm.ports()[0] ?? 0;
  const ports = { haproxy: await freeTcpPort(), orcalb: await freeTcpPort() };
  const ha = await HAPROXY_SUBJECT.start(config(ports.haproxy, server), ports.haproxy);
  t.after(() => ha.stop());
  const orca = await ORCALB_SUBJECT.start(config(ports.orcalb, server), ports.orcalb);
  t.after(() => orca.stop());
  const statusIs = (code: number) => async (): Promise<boolean> =>
    (await rawRequest(ports.haproxy, GET)).status === code && (await rawRequest(ports.orcalb, GET)).status === code;

  await pollUntil(statusIs(200), 5000, 'both answer 200 on the monitor URI', 50);
  const up = await answer(ports.orcalb);
  assert.equal(up, await answer(ports.haproxy));
  assert.match(up, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Service ready\./);
  assert.equal(await curlStatus(`http://127.0.0.1:${ports.orcalb}/lb-health`), 0);
  // The URI is compared whole: with a query string the request goes to the backend.
  const other = await rawRequest(ports.orcalb, 'GET /lb-health?x=1 HTTP/1.1\r\nhost: lb\r\n\r\n');
  assert.equal(other.body.toString(), 's1\n');
  assert.equal(farm.requests.some((r) => r.head.startsWith('GET /lb-health ')), false, 'the monitor URI never reaches a server');

  await farm.stop('s1');
  await pollUntil(statusIs(503), 5000, 'both answer 503 once s1 is down', 50);
  const down = await answer(ports.orcalb);
  assert.equal(down, await answer(ports.haproxy));
  assert.match(down, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  // curl -f: 22 on an HTTP error, the status keepalived's vrrp_script reads as a failed check.
  assert.equal(await curlStatus(`http://127.0.0.1:${ports.orcalb}/lb-health`), 22);
});
