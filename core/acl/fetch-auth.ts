// HTTP basic authentication against a `userlist` (manual §3.4, §7.3.6): http_auth(<userlist>) is true when the
// request's `Authorization: Basic` credentials name a user of the list with that password; http_auth_group returns
// that user's name, which the ACL `group` match checks against the groups given as patterns. Passwords are checked
// by password-hash.ts; each thread keeps the verdicts of recent Authorization values, since a crypt round costs
// milliseconds and clients send the same header on every request. Forwarder threads, per request with credentials.

import type { UserlistConfig } from '../../config/model.js';
import { spanIs } from '../http1/head-bytes.js';
import type { HeadView } from '../http1/head-view.js';
import { placeMask, type CompileEnv, type Compiled, type EvalFetch, type FetchDescriptor } from './descriptor.js';
import { passwordMatches } from './password-hash.js';
import { SMP } from './sample.js';

const REQUEST_PLACES = placeMask('..YYYYYYYYY...........');
/** Verdicts kept per userlist and thread before the cache starts over (bounded memory under a credential storm). */
const CACHE_LIMIT = 1024;

/** A userlist ready for checks: users by name, with their groups. */
export class CompiledUserlist {
  readonly name: string;
  private readonly users: ReadonlyMap<string, { readonly password: UserlistConfig['users'][number]['password']; readonly groups: ReadonlySet<string> }>;
  /** Authorization value → the user it authenticates, or '' when it does not. */
  private readonly verdicts = new Map<string, string>();

  constructor(config: UserlistConfig) {
    this.name = config.name;
    this.users = new Map(config.users.map((u) => [u.name, { password: u.password, groups: new Set(u.groups) }]));
  }

  /** The user `authorization` (a whole header value) authenticates, or undefined. Allocates. */
  authenticate(authorization: string): string | undefined {
    let user = this.verdicts.get(authorization);
    if (user === undefined) {
      user = this.check(authorization) ?? '';
      if (this.verdicts.size >= CACHE_LIMIT) this.verdicts.clear();
      this.verdicts.set(authorization, user);
    }
    return user === '' ? undefined : user;
  }

  /** True when `user` belongs to one of `groups`. */
  inGroup(user: string, groups: readonly string[]): boolean {
    const u = this.users.get(user);
    return u !== undefined && groups.some((g) => u.groups.has(g));
  }

  hasGroup(group: string): boolean {
    for (const u of this.users.values()) if (u.groups.has(group)) return true;
    return false;
  }

  private check(authorization: string): string | undefined {
    const m = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(authorization);
    if (m === null) return undefined;
    const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const name = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const u = this.users.get(name);
    if (u === undefined) return undefined;
    const ok = u.password.kind === 'clear' ? u.password.value === password : passwordMatches(password, u.password.value);
    return ok ? name : undefined;
  }
}

/** The userlist `name` of the world, compiled once per compile cache. */
export function userlistOf(name: string, env: CompileEnv): CompiledUserlist | undefined {
  const key = `userlist:${name}`;
  const cached = env.cache.get(key);
  if (cached instanceof CompiledUserlist) return cached;
  const config = env.world.userlists?.find((u) => u.name === name);
  if (config === undefined) return undefined;
  const compiled = new CompiledUserlist(config);
  env.cache.set(key, compiled);
  return compiled;
}

/** The value of the request's last Authorization field, or undefined. Allocates the string. */
function authorization(head: HeadView | undefined): string | undefined {
  if (head === undefined || !head.isRequest) return undefined;
  for (let i = head.count - 1; i >= 0; i--) {
    if (head.live(i) && spanIs(head.buf, head.nameStart(i), head.nameEnd(i), 'authorization')) return head.valueString(i);
  }
  return undefined;
}

function userlistArg(args: Parameters<FetchDescriptor['compile']>[0], env: CompileEnv, keyword: string): Compiled<CompiledUserlist> {
  const arg = args[0];
  const name = arg?.kind === 'userlist' ? arg.name : '';
  const list = userlistOf(name, env);
  if (list === undefined) {
    return { error: `unable to find userlist '${name}' referenced in arg 1 of ACL keyword '${keyword}' in proxy '${env.proxyName}'` };
  }
  return list;
}

export const AUTH_FETCHES: readonly FetchDescriptor[] = [
  {
    name: 'http_auth',
    args: { types: ['user list'], mandatory: 1 },
    out: SMP.BOOL,
    use: REQUEST_PLACES,
    source: 'HTTP request headers',
    compile(args, env): Compiled<EvalFetch> {
      const list = userlistArg(args, env, 'http_auth');
      if (!(list instanceof CompiledUserlist)) return list;
      return (ctx, s) => {
        const value = authorization(ctx.head);
        return s.setBool(value !== undefined && list.authenticate(value) !== undefined);
      };
    },
  },
  {
    name: 'http_auth_group',
    args: { types: ['user list'], mandatory: 1 },
    out: SMP.STR,
    use: REQUEST_PLACES,
    source: 'HTTP request headers',
    compile(args, env): Compiled<EvalFetch> {
      const list = userlistArg(args, env, 'http_auth_group');
      if (!(list instanceof CompiledUserlist)) return list;
      return (ctx, s) => {
        const value = authorization(ctx.head);
        const user = value === undefined ? undefined : list.authenticate(value);
        if (user === undefined) return false;
        const bytes = Buffer.from(user, 'utf8');
        return s.setStr(bytes, 0, bytes.length);
      };
    },
  },
];
