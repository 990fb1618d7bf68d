/* Datagram sockets for the log targets (manual §3.1 "log"): `log /dev/log` and any UNIX datagram path, which Node's
 * dgram cannot reach (it has no AF_UNIX), and UDP targets, sent with one non-blocking sendto() per line so a sink
 * that does not read shows as EAGAIN (the line is dropped and counted) instead of a queue growing in libuv. The log
 * writer runs them (main thread), and any thread's process logger. */

#include "orcalb-native.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* dgramOpen(family): a non-blocking, close-on-exec datagram socket; family 1 = AF_UNIX, 4 = AF_INET, 6 = AF_INET6.
 * Throws (errno code) when the system refuses. The caller closes it (fs.closeSync). */
napi_value orca_dgram_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t family;
  if (!orca_arg_int32(env, argv, argc, 0, &family)) return NULL;
  int af = family == 1 ? AF_UNIX : family == 6 ? AF_INET6 : AF_INET;
  int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    orca_throw_errno(env, errno);
    return NULL;
  }
  napi_value result;
  if (napi_create_int32(env, fd, &result) != napi_ok) return NULL;
  return result;
}

/* dgramSendTo(fd, buffer, offset, length, address, port): one sendto() of buffer[offset, offset+length) to a UNIX
 * path (port < 0) or a numeric IPv4/IPv6 address; the bytes sent, or -errno (-EAGAIN: the sink's buffer is full,
 * -ENOENT/-ECONNREFUSED: nothing listens there, -EINVAL: not a numeric address). Never throws on I/O errors. */
napi_value orca_dgram_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd, offset, length, port;
  if (!orca_arg_int32(env, argv, argc, 0, &fd)) return NULL;
  if (!orca_arg_int32(env, argv, argc, 2, &offset)) return NULL;
  if (!orca_arg_int32(env, argv, argc, 3, &length)) return NULL;
  if (!orca_arg_int32(env, argv, argc, 5, &port)) return NULL;
  void *data = NULL;
  size_t size = 0;
  bool is_buffer = false;
  if (argc < 2 || napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[1], &data, &size) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "dgramSendTo: buffer must be a Buffer");
    return NULL;
  }
  if (offset < 0 || length < 0 || (size_t)offset + (size_t)length > size) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "dgramSendTo: span outside the buffer");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t sl = 0;
  memset(&ss, 0, sizeof ss);
  if (port < 0) {
    struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
    sun->sun_family = AF_UNIX;
    if (!orca_arg_string(env, argv, argc, 4, sun->sun_path, sizeof sun->sun_path)) return NULL;
    sl = (socklen_t)sizeof *sun;
  } else {
    char host[64];
    if (!orca_arg_string(env, argv, argc, 4, host, sizeof host)) return NULL;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
      sin->sin_family = AF_INET;
      sin->sin_port = htons((uint16_t)port);
      sl = (socklen_t)sizeof *sin;
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons((uint16_t)port);
      sl = (socklen_t)sizeof *sin6;
    } else {
      sl = 0;
    }
  }
  double out;
  if (sl == 0) {
    out = -(double)EINVAL;
  } else {
    ssize_t sent;
    do {
      sent = sendto(fd, (const char *)data + offset, (size_t)length, MSG_DONTWAIT | MSG_NOSIGNAL,
                    (struct sockaddr *)&ss, sl);
    } while (sent < 0 && errno == EINTR);
    out = sent >= 0 ? (double)sent : -(double)errno;
  }
  napi_value result;
  if (napi_create_double(env, out, &result) != napi_ok) return NULL;
  return result;
}
