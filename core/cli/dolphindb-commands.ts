// orcalb's own runtime command (not in haproxy): `set dolphindb B/S score-cost C` — under `balance dolphindb-load
// [COST]`, this node's cost of one connection placed since its last load reading (a load fraction 0..10, e.g. 0.05),
// instead of the backend's COST: a node known to take heavier sessions fills up sooner. The health thread publishes
// it (server word scoreCost); the balancers read it at their next pick. Stats thread.

import { placementCost } from '../balance/dolphindb-load.js';
import type { CliCommand } from './cli-command.js';
import { serverByPath } from './show-servers.js';

export const DOLPHINDB_COMMANDS: readonly CliCommand[] = [
  {
    words: ['set', 'dolphindb'],
    level: 'admin',
    help: { usage: 'set dolphindb <bk>/<srv> score-cost <c>', text: "change a DolphinDB node's cost of a placed connection" },
    run: async (ctx, [word, keyword, value]) => {
      const target = serverByPath(ctx, word);
      if (!target.ok) return target.answer;
      if (keyword !== 'score-cost') return 'usage: set dolphindb <backend>/<server> score-cost <cost>\n';
      if (target.be.balance.algorithm !== 'dolphindb-load') return "Backend is not using 'balance dolphindb-load'.\n";
      const cost = value === undefined ? undefined : placementCost([value]);
      if (cost === undefined) return 'Require a score cost between 0 and 10 (a load fraction, e.g. 0.05).\n';
      try {
        const command = { op: 'score-cost', cost } as const;
        return (await ctx.relay({ kind: 'server', backend: target.be.name, server: target.srv.name, command })).message ?? '';
      } catch (e) {
        return `${e instanceof Error ? e.message : String(e)}\n`;
      }
    },
  },
];
