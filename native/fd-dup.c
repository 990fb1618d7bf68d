/* fd_dup: duplicates a file descriptor so an accepted socket can change worker thread (Node cannot move a
 * net.Socket between worker_threads), and so a thread can listen on its own copy of a listening socket the main
 * thread keeps. Called on the acceptor and forwarder threads; the returned fd is owned by whoever adopts it. */

#include "orcalb-native.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

/* Throws a JS Error with code ERR_FD_DUP and the errno text in the message: the caller (fd-handoff.ts)
 * wraps it in an OrcaError, so the raw errno only has to be readable in logs. */
static void throw_dup_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s (errno %d)", what, strerror(err), err);
  napi_throw_error(env, "ERR_FD_DUP", msg);
}

/* dup(fd: number): number. F_DUPFD_CLOEXEC rather than dup() so a child process spawned by any thread in the
 * window between dup and adoption never inherits the client connection. */
napi_value orca_dup(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "dup(fd): fd is required");
    return NULL;
  }
  napi_valuetype type;
  if (napi_typeof(env, argv[0], &type) != napi_ok) return NULL;
  if (type != napi_number) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "dup(fd): fd must be a number");
    return NULL;
  }
  int32_t fd;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok) return NULL;
  if (fd < 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "dup(fd): fd must be >= 0");
    return NULL;
  }
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    throw_dup_errno(env, "fcntl(F_DUPFD_CLOEXEC)", errno);
    return NULL;
  }
  napi_value result;
  if (napi_create_int32(env, copy, &result) != napi_ok) return NULL;
  return result;
}
