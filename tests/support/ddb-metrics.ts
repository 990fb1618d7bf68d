// Test support: orcalb's /metrics read back as samples, and the sum of the samples of one name whose labels match
// (the per-node, per-kind counts of `option dolphindb-inspect`). Test-runner thread; 127.0.0.1 only.

import assert from 'node:assert/strict';
import { rawRequest } from './http-client.js';
import { parseExposition, type PromSample } from './prometheus-exposition.js';

/** GET /metrics on 127.0.0.1:port (a frontend with the prometheus-exporter service): every sample, in order. */
export async function scrapeSamples(port: number, timeoutMs = 5000): Promise<PromSample[]> {
  const res = await rawRequest(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', timeoutMs);
  assert.equal(res.status, 200);
  return parseExposition(res.body.toString()).flatMap((f) => f.samples);
}

/** The sum of the values of the samples named `name` whose labels include every pair of `match`. */
export function sampleSum(samples: readonly PromSample[], name: string, match: Readonly<Record<string, string>>): number {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels.get(k) === v))
    .reduce((a, s) => a + s.value, 0);
}
