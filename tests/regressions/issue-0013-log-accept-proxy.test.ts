// Issue 13, traffic log lines behind `bind ... accept-proxy` (manual §5.1): the line names the client and the
// frontend address the PROXY header announced (%ci %cp %fi %fp), not the proxy's own connection, as haproxy 2.6.12
// logs them; in HTTP and in TCP mode, with a v1 header; a LOCAL (v2) header leaves the connection's own addresses.
// Side by side on one UDP sink. Test-runner thread; both balancers are child processes (tests/support/log-side-by-side.ts).

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { startLogRun } from '../support/log-side-by-side.js';

/** A PROXY v2 LOCAL header (a health check of the proxy in front): no addresses. */
const V2_LOCAL = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00]);

async function run(t: TestContext, subject: LbSubject): Promise<string[]> {
  const [http, tcp] = [await freeTcpPort(), await freeTcpPort()];
  const { syslog } = await startLogRun(t, subject, http, (sink) => [`  log 127.0.0.1:${sink} local2`], () => [
    'frontend fh',
    '  mode http',
    `  bind 127.0.0.1:${http} accept-proxy`,
    '  log-format "H %ci:%cp %fi:%fp %ft %b/%s %ST %tsc %r"',
    '  default_backend bh',
    'frontend ft',
    '  mode tcp',
    `  bind 127.0.0.1:${tcp} accept-proxy`,
    '  log-format "T %ci:%cp %fi:%fp %ft %b/%s %ts"',
    '  default_backend bt',
  ]);
  const localPorts: number[] = [];
  const exchange = async (port: number, header: string | Buffer, path: string): Promise<void> => {
    const c = await RawHttpConnection.open(port);
    localPorts.push(c.socket.localPort ?? 0);
    c.write(header);
    c.write(`GET ${path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    assert.equal((await c.response()).status, 200, `${subject.name} ${path}`);
    await c.waitClosed();
    c.destroy();
  };
  await exchange(http, 'PROXY TCP4 1.2.3.4 5.6.7.8 111 222\r\n', '/v1');
  await exchange(http, 'PROXY TCP6 2001:db8::1 2001:db8::2 333 444\r\n', '/v1-6');
  await exchange(http, V2_LOCAL, '/local');
  await exchange(tcp, 'PROXY TCP4 9.8.7.6 5.4.3.2 1111 2222\r\n', '/tcp');
  await syslog.waitFor((m) => m.length >= 4, 8000, `${subject.name}: four lines`);
  // The LOCAL header's line shows the connection's own ports (the client's, the balancer's): masked. Two forwarder
  // threads may send their lines in either order: sorted.
  const ports = [...localPorts, http, tcp];
  return syslog.messages().map((m) => ports.reduce((text, p) => text.replaceAll(`:${p} `, ':PORT '), m.text)).sort();
}

test('behind accept-proxy the line names the addresses the PROXY header announced, as haproxy 2.6.12', async (t) => {
  const h = await run(t, HAPROXY_SUBJECT);
  const o = await run(t, ORCALB_SUBJECT);
  const raw = `haproxy:\n${h.join('\n')}\norcalb:\n${o.join('\n')}`;
  assert.deepEqual(o, h, raw);
  assert.ok(o.includes('H 1.2.3.4:111 5.6.7.8:222 fh bh/s1 200 ---- GET /v1 HTTP/1.1'), raw);
  assert.ok(o.includes('T 9.8.7.6:1111 5.4.3.2:2222 ft bt/s1 --'), raw);
});
