/* winvirtio: what the VM definition needs from the guest, taken from
 * a block map's summary instead of the disk (winvirtio domain MAPFILE).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The summary the planner wrote records the Windows ("windows: NAME
 * (MAJOR.MINOR build B, ARCH[, server])"), the partition table of the
 * Windows partition ("partition: N (GPT, ...)": Windows boots a GPT
 * disk only with UEFI, an MBR disk only with BIOS) and, in maps made
 * since it was added, the clock ("clock: RTC in UTC (...)").  It does
 * not record the guest's inbox storage drivers, so the bootstrap
 * stage's check of them cannot be made: a warning says so (decide.c).
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "domain/domain.h"
#include "map/mapformat.h"

bool
wv_domain_is_map (const char *path)
{
  char magic[sizeof MAP_MAGIC];
  FILE *fp = fopen (path, "rb");
  size_t n;

  if (fp == NULL)
    return false;
  n = fread (magic, 1, sizeof magic, fp);
  fclose (fp);
  return n == sizeof magic && memcmp (magic, MAP_MAGIC, sizeof magic) == 0;
}

/* The line of summary that starts with prefix, without it, into buf. */
static bool
line (const char *summary, const char *prefix, char *buf, size_t len)
{
  const char *p = summary;
  size_t n = strlen (prefix);

  while (p && *p) {
    const char *end = strchr (p, '\n');
    size_t l = end ? (size_t) (end - p) : strlen (p);

    if (l >= n && strncmp (p, prefix, n) == 0) {
      snprintf (buf, len, "%.*s", (int) (l - n), p + n);
      return true;
    }
    p = end ? end + 1 : NULL;
  }
  return false;
}

int
wv_domain_guest_from_map (const struct wv_map *map,
                          struct wv_domain_guest *g)
{
  char win[256], part[256], clock[128], arch[16];
  const char *paren;
  unsigned major, minor, build;

  memset (g, 0, sizeof *g);
  if (map->summary == NULL || !line (map->summary, "windows: ", win,
                                     sizeof win)) {
    wv_error ("the block map's summary does not say which Windows it "
              "was made for: give the disk instead");
    return -1;
  }
  paren = strrchr (win, '(');
  if (paren == NULL ||
      sscanf (paren, "(%u.%u build %u, %15[^,)]", &major, &minor, &build,
              arch) != 4) {
    wv_error ("the block map's summary names \"%s\": not a Windows "
              "winvirtio can read; give the disk instead", win);
    return -1;
  }
  snprintf (g->product, sizeof g->product, "%.*s",
            (int) (paren - win > 0 ? paren - win - 1 : 0), win);
  g->major = major;
  g->minor = minor;
  g->build = build;
  g->server = strstr (paren, ", server)") != NULL;
  snprintf (g->arch, sizeof g->arch, "%s", arch);
  if (!line (map->summary, "partition: ", part, sizeof part)) {
    wv_error ("the block map's summary has no partition line: give the "
              "disk instead");
    return -1;
  }
  g->uefi = strstr (part, "(GPT,") != NULL;
  if (line (map->summary, "clock: ", clock, sizeof clock)) {
    g->rtc_utc = strncmp (clock, "RTC in UTC", 10) == 0;
    snprintf (g->rtc_source, sizeof g->rtc_source, "from the map");
  }
  else
    snprintf (g->rtc_source, sizeof g->rtc_source,
              "the map does not record it");
  g->from_map = true;
  g->fallback = major * 10 + minor >= 62 ? "storahci" :
    major * 10 + minor >= 60 ? "msahci" : "intelide";
  g->fallback_ready = true;     /* not known: decide.c warns */
  g->would_patch = true;
  return 0;
}
