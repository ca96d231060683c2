/* winvirtio: one EFI system partition's fallback loader and BCD (see
 * esp.h).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * As virt-v2v's fix_win_uefi_fallback and fix_win_uefi_bcd:
 * \EFI\BOOT\BOOT<arch>.EFI is made a copy of
 * \EFI\Microsoft\Boot\bootmgfw.efi when it is missing or differs, and
 * the BCD loses 16000046 in its default entry.  mtools writes, on the
 * scratch copy; the times it stamps are the source's own (the loader
 * gets bootmgfw.efi's, the BCD keeps its own, a new \EFI\BOOT gets
 * bootmgfw.efi's), so the same source gives the same map.  Nothing
 * reaches the overlay until mtools has done everything and its
 * result has been read back and checked.
 */

#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/tempfile.h"
#include "esp/bcd.h"
#include "esp/esp.h"
#include "esp/fat.h"
#include "esp/mtools.h"
#include "esp/scratch.h"

#define MAX_FILE (64 * 1024 * 1024)
#define BOOTMGFW "EFI/Microsoft/Boot/bootmgfw.efi"
#define BCD "EFI/Microsoft/Boot/BCD"

/* One ESP being fixed. */
struct job {
  struct wv_esp_scratch s;
  struct wv_fat fat;
  unsigned number;
  char loader[64];              /* EFI/BOOT/BOOTX64.EFI, as found */
  char loader_name[16];         /* BOOTX64.EFI */
  char bootdir[16];             /* BOOT, as found */
  struct wv_fat_entry mgr, bcd;
  uint8_t *mgr_data, *new_bcd;
  size_t new_bcd_len;
  bool have_boot_dir, have_loader, loader_differs, have_bcd;
  char entry[40];               /* the BCD's default entry */
  bool fatal;                   /* the overlay may be half written */
};

/* The fallback loader's name for arch, or NULL. */
static const char *
loader_for (const char *arch)
{
  if (strcasecmp (arch, "amd64") == 0)
    return "BOOTX64.EFI";
  if (strcasecmp (arch, "x86") == 0)
    return "BOOTIA32.EFI";
  if (strcasecmp (arch, "ARM64") == 0)
    return "BOOTAA64.EFI";
  return NULL;
}

/* A FAT date and time as seconds since 1970 (UTC: mtools runs with
 * TZ=UTC0, so it writes back the same fields).
 */
static int64_t
fat_time (uint16_t date, uint16_t tm)
{
  struct tm t = {
    .tm_year = 80 + (date >> 9), .tm_mon = ((date >> 5) & 15) - 1,
    .tm_mday = date & 31, .tm_hour = tm >> 11, .tm_min = (tm >> 5) & 63,
    .tm_sec = (tm & 31) * 2,
  };

  if (t.tm_mon < 0 || t.tm_mon > 11 || t.tm_mday == 0 || t.tm_hour > 23 ||
      t.tm_min > 59 || t.tm_sec > 59)
    return 315532800;           /* 1980-01-01, FAT's first day */
  return timegm (&t);
}

/* Read what the changes need: the loader to compare, the BCD.
 * Returns 0, or -1 after wv_error (the ESP is left alone).
 */
static int
survey (struct job *j)
{
  struct wv_fat_entry e;
  CLEANUP_FREE uint8_t *reserved = malloc (j->fat.fat_offset);
  CLEANUP_FREE uint8_t *old = NULL, *bcd = NULL;
  int r;

  /* mtools reads the reserved sectors (FSInfo) too. */
  if (reserved == NULL ||
      wv_esp_scratch_read (&j->s, reserved, j->fat.fat_offset, 0) == -1)
    return -1;
  r = wv_fat_lookup (&j->fat, BOOTMGFW, &j->mgr);
  if (r == 0)
    wv_error ("no \\EFI\\Microsoft\\Boot\\bootmgfw.efi: not a Windows "
              "boot partition");
  if (r != 1 ||
      wv_fat_read_file (&j->fat, &j->mgr, MAX_FILE, &j->mgr_data) == -1)
    return -1;

  r = wv_fat_lookup (&j->fat, "EFI/BOOT", &e);
  if (r == -1)
    return -1;
  j->have_boot_dir = r == 1;
  if (r == 1 && !e.dir) {
    wv_error ("\\EFI\\BOOT is a file, not a directory");
    return -1;
  }
  snprintf (j->bootdir, sizeof j->bootdir, "%.8s", r == 1 ? e.name : "BOOT");
  snprintf (j->loader, sizeof j->loader, "EFI/%s/%s", j->bootdir,
            j->loader_name);
  if (r == 1) {
    r = wv_fat_lookup (&j->fat, j->loader, &e);
    if (r == -1 || (r == 1 && e.dir) ||
        (r == 1 && wv_fat_read_file (&j->fat, &e, MAX_FILE, &old) == -1)) {
      if (r == 1 && e.dir)
        wv_error ("\\EFI\\BOOT\\%s is a directory", j->loader_name);
      return -1;
    }
    j->have_loader = r == 1;
    if (r == 1) {
      snprintf (j->loader_name, sizeof j->loader_name, "%.15s", e.name);
      snprintf (j->loader, sizeof j->loader, "EFI/%s/%s", j->bootdir,
                j->loader_name);
    }
    j->loader_differs = r == 1 &&
      (e.size != j->mgr.size || memcmp (old, j->mgr_data, e.size) != 0);
  }

  r = wv_fat_lookup (&j->fat, BCD, &j->bcd);
  if (r == -1)
    return -1;
  j->have_bcd = r == 1 && !j->bcd.dir;
  if (j->have_bcd) {
    if (wv_fat_read_file (&j->fat, &j->bcd, MAX_FILE, &bcd) == -1 ||
        wv_esp_bcd_edit (bcd, j->bcd.size, &j->new_bcd, &j->new_bcd_len,
                         j->entry) == WV_BCD_ERROR)
      return -1;
  }
  return 0;
}

/* mcopy data to dst (::/...) of the scratch copy, with time mtime. */
static int
put_file (struct job *j, const uint8_t *data, size_t len, int64_t mtime,
          int64_t epoch, const char *dst)
{
  CLEANUP_FREE char *to = NULL;
  char *staged;
  int fd, r;

  if (asprintf (&to, "::/%s", dst) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  fd = wv_esp_mtools_stage (data, len, mtime, &staged);
  if (fd == -1)
    return -1;
  {
    const char *argv[] = { "mcopy", "-o", "-m", "-i", j->s.work_path,
                           staged, to, NULL };
    r = wv_esp_mtools_run (argv, epoch);
  }
  close (fd);
  wv_temp_file_remove (staged);
  return r;
}

/* Make the changes with mtools on the scratch copy. */
static int
change (struct job *j)
{
  int64_t epoch = fat_time (j->mgr.mdate, j->mgr.mtime);

  if (!j->have_boot_dir) {
    const char *argv[] = { "mmd", "-i", j->s.work_path, "::/EFI/BOOT", NULL };

    if (wv_esp_mtools_run (argv, epoch) == -1)
      return -1;
  }
  if ((!j->have_loader || j->loader_differs) &&
      put_file (j, j->mgr_data, j->mgr.size, epoch, epoch, j->loader) == -1)
    return -1;
  if (j->new_bcd &&
      put_file (j, j->new_bcd, j->new_bcd_len,
                fat_time (j->bcd.mdate, j->bcd.mtime), epoch, BCD) == -1)
    return -1;
  return 0;
}

/* What a chain in the scratch copy is, for the allocated set. */
struct chains {
  struct wv_rangeset *set;
  struct wv_labels *labels;
  uint64_t base;
  const char *what;
  unsigned number;
};

static int
add_chain_run (void *opaque, uint64_t offset, uint64_t length)
{
  struct chains *c = opaque;

  if (wv_rangeset_add (c->set, offset, length) == -1)
    return -1;
  return wv_labels_add (c->labels, c->base + offset, length,
                        "ESP %u %s", c->number, c->what);
}

/* Read back path from the scratch copy: its clusters into the
 * allocated set (labelled); its bytes must be want (if not NULL).
 */
static int
read_back (struct job *j, struct wv_fat *fat, const char *path,
           const uint8_t *want, size_t want_len, struct chains *c)
{
  struct wv_fat_entry e;
  CLEANUP_FREE uint8_t *data = NULL;
  char what[80];
  size_t i;
  int r = wv_fat_lookup (fat, path, &e);

  if (r == 0)
    wv_error ("%s is missing after mtools: nothing changed", path);
  if (r != 1)
    return -1;
  snprintf (what, sizeof what, "\\%s", path);
  for (i = 0; what[i]; ++i)
    if (what[i] == '/')
      what[i] = '\\';
  c->what = what;
  if (e.cluster != 0 && wv_fat_chain (fat, e.cluster, add_chain_run, c) == -1)
    return -1;
  if (want == NULL)
    return 0;
  if (wv_fat_read_file (fat, &e, MAX_FILE, &data) == -1)
    return -1;
  if (e.size != want_len || memcmp (data, want, want_len) != 0) {
    wv_error ("%s differs from what mtools was given: nothing changed", path);
    return -1;
  }
  (void) j;
  return 0;
}

/* Check mtools' result and put it into the overlay. */
static int
commit (struct job *j, struct wv_labels *labels)
{
  struct wv_rangeset alloc = { .ranges = NULL };
  struct chains c = { .set = &alloc, .labels = labels,
                      .base = j->s.base, .number = j->number };
  struct wv_fat fat;
  uint64_t changed;
  int r;

  if (wv_fat_open (&fat, wv_esp_scratch_read_work, &j->s, j->s.size) == -1)
    return -1;
  r = read_back (j, &fat, "EFI", NULL, 0, &c);
  if (r == 0)
    r = read_back (j, &fat, "EFI/BOOT", NULL, 0, &c);
  if (r == 0)
    r = read_back (j, &fat, j->loader, j->mgr_data, j->mgr.size, &c);
  if (r == 0)
    r = read_back (j, &fat, "EFI/Microsoft", NULL, 0, &c);
  if (r == 0)
    r = read_back (j, &fat, "EFI/Microsoft/Boot", NULL, 0, &c);
  if (r == 0 && j->new_bcd)
    r = read_back (j, &fat, BCD, j->new_bcd, j->new_bcd_len, &c);
  else if (r == 0 && j->have_bcd)
    r = read_back (j, &fat, BCD, NULL, 0, &c);
  if (r == 0 && fat.type == 32) {
    c.what = "root directory";
    r = wv_fat_chain (&fat, fat.root_cluster, add_chain_run, &c);
  }
  wv_fat_close (&fat);
  /* From here a failure may leave the overlay half written, so it
   * fails the whole plan.
   */
  if (r == 0 && wv_esp_scratch_commit (&j->s, &alloc, &changed) == -1) {
    j->fatal = true;
    r = -1;
  }
  wv_rangeset_reset (&alloc);
  return r;
}

/* Label the ESP's own structures. */
static int
label_esp (struct job *j, const struct wv_partition *part,
           struct wv_labels *labels)
{
  const struct wv_fat *f = &j->fat;

  if (wv_labels_add (labels, part->offset, part->length,
                     "EFI system partition %u", j->number) == -1 ||
      wv_labels_add (labels, part->offset, f->fat_offset,
                     "ESP %u boot sector and reserved sectors",
                     j->number) == -1 ||
      wv_labels_add (labels, part->offset + f->fat_offset,
                     f->fat_bytes * f->nr_fats, "ESP %u FAT%u table",
                     j->number, f->type) == -1)
    return -1;
  if (f->root_bytes &&
      wv_labels_add (labels, part->offset + f->root_offset, f->root_bytes,
                     "ESP %u root directory", j->number) == -1)
    return -1;
  return 0;
}

/* Say what was found and done. */
static void
report (struct job *j, FILE *log)
{
  const char *n = j->loader_name;

  if (!j->have_loader)
    fprintf (log, "EFI system partition %u: \\EFI\\BOOT\\%s made a copy of "
             "\\EFI\\Microsoft\\Boot\\bootmgfw.efi (it was missing)\n",
             j->number, n);
  else if (j->loader_differs)
    fprintf (log, "EFI system partition %u: \\EFI\\BOOT\\%s made a copy of "
             "\\EFI\\Microsoft\\Boot\\bootmgfw.efi (it differed)\n",
             j->number, n);
  else
    fprintf (log, "EFI system partition %u: \\EFI\\BOOT\\%s is already a "
             "copy of bootmgfw.efi\n", j->number, n);
  if (!j->have_bcd)
    fprintf (log, "EFI system partition %u: no \\EFI\\Microsoft\\Boot\\BCD "
             "(left as it is)\n", j->number);
  else if (j->new_bcd)
    fprintf (log, "EFI system partition %u: BCD: element 16000046 "
             "(graphicsmodedisabled) removed from the default entry %s\n",
             j->number, j->entry);
  else
    fprintf (log, "EFI system partition %u: BCD: the default entry %s has "
             "no element 16000046 (left as it is)\n", j->number,
             *j->entry ? j->entry : "(none)");
}

/* msg without the "DISK: " the log put in front of it. */
static const char *
reason (const char *msg, const char *disk)
{
  size_t n = strlen (disk);

  if (msg == NULL)
    return "unknown error";
  if (strncmp (msg, disk, n) == 0 && msg[n] == ':' && msg[n+1] == ' ')
    return msg + n + 2;
  return msg;
}

int
wv_esp_fix (struct wv_overlay *ov, const struct wv_partition *part,
            const char *arch, const char *disk, struct wv_labels *labels,
            FILE *log)
{
  struct job j = { .number = part->number };
  const char *name = loader_for (arch);
  CLEANUP_FREE char *why = NULL;
  int r;

  if (name == NULL) {
    fprintf (log, "EFI system partition %u: left as it is (warning): no "
             "fallback loader name for architecture %s\n", part->number, arch);
    return 0;
  }
  snprintf (j.loader_name, sizeof j.loader_name, "%s", name);
  if (wv_esp_scratch_open (&j.s, ov, part->offset, part->length) == -1)
    return -1;
  wv_error_capture_begin ();
  r = wv_fat_open (&j.fat, wv_esp_scratch_read, &j.s, part->length);
  if (r == 0) {
    r = survey (&j);
    if (r == 0 && (!j.have_loader || j.loader_differs || j.new_bcd))
      r = change (&j);
    if (r == 0 && (!j.have_loader || j.loader_differs || j.new_bcd))
      r = commit (&j, labels);
    if (r == 0)
      r = label_esp (&j, part, labels);
  }
  why = wv_error_capture_end ();
  if (r == 0)
    report (&j, log);
  else if (!j.fatal)
    fprintf (log, "EFI system partition %u: left as it is (warning): %s\n",
             part->number, reason (why, disk));
  wv_fat_close (&j.fat);
  wv_esp_scratch_close (&j.s);
  free (j.mgr_data);
  free (j.new_bcd);
  if (j.fatal) {
    wv_error ("EFI system partition %u: %s", part->number, reason (why, disk));
    return -1;
  }
  return 0;
}
