// ACL names in `if`/`unless` conditions (manual §7.4 pre-defined ACLs, §7 `acl`): orcalb does not evaluate
// conditions yet, but reports a condition naming an ACL that does not exist, as HAProxy 2.6 does at parse time.
// Main thread, config parsing.

/** §7.4 pre-defined ACLs: usable in conditions without an `acl` line. */
const PREDEFINED_ACLS = new Set([
  'FALSE', 'HTTP', 'HTTP_1.0', 'HTTP_1.1', 'HTTP_2.0', 'HTTP_CONTENT', 'HTTP_URL_ABS', 'HTTP_URL_SLASH',
  'HTTP_URL_STAR', 'LOCALHOST', 'METH_CONNECT', 'METH_DELETE', 'METH_GET', 'METH_HEAD', 'METH_OPTIONS',
  'METH_POST', 'METH_PUT', 'METH_TRACE', 'RDP_COOKIE', 'REQ_CONTENT', 'TRUE', 'WAIT_END',
]);

/**
 * The first ACL name in an `if`/`unless` condition that is neither pre-defined nor declared in the proxy, or
 * undefined. Operators (`!`, `||`, `or`) and anonymous `{ ... }` ACLs are skipped. Pure.
 */
export function unknownAcl(condition: readonly string[], declared: readonly string[]): string | undefined {
  let depth = 0;
  for (const raw of condition) {
    if (raw === '{') depth++;
    else if (raw === '}') depth--;
    if (depth > 0 || raw === '}' || raw === '||' || raw === 'or' || raw === '!') continue;
    const name = raw.replace(/^!/, '');
    if (!PREDEFINED_ACLS.has(name) && !declared.includes(name)) return name;
  }
  return undefined;
}

/**
 * True for the conditions orcalb evaluates without an ACL engine: the single pre-defined ACL `TRUE` or `FALSE`
 * (so `if TRUE`, `unless FALSE`, and the never-true `if FALSE`, `unless TRUE`). core/forward/header-rules.ts
 * evaluates exactly these (tests/config/fail-closed.test.ts checks the two agree). Pure.
 */
export function isConstantCondition(condition: readonly string[]): boolean {
  return condition.length === 1 && (condition[0] === 'TRUE' || condition[0] === 'FALSE');
}
