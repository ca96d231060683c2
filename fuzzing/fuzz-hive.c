/* winvirtio fuzzing: a SYSTEM hive through hivex, winvirtio's hive
 * checks, Windows identification and the registry edits.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The input is a hive.  As in the planner (lib/plan/hives.c), the base
 * block is checked (lib/registry/hive.c), then the hive is opened writable with
 * hivex and Windows identified from it, with the SOFTWARE hive named
 * by $WV_FUZZ_SOFTWARE (fuzzing/seeds.sh makes one; without it the
 * input stands for SOFTWARE too).  Unlike the planner, the edits
 * run even if identification fails, with a default Windows 10 amd64
 * description, so that mutated hives reach the registry code.  The
 * driver packages are those of $WV_FUZZ_DRIVERS (a virtio-win tree,
 * read once, for Windows 10 amd64): each is registered as the planner
 * does (lib/convert/driverstore.c: DriverDatabase lookup and entries, the
 * service; CriticalDeviceDatabase on a hive without DriverDatabase);
 * then the first-boot edits (the SATA fallback, SanPolicy, AutoReboot,
 * the balloon service, VMware Tools, UpdateDate).  The committed hive must pass the same check, and open again with
 * hivex, if the input passed the check.
 */

#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hostfile.h"
#include "convert/blnsvr.h"
#include "convert/driverstore.h"
#include "convert/fallback.h"
#include "convert/firstboot.h"
#include "convert/services.h"
#include "convert/vmtools.h"
#include "drivers/pkg-load.h"
#include "fuzz-common.h"
#include "registry/hive-lookup.h"
#include "registry/hive.h"
#include "registry/windows.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static FILE *devnull;
static struct wv_hive software;
static struct wv_pkg_info *pkgs;
static size_t nr_pkgs;
static void default_windows (struct wv_windows *w, hive_h *h);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *path;

  (void) argc;
  (void) argv;
  wv_fuzz_quiet ();
  devnull = fopen ("/dev/null", "w");
  if (devnull == NULL)
    abort ();
  path = getenv ("WV_FUZZ_SOFTWARE");
  if (path) {
    uint8_t *data;
    size_t len;

    if (wv_read_host_file (path, SIZE_MAX, &data, &len) == -1 ||
        wv_hive_open (&software, data, len, 0, "SOFTWARE hive") == -1)
      abort ();
    free (data);
  }
  path = getenv ("WV_FUZZ_DRIVERS");
  if (path) {
    struct wv_windows w;

    default_windows (&w, NULL);
    if (wv_pkg_load_all (path, &w, devnull, &pkgs, &nr_pkgs) == -1)
      abort ();
  }
  return 0;
}

static void
default_windows (struct wv_windows *w, hive_h *h)
{
  memset (w, 0, sizeof *w);
  strcpy (w->product_name, "Windows 10 Pro");
  strcpy (w->arch, "amd64");
  w->major = 10;
  w->build = 19045;
  w->control_set = 1;
  strcpy (w->control_set_name, "ControlSet001");
  w->has_driver_database =
    h && wv_hive_lookup (h, hivex_root (h), "DriverDatabase") != 0;
  w->osdir = "w10";
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct wv_hive hive = { 0 }, again = { 0 };
  struct wv_windows w;
  uint8_t *out = NULL;
  size_t outlen, i;
  bool changed = false, checked;
  char desc[256];

  checked = wv_hive_check (data, size, "SYSTEM hive") == 0;
  if (wv_hive_open (&hive, data, size, 1, "SYSTEM hive") == -1)
    return 0;
  if (wv_windows_identify (hive.h, software.h ? software.h : hive.h,
                           &w) == 0)
    wv_windows_describe (&w, desc, sizeof desc);
  else
    default_windows (&w, hive.h);
  for (i = 0; i < nr_pkgs; ++i) {
    struct wv_driverstore_state st;
    char folder[128];
    char *no_infs[] = { NULL };

    if (!w.has_driver_database) {
      if (pkgs[i].boot &&
          wv_services_add (hive.h, &w, &pkgs[i], NULL, true, devnull,
                           &changed) == -1)
        goto out;
      continue;
    }
    if (wv_driverstore_folder_name (&pkgs[i], &w, folder,
                                    sizeof folder) == -1 ||
        wv_driverstore_lookup (hive.h, &w, &pkgs[i], folder, no_infs,
                               &st) == -1)
      goto out;
    if (!st.same &&
        wv_driverstore_register (hive.h, &w, &pkgs[i], folder, st.oem_inf, 0,
                                 devnull, &changed) == -1)
      goto out;
    if (pkgs[i].boot &&
        wv_services_add (hive.h, &w, &pkgs[i], st.oem_inf, true, devnull,
                         &changed) == -1)
      goto out;
  }
  /* The first-boot edits (lib/convert/fallback.c, firstboot.c,
   * blnsvr.c, vmtools.c), with their options varied by the input.
   */
  if (wv_fallback_make_sata_ready (hive.h, &w, NULL, "Windows", devnull,
                                   &changed) == -1 ||
      wv_san_policy_fix (hive.h, &w, size & 1, devnull, &changed) == -1 ||
      wv_autoreboot_fix (hive.h, &w, size & 2, devnull, &changed) == -1 ||
      wv_blnsvr_register (hive.h, &w, pkgs, nr_pkgs, devnull,
                          &changed) == -1 ||
      wv_vmtools_fix (hive.h, &w, size & 4, devnull, &changed) == -1 ||
      (w.has_driver_database &&
       wv_driverstore_set_update_date (hive.h, 0, devnull, &changed) == -1))
    goto out;
  if (changed && wv_hive_commit (&hive, &out, &outlen) == 0) {
    if (checked && wv_hive_check (out, outlen, "patched hive") == -1)
      abort ();
    if (wv_hive_open (&again, out, outlen, 0, "patched hive") == 0)
      wv_hive_close (&again);
    else if (checked)
      abort ();                 /* we would write a hive hivex rejects */
  }

 out:
  free (out);
  wv_hive_close (&hive);
  return 0;
}
