// `timeout <event> <time>` (manual §4.2 "timeout ...") and the pre-2.1 `contimeout`/`clitimeout`/`srvtimeout`,
// with HAProxy 2.6's error texts for bad values. Values are milliseconds in config/model.ts Timeouts.
// Main thread, config parsing.

import type { Timeouts } from '../model.js';
import { hasBackendCap, hasFrontendCap, type ProxyLineContext } from '../sections/proxy-draft.js';
import { parseTime, trailingTimeWarning } from '../units.js';

interface TimeoutSpec {
  /** Field in Timeouts; undefined for timeouts orcalb knows but does not implement. */
  readonly field: keyof Timeouts | undefined;
  /** Which side of a proxy uses it (§4.1 matrix); 'both' for those valid in frontends and backends. */
  readonly side: 'frontend' | 'backend' | 'both';
}

/** §4.1 rows `timeout ...`, in the order HAProxy lists them in its "supports" error. */
const TIMEOUTS: Readonly<Record<string, TimeoutSpec>> = {
  client: { field: 'client', side: 'frontend' },
  server: { field: 'server', side: 'backend' },
  connect: { field: 'connect', side: 'backend' },
  check: { field: 'check', side: 'backend' },
  queue: { field: 'queue', side: 'backend' },
  'http-keep-alive': { field: 'httpKeepAlive', side: 'both' },
  'http-request': { field: 'httpRequest', side: 'both' },
  tunnel: { field: 'tunnel', side: 'backend' },
  tarpit: { field: 'tarpit', side: 'both' },
  'client-fin': { field: 'clientFin', side: 'frontend' },
  'server-fin': { field: 'serverFin', side: 'backend' },
};

/** The removed 2.0 spellings and what replaced them. */
const LEGACY: Readonly<Record<string, string>> = {
  contimeout: 'connect',
  clitimeout: 'client',
  srvtimeout: 'server',
};

/** `timeout <event> <value>`: sets one field of the proxy's Timeouts. Reports every HAProxy error form. */
export function parseTimeoutLine(ctx: ProxyLineContext): void {
  const { args, at, diag } = ctx;
  const event = args[1] ?? '';
  const spec = TIMEOUTS[event];
  if (spec === undefined) {
    const names = Object.keys(TIMEOUTS).map((n) => `'${n}'`);
    const list = `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
    diag.error('ORCA_CONFIG_BAD_VALUE', `'timeout' supports ${list} (got '${event}')`, at, {
      found: event,
    });
    return;
  }
  applyTimeout(ctx, event, spec, 2);
}

/** `contimeout 5s` and friends: accepted as the `timeout` they became, with a "deprecated" warning. */
export function parseLegacyTimeoutLine(ctx: ProxyLineContext): void {
  const keyword = ctx.args[0] ?? '';
  const event = LEGACY[keyword] ?? 'connect';
  const spec = TIMEOUTS[event];
  if (spec === undefined) return;
  ctx.diag.warn(
    `'${keyword}' is deprecated (HAProxy 2.1 removed it); read as 'timeout ${event}', please use that`,
    ctx.at,
  );
  applyTimeout(ctx, event, spec, 1);
}

function applyTimeout(ctx: ProxyLineContext, event: string, spec: TimeoutSpec, valueIndex: number): void {
  const { args, at, diag, proxy } = ctx;
  const name = `timeout ${event}`;
  const value = args[valueIndex] ?? '';
  // `timeout queue 5 s` is a classic slip; HAProxy refuses it rather than guessing.
  const extra = args[valueIndex + 1];
  if (extra !== undefined) {
    diag.badValue(`'${name}' : unexpected extra argument '${extra}' after value '${value}'.`, at);
    return;
  }
  const t = parseTime(value);
  switch (t.kind) {
    case 'empty':
      diag.badValue(`'${name}' expects an integer value (in milliseconds)`, at);
      return;
    case 'bad-char':
      diag.badValue(`unexpected character '${t.char}' in '${name}'`, at, { found: value });
      return;
    case 'overflow':
      diag.badValue(
        `timer overflow in argument '${value}' to '${name}' (maximum value is 2147483647 ms or ~24.8 days)`,
        at,
        { found: value },
      );
      return;
    case 'ok':
      if (t.trailing !== undefined) diag.warn(trailingTimeWarning(value, t.trailing), at);
  }
  // The value is checked first and ignored afterwards, as HAProxy does, so a bad value is never hidden.
  const wrongSide =
    (spec.side === 'frontend' && !hasFrontendCap(proxy.kind)) ||
    (spec.side === 'backend' && !hasBackendCap(proxy.kind));
  if (wrongSide) {
    const missing = spec.side === 'frontend' ? 'frontend' : 'backend';
    diag.warn(`'${name}' will be ignored because ${proxy.kind} '${proxy.name}' has no ${missing} capability`, at);
    return;
  }
  if (spec.field === undefined) {
    diag.notImplemented(name, at);
    return;
  }
  // HAProxy reads 0 as "no timeout" (eternity), which config/model.ts spells as an unset field.
  if (t.ms === 0) delete proxy.timeouts[spec.field];
  else proxy.timeouts[spec.field] = t.ms;
}
