/* accept-watch: an accepting thread's listening socket without a net.Server. libuv polls the thread's own dup of a
 * listening socket (uv_poll_t on the thread's loop) and calls one JS function when connections are waiting; JS then
 * takes them one by one with acceptOne (accept4: the new fd comes back non-blocking and close-on-exec), after it has
 * reserved room under maxconn, as HAProxy's listener_accept does. No net.Socket, no dup per connection, no
 * getsockname/ioctl in the accepting thread: the fd goes straight to the forwarder (../shared/perf/README.md §3: the
 * net.Server path costs a socket object, a dup and 3 system calls per connection on top of accept).
 * Safety: the watcher owns its fd and closes it exactly once (acceptClose, or the env's teardown through an async
 * cleanup hook, so a thread that dies never leaves a listening fd or an open uv handle behind: Node aborts a worker
 * whose loop still has handles). Memory is freed once both libuv and the JS external are done with it.
 * Acceptor and reuseport forwarder threads. */

/* accept4() is a GNU extension of glibc. */
#define _GNU_SOURCE
#include "orcalb-native.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

typedef struct accept_watch {
  uv_poll_t poll; /* first member: the uv handle pointer is the struct pointer */
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  napi_async_cleanup_hook_handle cleanup;
  int fd;
  int polling;   /* uv_poll_start is in effect */
  int closing;   /* uv_close called, fd closed */
  int uv_done;   /* libuv's close callback ran */
  int js_done;   /* the JS external was finalized */
} accept_watch;

static void watch_free_if_done(accept_watch *w) {
  if (w->uv_done && w->js_done) free(w);
}

static void on_closed(uv_handle_t *handle) {
  accept_watch *w = (accept_watch *)handle;
  napi_env env = w->env;
  napi_handle_scope scope;
  int scoped = napi_open_handle_scope(env, &scope) == napi_ok;
  if (w->callback != NULL) napi_delete_reference(env, w->callback);
  if (w->context != NULL) napi_async_destroy(env, w->context);
  if (scoped) napi_close_handle_scope(env, scope);
  w->callback = NULL;
  w->context = NULL;
  /* Ends the env's wait for this watcher (teardown), or drops a hook that will not be needed any more. */
  if (w->cleanup != NULL) napi_remove_async_cleanup_hook(w->cleanup);
  w->cleanup = NULL;
  w->uv_done = 1;
  watch_free_if_done(w);
}

/* Stops polling and closes the fd at once (uv_close takes the fd out of epoll synchronously); memory goes later. */
static void watch_close(accept_watch *w) {
  if (w->closing) return;
  w->closing = 1;
  w->polling = 0;
  uv_close((uv_handle_t *)&w->poll, on_closed);
  if (w->fd >= 0) close(w->fd);
  w->fd = -1;
}

/* The env is going away (the thread ends, whatever the reason): close what JS did not. */
static void on_env_teardown(napi_async_cleanup_hook_handle handle, void *arg) {
  accept_watch *w = (accept_watch *)arg;
  (void)handle;
  if (!w->closing) watch_close(w);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  accept_watch *w = (accept_watch *)data;
  (void)env;
  (void)hint;
  w->js_done = 1;
  /* JS dropped a watcher it never closed: close it now rather than poll for nobody. */
  if (!w->closing) watch_close(w);
  else watch_free_if_done(w);
}

/* Readable (or a poll error: status < 0): one call into JS, as Node calls its own callbacks (async context, then the
 * microtask and nextTick queues). A throw there is re-raised as the thread's uncaught exception. */
static void on_poll(uv_poll_t *handle, int status, int events) {
  accept_watch *w = (accept_watch *)handle;
  napi_env env = w->env;
  napi_handle_scope scope;
  (void)events;
  if (w->closing || w->callback == NULL) return;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, arg;
  if (napi_get_reference_value(env, w->callback, &cb) == napi_ok && cb != NULL &&
      napi_get_global(env, &recv) == napi_ok && napi_create_int32(env, status, &arg) == napi_ok) {
    napi_status s = napi_make_callback(env, w->context, recv, cb, 1, &arg, NULL);
    bool pending = false;
    if (s != napi_ok && napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

static accept_watch *watch_arg(napi_env env, napi_value *argv, size_t argc) {
  void *data = NULL;
  napi_valuetype type;
  if (argc < 1 || napi_typeof(env, argv[0], &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected an accept watcher");
    return NULL;
  }
  return (accept_watch *)data;
}

/* acceptWatch(fd, onReadable): external. Takes ownership of fd (a listening socket, non-blocking) when it returns;
 * on a throw the fd is still the caller's. Starts paused (acceptResume starts polling). */
napi_value orca_accept_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (!orca_arg_int32(env, argv, argc, 0, &fd)) return NULL;
  napi_valuetype type;
  if (argc < 2 || napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "acceptWatch(fd, onReadable): onReadable must be a function");
    return NULL;
  }
  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == NULL) {
    napi_throw_error(env, "ERR_NO_LOOP", "acceptWatch: no event loop");
    return NULL;
  }
  accept_watch *w = calloc(1, sizeof *w);
  if (w == NULL) {
    orca_throw_errno(env, ENOMEM);
    return NULL;
  }
  w->env = env;
  w->fd = -1;
  napi_value name, external;
  if (napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok ||
      napi_create_string_utf8(env, "orcalb.acceptWatch", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &w->context) != napi_ok ||
      napi_add_async_cleanup_hook(env, on_env_teardown, w, &w->cleanup) != napi_ok) {
    /* Nothing of libuv's yet: undo by hand; the caller keeps its fd. */
    if (w->cleanup != NULL) napi_remove_async_cleanup_hook(w->cleanup);
    if (w->context != NULL) napi_async_destroy(env, w->context);
    if (w->callback != NULL) napi_delete_reference(env, w->callback);
    free(w);
    napi_throw_error(env, "ERR_ACCEPT_WATCH", "acceptWatch: cannot set up the watcher");
    return NULL;
  }
  int err = uv_poll_init(loop, &w->poll, fd);
  if (err != 0) {
    napi_remove_async_cleanup_hook(w->cleanup);
    napi_async_destroy(env, w->context);
    napi_delete_reference(env, w->callback);
    free(w);
    orca_throw_errno(env, -err);
    return NULL;
  }
  if (napi_create_external(env, w, on_finalize, NULL, &external) != napi_ok) {
    /* The handle must go through uv_close; the fd stays the caller's (fd is still -1 here). */
    w->js_done = 1;
    watch_close(w);
    return NULL;
  }
  /* From here on the watcher owns the fd. */
  w->fd = fd;
  return external;
}

/* acceptResume(w): polls again (no-op when polling or closed). */
napi_value orca_accept_resume(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  accept_watch *w = watch_arg(env, argv, argc);
  if (w == NULL || w->closing || w->polling) return NULL;
  int err = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  if (err != 0) orca_throw_errno(env, -err);
  else w->polling = 1;
  return NULL;
}

/* acceptPause(w): stops polling; connections wait in the kernel's accept queue (HAProxy's paused listener). */
napi_value orca_accept_pause(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  accept_watch *w = watch_arg(env, argv, argc);
  if (w == NULL || w->closing || !w->polling) return NULL;
  uv_poll_stop(&w->poll);
  w->polling = 0;
  return NULL;
}

/* acceptClose(w): stops for good and closes the watcher's fd (idempotent). */
napi_value orca_accept_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  accept_watch *w = watch_arg(env, argv, argc);
  if (w != NULL) watch_close(w);
  return NULL;
}

/* acceptOne(w): one accept4() on the watcher's socket: the new fd (non-blocking, close-on-exec), or -errno
 * (-EAGAIN: nothing waiting; -EBADF once closed). Never throws on a socket error: the caller decides. */
napi_value orca_accept_one(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  accept_watch *w = watch_arg(env, argv, argc);
  if (w == NULL) return NULL;
  int fd = -EBADF;
  if (!w->closing) {
    do {
      fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) fd = -errno;
  }
  napi_value out;
  if (napi_create_int32(env, fd, &out) != napi_ok) {
    if (fd >= 0) close(fd);
    return NULL;
  }
  return out;
}
