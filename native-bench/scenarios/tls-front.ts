// Scenarios: TLS termination (issue 14), orcalb and haproxy side by side on the same `bind … ssl crt` config, wrk
// over https: full handshakes per second (a new connection per request, RSA 2048 and ECDSA P-256 certificates),
// keep-alive requests over TLS, and 1 MiB responses over TLS. CPU per unit first (both spend the handshakes in
// OpenSSL), then the rate and latencies. Certificates are made once per scenario with the openssl CLI in the temp
// dir. Bench runner main thread.

import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBackends } from '../backends/backend-launcher.js';
import { CPU_PER } from '../process-figures.js';
import type { MetricSpec, ResultRow } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario, ScenarioContext } from './scenario.js';
import { LATENCY_METRICS, wrkRound } from './wrk-round.js';

const CONNS = 64;

/** A self-signed bundle PEM (certificate + key) of the given key type, in dir; returns its path. */
function makeCert(dir: string, kind: 'rsa' | 'ecdsa'): string {
  const key = join(dir, `bench-${kind}.key`);
  const crt = join(dir, `bench-${kind}.crt`);
  const alg = kind === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  execFileSync('openssl', ['req', '-x509', ...alg, '-nodes', '-keyout', key, '-out', crt, '-days', '30', '-subj', '/CN=bench.example'], { stdio: 'ignore' });
  const pem = join(dir, `bench-${kind}.pem`);
  writeFileSync(pem, readFileSync(crt, 'utf8') + readFileSync(key, 'utf8'));
  return pem;
}

/** One TLS case: `close` makes every request a new connection (a full handshake). */
async function tlsCase(ctx: ScenarioContext, id: string, label: string, crt: string, o: { close: boolean; bulk?: boolean; rate: string; metrics: readonly MetricSpec[] }): Promise<ResultRow[]> {
  const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
  try {
    return await measureInterleaved(ctx, {
      scenario: id,
      caseLabel: label,
      spec: { mode: 'http', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN, bindWords: `ssl crt ${crt} alpn http/1.1` },
      subjects: ['orcalb', 'haproxy'],
      cpu: o.bulk === true ? CPU_PER.mib : o.close ? CPU_PER.connection : CPU_PER.request,
      metrics: o.metrics,
      measure: (s) => wrkRound(ctx, s, { conns: CONNS, close: o.close, rate: o.rate, https: true, ...(o.bulk === true ? { bulk: true } : {}) }),
    });
  } finally {
    await backends.stop();
  }
}

export const tlsHandshakes: Scenario = {
  id: 'tls-handshake',
  title: 'TLS full handshakes (a new HTTPS connection per request, RSA 2048 and ECDSA P-256)',
  usesWrk: true,
  async run(ctx) {
    const metrics: readonly MetricSpec[] = [{ name: 'handshakes/s', unit: 'conn/s', better: 'higher' }, ...LATENCY_METRICS];
    const rows: ResultRow[] = [];
    for (const kind of ['rsa', 'ecdsa'] as const) {
      rows.push(...(await tlsCase(ctx, this.id, `${kind} c=${CONNS}`, makeCert(ctx.tmpDir, kind), { close: true, rate: 'handshakes/s', metrics })));
    }
    return rows;
  },
};

export const tlsKeepAlive: Scenario = {
  id: 'tls-keepalive',
  title: 'TLS keep-alive requests (13-byte responses over HTTPS)',
  usesWrk: true,
  run(ctx) {
    const metrics: readonly MetricSpec[] = [{ name: 'requests/s', unit: 'req/s', better: 'higher' }, ...LATENCY_METRICS];
    return tlsCase(ctx, this.id, `ecdsa c=${CONNS}`, makeCert(ctx.tmpDir, 'ecdsa'), { close: false, rate: 'requests/s', metrics });
  },
};

export const tlsBulk: Scenario = {
  id: 'tls-bulk',
  title: 'TLS bulk (1 MiB responses over HTTPS keep-alive)',
  usesWrk: true,
  run(ctx) {
    const metrics: readonly MetricSpec[] = [{ name: 'throughput', unit: 'MB/s', better: 'higher' }, ...LATENCY_METRICS];
    return tlsCase(ctx, this.id, `ecdsa c=${CONNS}`, makeCert(ctx.tmpDir, 'ecdsa'), { close: false, bulk: true, rate: 'throughput', metrics });
  },
};
