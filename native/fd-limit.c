/* RLIMIT_NOFILE for the main thread's start-up check (HAProxy's ulimit-n / fd-hard-limit / derived maxconn, §3.1
 * and §3.2): Node has no API for it. Limits are per process, so any thread could call these; only main does. */

#include "orcalb-native.h"

#include <errno.h>
#include <math.h>
#include <sys/resource.h>

/* RLIM_INFINITY does not fit a double exactly; it is reported as Infinity. */
static napi_value limit_value(napi_env env, rlim_t v) {
  napi_value out;
  double d = v == RLIM_INFINITY ? (double)INFINITY : (double)v;
  if (napi_create_double(env, d, &out) != napi_ok) return NULL;
  return out;
}

/* getFdLimit(): { soft: number, hard: number }. */
napi_value orca_get_fd_limit(napi_env env, napi_callback_info info) {
  (void)info;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    orca_throw_errno(env, errno);
    return NULL;
  }
  napi_value obj, soft, hard;
  if (napi_create_object(env, &obj) != napi_ok) return NULL;
  soft = limit_value(env, rl.rlim_cur);
  hard = limit_value(env, rl.rlim_max);
  if (soft == NULL || hard == NULL) return NULL;
  if (napi_set_named_property(env, obj, "soft", soft) != napi_ok) return NULL;
  if (napi_set_named_property(env, obj, "hard", hard) != napi_ok) return NULL;
  return obj;
}

/* setFdLimit(soft: number, hard: number): throws EPERM when raising the hard limit needs CAP_SYS_RESOURCE, EINVAL
 * when soft > hard or hard exceeds fs.nr_open. */
napi_value orca_set_fd_limit(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  double soft, hard;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2 || napi_get_value_double(env, argv[0], &soft) != napi_ok ||
      napi_get_value_double(env, argv[1], &hard) != napi_ok || soft < 0 || hard < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "setFdLimit(soft, hard): two non-negative numbers");
    return NULL;
  }
  struct rlimit rl;
  rl.rlim_cur = soft == (double)INFINITY ? RLIM_INFINITY : (rlim_t)soft;
  rl.rlim_max = hard == (double)INFINITY ? RLIM_INFINITY : (rlim_t)hard;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) orca_throw_errno(env, errno);
  return NULL;
}
