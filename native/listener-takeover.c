/* Taking the listening sockets of an older orcalb (`-sf PID`, `-st PID`): pidfd_open(2) + pidfd_getfd(2) (Linux 5.6)
 * copy one of its fds into this process, the same open socket, so the kernel's accept queue is shared and nothing
 * queued is reset when the old process closes its copy (a second SO_REUSEPORT socket would have its own queue, reset
 * on close). Needs ptrace rights over the old process (same user, or CAP_SYS_PTRACE: root starting orcalb has it).
 * Main thread, at start only (workers/listener-takeover.ts). */

#define _GNU_SOURCE
#include "orcalb-native.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* pidfdOpen(pid): a pidfd for `pid` (close-on-exec); throws the errno (ESRCH: no such process). */
napi_value orca_pidfd_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t pid;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (!orca_arg_int32(env, argv, argc, 0, &pid)) return NULL;
  if (pid <= 0) {
    orca_throw_errno(env, EINVAL);
    return NULL;
  }
  long fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (fd < 0) {
    orca_throw_errno(env, errno);
    return NULL;
  }
  napi_value out;
  if (napi_create_int32(env, (int32_t)fd, &out) != napi_ok) {
    close((int)fd);
    return NULL;
  }
  return out;
}

/* pidfdGetfd(pidfd, targetFd): a close-on-exec copy of the target's fd `targetFd`, now this process's; throws the
 * errno (EPERM: no ptrace rights, EBADF: no such fd there). */
napi_value orca_pidfd_getfd(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t pidfd, target;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (!orca_arg_int32(env, argv, argc, 0, &pidfd) || !orca_arg_int32(env, argv, argc, 1, &target)) return NULL;
  long fd = syscall(SYS_pidfd_getfd, pidfd, target, 0);
  if (fd < 0) {
    orca_throw_errno(env, errno);
    return NULL;
  }
  napi_value out;
  if (napi_create_int32(env, (int32_t)fd, &out) != napi_ok) {
    close((int)fd);
    return NULL;
  }
  return out;
}
