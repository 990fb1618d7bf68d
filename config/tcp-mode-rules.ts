// Rules whose HTTP-mode version runs but whose TCP-mode one does not yet (issue 11): `use_backend` in a `mode tcp`
// frontend (the TCP sessions keep the default backend) and `stick` rules in a `mode tcp` backend (TCP dispatch does
// not match or store). They are refused as the fail-closed table says (config/not-implemented.ts), once the proxy's
// mode is known, which only the end of parsing tells (`mode` may come after the rule). Main thread, validation.

import type { ParsedConfig } from './config-parser.js';
import type { Diagnostics } from './diagnostics.js';
import { hasBackendCap, hasFrontendCap } from './sections/proxy-draft.js';

/** Refuses the TCP-mode rules no session runs yet. Never throws. */
export function refuseTcpModeRules(parsed: ParsedConfig, diag: Diagnostics): void {
  for (const p of parsed.proxies) {
    if (p.mode !== 'tcp') continue;
    const switching = p.backendRules[0];
    if (hasFrontendCap(p.kind) && switching !== undefined) {
      diag.notImplemented('use_backend in mode tcp', switching.source, 'the rule is ignored');
    }
    const stick = p.stick.stickRules[0];
    if (hasBackendCap(p.kind) && stick !== undefined) {
      diag.notImplemented('stick in mode tcp', stick.source, 'the rule is ignored');
    }
  }
}
