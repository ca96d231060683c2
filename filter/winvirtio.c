/* nbdkit-winvirtio-filter: serve a Windows disk made bootable on
 * VirtIO.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The filter serves the plugin's disk unchanged except for the ranges
 * in a block map, which it serves patched.  The map is computed once,
 * in .after_fork, through a shared read-only context on the plugin,
 * with the drivers of winvirtio-drivers=PATH or of the default
 * locations ($VIRTIO_WIN, /usr/share/virtio-win), or loaded from a
 * file and checked against the plugin (winvirtio-map=FILE).  After
 * that it is never modified, so the data path takes no lock.
 *
 * With winvirtio-trim=true (the default) the map's zero ranges, the
 * free clusters of the NTFS volumes, are served as zeroes without
 * reading the plugin and reported as holes, so that qemu-img and
 * nbdcopy skip them.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include <unistd.h>

#include <nbdkit-filter.h>

#include "common/log.h"
#include "disk/source.h"
#include "drivers/drvsrc.h"
#include "map/map.h"
#include "map/mapload.h"
#include "map/mapread.h"
#include "plan/plan.h"

/* Largest read the planner sends to the plugin in one request. */
#define MAX_REQUEST (32 * 1024 * 1024)

static char *drivers_dir;       /* winvirtio-drivers */
static char *map_file;          /* winvirtio-map */
static char *report_file;       /* winvirtio-report */
static unsigned partition;      /* winvirtio-partition, 0 = find */
static bool trim = true;        /* winvirtio-trim */
static bool keep_san_policy;    /* winvirtio-san-policy=keep */
static bool keep_autoreboot;    /* winvirtio-autoreboot=keep */
static bool disable_vmware_tools; /* winvirtio-vmware-tools=disable */

/* The block map, set in .after_fork and read-only afterwards. */
static struct wv_map *map;

/* Why there is no map, when planning failed under --run (see
 * winvirtio_after_fork).
 */
static char *plan_error;

static void
log_error (const char *msg)
{
  nbdkit_error ("winvirtio: %s", msg);
  /* Keep the first error: it says what went wrong. */
  if (plan_error == NULL)
    plan_error = strdup (msg);
}

static void
log_debug (const char *msg)
{
  nbdkit_debug ("winvirtio: %s", msg);
}

static void
winvirtio_load (void)
{
  wv_set_log (log_error, log_debug);
}

static void
winvirtio_unload (void)
{
  wv_map_free (map);
  free (drivers_dir);
  free (map_file);
  free (report_file);
  free (plan_error);
}

static int
winvirtio_config (nbdkit_next_config *next, nbdkit_backend *nxdata,
                  const char *key, const char *value)
{
  if (strcmp (key, "winvirtio-drivers") == 0) {
    free (drivers_dir);
    drivers_dir = nbdkit_realpath (value);
    return drivers_dir ? 0 : -1;
  }
  if (strcmp (key, "winvirtio-map") == 0) {
    free (map_file);
    map_file = nbdkit_realpath (value);
    return map_file ? 0 : -1;
  }
  if (strcmp (key, "winvirtio-report") == 0) {
    free (report_file);
    report_file = nbdkit_absolute_path (value);
    return report_file ? 0 : -1;
  }
  if (strcmp (key, "winvirtio-trim") == 0) {
    int r = nbdkit_parse_bool (value);

    if (r == -1)
      return -1;
    trim = r;
    return 0;
  }
  if (strcmp (key, "winvirtio-san-policy") == 0) {
    if (strcmp (value, "keep") != 0 && strcmp (value, "online") != 0) {
      nbdkit_error ("winvirtio-san-policy must be online or keep, "
                    "not \"%s\"", value);
      return -1;
    }
    keep_san_policy = strcmp (value, "keep") == 0;
    return 0;
  }
  if (strcmp (key, "winvirtio-autoreboot") == 0) {
    if (strcmp (value, "keep") != 0 && strcmp (value, "off") != 0) {
      nbdkit_error ("winvirtio-autoreboot must be off or keep, "
                    "not \"%s\"", value);
      return -1;
    }
    keep_autoreboot = strcmp (value, "keep") == 0;
    return 0;
  }
  if (strcmp (key, "winvirtio-vmware-tools") == 0) {
    if (strcmp (value, "disable") != 0 && strcmp (value, "leave") != 0) {
      nbdkit_error ("winvirtio-vmware-tools must be leave or disable, "
                    "not \"%s\"", value);
      return -1;
    }
    disable_vmware_tools = strcmp (value, "disable") == 0;
    return 0;
  }
  if (strcmp (key, "winvirtio-partition") == 0)
    return nbdkit_parse_unsigned ("winvirtio-partition", value, &partition);
  return next (nxdata, key, value);
}

static int
winvirtio_config_complete (nbdkit_next_config_complete *next,
                           nbdkit_backend *nxdata)
{
  if (drivers_dir && map_file) {
    nbdkit_error ("winvirtio: give at most one of winvirtio-drivers=PATH "
                  "(compute the block map now) and winvirtio-map=FILE "
                  "(use one made by 'winvirtio map')");
    return -1;
  }
  /* Neither: the default driver source, found now (made absolute, as
   * winvirtio-drivers is) so that a missing one stops nbdkit before
   * it serves or forks.
   */
  if (drivers_dir == NULL && map_file == NULL) {
    drivers_dir = wv_drvsrc_default ();
    if (drivers_dir == NULL)
      return -1;
    nbdkit_debug ("winvirtio: driver source: %s (default)", drivers_dir);
  }
  return next (nxdata);
}

#define winvirtio_config_help \
  "winvirtio-drivers=PATH   virtio-win ISO or driver tree (default:\n" \
  "                         $VIRTIO_WIN, /usr/share/virtio-win).\n" \
  "winvirtio-map=FILE       Serve a block map made by 'winvirtio map'.\n" \
  "winvirtio-partition=N    The Windows partition (default: find it).\n" \
  "winvirtio-trim=false     Copy free space too (default: zeroes).\n" \
  "winvirtio-san-policy=keep  Keep the guest's SanPolicy (default: online).\n" \
  "winvirtio-autoreboot=keep  Keep AutoReboot (default: off, 0).\n" \
  "winvirtio-vmware-tools=disable  Disable VMware Tools' services.\n" \
  "winvirtio-report=FILE    Write what was patched to FILE."

/* The planner's read callback: the plugin, through the shared
 * context.
 */
static int
next_pread (void *opaque, void *buf, size_t count, uint64_t offset)
{
  nbdkit_next *next = opaque;
  char *p = buf;
  int err = 0;

  while (count > 0) {
    uint32_t n = count > MAX_REQUEST ? MAX_REQUEST : count;

    if (next->pread (next, p, n, offset, 0, &err) == -1) {
      wv_error ("read error from the plugin at offset %" PRIu64 ": %s",
                offset, strerror (err ? err : EIO));
      return -1;
    }
    p += n;
    offset += n;
    count -= n;
  }
  return 0;
}

/* Write the summary to winvirtio-report=FILE. */
static int
write_report (void)
{
  FILE *fp;

  if (report_file == NULL)
    return 0;
  fp = fopen (report_file, "w");
  if (fp == NULL) {
    wv_error ("%s: %m", report_file);
    return -1;
  }
  fprintf (fp, "%s", map->summary ? map->summary : "");
  if (fclose (fp) == EOF) {
    wv_error ("%s: %m", report_file);
    return -1;
  }
  return 0;
}

/* Is arg nbdkit's --run option ("--run", "--run=CMD", or a prefix
 * that getopt_long takes for it, "--ru")?
 */
static bool
is_run_option (const char *arg)
{
  size_t n = strcspn (arg, "=");

  return n >= 4 && n <= 5 && strncmp (arg, "--run", n) == 0;
}

/* Is this the captive server of nbdkit --run?  Only then does nbdkit
 * fork before .after_fork with the parent staying alive (to run the
 * command); without -f it also forks, into the background, and the
 * parent exits, but maybe not yet: so the parent being an nbdkit
 * tells nothing.  This process has nbdkit's own arguments
 * (/proc/self/cmdline), where options may come anywhere before "--"
 * (getopt_long) and parameters are KEY=VALUE: an argument that looks
 * like --run is the option.
 */
static bool
is_captive (void)
{
  char buf[65536];
  size_t len, i;
  FILE *fp = fopen ("/proc/self/cmdline", "r");

  if (fp == NULL)
    return false;
  len = fread (buf, 1, sizeof buf - 1, fp);
  fclose (fp);
  buf[len] = '\0';
  for (i = 0; i < len; i += strlen (buf + i) + 1) {
    if (strcmp (buf + i, "--") == 0)
      break;
    if (is_run_option (buf + i))
      return true;
  }
  return false;
}

static int plan_or_load (nbdkit_backend *backend);

/* Compute or load the block map, once, before serving anything.  Any
 * failure stops nbdkit: serving the disk unpatched or half-patched is
 * never an option.
 *
 * Except under --run: nbdkit (1.32 at least) starts the command
 * before .after_fork, and the parent process keeps the listening
 * socket, so if this process exited the command would wait forever
 * on a connection nobody accepts.  There we stay up and refuse every
 * connection with the error (winvirtio_open), so the command fails at
 * once with the reason, and nbdkit exits with it.
 */
static int
winvirtio_after_fork (nbdkit_backend *backend)
{
  if (plan_or_load (backend) == 0)
    return 0;
  if (is_captive ()) {
    nbdkit_debug ("winvirtio: captive: refusing connections instead of "
                  "exiting");
    return 0;
  }
  return -1;
}

static int
plan_or_load (nbdkit_backend *backend)
{
  struct wv_plan_options opts = {
    .drivers = drivers_dir, .partition = partition, .no_trim = !trim,
    .keep_san_policy = keep_san_policy, .keep_autoreboot = keep_autoreboot,
    .disable_vmware_tools = disable_vmware_tools,
  };
  struct wv_source *src = NULL;
  nbdkit_next *next;
  int64_t size;
  int r = -1;

  /* A context opened by hand must also be prepared and finalized by
   * hand (nbdkit-filter(3), "Manual management of backend access").
   */
  next = nbdkit_next_context_open (backend, 1, "", 1);
  if (next == NULL) {
    log_error ("cannot open the plugin to read the disk");
    return -1;
  }
  if (next->prepare (next) == -1) {
    nbdkit_next_context_close (next);
    return -1;
  }
  size = next->get_size (next);
  if (size == -1)
    goto out;
  src = wv_source_new ("source", size, next_pread, NULL, next);
  if (src == NULL)
    goto out;

  if (map_file) {
    map = wv_map_load (map_file);
    if (map == NULL || wv_map_verify_source (map, src) == -1)
      goto out;
  }
  else {
    map = wv_plan (src, &opts);
    if (map == NULL)
      goto out;
  }
  /* A loaded map may carry zero ranges: winvirtio-trim=false drops
   * them.
   */
  if (!trim)
    wv_rangeset_reset (&map->zeros);
  nbdkit_debug ("winvirtio: block map: %zu extents, %" PRIu64 " bytes, "
                "%zu zero ranges, %" PRIu64 " bytes; "
                "read %" PRIu64 " bytes in %" PRIu64 " requests",
                map->nr_extents, wv_map_bytes (map),
                map->zeros.len, wv_rangeset_bytes (&map->zeros),
                src->bytes_read, src->requests);
  r = write_report ();

 out:
  if (r == -1) {
    wv_map_free (map);
    map = NULL;
  }
  else {
    free (plan_error);
    plan_error = NULL;
  }
  wv_source_close (src);
  if (next->finalize (next) == -1)
    r = -1;
  nbdkit_next_context_close (next);
  return r;
}

/* Open the plugin read-only: the export is read-only. */
static void *
winvirtio_open (nbdkit_next_open *next, nbdkit_context *nxdata,
                int readonly, const char *exportname, int is_tls)
{
  if (map == NULL) {
    nbdkit_error ("winvirtio: not serving this disk: %s",
                  plan_error ? plan_error : "no block map");
    return NULL;
  }
  /* The map was computed for the default export. */
  if (exportname[0] != '\0') {
    nbdkit_error ("winvirtio: only the default export is served, not "
                  "\"%s\"", exportname);
    return NULL;
  }
  if (next (nxdata, 1, exportname) == -1)
    return NULL;
  return NBDKIT_HANDLE_NOT_NEEDED;
}

/* Check that each connection sees the disk the map was made for. */
static int
winvirtio_prepare (nbdkit_next *next, void *handle, int readonly)
{
  int64_t size = next->get_size (next);

  if (size == -1)
    return -1;
  if (map == NULL || (uint64_t) size != map->virtual_size) {
    nbdkit_error ("winvirtio: the source disk is now %" PRIi64 " bytes, "
                  "but the block map is for %" PRIu64 " bytes: the source "
                  "changed while nbdkit was running; not serving it.  "
                  "Restart nbdkit, which checks the source again",
                  size, map ? map->virtual_size : 0);
    return -1;
  }
  return 0;
}

/* Fully parallel: after .after_fork the map is never modified, so
 * the data path reads shared state without a lock; the planner, which
 * uses libntfs-3g and its global state, runs once, before any
 * connection.
 */
static int
winvirtio_thread_model (void)
{
  return NBDKIT_THREAD_MODEL_PARALLEL;
}

static int
winvirtio_can_write (nbdkit_next *next, void *handle)
{
  return 0;
}

/* Multi-conn would be safe whatever the plugin says: every connection
 * sees the same bytes, as the plugin is opened read-only and the map
 * never changes after startup.  But clients such as nbdcopy take it
 * as an invitation to open more connections, and each one opens the
 * plugin again: over nbdkit-vddk, one more VDDK handle each, which
 * virt-v2v found makes VDDK calls 2 to 7 times slower (it turns
 * multi-conn off there).  So promise only what the plugin offers.
 */
static int
winvirtio_can_multi_conn (nbdkit_next *next, void *handle)
{
  return next->can_multi_conn (next);
}

/* With zero ranges to report, extents are always answered (nbdkit
 * asks the plugin, or makes up one data extent if the plugin cannot).
 */
static int
winvirtio_can_extents (nbdkit_next *next, void *handle)
{
  /* Ask the plugin in any case: nbdkit caches its answer, and
   * next->extents requires it.
   */
  int r = next->can_extents (next);

  if (r == -1)
    return -1;
  if (map && map->zeros.len > 0)
    return 1;
  return r;
}

/* What pread_piece reads through. */
struct pread_next {
  nbdkit_next *next;
  uint32_t flags;
  int *err;
};

/* wv_map_read's callback: read the source pieces from the plugin (the
 * patched and zero pieces do not reach it).
 */
static int
pread_piece (void *opaque, enum wv_map_piece kind, void *buf,
             uint32_t count, uint64_t offset)
{
  struct pread_next *pn = opaque;

  if (kind != WV_MAP_PIECE_SOURCE)
    return 0;
  return pn->next->pread (pn->next, buf, count, offset, pn->flags, pn->err);
}

/* Serve the zero ranges as zeroes and the rest from the plugin with
 * the patched bytes laid over it (lib/map/mapread.c).
 */
static int
winvirtio_pread (nbdkit_next *next, void *handle, void *buf, uint32_t count,
                 uint64_t offset, uint32_t flags, int *err)
{
  struct pread_next pn = { .next = next, .flags = flags, .err = err };

  return wv_map_read (map, buf, count, offset, pread_piece, &pn);
}

/* The map's block status types are the protocol's, as nbdkit's. */
_Static_assert (WV_MAP_EXTENT_HOLE == NBDKIT_EXTENT_HOLE &&
                WV_MAP_EXTENT_ZERO == NBDKIT_EXTENT_ZERO,
                "block status types");

/* wv_map_split_extent's callback: add a run to nbdkit's extents. */
static int
add_run (void *opaque, uint64_t offset, uint64_t length, uint32_t type)
{
  struct nbdkit_extents *extents = opaque;

  return nbdkit_add_extent (extents, offset, length, type);
}

/* Report the plugin's extents, with every patched range as allocated
 * data (type 0): a hole or zero there would make qemu-img or nbdcopy
 * skip bytes that we changed.  Then the zero ranges, as holes.
 */
static int
winvirtio_extents (nbdkit_next *next, void *handle, uint32_t count,
                   uint64_t offset, uint32_t flags,
                   struct nbdkit_extents *extents, int *err)
{
  struct nbdkit_extents *ext;
  size_t i, n;
  int r = -1;

  ext = nbdkit_extents_new (offset, next->get_size (next));
  if (ext == NULL) {
    *err = errno;
    return -1;
  }
  if (next->extents (next, count, offset, flags, ext, err) == -1)
    goto out;

  n = nbdkit_extents_count (ext);
  for (i = 0; i < n; ++i) {
    struct nbdkit_extent e = nbdkit_get_extent (ext, i);

    if (wv_map_split_extent (map, e.offset, e.length, e.type,
                             add_run, extents) == -1) {
      *err = errno;
      goto out;
    }
  }
  r = 0;

 out:
  nbdkit_extents_free (ext);
  return r;
}

static struct nbdkit_filter filter = {
  .name              = "winvirtio",
  .longname          = "nbdkit winvirtio filter",
  .load              = winvirtio_load,
  .unload            = winvirtio_unload,
  .config            = winvirtio_config,
  .config_complete   = winvirtio_config_complete,
  .config_help       = winvirtio_config_help,
  .thread_model      = winvirtio_thread_model,
  .after_fork        = winvirtio_after_fork,
  .open              = winvirtio_open,
  .prepare           = winvirtio_prepare,
  .can_write         = winvirtio_can_write,
  .can_multi_conn    = winvirtio_can_multi_conn,
  .can_extents       = winvirtio_can_extents,
  .pread             = winvirtio_pread,
  .extents           = winvirtio_extents,
};

NBDKIT_REGISTER_FILTER (filter)
