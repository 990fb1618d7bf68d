/* Datagram sockets for the log targets (manual §3.1 "log"): `log /dev/log` and any UNIX datagram path, which Node's
 * dgram cannot reach (it has no AF_UNIX), and UDP targets, sent non-blocking (sendmmsg per batch) so a sink that does
 * not read shows as EAGAIN (the line is dropped and counted) instead of a queue growing in libuv. A UDP target's
 * socket may be connect()ed (the kernel then skips the route and address lookup of each datagram); the log writer
 * falls back to unconnected sends when a connected one reports ECONNREFUSED (core/log/log-sink.ts). The log writer
 * runs them (main thread), and any thread's process logger; workers/sd-notify.ts sends systemd's READY=1 with them. */

#define _GNU_SOURCE
#include "orcalb-native.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
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

/* Fills `ss` from a UNIX path (port -1), an abstract UNIX name (port -2, given without its '@') or a numeric IPv4/IPv6 address and port; its length, 0 when the address is
 * not numeric, -1 after throwing (a mistyped argument). */
static int read_address(napi_env env, napi_value *argv, size_t argc, size_t i, int32_t port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (port < 0) {
    struct sockaddr_un *sun = (struct sockaddr_un *)ss;
    sun->sun_family = AF_UNIX;
    if (port == -2) {
      /* An abstract name (systemd's NOTIFY_SOCKET "@name"): a leading NUL, and the length counts only the name. */
      if (!orca_arg_string(env, argv, argc, i, sun->sun_path + 1, sizeof sun->sun_path - 1)) return -1;
      return (int)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sun->sun_path + 1));
    }
    if (!orca_arg_string(env, argv, argc, i, sun->sun_path, sizeof sun->sun_path)) return -1;
    return (int)sizeof *sun;
  }
  char host[64];
  if (!orca_arg_string(env, argv, argc, i, host, sizeof host)) return -1;
  struct sockaddr_in *sin = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    return (int)sizeof *sin;
  }
  if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    return (int)sizeof *sin6;
  }
  return 0;
}

/* dgramConnect(fd, address, port): connect()s a datagram socket to a numeric IPv4/IPv6 address and port, so its
 * sends need no address; address "" dissolves the association (AF_UNSPEC), after which sends name their address
 * again and the socket no longer hears the ICMP errors of earlier datagrams. 0, or -errno (-EINVAL: not a numeric
 * address). Never throws on I/O errors. */
napi_value orca_dgram_connect(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd, port;
  if (!orca_arg_int32(env, argv, argc, 0, &fd)) return NULL;
  if (!orca_arg_int32(env, argv, argc, 2, &port)) return NULL;
  char host[64];
  if (!orca_arg_string(env, argv, argc, 1, host, sizeof host)) return NULL;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t sl = sizeof ss;
  if (host[0] == '\0') {
    ss.ss_family = AF_UNSPEC;
    sl = sizeof(sa_family_t);
  } else {
    int len = port < 0 ? 0 : read_address(env, argv, argc, 1, port, &ss);
    if (len < 0) return NULL;
    sl = (socklen_t)len;
  }
  int out = 0;
  if (sl == 0) out = -EINVAL;
  else if (connect(fd, (struct sockaddr *)&ss, sl) < 0) out = -errno;
  napi_value result;
  if (napi_create_int32(env, out, &result) != napi_ok) return NULL;
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
  int len = read_address(env, argv, argc, 4, port, &ss);
  if (len < 0) return NULL;
  socklen_t sl = (socklen_t)len;
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

/* The most datagrams one sendmmsg() call carries; more are sent in further calls. */
#define SEND_MANY_CHUNK 64

/* dgramSendMany(fd, buffer, spans, count, address, port[, connected]): sends `count` datagrams, datagram i being
 * buffer[spans[2i], spans[2i] + spans[2i+1]) (spans: an Int32Array), with sendmmsg() (one syscall per 64): the
 * datagrams sent, in order (fewer than count when the sink's buffer filled: the rest are not sent), or -errno when
 * not even the first went. `connected` 1: the socket is connect()ed (dgramConnect) and the datagrams carry no
 * address; a call that stops short then asks once more, so that the errno that stopped it is told: the result is
 * then -(errno + 4096 * sent) (ECONNREFUSED: an earlier datagram met a port nobody listens on). The log writer's
 * batched send; never throws on I/O errors. */
napi_value orca_dgram_send_many(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd, count, port, connected = 0;
  if (!orca_arg_int32(env, argv, argc, 0, &fd)) return NULL;
  if (!orca_arg_int32(env, argv, argc, 3, &count)) return NULL;
  if (!orca_arg_int32(env, argv, argc, 5, &port)) return NULL;
  if (argc > 6 && !orca_arg_int32(env, argv, argc, 6, &connected)) return NULL;
  void *data = NULL;
  size_t size = 0;
  bool is_buffer = false;
  if (argc < 3 || napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[1], &data, &size) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "dgramSendMany: buffer must be a Buffer");
    return NULL;
  }
  bool is_typed = false;
  napi_typedarray_type type;
  size_t words = 0;
  void *span_data = NULL;
  if (napi_is_typedarray(env, argv[2], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[2], &type, &words, &span_data, NULL, NULL) != napi_ok || type != napi_int32_array ||
      count < 0 || (size_t)count * 2 > words) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "dgramSendMany: spans must be an Int32Array of 2 x count");
    return NULL;
  }
  const int32_t *spans = (const int32_t *)span_data;
  for (int32_t i = 0; i < count; i++) {
    int32_t off = spans[2 * i], len = spans[2 * i + 1];
    if (off < 0 || len < 0 || (size_t)off + (size_t)len > size) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "dgramSendMany: span outside the buffer");
      return NULL;
    }
  }
  struct sockaddr_storage ss;
  int alen = connected ? 0 : read_address(env, argv, argc, 4, port, &ss);
  if (alen < 0) return NULL;
  double out = 0;
  if (alen == 0 && !connected) {
    out = -(double)EINVAL;
  } else {
    struct mmsghdr msgs[SEND_MANY_CHUNK];
    struct iovec iov[SEND_MANY_CHUNK];
    int32_t sent = 0;
    int error = 0;
    while (sent < count) {
      int n = count - sent < SEND_MANY_CHUNK ? count - sent : SEND_MANY_CHUNK;
      memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)n);
      for (int i = 0; i < n; i++) {
        iov[i].iov_base = (char *)data + spans[2 * (sent + i)];
        iov[i].iov_len = (size_t)spans[2 * (sent + i) + 1];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = connected ? NULL : &ss;
        msgs[i].msg_hdr.msg_namelen = connected ? 0 : (socklen_t)alen;
      }
      int r;
      do {
        r = sendmmsg(fd, msgs, (unsigned int)n, MSG_DONTWAIT | MSG_NOSIGNAL);
      } while (r < 0 && errno == EINTR);
      if (r < 0) {
        error = errno;
        break;
      }
      sent += r;
      /* Stopped short: sendmmsg() drops the errno of the datagram it stopped at. Connected, ask again (that
       * datagram first) to learn whether the peer refused; unconnected, it can only be a full buffer. */
      if (r < n && !connected) break;
    }
    if (error == 0) out = (double)sent;
    else if (!connected) out = sent == 0 ? -(double)error : (double)sent;
    else out = -((double)error + 4096.0 * (double)sent);
  }
  napi_value result;
  if (napi_create_double(env, out, &result) != napi_ok) return NULL;
  return result;
}
