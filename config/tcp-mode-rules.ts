// Rules whose HTTP-mode version runs but whose TCP-mode one does not yet (issue 11): `stick` rules in a `mode tcp`
// backend (TCP dispatch does not match or store). They are judged as the fail-closed table says
// (config/not-implemented.ts: persistence only, a warning), once the proxy's mode is known, which only the end of
// parsing tells (`mode` may come after the rule). Main thread, validation.

import type { ParsedConfig } from './config-parser.js';
import type { Diagnostics } from './diagnostics.js';
import { hasBackendCap } from './sections/proxy-draft.js';

/** Judges the TCP-mode rules no session runs yet. Never throws. */
export function refuseTcpModeRules(parsed: ParsedConfig, diag: Diagnostics): void {
  for (const p of parsed.proxies) {
    if (p.mode !== 'tcp') continue;
    const stick = p.stick.stickRules[0];
    if (hasBackendCap(p.kind) && stick !== undefined) {
      diag.notImplemented('stick in mode tcp', stick.source, 'the rule is ignored');
    }
  }
}
