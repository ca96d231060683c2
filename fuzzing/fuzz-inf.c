/* winvirtio: libFuzzer harness for the INF parser (lib/drivers/inf-*.c:
 * the generic layer and the driver view).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Parses the input as an INF, then walks the driver view for a few
 * Windows: [Version], the devices, each device's install section with
 * its services, the registry data of every AddReg line, and the
 * source files.  Build by hand:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ilib \
 *     fuzzing/fuzz-inf.c lib/drivers/inf-*.c lib/common/log.c \
 *     -o fuzz-inf
 *   ./fuzz-inf -max_len=65536 corpus-dir
 *
 * (config.h: run configure first, or pass -include /dev/null.)
 */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "drivers/inf.h"

static void
quiet (const char *msg)
{
  (void) msg;
}

static void
walk_regs (const struct wv_inf *inf, const struct wv_inf_reg *regs,
           size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    uint8_t *data;
    size_t len;

    if (wv_inf_reg_data (inf, &regs[i], &data, &len) == 0)
      free (data);
  }
}

static void
walk (const struct wv_inf *inf, const struct wv_inf_target *t)
{
  struct wv_inf_version v;
  struct wv_inf_device *devs;
  const char **names;
  size_t nr, i, j;

  wv_inf_version (inf, t, &v);
  if (wv_inf_source_files (inf, t, &names, &nr) == 0)
    free (names);
  if (wv_inf_devices (inf, t, &devs, &nr) == -1)
    return;
  for (i = 0; i < nr && i < 8; i++) {
    struct wv_inf_install *ins = wv_inf_install (inf, t, devs[i].install);
    uint32_t dirid;
    const char *rest;

    if (ins == NULL)
      continue;
    walk_regs (inf, ins->regs, ins->nr_regs);
    walk_regs (inf, ins->hw_regs, ins->nr_hw_regs);
    for (j = 0; j < ins->nr_services; j++) {
      walk_regs (inf, ins->services[j].regs, ins->services[j].nr_regs);
      walk_regs (inf, ins->services[j].eventlog_regs,
                 ins->services[j].nr_eventlog_regs);
      if (ins->services[j].service_binary &&
          wv_inf_split_dirid (ins->services[j].service_binary, &dirid,
                              &rest) == 0)
        wv_inf_dirid_dir (dirid);
    }
    wv_inf_install_free (ins);
  }
  free (devs);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const struct wv_inf_target targets[] = {
    { "amd64", 10, 0, 19045, false },
    { "x86", 5, 1, 2600, false },
    { "arm64", 10, 0, 26100, true },
  };
  struct wv_inf *inf;
  size_t i;

  wv_set_log (quiet, quiet);
  inf = wv_inf_parse (data, size, "fuzz.inf", size % 2 ? "amd64" : NULL);
  if (inf == NULL)
    return 0;
  for (i = 0; i < sizeof targets / sizeof targets[0]; i++)
    walk (inf, &targets[i]);
  for (i = 0; i < wv_inf_nr_sections (inf); i++)
    wv_inf_find (wv_inf_section_at (inf, i), "AddReg");
  wv_inf_free (inf);
  return 0;
}
