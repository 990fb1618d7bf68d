/* The functions of orcalb's one N-API addon (build/Release/fd_dup.node) and the helpers its source files share.
 * Each source file holds one concern: fd-dup.c (the connection handoff), listen-socket.c (listening sockets the
 * main thread owns), accept-watch.c (accepting on them without a net.Server), fd-limit.c (RLIMIT_NOFILE),
 * try-write.c (the forwarders' non-blocking send), log-send.c (datagram log targets and sd_notify), listener-takeover.c (-sf: an old process's listeners), resident-trim.c (idle RSS: start-up's file pages, malloc's free memory); addon.c registers them all. TypeScript side: core/native-addon.ts. */

#ifndef ORCALB_NATIVE_H
#define ORCALB_NATIVE_H

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <stdint.h>

/* Throws a JS Error whose `code` is the errno's symbolic name (EADDRINUSE, EACCES…, or ERRNO_<n>) and whose
 * message is strerror's text, the words HAProxy prints in its own alerts ("Address already in use"). */
void orca_throw_errno(napi_env env, int err);

/* Reads argument `i` as an int32 / a UTF-8 string into buf (NUL-terminated). On a missing or mistyped argument
 * they throw a TypeError and return 0; 1 on success. */
int orca_arg_int32(napi_env env, napi_value *argv, size_t argc, size_t i, int32_t *out);
int orca_arg_string(napi_env env, napi_value *argv, size_t argc, size_t i, char *buf, size_t size);

/* fd-dup.c */
napi_value orca_dup(napi_env env, napi_callback_info info);

/* listen-socket.c */
napi_value orca_listen_tcp(napi_env env, napi_callback_info info);
napi_value orca_listen_unix(napi_env env, napi_callback_info info);
napi_value orca_unlisten(napi_env env, napi_callback_info info);
napi_value orca_relisten(napi_env env, napi_callback_info info);

/* accept-watch.c */
napi_value orca_accept_watch(napi_env env, napi_callback_info info);
napi_value orca_accept_resume(napi_env env, napi_callback_info info);
napi_value orca_accept_pause(napi_env env, napi_callback_info info);
napi_value orca_accept_close(napi_env env, napi_callback_info info);
napi_value orca_accept_one(napi_env env, napi_callback_info info);

/* try-write.c */
napi_value orca_try_write(napi_env env, napi_callback_info info);

/* log-send.c */
napi_value orca_dgram_open(napi_env env, napi_callback_info info);
napi_value orca_dgram_send_to(napi_env env, napi_callback_info info);
napi_value orca_dgram_send_many(napi_env env, napi_callback_info info);
napi_value orca_dgram_connect(napi_env env, napi_callback_info info);

/* listener-takeover.c */
napi_value orca_pidfd_open(napi_env env, napi_callback_info info);
napi_value orca_pidfd_getfd(napi_env env, napi_callback_info info);

/* resident-trim.c */
napi_value orca_drop_file_pages(napi_env env, napi_callback_info info);
napi_value orca_malloc_trim(napi_env env, napi_callback_info info);

/* fd-limit.c */
napi_value orca_get_fd_limit(napi_env env, napi_callback_info info);
napi_value orca_set_fd_limit(napi_env env, napi_callback_info info);

#endif
