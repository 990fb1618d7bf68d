/* Listening sockets created by the main thread before it drops privileges (HAProxy binds every listener before
 * setuid too): TCP with SO_REUSEADDR + SO_REUSEPORT as HAProxy sets them (two frontends may share an address, a
 * new process may bind beside an old one), and UNIX stream sockets. The main thread keeps these fds for the life of
 * the process; accepting threads listen on dups. unlisten/relisten are HAProxy's pause/resume (SIGTTOU/SIGTTIN). */

#include "orcalb-native.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Closes fd without letting close() overwrite the errno being reported, then throws it. */
static napi_value fail_closing(napi_env env, int fd, int err) {
  close(fd);
  orca_throw_errno(env, err);
  return NULL;
}

static napi_value fd_value(napi_env env, int fd) {
  napi_value out;
  if (napi_create_int32(env, fd, &out) != napi_ok) {
    close(fd);
    return NULL;
  }
  return out;
}

/* listenTcp(host: string, port: number, backlog: number): number. host is a numeric IPv4 or IPv6 address.
 * TCP_NODELAY is set on the listening socket because Linux copies it to every socket accept() returns: the client
 * side runs without Nagle (HAProxy sets it on each accepted fd; Node's net.Server did with noDelay) at no cost per
 * connection to the accepting thread (accept-watch.c makes no net.Socket, which used to set it). */
napi_value orca_listen_tcp(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char host[INET6_ADDRSTRLEN + 1];
  int32_t port, backlog;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (!orca_arg_string(env, argv, argc, 0, host, sizeof host)) return NULL;
  if (!orca_arg_int32(env, argv, argc, 1, &port) || !orca_arg_int32(env, argv, argc, 2, &backlog)) return NULL;
  if (port < 0 || port > 65535) {
    orca_throw_errno(env, EINVAL);
    return NULL;
  }

  struct sockaddr_storage ss;
  socklen_t len;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    len = sizeof *v6;
  } else {
    orca_throw_errno(env, EINVAL);
    return NULL;
  }

  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    orca_throw_errno(env, errno);
    return NULL;
  }
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return fail_closing(env, fd, errno);
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) return fail_closing(env, fd, errno);
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) return fail_closing(env, fd, errno);
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) return fail_closing(env, fd, errno);
  if (listen(fd, backlog) != 0) return fail_closing(env, fd, errno);
  return fd_value(env, fd);
}

/* listenUnix(path: string, backlog: number): number. The caller owns naming (temporary name, rename, modes). */
napi_value orca_listen_unix(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  struct sockaddr_un sun;
  int32_t backlog;
  memset(&sun, 0, sizeof sun);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (!orca_arg_string(env, argv, argc, 0, sun.sun_path, sizeof sun.sun_path)) return NULL;
  if (!orca_arg_int32(env, argv, argc, 1, &backlog)) return NULL;
  sun.sun_family = AF_UNIX;

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    orca_throw_errno(env, errno);
    return NULL;
  }
  if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) return fail_closing(env, fd, errno);
  if (listen(fd, backlog) != 0) return fail_closing(env, fd, errno);
  return fd_value(env, fd);
}

/* unlisten(fd): takes a TCP listener out of LISTEN state while keeping its address bound (shutdown(SHUT_RD) on a
 * listening socket, as HAProxy pauses on Linux): new connections are refused and another process may bind the
 * port. Connections still in the accept queue are reset by the kernel. */
napi_value orca_unlisten(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (!orca_arg_int32(env, argv, argc, 0, &fd)) return NULL;
  if (shutdown(fd, SHUT_RD) != 0) orca_throw_errno(env, errno);
  return NULL;
}

/* relisten(fd, backlog): puts a socket taken out by unlisten back into LISTEN state (EADDRINUSE if another process
 * took the port meanwhile). */
napi_value orca_relisten(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, backlog;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (!orca_arg_int32(env, argv, argc, 0, &fd) || !orca_arg_int32(env, argv, argc, 1, &backlog)) return NULL;
  if (listen(fd, backlog) != 0) orca_throw_errno(env, errno);
  return NULL;
}
