/* try_write: one non-blocking send() of a span of a Buffer on a socket fd, for the forwarders' data path. The L4 and
 * L7 engines read into one shared per-thread buffer (Node's `onread`), so a chunk must leave that buffer before the
 * next read overwrites it: they first offer it to the kernel with this call and copy only what the kernel did not
 * take. fs.writeSync would do the same write, but throws (an Error object and its stack) on every EAGAIN and costs a
 * few µs of JS wrapper per call on the hot path; this returns the errno instead. Forwarder threads. */

#include "orcalb-native.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

/* tryWrite(fd, buffer, offset, length): bytes sent (0 when the socket buffer is full), or -errno on an error.
 * MSG_NOSIGNAL: a peer that reset must surface as -EPIPE here and as an 'error' on its socket, never as SIGPIPE.
 * MSG_DONTWAIT: the fd is non-blocking already (libuv set it), this only makes the call safe if it ever is not. */
napi_value orca_try_write(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd, offset, length;
  if (!orca_arg_int32(env, argv, argc, 0, &fd)) return NULL;
  if (!orca_arg_int32(env, argv, argc, 2, &offset)) return NULL;
  if (!orca_arg_int32(env, argv, argc, 3, &length)) return NULL;
  void *data = NULL;
  size_t size = 0;
  bool is_buffer = false;
  if (argc < 2 || napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[1], &data, &size) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "tryWrite(fd, buffer, offset, length): buffer must be a Buffer");
    return NULL;
  }
  if (offset < 0 || length < 0 || (size_t)offset + (size_t)length > size) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "tryWrite: span outside the buffer");
    return NULL;
  }
  ssize_t sent;
  do {
    sent = send(fd, (const char *)data + offset, (size_t)length, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (sent < 0 && errno == EINTR);
  double out;
  if (sent >= 0) out = (double)sent;
  else if (errno == EAGAIN || errno == EWOULDBLOCK) out = 0;
  else out = -(double)errno;
  napi_value result;
  if (napi_create_double(env, out, &result) != napi_ok) return NULL;
  return result;
}
