// Address converters (manual §7.3.1): ipmask(<mask4>[,<mask6>]) keeps the network part of an address, so that the
// hosts of a network share a key (an IPv6 address fails without a mask6, as in HAProxy). Forwarder threads, hot
// path: the sample's own address bytes are masked in place, nothing allocated.

import type { ConverterDescriptor } from './descriptor.js';
import { SMP } from './sample.js';

/** Clears the bits of `ip` past `prefix` (first n bytes). */
function mask(ip: Uint8Array, n: number, prefix: number): void {
  for (let i = 0; i < n; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    ip[i] = (ip[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
}

export const IP_CONVERTERS: readonly ConverterDescriptor[] = [
  {
    name: 'ipmask',
    args: { types: ['IPv4 mask', 'IPv6 mask'], mandatory: 1 },
    in: 'addr',
    out: SMP.IPV4,
    compile(args) {
      const v4 = args[0]?.kind === 'mask' ? args[0].prefix : 32;
      const v6 = args[1]?.kind === 'mask' ? args[1].prefix : -1;
      return (s) => {
        if (s.type === SMP.IPV4) {
          mask(s.ip, 4, v4);
          return true;
        }
        if (v6 < 0) return false;
        mask(s.ip, 16, v6);
        return true;
      };
    },
  },
];
