// A proxy slot of the shared buffer coming back into use (HAProxy has none: its proxies live as long as the process):
// the frontend or backend record a reload removed, once drained (workers/proxy-drain.ts), is taken by a later reload's
// new proxy. Its words, and every forwarder's per-thread shadows of it, are zeroed first, so nothing of the old
// proxy's counters carries over; for a backend, the server records of its range too. Main thread only, while no other
// thread reads the slot (the old proxy has no session left and no thread's lookup finds it).

import { THREAD_BACKEND_FIELDS, THREAD_SERVER_FIELDS } from './layout.js';
import type { SharedState } from './state-buffer.js';
import { serverSlotIndex, type Topology } from './topology.js';

/** Zeroes backend slot `b`, its `servers` server records and the threads' shadows of both. */
export function clearBackendSlot(state: SharedState, topology: Topology, b: number, servers: number): void {
  state.backend(b).clearRecord();
  for (let t = 0; t < state.counts.threads; t++) {
    for (const f of THREAD_BACKEND_FIELDS) Atomics.store(state.i32, state.threadBackendIndex(t, b, f.name), 0);
  }
  for (let s = 0; s < servers; s++) {
    const slot = serverSlotIndex(topology, b, s);
    state.server(slot).clearRecord();
    for (let t = 0; t < state.counts.threads; t++) {
      for (const f of THREAD_SERVER_FIELDS) Atomics.store(state.i32, state.threadServerIndex(t, slot, f.name), 0);
    }
  }
}

/** Zeroes frontend slot `f` and the threads' shadow live-connection counters of it. */
export function clearFrontendSlot(state: SharedState, f: number): void {
  state.frontend(f).clearRecord();
  for (let t = 0; t < state.counts.threads; t++) Atomics.store(state.i32, state.threadFrontendIndex(t, f), 0);
}

/**
 * True once a removed backend's slot holds no connection and no waiter: its record and every server record of its
 * range. Any thread (Atomics loads).
 */
export function backendSlotEmpty(state: SharedState, topology: Topology, b: number, servers: number): boolean {
  const be = state.backend(b);
  if (be.load('curConns') > 0 || be.load('queued') > 0) return false;
  for (let s = 0; s < servers; s++) {
    const slot = state.server(serverSlotIndex(topology, b, s));
    if (slot.load('curConns') > 0 || slot.load('queued') > 0) return false;
  }
  return true;
}

/** True once a removed frontend's slot holds no client connection. Any thread. */
export function frontendSlotEmpty(state: SharedState, f: number): boolean {
  return state.frontend(f).load('curConns') <= 0;
}
