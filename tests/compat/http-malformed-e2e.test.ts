// Issue 3's table-driven check, end to end: every request of the malformed/ambiguous corpus is sent to a running
// `orcalb --threads 2` and to a running haproxy 2.6.12 (same mode-http config, each with its own recording backend).
// orcalb must refuse (with the same status), forward or close exactly when haproxy does, and where both forward, the
// backend must receive the same head (header-name case aside; known deliberate deviations are marked in the corpus).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freeTcpPort, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { classifyThroughProxy, startHttpRecorder, type HttpRecorder } from '../support/http-verdict.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { HTTP_CORPUS } from './http-malformed-corpus.js';

function config(front: number, backend: number): string {
  return [
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 2s',
    '  timeout server 2s',
    '  option http-server-close',
    'frontend fe',
    `  bind 127.0.0.1:${front}`,
    '  default_backend be',
    'backend be',
    `  server s1 127.0.0.1:${backend}`,
    '',
  ].join('\n');
}

/** The request heads a backend received, names lower-cased, each proxy's own Connection header dropped. */
function heads(forwarded: string): string {
  return forwarded
    .split(/\r\n\r\n/)
    .filter((part) => /^[A-Za-z]+ \S+ HTTP\//.test(part))
    .map((head) =>
      head
        .split('\r\n')
        .map((line, i) => (i === 0 ? line : line.replace(/^[^:]+/, (n) => n.toLowerCase())))
        .filter((line) => !/^connection: /.test(line))
        .join('\n'),
    )
    .join('\n--\n');
}

describe('malformed HTTP corpus end to end: orcalb answers exactly as haproxy does', () => {
  let haRecorder: HttpRecorder;
  let orcaRecorder: HttpRecorder;
  let haproxy: HaproxyProcess;
  let orcalb: OrcalbProcess;
  let haPort: number;
  let orcaPort: number;

  before(async () => {
    haRecorder = await startHttpRecorder();
    orcaRecorder = await startHttpRecorder();
    haPort = await freeTcpPort();
    orcaPort = await freeTcpPort();
    haproxy = await startHaproxy(config(haPort, haRecorder.port), { readyPort: haPort });
    orcalb = await startOrcalb(config(orcaPort, orcaRecorder.port), { threads: 2 });
  });
  after(async () => {
    await Promise.all([haproxy.stop(), orcalb.stop()]);
    await Promise.all([haRecorder.close(), orcaRecorder.close()]);
  });

  for (const c of HTTP_CORPUS) {
    test(`${c.name}: same verdict${c.headDeviation === undefined ? ' and forwarded head' : ''}`, async () => {
      const [ha, orca] = await Promise.all([
        classifyThroughProxy(haPort, haRecorder, c.raw),
        classifyThroughProxy(orcaPort, orcaRecorder, c.raw),
      ]);
      assert.deepEqual(orca.verdict, ha.verdict, `orcalb answered ${JSON.stringify(orca.answer.slice(0, 60))}`);
      if (ha.verdict.verdict === 'forwarded' && c.headDeviation === undefined) {
        assert.equal(heads(orca.forwarded), heads(ha.forwarded));
      }
    });
  }
});
