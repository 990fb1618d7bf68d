# orcalb's one native addon, build/Release/fd_dup.node (plain N-API, so one build serves every Node version): the fd
# handoff (dup), the listening sockets the main thread keeps and accepting on them (accept-watch), RLIMIT_NOFILE,
# the forwarders' non-blocking send (try-write) and the log targets' and sd_notify's datagram sockets (log-send) and an old process's listeners for -sf (listener-takeover). The target keeps its first name so existing installs and ORCALB_FD_DUP_ADDON paths stay valid. Built by `npm install` (the package's install script);
# without it orcalb falls back to --accept reuseport with Node's own listeners (see core/accept/listeners.ts).
{
  "targets": [
    {
      "target_name": "fd_dup",
      "sources": ["native/addon.c", "native/fd-dup.c", "native/listen-socket.c", "native/fd-limit.c", "native/try-write.c", "native/accept-watch.c", "native/log-send.c", "native/listener-takeover.c", "native/resident-trim.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
