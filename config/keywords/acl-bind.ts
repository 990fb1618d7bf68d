// Binds the named ACLs of a condition to the tests of the section that declared the rule (manual §7: ACLs belong to
// their section), so a compiled rule never looks a name up in another proxy. Kept apart from keywords/acl.ts so that
// sections/proxy-draft.ts can bind inherited rules without an import cycle. Main thread, config parsing; pure.

import type { AclTestSpec, ConditionSpec, ConditionTerm } from '../model.js';

/**
 * The condition with every named term bound to the tests of `acls` (the section that declared the rule), so that
 * it can be compiled anywhere, even in a proxy that inherited the rule from a named defaults section. Terms already
 * bound, and pre-defined names, are left as they are.
 */
export function bindCondition(spec: ConditionSpec, acls: ReadonlyMap<string, readonly AclTestSpec[]>): ConditionSpec {
  const terms = spec.terms?.map((group) =>
    group.map((term): ConditionTerm => {
      if ('anonymous' in term || term.tests !== undefined) return term;
      const tests = acls.get(term.acl);
      return tests === undefined ? term : { ...term, tests };
    }),
  );
  return terms === undefined ? spec : { ...spec, terms };
}
