/* winvirtio: the .vmx reader (the key = "value" file VMware writes).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The format: one "key = value" a line, the value in double quotes
 * (VMware writes "|22" for a quote inside it and "|7C" for a bar: any
 * "|XX" is a byte in hex), "#" starts a comment line.  Keys are
 * case-insensitive (Fusion writes "memsize", ESXi "memSize").  The
 * file is hostile: at most WV_VMCONFIG_MAX_BYTES, NUL bytes and lines
 * with no "=" refused, a key given twice with two values refused (the
 * same value twice is a warning), unknown values of the keys we use a
 * warning with the default named.  Which keys mean what follows
 * VMware's files and virt-v2v's input/parse_vmx.ml (read, not copied).
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>

#include "common/array.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "vmconfig/vmconfig.h"

struct vmx_entry {
  char *key;                    /* lower case, in the copy of the file */
  char *value;
  unsigned line;
};

struct vmx {
  char *text;                   /* the file's copy, cut into strings */
  size_t nr, cap;
  struct vmx_entry *e;          /* sorted by key once read */
};

static int
entry_cmp (const void *a, const void *b)
{
  const struct vmx_entry *x = a, *y = b;
  int c = strcmp (x->key, y->key);

  if (c)
    return c;
  return x->line < y->line ? -1 : x->line > y->line;
}

/* Decode VMware's "|XX" escapes in place. */
static void
unescape (char *s)
{
  char *d = s;

  while (*s) {
    if (s[0] == '|' && isxdigit ((unsigned char) s[1]) &&
        isxdigit ((unsigned char) s[2])) {
      char hex[3] = { s[1], s[2], 0 };
      char c = (char) strtoul (hex, NULL, 16);

      if (c != '\0')
        *d++ = c;
      s += 3;
    }
    else
      *d++ = *s++;
  }
  *d = '\0';
}

static char *
trim (char *s)
{
  char *e;

  while (*s == ' ' || *s == '\t')
    s++;
  e = s + strlen (s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
    *--e = '\0';
  return s;
}

/* One line: add its entry, or refuse it. */
static int
parse_line (struct vmx *x, char *line, unsigned n)
{
  char *eq, *key, *value, *p;

  line = trim (line);
  if (line[0] == '\0' || line[0] == '#')
    return 0;
  eq = strchr (line, '=');
  if (eq == NULL) {
    wv_error ("line %u: not key = \"value\"", n);
    return -1;
  }
  *eq = '\0';
  key = trim (line);
  value = trim (eq + 1);
  if (key[0] == '\0') {
    wv_error ("line %u: a value with no key", n);
    return -1;
  }
  for (p = key; *p; ++p) {
    if (!isgraph ((unsigned char) *p)) {
      wv_error ("line %u: a key with a space or control character", n);
      return -1;
    }
    *p = tolower ((unsigned char) *p);
  }
  if (value[0] == '"') {
    size_t l = strlen (value);

    if (l < 2 || value[l - 1] != '"') {
      wv_error ("line %u: %s: the value's closing quote is missing", n, key);
      return -1;
    }
    value[l - 1] = '\0';
    value++;
  }
  unescape (value);
  if (wv_array_grow (&x->e, &x->cap, x->nr + 1, sizeof *x->e, 64) == -1)
    return -1;
  x->e[x->nr++] = (struct vmx_entry) { key, value, n };
  return 0;
}

/* Cut the text into entries; sort them; refuse contradictions. */
static int
vmx_load (struct vmx *x, const char *buf, size_t len,
          struct wv_vmconfig *cfg)
{
  char *p, *nl;
  unsigned n = 1;
  size_t i, j;

  if (len > WV_VMCONFIG_MAX_BYTES) {
    wv_error ("the .vmx is %zu bytes, more than the %d a VM "
              "configuration may have", len, WV_VMCONFIG_MAX_BYTES);
    return -1;
  }
  if (memchr (buf, '\0', len)) {
    wv_error ("the .vmx has a NUL byte: not a text file");
    return -1;
  }
  x->text = malloc (len + 1);
  if (x->text == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  memcpy (x->text, buf, len);
  x->text[len] = '\0';
  for (p = x->text; p; p = nl ? nl + 1 : NULL, ++n) {
    nl = strchr (p, '\n');
    if (nl)
      *nl = '\0';
    if (parse_line (x, p, n) == -1)
      return -1;
  }
  if (x->nr > 0)
    qsort (x->e, x->nr, sizeof *x->e, entry_cmp);
  for (i = 0; i < x->nr; i = j) {
    for (j = i + 1; j < x->nr && strcmp (x->e[i].key, x->e[j].key) == 0; ++j) {
      if (strcmp (x->e[i].value, x->e[j].value) != 0) {
        wv_error ("%s is given twice with two values (line %u: \"%s\", "
                  "line %u: \"%s\")", x->e[i].key, x->e[i].line,
                  x->e[i].value, x->e[j].line, x->e[j].value);
        return -1;
      }
      if (wv_vmconfig_warn (cfg, "%s is given twice (lines %u and %u), "
                            "with the same value", x->e[i].key,
                            x->e[i].line, x->e[j].line) == -1)
        return -1;
    }
  }
  return 0;
}

/* The value of key (lower case), or NULL. */
static const char *
get (const struct vmx *x, const char *key)
{
  size_t lo = 0, hi = x->nr;

  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp (key, x->e[mid].key);

    if (c == 0)
      return x->e[mid].value;
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

static const char *
getf (const struct vmx *x, char *buf, size_t len, const char *fs,
      const char *a, unsigned n, unsigned m)
{
  snprintf (buf, len, fs, a, n, m);
  return get (x, buf);
}

/* A boolean key: 1, 0, or dflt if absent; a bad value warns. */
static int
get_bool (const struct vmx *x, const char *key, int dflt,
          struct wv_vmconfig *cfg)
{
  const char *v = get (x, key);

  if (v == NULL)
    return dflt;
  if (strcasecmp (v, "true") == 0 || strcasecmp (v, "yes") == 0 ||
      strcmp (v, "1") == 0)
    return 1;
  if (strcasecmp (v, "false") == 0 || strcasecmp (v, "no") == 0 ||
      strcmp (v, "0") == 0)
    return 0;
  wv_vmconfig_warn (cfg, "%s = \"%s\" is not a boolean: taken as %s",
                    key, v, dflt == 1 ? "TRUE" : "FALSE");
  return dflt;
}

/* An unsigned number in [min, max], or -1 after wv_error. */
static int
get_number (const struct vmx *x, const char *key, uint64_t min,
            uint64_t max, uint64_t *out)
{
  const char *v = get (x, key);
  char *end;
  unsigned long long n;

  if (v == NULL)
    return 0;
  errno = 0;
  n = strtoull (v, &end, 10);
  if (v[0] < '0' || v[0] > '9' || *end || errno || n < min || n > max) {
    wv_error ("%s = \"%s\": not a number from %" PRIu64 " to %" PRIu64,
              key, v, min, max);
    return -1;
  }
  *out = n;
  return 1;
}

static int
read_machine (const struct vmx *x, struct wv_vmconfig *cfg)
{
  const char *v;
  uint64_t n;
  int r;

  if ((v = get (x, "displayname")) != NULL)
    snprintf (cfg->name, sizeof cfg->name, "%s", v);
  if ((v = get (x, "guestos")) != NULL)
    snprintf (cfg->guest_os, sizeof cfg->guest_os, "%s", v);
  if ((r = get_number (x, "numvcpus", 1, 768, &n)) == -1)
    return -1;
  cfg->vcpus = r ? n : 1;
  if ((r = get_number (x, "cpuid.corespersocket", 1, 768, &n)) == -1)
    return -1;
  cfg->cores_per_socket = r ? n : 1;
  if (cfg->vcpus % cfg->cores_per_socket) {
    wv_vmconfig_warn (cfg, "cpuid.coresPerSocket = %u does not divide "
                      "numvcpus = %u: one core a socket", cfg->
                      cores_per_socket, cfg->vcpus);
    cfg->cores_per_socket = 1;
  }
  if ((r = get_number (x, "memsize", 4, 24 * 1024 * 1024, &n)) == -1)
    return -1;
  if (r == 0) {
    wv_vmconfig_warn (cfg, "no memSize: 1024 MiB, VMware's default for "
                      "Windows");
    n = 1024;
  }
  cfg->memory_mib = n;
  v = get (x, "firmware");
  if (v == NULL || strcasecmp (v, "bios") == 0)
    cfg->firmware = WV_VM_BIOS;
  else if (strcasecmp (v, "efi") == 0)
    cfg->firmware = WV_VM_EFI;
  else {
    wv_vmconfig_warn (cfg, "firmware = \"%s\" is unknown: BIOS, VMware's "
                      "default", v);
    cfg->firmware = WV_VM_BIOS;
  }
  cfg->secure_boot = get_bool (x, "uefi.secureboot.enabled", 0, cfg) == 1;
  if (cfg->secure_boot && cfg->firmware != WV_VM_EFI) {
    wv_error ("uefi.secureBoot.enabled = \"TRUE\" but the firmware is "
              "BIOS: contradictory");
    return -1;
  }
  cfg->vtpm = get_bool (x, "vtpm.present", 0, cfg) == 1;
  cfg->sync_time = get_bool (x, "tools.synctime", -1, cfg);
  if ((v = get (x, "rtc.difffromutc")) != NULL) {
    char *end;
    long long d;

    errno = 0;
    d = strtoll (v, &end, 10);
    if (*v == '\0' || *end || errno || d < -86400 || d > 86400)
      wv_vmconfig_warn (cfg, "rtc.diffFromUTC = \"%s\" is not a number of "
                        "seconds within a day: ignored", v);
    else {
      cfg->have_rtc_diff = true;
      cfg->rtc_diff = d;
    }
  }
  return 0;
}

static const char *const nic_models[] = {
  "e1000", "e1000e", "vmxnet", "vmxnet2", "vmxnet3", "vlance",
};

static int
read_nic (const struct vmx *x, unsigned n, struct wv_vmconfig *cfg)
{
  struct wv_vm_nic *nic;
  char key[64];
  const char *v, *type, *mac;
  size_t i;

  snprintf (key, sizeof key, "ethernet%u.present", n);
  if (get_bool (x, key, 0, cfg) != 1)
    return 0;
  if (cfg->nr_nics >= WV_VMCONFIG_MAX_NICS)
    return wv_vmconfig_warn (cfg, "ethernet%u: more than %d NICs: left "
                             "out", n, WV_VMCONFIG_MAX_NICS);
  nic = &cfg->nics[cfg->nr_nics++];
  v = getf (x, key, sizeof key, "%s%u.virtualdev", "ethernet", n, 0);
  if (v == NULL)
    v = "vlance";
  for (i = 0; i < sizeof nic_models / sizeof nic_models[0]; ++i)
    if (strcasecmp (v, nic_models[i]) == 0)
      break;
  if (i == sizeof nic_models / sizeof nic_models[0])
    wv_vmconfig_warn (cfg, "ethernet%u.virtualDev = \"%s\" is unknown: "
                      "the NIC is kept with the destination's model", n, v);
  snprintf (nic->model, sizeof nic->model, "%s", v);
  v = getf (x, key, sizeof key, "%s%u.networkname", "ethernet", n, 0);
  snprintf (nic->network, sizeof nic->network, "%s", v ? v : "");
  type = getf (x, key, sizeof key, "%s%u.addresstype", "ethernet", n, 0);
  if (type == NULL)
    type = "generated";
  if (strcasecmp (type, "static") == 0)
    mac = getf (x, key, sizeof key, "%s%u.address", "ethernet", n, 0);
  else
    mac = getf (x, key, sizeof key, "%s%u.generatedaddress", "ethernet",
                n, 0);
  if (mac == NULL)
    mac = getf (x, key, sizeof key, "%s%u.address", "ethernet", n, 0);
  if (mac == NULL)
    mac = getf (x, key, sizeof key, "%s%u.generatedaddress", "ethernet",
                n, 0);
  if (mac == NULL || !wv_vmconfig_mac (mac, nic->mac)) {
    nic->mac[0] = '\0';
    return wv_vmconfig_warn (cfg, "ethernet%u: %s%s%s (addressType "
                             "\"%s\"): the destination will make up a MAC, "
                             "so a static IP configuration or a licence "
                             "bound to it will not follow", n,
                             mac ? "the MAC \"" : "no MAC address",
                             mac ? mac : "", mac ? "\" is not a MAC" : "",
                             type);
  }
  return 0;
}

static const char *const scsi_models[] = {
  "lsilogic", "lsisas1068", "pvscsi", "buslogic",
};

/* The disk at prefix N:M, if present and a hard disk. */
static int
read_disk (const struct vmx *x, enum wv_vm_bus bus, unsigned c, unsigned u,
           struct wv_vmconfig *cfg)
{
  const char *prefix = wv_vm_bus_name (bus);
  struct wv_vm_disk *d;
  const char *file, *type, *ext;
  char key[64];

  snprintf (key, sizeof key, "%s%u:%u.present", prefix, c, u);
  if (get_bool (x, key, 0, cfg) != 1)
    return 0;
  type = getf (x, key, sizeof key, "%s%u:%u.devicetype", prefix, c, u);
  file = getf (x, key, sizeof key, "%s%u:%u.filename", prefix, c, u);
  if (type && strcasestr (type, "cdrom"))
    return wv_vmconfig_add_cdrom (cfg);
  if (file == NULL || file[0] == '\0') {
    if (type == NULL || strcasestr (type, "disk") == NULL)
      return 0;                 /* a device of no kind we know, no file */
    wv_error ("%s%u:%u: a hard disk with no fileName", prefix, c, u);
    return -1;
  }
  ext = strrchr (file, '.');
  if (type == NULL && ext && strcasecmp (ext, ".iso") == 0)
    return wv_vmconfig_add_cdrom (cfg);
  if (type == NULL && (ext == NULL || strcasecmp (ext, ".vmdk") != 0))
    return 0;                   /* a floppy image */
  if (type && strcasestr (type, "disk") == NULL)
    return wv_vmconfig_warn (cfg, "%s%u:%u.deviceType = \"%s\": not a "
                             "hard disk, left out", prefix, c, u, type);
  if (cfg->nr_disks >= WV_VMCONFIG_MAX_DISKS) {
    wv_error ("more than %d disks", WV_VMCONFIG_MAX_DISKS);
    return -1;
  }
  d = &cfg->disks[cfg->nr_disks++];
  d->bus = bus;
  d->controller = c;
  d->unit = u;
  snprintf (d->file, sizeof d->file, "%s", file);
  if (bus == WV_VM_SCSI) {
    const char *m = getf (x, key, sizeof key, "%s%u.virtualdev", prefix,
                          c, 0);
    size_t i;

    if (m == NULL)
      m = "lsilogic";
    for (i = 0; i < sizeof scsi_models / sizeof scsi_models[0]; ++i)
      if (strcasecmp (m, scsi_models[i]) == 0)
        break;
    if (i == sizeof scsi_models / sizeof scsi_models[0])
      wv_vmconfig_warn (cfg, "scsi%u.virtualDev = \"%s\" is unknown: the "
                        "destination's bus is used", c, m);
    snprintf (d->controller_model, sizeof d->controller_model, "%s", m);
  }
  return 0;
}

/* Every disk of every bus: the keys "<bus>N:M.present". */
static int
read_disks (const struct vmx *x, struct wv_vmconfig *cfg)
{
  static const enum wv_vm_bus buses[] = {
    WV_VM_SCSI, WV_VM_SATA, WV_VM_NVME, WV_VM_IDE,
  };
  size_t i, b;

  for (i = 0; i < x->nr; ++i) {
    const char *k = x->e[i].key;

    for (b = 0; b < sizeof buses / sizeof buses[0]; ++b) {
      const char *name = wv_vm_bus_name (buses[b]);
      size_t l = strlen (name);
      unsigned c, u;
      int end = 0;

      if (strncmp (k, name, l) != 0 ||
          sscanf (k + l, "%3u:%3u.present%n", &c, &u, &end) != 2 ||
          k[l + end] != '\0' || !isdigit ((unsigned char) k[l]))
        continue;
      if (read_disk (x, buses[b], c, u, cfg) == -1)
        return -1;
    }
  }
  if (cfg->nr_disks == 0) {
    wv_error ("no hard disk (no <bus>N:M.present with a .vmdk fileName)");
    return -1;
  }
  return wv_vmconfig_sort_disks (cfg);
}

/* The NICs in the order of their numbers (the keys sort as text:
 * "ethernet10" before "ethernet2").  VMware numbers them from 0 to 9.
 */
static int
read_nics (const struct vmx *x, struct wv_vmconfig *cfg)
{
  unsigned n;

  for (n = 0; n < 100; ++n)
    if (read_nic (x, n, cfg) == -1)
      return -1;
  return 0;
}

/* Read the .vmx in buf into cfg. */
int
wv_vmx_parse (const char *buf, size_t len, struct wv_vmconfig *cfg)
{
  struct vmx x = { 0 };
  int r = -1;

  if (vmx_load (&x, buf, len, cfg) == 0 &&
      read_machine (&x, cfg) == 0 &&
      read_disks (&x, cfg) == 0 &&
      read_nics (&x, cfg) == 0)
    r = 0;
  free (x.e);
  free (x.text);
  return r;
}
