/* winvirtio: running mtools on an ESP's scratch copy (see mtools.h).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/tempfile.h"
#include "esp/mtools.h"

extern char **environ;

/* The environment for mtools: ours, less what we set and what would
 * change how it runs (mtools' own settings; a preloaded library, such
 * as a sanitizer's runtime preloaded into nbdkit), plus ours.
 */
static char **
make_env (int64_t epoch)
{
  static const char *const drop[] = { "TZ=", "MTOOLSRC=",
                                      "SOURCE_DATE_EPOCH=", "MTOOLS_",
                                      "LD_PRELOAD=", NULL };
  size_t n = 0, i, j, k = 0;
  char **env;

  while (environ[n])
    n++;
  env = calloc (n + 4, sizeof *env);
  if (env == NULL)
    return NULL;
  for (i = 0; i < n; ++i) {
    for (j = 0; drop[j]; ++j)
      if (strncmp (environ[i], drop[j], strlen (drop[j])) == 0)
        break;
    if (drop[j] == NULL)
      env[k++] = environ[i];
  }
  env[k++] = (char *) "TZ=UTC0";
  env[k++] = (char *) "MTOOLSRC=/dev/null";
  if (asprintf (&env[k], "SOURCE_DATE_EPOCH=%" PRId64, epoch) == -1) {
    free (env);
    return NULL;
  }
  return env;
}

/* Free what make_env made (only the last entry is ours). */
static void
free_env (char **env)
{
  size_t i;

  if (env == NULL)
    return;
  for (i = 0; env[i]; ++i)
    if (strncmp (env[i], "SOURCE_DATE_EPOCH=", 18) == 0)
      free (env[i]);
  free (env);
}

/* The program's path: $WINVIRTIO_MTOOLS_DIR/name, or name on $PATH. */
static char *
program (const char *name)
{
  const char *dir = getenv ("WINVIRTIO_MTOOLS_DIR");
  char *path;

  if (dir && *dir) {
    if (asprintf (&path, "%s/%s", dir, name) == -1)
      return NULL;
    return path;
  }
  return strdup (name);
}

/* The first line of what fd holds (the child's stderr), in buf. */
static void
first_line (int fd, char *buf, size_t len)
{
  ssize_t r = pread (fd, buf, len - 1, 0);

  buf[r > 0 ? r : 0] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
}

int
wv_esp_mtools_run (const char *const *argv, int64_t epoch)
{
  CLEANUP_FREE char *prog = program (argv[0]);
  char **env = make_env (epoch);
  posix_spawn_file_actions_t fa;
  CLEANUP_CLOSE int errfd = -1;
  char msg[200];
  const char *dir = getenv ("TMPDIR");
  CLEANUP_FREE char *errpath = NULL;
  pid_t pid;
  int status, r;

  if (prog == NULL || env == NULL ||
      asprintf (&errpath, "%s/winvirtio-mtools-XXXXXX",
                dir && *dir ? dir : "/var/tmp") == -1) {
    free_env (env);
    wv_error ("malloc: %m");
    return -1;
  }
  errfd = mkostemp (errpath, O_CLOEXEC);
  if (errfd == -1) {
    wv_error ("mkostemp: %s: %m", errpath);
    free_env (env);
    return -1;
  }
  unlink (errpath);
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2 (&fa, errfd, 1);
  posix_spawn_file_actions_adddup2 (&fa, errfd, 2);
  r = posix_spawnp (&pid, prog, &fa, NULL, (char *const *) argv, env);
  posix_spawn_file_actions_destroy (&fa);
  free_env (env);
  if (r != 0) {
    errno = r;
    wv_error ("%s: cannot run it (install mtools): %m", prog);
    return -1;
  }
  while (waitpid (pid, &status, 0) == -1)
    if (errno != EINTR) {
      wv_error ("waitpid: %m");
      return -1;
    }
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
    first_line (errfd, msg, sizeof msg);
    wv_error ("%s failed on the ESP's scratch copy (%s): nothing changed",
              argv[0], *msg ? msg : "no message");
    return -1;
  }
  return 0;
}

int
wv_esp_mtools_stage (const uint8_t *data, size_t len, int64_t mtime,
                     char **path_r)
{
  struct timespec ts[2];
  int fd;
  char *path;

  fd = wv_temp_file_write ("file", data, len, &path);
  if (fd == -1)
    return -1;
  ts[0].tv_sec = ts[1].tv_sec = mtime;
  ts[0].tv_nsec = ts[1].tv_nsec = 0;
  if (futimens (fd, ts) == -1) {
    wv_error ("futimens: %s: %m", path);
    close (fd);
    wv_temp_file_remove (path);
    return -1;
  }
  *path_r = path;
  return fd;
}
