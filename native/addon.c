/* The addon's entry: registers every function of orcalb-native.h, and holds the helpers they share (errno errors,
 * argument reading). Plain N-API version 8: one build loads in every Node from 12.22 on, in any thread. */

#include "orcalb-native.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The errno names the TypeScript side maps to HAProxy's words; anything else still carries its number. */
static const char *errno_name(int err) {
  switch (err) {
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOTSOCK: return "ENOTSOCK";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EROFS: return "EROFS";
    case ESRCH: return "ESRCH";
    default: return NULL;
  }
}

void orca_throw_errno(napi_env env, int err) {
  char code[32];
  const char *name = errno_name(err);
  if (name == NULL) {
    snprintf(code, sizeof code, "ERRNO_%d", err);
    name = code;
  }
  napi_throw_error(env, name, strerror(err));
}

int orca_arg_int32(napi_env env, napi_value *argv, size_t argc, size_t i, int32_t *out) {
  napi_valuetype type;
  if (i >= argc || napi_typeof(env, argv[i], &type) != napi_ok || type != napi_number) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a number argument");
    return 0;
  }
  return napi_get_value_int32(env, argv[i], out) == napi_ok;
}

int orca_arg_string(napi_env env, napi_value *argv, size_t argc, size_t i, char *buf, size_t size) {
  napi_valuetype type;
  size_t len = 0;
  if (i >= argc || napi_typeof(env, argv[i], &type) != napi_ok || type != napi_string) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a string argument");
    return 0;
  }
  if (napi_get_value_string_utf8(env, argv[i], buf, size, &len) != napi_ok) return 0;
  /* A string cut to fit would name another address or path: refuse it instead. */
  if (len >= size - 1) {
    napi_throw_range_error(env, "ENAMETOOLONG", strerror(ENAMETOOLONG));
    return 0;
  }
  return 1;
}

static int add_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) != napi_ok) return 0;
  return napi_set_named_property(env, exports, name, fn) == napi_ok;
}

/* NAPI_MODULE_INIT makes the module context-aware: the acceptor, the forwarders and the main thread each load it. */
NAPI_MODULE_INIT() {
  if (!add_function(env, exports, "dup", orca_dup)) return NULL;
  if (!add_function(env, exports, "listenTcp", orca_listen_tcp)) return NULL;
  if (!add_function(env, exports, "listenUnix", orca_listen_unix)) return NULL;
  if (!add_function(env, exports, "unlisten", orca_unlisten)) return NULL;
  if (!add_function(env, exports, "relisten", orca_relisten)) return NULL;
  if (!add_function(env, exports, "getFdLimit", orca_get_fd_limit)) return NULL;
  if (!add_function(env, exports, "setFdLimit", orca_set_fd_limit)) return NULL;
  if (!add_function(env, exports, "tryWrite", orca_try_write)) return NULL;
  if (!add_function(env, exports, "dgramOpen", orca_dgram_open)) return NULL;
  if (!add_function(env, exports, "dgramSendTo", orca_dgram_send_to)) return NULL;
  if (!add_function(env, exports, "dgramSendMany", orca_dgram_send_many)) return NULL;
  if (!add_function(env, exports, "dgramConnect", orca_dgram_connect)) return NULL;
  if (!add_function(env, exports, "pidfdOpen", orca_pidfd_open)) return NULL;
  if (!add_function(env, exports, "pidfdGetfd", orca_pidfd_getfd)) return NULL;
  if (!add_function(env, exports, "acceptWatch", orca_accept_watch)) return NULL;
  if (!add_function(env, exports, "acceptResume", orca_accept_resume)) return NULL;
  if (!add_function(env, exports, "acceptPause", orca_accept_pause)) return NULL;
  if (!add_function(env, exports, "acceptClose", orca_accept_close)) return NULL;
  if (!add_function(env, exports, "acceptOne", orca_accept_one)) return NULL;
  if (!add_function(env, exports, "dropFilePages", orca_drop_file_pages)) return NULL;
  if (!add_function(env, exports, "mallocTrim", orca_malloc_trim)) return NULL;
  return exports;
}
