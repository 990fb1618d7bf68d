// The stick-table fetches (manual §7.3.3: sc_*, sc0_*…sc2_*, src_*, table_cnt, table_avl) as a family of the
// registry: core/stick/stick-fetches.ts implements them over the tables and the connection's tracked counters; this
// file gives each its HAProxy signature and places (`haproxy -dKsmp`), resolves table names against the world's
// tables, and adapts the result to a Sample. Compile: main thread and forwarders at start; evaluation: forwarder
// threads, hot path, one clock read and nothing allocated.

import { stickNow } from '../stick/stick-clock.js';
import { NO_SAMPLE, STICK_FETCH_NAMES, stickFetch, type StickFetchDef } from '../stick/stick-fetches.js';
import { placeMask, type FetchDescriptor } from './descriptor.js';
import { SMP } from './sample.js';

/** `-dKsmp` rows: sc_*, sc<N>_* and table_* run everywhere but the configuration parser; src_* not in the CLI. */
const SC_PLACES = placeMask('YYYYYYYYYYYYYYYYYYYY.Y');
const SRC_PLACES = placeMask('YYYYYYYYYYYYYYYYYYYY..');

function descriptor(def: StickFetchDef): FetchDescriptor {
  const bool = def.output === 'bool';
  return {
    name: def.name,
    args: { types: def.argTypes, mandatory: def.mandatory },
    out: bool ? SMP.BOOL : SMP.SINT,
    use: def.reads === 'client address' ? SRC_PLACES : SC_PLACES,
    source: def.reads,
    compile(args, env) {
      const words = args.map((a) => (a.kind === 'int' ? String(a.value) : a.kind === 'table' ? a.name : ''));
      const scope = {
        proxyName: env.proxyName,
        tableIndex: (name: string) => {
          const i = env.world.stickTables?.findIndex((t) => t.name === name) ?? -1;
          return i < 0 ? undefined : i;
        },
      };
      const f = def.compile(words, scope);
      if (typeof f !== 'function') {
        return {
          error:
            f.kind === 'unknown-table'
              ? `unable to find table '${f.table}' referenced in arg ${f.arg} of ACL keyword '${def.name}' in proxy '${env.proxyName}'`
              : f.message,
        };
      }
      return (ctx, out) => {
        const v = f(ctx, stickNow());
        if (v === NO_SAMPLE) return false;
        return bool ? out.setBool(v !== 0) : out.setInt(v);
      };
    },
  };
}

export const STICK_FETCHES: readonly FetchDescriptor[] = STICK_FETCH_NAMES.map((name) => {
  const def = stickFetch(name);
  if (def === undefined) throw new Error(`stick fetch ${name} has no definition`);
  return descriptor(def);
});
