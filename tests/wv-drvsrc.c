/* winvirtio tests: print what a driver source gives for one Windows.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: wv-drvsrc SOURCE|"" OSDIR ARCH MAJOR.MINOR BUILD client|server
 *          [DRIVER]
 *
 * SOURCE "" opens the default locations.  Prints the layout, then one
 * line per package: driver, a tab, where, then one line per file: a
 * tab, its name, size and MD5 (md5sum, run by the test, would need a
 * file), then what the package's INF says for this Windows: its
 * Models section, device count, first hardware ID and the service of
 * the first device with its start type.  With DRIVER, only that package (wv_drvsrc_package), and also
 * runs wv_drvsrc_driver_sys and prints the .sys file's path.  Errors go to
 * stderr, exit status 1.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/md5.h>

#include "common/log.h"
#include "drivers/drvsrc.h"
#include "drivers/inf.h"

static struct wv_inf_target target;

static void
print_pkg (const struct wv_drvsrc_pkg *p)
{
  size_t i, j;

  printf ("%s\t%s\n", p->driver, p->where);
  for (i = 0; i < p->nr_files; i++) {
    struct md5_ctx ctx;
    uint8_t digest[MD5_DIGEST_SIZE];

    md5_init (&ctx);
    md5_update (&ctx, p->files[i].len, p->files[i].data);
    md5_digest (&ctx, sizeof digest, digest);
    printf ("\t%s %zu ", p->files[i].name, p->files[i].len);
    for (j = 0; j < sizeof digest; j++)
      printf ("%02x", digest[j]);
    printf ("\n");
  }
  for (i = 0; i < p->nr_files; i++) {
    const char *n = p->files[i].name;
    size_t l = strlen (n);
    struct wv_inf *inf;
    struct wv_inf_device *d;
    struct wv_inf_install *ins;
    size_t nr;

    if (l < 4 || strcasecmp (n + l - 4, ".inf") != 0)
      continue;
    inf = wv_inf_parse (p->files[i].data, p->files[i].len, n, NULL);
    if (inf == NULL || wv_inf_devices (inf, &target, &d, &nr) == -1) {
      printf ("\tINF ERROR\n");
      wv_inf_free (inf);
      continue;
    }
    if (nr == 0)
      printf ("\tinf %s: no device for this Windows\n", n);
    else {
      ins = wv_inf_install (inf, &target, d[0].install);
      printf ("\tinf %s: [%s] %zu devices, %s, service %s start %u\n", n,
              d[0].models_section, nr, d[0].hwid,
              ins && ins->nr_services ? ins->services[0].name : "-",
              ins && ins->nr_services ? ins->services[0].start_type : 99);
      wv_inf_install_free (ins);
    }
    free (d);
    wv_inf_free (inf);
  }
}

int
main (int argc, char *argv[])
{
  struct wv_windows w;
  struct wv_drvsrc *src;
  struct wv_drvsrc_pkg *pkgs;
  size_t n, i;

  if (argc != 7 && argc != 8) {
    fprintf (stderr, "usage: wv-drvsrc SOURCE OSDIR ARCH MAJOR.MINOR BUILD "
             "client|server [DRIVER]\n");
    return 2;
  }
  memset (&w, 0, sizeof w);
  snprintf (w.product_name, sizeof w.product_name, "Test Windows %s",
            argv[2]);
  w.osdir = argv[2];
  snprintf (w.arch, sizeof w.arch, "%s", argv[3]);
  if (sscanf (argv[4], "%u.%u", &w.major, &w.minor) != 2)
    return 2;
  w.build = atoi (argv[5]);
  w.server = strcmp (argv[6], "server") == 0;
  wv_drvsrc_inf_target (&w, &target);

  src = wv_drvsrc_open (*argv[1] ? argv[1] : NULL);
  if (src == NULL)
    return 1;
  printf ("source %s: %s\n", wv_drvsrc_name (src), wv_drvsrc_layout (src));
  if (argc == 8) {
    struct wv_drvsrc_pkg *pkg;
    uint8_t *data;
    size_t len;
    char *path;

    if (wv_drvsrc_package (src, argv[7], &w, &pkg) == -1) {
      wv_drvsrc_close (src);
      return 1;
    }
    print_pkg (pkg);
    wv_drvsrc_pkg_free (pkg);
    if (wv_drvsrc_driver_sys (src, argv[7], &w, &data, &len, &path) == 0) {
      printf ("driver_sys: %s %zu\n", path, len);
      free (data);
      free (path);
    }
    wv_drvsrc_close (src);
    return 0;
  }
  if (wv_drvsrc_packages (src, &w, &pkgs, &n) == -1) {
    wv_drvsrc_close (src);
    return 1;
  }
  for (i = 0; i < n; i++)
    print_pkg (&pkgs[i]);
  wv_drvsrc_pkgs_free (pkgs, n);
  wv_drvsrc_close (src);
  return 0;
}
