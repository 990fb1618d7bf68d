/* Gives back resident memory the process only needed once (issue 10, idle RSS): the clean pages of its read-only file
 * mappings (node's binary: start-up's code, V8's compiler, ICU tables the config parse touched) and the free memory
 * glibc's malloc keeps. Called by core/io/resident-trim.ts when the process is quiet; never on a hot path.
 *
 * Why pages of the binary: node's executable is ~120 MiB, and a start touches 35-50 MiB of it (plain `node -e`: 35).
 * Those pages are page cache, shared and clean, but they count in the process's RSS until the kernel needs the memory.
 * MADV_DONTNEED on a private file mapping only unmaps them: the next use finds them in the page cache (a minor
 * fault), so what stays resident is what the process still runs. It would throw away data in a page that was
 * written (copy-on-write: a private copy, e.g. the relocated GOT), so a mapping qualifies only if it is not writable
 * and smaps counts no anonymous page in it. MADV_PAGEOUT was not used: it skips pages other processes map too and
 * evicts them from the page cache (a disk read at the next use). */

#include "orcalb-native.h"

#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* A trim of more mappings than this drops the first ones only (node maps ~30 file ranges). */
#define MAX_RANGES 256

struct range {
  unsigned long start;
  unsigned long end;
};

/* The read-only file mappings of /proc/self/smaps with no anonymous (copied) page; returns how many (≤ max). */
static size_t clean_file_ranges(struct range *out, size_t max) {
  FILE *f = fopen("/proc/self/smaps", "re");
  if (f == NULL) return 0;
  /* A header line holds a path (≤ PATH_MAX) and ~80 bytes before it: a line that still does not fit is skipped whole,
   * and the mapping it names is left alone (a piece of it must never be read as a header of its own). */
  char line[PATH_MAX + 256];
  size_t n = 0;
  int candidate = 0;
  struct range cur = {0, 0};
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long start, end, anon;
    if (strchr(line, '\n') == NULL && !feof(f)) {
      int c;
      while ((c = fgetc(f)) != EOF && c != '\n') continue;
      candidate = 0;
      continue;
    }
    char perms[8];
    int path_at = 0;
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms, &path_at) == 3 && path_at > 0) {
      /* A new mapping's header: a file path (not [heap], [vdso] or an anonymous one), readable, not writable. */
      candidate = start < end && line[path_at] == '/' && perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p';
      cur.start = start;
      cur.end = end;
    } else if (candidate && sscanf(line, "Anonymous: %lu kB", &anon) == 1) {
      /* The Anonymous line comes once per mapping: decide here. */
      if (anon == 0 && n < max) out[n++] = cur;
      candidate = 0;
    }
  }
  fclose(f);
  return n;
}

/* dropFilePages(): unmaps the resident clean pages of the read-only file mappings (see the header); returns the
 * number of bytes of mappings advised. Never throws: a mapping the kernel refuses is skipped. */
napi_value orca_drop_file_pages(napi_env env, napi_callback_info info) {
  (void)info;
  struct range ranges[MAX_RANGES]; /* 4 KiB of stack: any thread may trim, each with its own list. */
  size_t n = clean_file_ranges(ranges, MAX_RANGES);
  double advised = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len = ranges[i].end - ranges[i].start;
    if (madvise((void *)ranges[i].start, len, MADV_DONTNEED) == 0) advised += (double)len;
  }
  napi_value out;
  if (napi_create_double(env, advised, &out) != napi_ok) return NULL;
  return out;
}

/* mallocTrim(): glibc's malloc_trim(0), the free memory of every arena back to the system; true if some was. */
napi_value orca_malloc_trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  if (napi_get_boolean(env, malloc_trim(0) != 0, &out) != napi_ok) return NULL;
  return out;
}
