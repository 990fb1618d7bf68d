// Test support: orcalb's count of dropped log lines (show info DroppedLogs: the rings' drops and the writer's refused
// sends), read from a Prometheus exporter frontend's /metrics. Test-runner thread.

import assert from 'node:assert/strict';
import { httpExchange } from './http-exchange.js';

/** haproxy_process_dropped_logs_total from the exporter on `prom` (a frontend with `use-service prometheus-exporter`). */
export async function droppedLogs(prom: number): Promise<number> {
  const m = /^haproxy_process_dropped_logs_total (\d+)$/m.exec((await httpExchange(prom, 'GET', '/metrics')).body);
  assert.ok(m !== null, 'haproxy_process_dropped_logs_total in /metrics');
  return Number(m[1]);
}
