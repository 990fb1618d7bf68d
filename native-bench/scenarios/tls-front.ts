// Scenarios: TLS termination (issue 14), orcalb and haproxy side by side on the same `bind … ssl crt` config: full
// handshakes per second (our tls-handshake-client: a new connection without a session per request, RSA 2048 and
// ECDSA P-256 certificates), resumed handshakes per second (wrk `Connection: close`: wrk offers each connection's
// last session again, so every handshake after the first per connection slot resumes), keep-alive requests over TLS,
// and 1 MiB responses over TLS (wrk). CPU per unit first (both spend the handshakes in OpenSSL), then the rate and
// latencies. Certificates are made once per scenario with the openssl CLI in the temp dir. Bench runner main thread.

import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBackends } from '../backends/backend-launcher.js';
import { runGenerator } from '../load/generator-run.js';
import { CPU_PER, WORK_DONE } from '../process-figures.js';
import type { CpuWindow } from '../process-cpu.js';
import type { MetricSpec, ResultRow } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario, ScenarioContext } from './scenario.js';
import { LATENCY_METRICS, MAX_ERROR_SHARE, wrkRound } from './wrk-round.js';

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

/**
 * One TLS case: `close` makes every request a new connection (wrk: a resumed handshake after each slot's first);
 * `full` makes them full handshakes with our generator instead of wrk.
 */
async function tlsCase(ctx: ScenarioContext, id: string, label: string, crt: string, o: { close: boolean; full?: boolean; bulk?: boolean; rate: string; metrics: readonly MetricSpec[] }): Promise<ResultRow[]> {
  const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
  try {
    return await measureInterleaved(ctx, {
      scenario: id,
      caseLabel: label,
      spec: { mode: 'http', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN, bindWords: `ssl crt ${crt} alpn http/1.1` },
      subjects: ['orcalb', 'haproxy'],
      cpu: o.bulk === true ? CPU_PER.mib : o.close ? CPU_PER.connection : CPU_PER.request,
      metrics: o.metrics,
      measure: (s, cpu) =>
        o.full === true
          ? fullHandshakes(ctx, s.ports[0] ?? 0, o.rate, cpu)
          : wrkRound(ctx, s, { conns: CONNS, close: o.close, rate: o.rate, https: true, ...(o.bulk === true ? { bulk: true } : {}) }),
    });
  } finally {
    await backends.stop();
  }
}

/** One run of the full-handshake generator against `port`, shaped as a wrk round's figures. */
async function fullHandshakes(ctx: ScenarioContext, port: number, rate: string, cpu: CpuWindow): Promise<Record<string, number>> {
  const r = await runGenerator(
    ctx.group,
    'tls-handshake-client',
    ['--port', String(port), '--sessions', String(CONNS), '--duration', String(ctx.settings.durationS)],
    ctx.layout.load,
    ctx.settings.durationS,
    cpu,
  );
  const calls = r['calls'] ?? Number.NaN;
  const errors = r['errors'] ?? Number.NaN;
  if (!(errors <= calls * MAX_ERROR_SHARE)) throw new Error(`${errors} failed handshakes in ${calls}`);
  return { [WORK_DONE]: calls, [rate]: r['callsPerS'] ?? Number.NaN, 'p50 latency': r['p50Ms'] ?? Number.NaN, 'p99 latency': r['p99Ms'] ?? Number.NaN };
}

const HANDSHAKE_METRICS: readonly MetricSpec[] = [{ name: 'handshakes/s', unit: 'conn/s', better: 'higher' }, ...LATENCY_METRICS];

export const tlsHandshakes: Scenario = {
  id: 'tls-handshake',
  title: 'TLS full handshakes (a new HTTPS connection without a session per request, RSA 2048 and ECDSA P-256)',
  async run(ctx) {
    const rows: ResultRow[] = [];
    for (const kind of ['rsa', 'ecdsa'] as const) {
      rows.push(...(await tlsCase(ctx, this.id, `${kind} c=${CONNS}`, makeCert(ctx.tmpDir, kind), { close: true, full: true, rate: 'handshakes/s', metrics: HANDSHAKE_METRICS })));
    }
    return rows;
  },
};

export const tlsResumed: Scenario = {
  id: 'tls-resume',
  title: 'TLS resumed handshakes (wrk `Connection: close`: each connection offers its last session ticket again)',
  usesWrk: true,
  run(ctx) {
    return tlsCase(ctx, this.id, `ecdsa c=${CONNS}`, makeCert(ctx.tmpDir, 'ecdsa'), { close: true, rate: 'handshakes/s', metrics: HANDSHAKE_METRICS });
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
