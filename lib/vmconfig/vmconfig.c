/* winvirtio: the VM configuration model: reading a file of any of the
 * three kinds, warnings, MACs, the order of the disks, the guest OS.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "common/array.h"
#include "common/cleanup.h"
#include "common/hostfile.h"
#include "common/log.h"
#include "vmconfig/vmconfig.h"

void
wv_vmconfig_init (struct wv_vmconfig *cfg, const char *kind)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->source_kind = kind;
  cfg->vcpus = 1;
  cfg->cores_per_socket = 1;
  cfg->sync_time = -1;
}

void
wv_vmconfig_free (struct wv_vmconfig *cfg)
{
  size_t i;

  for (i = 0; i < cfg->nr_warnings; ++i)
    free (cfg->warnings[i]);
  free (cfg->warnings);
  cfg->warnings = NULL;
  cfg->nr_warnings = cfg->cap_warnings = 0;
}

int
wv_vmconfig_warn (struct wv_vmconfig *cfg, const char *fs, ...)
{
  va_list args;
  int r;

  /* A hostile file could ask for a warning a line: keep the first. */
  if (cfg->nr_warnings >= 100)
    return 0;
  va_start (args, fs);
  r = wv_strings_vappend (&cfg->warnings, &cfg->nr_warnings,
                          &cfg->cap_warnings, fs, args);
  va_end (args);
  return r;
}

int
wv_vmconfig_add_cdrom (struct wv_vmconfig *cfg)
{
  if (cfg->nr_cdroms < WV_VMCONFIG_MAX_CDROMS) {
    cfg->nr_cdroms++;
    return 0;
  }
  if (!cfg->more_cdroms++)
    return wv_vmconfig_warn (cfg, "more than %d CD/DVD drives: the rest "
                             "left out", WV_VMCONFIG_MAX_CDROMS);
  return 0;
}

bool
wv_vmconfig_mac (const char *s, char out[18])
{
  size_t i;

  if (strlen (s) != 17)
    return false;
  for (i = 0; i < 17; ++i) {
    if (i % 3 == 2) {
      if (s[i] != ':' && s[i] != '-')
        return false;
      out[i] = ':';
    }
    else {
      if (!isxdigit ((unsigned char) s[i]))
        return false;
      out[i] = tolower ((unsigned char) s[i]);
    }
  }
  out[17] = '\0';
  /* A multicast address cannot be a NIC's. */
  return (strtoul (out, NULL, 16) & 1) == 0;
}

const char *
wv_vm_bus_name (enum wv_vm_bus bus)
{
  switch (bus) {
  case WV_VM_SCSI: return "scsi";
  case WV_VM_SATA: return "sata";
  case WV_VM_NVME: return "nvme";
  case WV_VM_IDE: return "ide";
  default: return "?";
  }
}

static int
disk_cmp (const void *a, const void *b)
{
  const struct wv_vm_disk *x = a, *y = b;

  if (x->bus != y->bus)
    return x->bus < y->bus ? -1 : 1;
  if (x->controller != y->controller)
    return x->controller < y->controller ? -1 : 1;
  if (x->unit != y->unit)
    return x->unit < y->unit ? -1 : 1;
  return 0;
}

int
wv_vmconfig_sort_disks (struct wv_vmconfig *cfg)
{
  size_t i;

  if (cfg->nr_disks > 0)
    qsort (cfg->disks, cfg->nr_disks, sizeof cfg->disks[0], disk_cmp);
  for (i = 1; i < cfg->nr_disks; ++i)
    if (disk_cmp (&cfg->disks[i - 1], &cfg->disks[i]) == 0) {
      wv_error ("two disks at %s%u:%u (%s and %s)",
                wv_vm_bus_name (cfg->disks[i].bus), cfg->disks[i].controller,
                cfg->disks[i].unit, cfg->disks[i - 1].file,
                cfg->disks[i].file);
      return -1;
    }
  return 0;
}

bool
wv_vmconfig_is_windows (const struct wv_vmconfig *cfg)
{
  return strncasecmp (cfg->guest_os, "win", 3) == 0;
}

/* Which reader: an OVA is a tar (ustar magic at 257), an OVF is XML. */
static const char *
kind_of (const uint8_t *data, size_t len)
{
  size_t i;

  if (len >= 263 && memcmp (data + 257, "ustar", 5) == 0)
    return "ova";
  for (i = 0; i < len && isspace (data[i]); ++i)
    ;
  if (i + 3 <= len && memcmp (data + i, "\xef\xbb\xbf", 3) == 0)
    i += 3;
  if (i < len && data[i] == '<')
    return "ovf";
  return "vmx";
}

int
wv_vmconfig_read (const char *path, struct wv_vmconfig *cfg)
{
  CLEANUP_FREE uint8_t *data = NULL;
  CLEANUP_FREE char *ovf = NULL;
  uint8_t head[512];
  size_t len, n;
  const char *kind;
  FILE *fp;
  int r;

  /* An OVA holds disks: look at its head only. */
  fp = fopen (path, "rb");
  if (fp == NULL) {
    wv_error ("%s: cannot open the VM configuration: %m", path);
    return -1;
  }
  n = fread (head, 1, sizeof head, fp);
  fclose (fp);
  kind = kind_of (head, n);
  wv_vmconfig_init (cfg, kind);
  /* Every error names the file. */
  wv_log_subject_begin (path);
  if (strcmp (kind, "ova") == 0) {
    r = wv_ova_read_ovf (path, &ovf, &len);
    if (r == 0)
      r = wv_ovf_parse (ovf, len, cfg);
  }
  else {
    r = wv_read_host_file (path, WV_VMCONFIG_MAX_BYTES, &data, &len);
    if (r == 0)
      r = strcmp (kind, "ovf") == 0 ?
        wv_ovf_parse ((const char *) data, len, cfg) :
        wv_vmx_parse ((const char *) data, len, cfg);
  }
  wv_log_subject_end ();
  if (r == -1)
    wv_vmconfig_free (cfg);
  return r;
}
