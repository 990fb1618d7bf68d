// Scenario: what ACL rules cost on the L7 keep-alive path (issue 11: "an L7 case with 20 ACL rules (path/header/src
// matches, one map lookup) before use_backend: orcalb's CPU per request rises by ≤ 15 % over the same case without
// rules"). Two cases in the same interleaved rounds: the L7 keep-alive config as l7-keepalive runs it, and the same
// with 20 ACLs and 20 use_backend rules in the frontend, none of which matches wrk's `GET /` (so every condition is
// evaluated on every request) and the last a dynamic name through a map. CPU per request per case, then rules ÷ none
// per subject (HAProxy's own rise beside orcalb's). Bench runner main thread.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBackends } from '../backends/backend-launcher.js';
import { CPU_PER } from '../process-figures.js';
import { withSecondBuild, type MetricSpec, type ResultRow, type SubjectName } from '../result-model.js';
import { caseRatioRows } from './case-ratio.js';
import type { Scenario } from './scenario.js';
import { measureInterleavedCases, SEED_MAXCONN } from './subject-rounds.js';
import { LATENCY_METRICS, wrkRound } from './wrk-round.js';

const CONNS = 64;
const SUBJECTS: readonly SubjectName[] = ['orcalb', 'haproxy'];
const METRICS: readonly MetricSpec[] = [{ name: 'requests/s', unit: 'req/s', better: 'higher' }, ...LATENCY_METRICS];

/** The 20 ACLs (7 path, 7 header, 6 src/cookie), each with its use_backend, then the map lookup as the 20th rule. */
export function aclRuleLines(mapFile: string): string[] {
  const acls: [string, string][] = [
    ['p_api', 'path_beg /api/'],
    ['p_admin', 'path_beg -i /admin'],
    ['p_static', 'path_beg /static/ /assets/ /img/'],
    ['p_php', 'path_end .php .jsp'],
    ['p_ver', 'path_reg ^/v[0-9]+/'],
    ['p_dir', 'path_dir internal'],
    ['p_len', 'path_len gt 4096'],
    ['h_host', 'hdr(host) -i example.com www.example.com'],
    ['h_dom', 'hdr_dom(host) -i internal.example'],
    ['h_ua', 'hdr_beg(user-agent) -i curl'],
    ['h_proto', 'hdr_sub(x-forwarded-proto) https'],
    ['h_tenant', 'req.hdr(x-tenant) -m found'],
    ['h_ws', 'hdr(upgrade) -i websocket'],
    ['h_len', 'req.hdr_cnt(cookie) gt 8'],
    ['s_ten', 'src 10.0.0.0/8'],
    ['s_192', 'src 192.168.0.0/16'],
    ['s_172', 'src 172.16.0.0/12'],
    ['s_docs', 'src 198.51.100.0/24 203.0.113.0/24'],
    ['c_sess', 'req.cook(session) -m found'],
  ];
  return [
    ...acls.map(([name, test]) => `acl ${name} ${test}`),
    ...acls.map(([name]) => `use_backend bench_back if ${name}`),
    `use_backend %[req.hdr(host),lower,map(${mapFile},bench_back)]`,
  ];
}

export const l7AclRules: Scenario = {
  id: 'l7-acl-rules',
  title: 'L7 small keep-alive with 20 ACL rules before use_backend ÷ without (CPU per request)',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    const mapFile = join(ctx.tmpDir, 'hosts.map');
    writeFileSync(mapFile, 'example.com bench_back\nwww.example.com bench_back\napi.example.com bench_back\n');
    const rows: ResultRow[] = [];
    try {
      const base = { mode: 'http' as const, servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN };
      const r = await measureInterleavedCases(ctx, {
        scenario: this.id,
        cases: [
          { caseLabel: `c=${CONNS}, no rules`, spec: base },
          { caseLabel: `c=${CONNS}, 20 ACL rules`, spec: { ...base, frontendLines: aclRuleLines(mapFile) } },
        ],
        subjects: SUBJECTS,
        cpu: CPU_PER.request,
        metrics: METRICS,
        measure: (s) => wrkRound(ctx, s, { conns: CONNS, close: false, rate: 'requests/s' }),
      });
      rows.push(...r.rows);
      const [none, rules] = r.tables;
      if (none !== undefined && rules !== undefined) {
        const selected = withSecondBuild(SUBJECTS).filter((s) => ctx.settings.subjects.includes(s));
        const metric: MetricSpec = { name: `${CPU_PER.request.name} with rules ÷ without`, unit: '×', better: 'lower' };
        rows.push(...caseRatioRows(this.id, `c=${CONNS}, 20 ACL rules ÷ none`, metric, CPU_PER.request.name, selected, rules, none));
      }
      return rows;
    } finally {
      await backends.stop();
    }
  },
};
