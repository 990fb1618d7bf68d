// `var(<scope>.<name>[,<default>])` (manual §7.3.1): a variable set by set-var / set-var-fmt, read from the
// connection's VarStore (core/acl/vars.ts); the default string when it is not set. Forwarder threads, hot path:
// a read allocates nothing.

import { ANYWHERE, type FetchDescriptor } from './descriptor.js';
import { SMP } from './sample.js';
import { parseVarName } from './vars.js';


export const VAR_FETCHES: readonly FetchDescriptor[] = [
  {
    name: 'var',
    args: { types: ['string', 'string'], mandatory: 1 },
    // HAProxy types it "any": its output is whatever was stored, and an ACL must name its -m (measured: "matching
    // method must be specified first"); binary is the declared type that asks for one.
    out: SMP.BIN,
    use: ANYWHERE,
    source: 'internal state',
    compile(args) {
      const arg = args[0];
      const parsed = parseVarName(arg?.kind === 'str' ? arg.text : '');
      if ('error' in parsed) return { error: parsed.error };
      if (parsed.scope === 'proc') return { error: "orcalb does not implement 'proc' variables (its forwarders are threads)" };
      const fallback = args[1]?.kind === 'str' ? Buffer.from(args[1].text, 'latin1') : undefined;
      const { scope, name } = parsed;
      return (ctx, out) => {
        if (ctx.vars.get(scope, name, out)) return true;
        return fallback === undefined ? false : out.setStr(fallback, 0, fallback.length);
      };
    },
  },
];
