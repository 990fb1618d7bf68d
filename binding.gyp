# The fd-dup addon (native/fd-dup.c): plain N-API, so one build serves every Node version.
# Built by `npm install` (the package's install script); orcalb falls back to --accept reuseport without it.
{
  "targets": [
    {
      "target_name": "fd_dup",
      "sources": ["native/fd-dup.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
