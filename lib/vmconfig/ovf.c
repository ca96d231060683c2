/* winvirtio: the OVF descriptor reader, through libxml2.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The descriptor is hostile XML.  libxml2 reads it with no network
 * (XML_PARSE_NONET), no DTD loading and no entity substitution (no
 * XML_PARSE_DTDLOAD, no XML_PARSE_NOENT), and a DOCTYPE is refused as
 * soon as the parser sees it, before any entity is declared: an OVF
 * has no use for one, and refusing it shuts out external entities and
 * the "billion laughs" expansion at once.
 *
 * What is read (DMTF DSP0243 and VMware's vmw: extensions; elements
 * and attributes by their local names, as VMware, vCloud and ovftool
 * prefix them differently): References/File, DiskSection/Disk, the
 * first VirtualSystem's Name, OperatingSystemSection's vmw:osType, and
 * in VirtualHardwareSection the Items by rasd:ResourceType (3 CPU, 4
 * memory, 5 IDE, 6 SCSI, 20 SATA/NVMe, 10 NIC, 17 disk, 15 and 16 CD
 * and DVD drives, 1 vmware.vtpm)
 * and the vmw:Config / vmw:ExtraConfig keys (firmware, Secure Boot,
 * vTPM, tools.syncTime, rtc.diffFromUTC).
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <inttypes.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/log.h"
#include "vmconfig/vmconfig.h"

#define OVF_MAX_ITEMS 1024

struct ovf_item {
  xmlNodePtr node;
  long type;
  char id[64], parent[64], subtype[64], address[64], on_parent[16];
  char host[256], quantity[32], units[64], connection[128], cores[16];
  char name[128];
};

struct ovf {
  xmlDocPtr doc;
  xmlNodePtr refs, disks, vs, hw;
  size_t nr_items;
  struct ovf_item items[OVF_MAX_ITEMS];
  bool dtd;
  unsigned nic_order[WV_VMCONFIG_MAX_NICS];
};

static bool
is (xmlNodePtr n, const char *name)
{
  return n->type == XML_ELEMENT_NODE &&
    strcmp ((const char *) n->name, name) == 0;
}

/* The first child element named name. */
static xmlNodePtr
child (xmlNodePtr n, const char *name)
{
  for (n = n ? n->children : NULL; n; n = n->next)
    if (is (n, name))
      return n;
  return NULL;
}

/* An attribute or an element's text, cut to len, "" if none. */
static void
attr (xmlNodePtr n, const char *name, char *buf, size_t len)
{
  xmlChar *v = xmlGetProp (n, (const xmlChar *) name);

  snprintf (buf, len, "%s", v ? (const char *) v : "");
  xmlFree (v);
}

static void
text (xmlNodePtr n, char *buf, size_t len)
{
  xmlChar *v = n ? xmlNodeGetContent (n) : NULL;
  char *s = (char *) v, *e;

  while (s && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
    s++;
  snprintf (buf, len, "%s", s ? s : "");
  e = buf + strlen (buf);
  while (e > buf && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' ||
                     e[-1] == '\r'))
    *--e = '\0';
  xmlFree (v);
}

/* The parser's hooks: a DOCTYPE stops it. */
static void
refuse_dtd (void *ctx, const xmlChar *name, const xmlChar *ext,
            const xmlChar *sys)
{
  xmlParserCtxtPtr ctxt = ctx;
  struct ovf *o = ctxt->_private;

  (void) name; (void) ext; (void) sys;
  o->dtd = true;
  xmlStopParser (ctxt);
}

static void
quiet (void *ctx, const char *msg, ...)
{
  (void) ctx; (void) msg;
}

static int
parse_xml (struct ovf *o, const char *buf, size_t len)
{
  xmlParserCtxtPtr ctxt;
  const xmlError *err;

  if (len > WV_VMCONFIG_MAX_BYTES) {
    wv_error ("the OVF descriptor is %zu bytes, more than the %d a VM "
              "configuration may have", len, WV_VMCONFIG_MAX_BYTES);
    return -1;
  }
  ctxt = xmlNewParserCtxt ();
  if (ctxt == NULL) {
    wv_error ("xmlNewParserCtxt: %m");
    return -1;
  }
  ctxt->_private = o;
  ctxt->sax->internalSubset = refuse_dtd;
  ctxt->sax->externalSubset = refuse_dtd;
  ctxt->sax->error = quiet;
  ctxt->sax->warning = quiet;
  ctxt->sax->serror = NULL;
  o->doc = xmlCtxtReadMemory (ctxt, buf, (int) len, "descriptor.ovf", NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR |
                              XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
  err = xmlCtxtGetLastError (ctxt);
  if (o->dtd || (o->doc && o->doc->intSubset)) {
    wv_error ("the OVF descriptor has a DOCTYPE: refused (an OVF needs "
              "none, and its entities are not expanded)");
    goto fail;
  }
  if (o->doc == NULL || !ctxt->wellFormed) {
    wv_error ("the OVF descriptor is not well-formed XML: line %d: %s",
              err ? err->line : 0,
              err && err->message ? err->message : "?");
    goto fail;
  }
  xmlFreeParserCtxt (ctxt);
  return 0;

 fail:
  xmlFreeParserCtxt (ctxt);
  xmlFreeDoc (o->doc);
  o->doc = NULL;
  return -1;
}

/* The first element named name anywhere below n, depth first. */
static xmlNodePtr
find (xmlNodePtr n, const char *name, int depth)
{
  xmlNodePtr c, r;

  if (depth > 16)
    return NULL;
  for (c = n->children; c; c = c->next) {
    if (is (c, name))
      return c;
    if (c->type == XML_ELEMENT_NODE && (r = find (c, name, depth + 1)))
      return r;
  }
  return NULL;
}

static int
read_items (struct ovf *o, struct wv_vmconfig *cfg)
{
  xmlNodePtr n;

  for (n = o->hw->children; n; n = n->next) {
    struct ovf_item *it;
    char buf[32], *end;

    if (!is (n, "Item") && !is (n, "EthernetPortItem") &&
        !is (n, "StorageItem"))
      continue;
    if (o->nr_items >= OVF_MAX_ITEMS) {
      wv_error ("the OVF descriptor has more than %d hardware items",
                OVF_MAX_ITEMS);
      return -1;
    }
    it = &o->items[o->nr_items++];
    it->node = n;
    text (child (n, "ResourceType"), buf, sizeof buf);
    errno = 0;
    it->type = strtol (buf, &end, 10);
    if (buf[0] == '\0' || *end || errno)
      it->type = -1;
    text (child (n, "InstanceID"), it->id, sizeof it->id);
    text (child (n, "Parent"), it->parent, sizeof it->parent);
    text (child (n, "ResourceSubType"), it->subtype, sizeof it->subtype);
    text (child (n, "Address"), it->address, sizeof it->address);
    text (child (n, "AddressOnParent"), it->on_parent, sizeof it->on_parent);
    text (child (n, "HostResource"), it->host, sizeof it->host);
    text (child (n, "VirtualQuantity"), it->quantity, sizeof it->quantity);
    text (child (n, "AllocationUnits"), it->units, sizeof it->units);
    text (child (n, "Connection"), it->connection, sizeof it->connection);
    text (child (n, "CoresPerSocket"), it->cores, sizeof it->cores);
    text (child (n, "ElementName"), it->name, sizeof it->name);
  }
  (void) cfg;
  return 0;
}

/* A decimal number in [min, max]. */
static int
number (const char *what, const char *s, uint64_t min, uint64_t max,
        uint64_t *out)
{
  char *end;
  unsigned long long n;

  errno = 0;
  n = strtoull (s, &end, 10);
  if (s[0] < '0' || s[0] > '9' || *end || errno || n < min || n > max) {
    wv_error ("%s \"%s\": not a number from %" PRIu64 " to %" PRIu64,
              what, s, min, max);
    return -1;
  }
  *out = n;
  return 0;
}

/* "byte * 2^20", "MegaBytes", "byte": the power of two of a unit. */
static bool
units_known (const char *u, unsigned *shift)
{
  unsigned p;

  if (u[0] == '\0' || strcasecmp (u, "MegaBytes") == 0 ||
      strcasecmp (u, "MB") == 0) {
    *shift = 20;
    return true;
  }
  if (strcasecmp (u, "byte") == 0 || strcasecmp (u, "bytes") == 0) {
    *shift = 0;
    return true;
  }
  if (sscanf (u, "byte * 2^%2u", &p) == 1 && p <= 40) {
    *shift = p;
    return true;
  }
  if (strcasecmp (u, "GigaBytes") == 0) {
    *shift = 30;
    return true;
  }
  return false;
}

static int
units_shift (const char *u, unsigned *shift)
{
  if (units_known (u, shift))
    return 0;
  wv_error ("memory AllocationUnits \"%s\": unknown", u);
  return -1;
}

static int
read_cpu_memory (struct ovf *o, struct wv_vmconfig *cfg)
{
  bool mem = false;
  size_t i;

  for (i = 0; i < o->nr_items; ++i) {
    const struct ovf_item *it = &o->items[i];
    uint64_t n;
    unsigned shift;

    if (it->type == 3) {
      if (number ("CPU VirtualQuantity", it->quantity, 1, 768, &n) == -1)
        return -1;
      cfg->vcpus = n;
      if (it->cores[0]) {
        if (number ("CoresPerSocket", it->cores, 1, 768, &n) == -1)
          return -1;
        cfg->cores_per_socket = n;
      }
    }
    else if (it->type == 4) {
      if (units_shift (it->units, &shift) == -1 ||
          number ("memory VirtualQuantity", it->quantity, 1,
                  UINT64_C (1) << 44, &n) == -1)
        return -1;
      if (shift < 20)
        n >>= 20 - shift;
      else if (shift > 20) {
        if (n > (UINT64_C (24) << 20) >> (shift - 20)) {
          wv_error ("memory of %s %s: more than 24 TiB", it->quantity,
                    it->units);
          return -1;
        }
        n <<= shift - 20;
      }
      if (n == 0) {
        wv_error ("memory of %s %s: less than 1 MiB", it->quantity,
                  it->units);
        return -1;
      }
      cfg->memory_mib = n;
      mem = true;
    }
    else if (it->type == 1 && strcasecmp (it->subtype, "vmware.vtpm") == 0)
      cfg->vtpm = true;
  }
  if (cfg->vcpus % cfg->cores_per_socket) {
    wv_vmconfig_warn (cfg, "CoresPerSocket %u does not divide the %u "
                      "CPUs: one core a socket", cfg->cores_per_socket,
                      cfg->vcpus);
    cfg->cores_per_socket = 1;
  }
  if (!mem)
    return wv_vmconfig_warn (cfg, "no memory item: 1024 MiB");
  return 0;
}

static bool
truth (const char *v)
{
  return strcasecmp (v, "true") == 0 || strcmp (v, "1") == 0;
}

/* vmw:Config and vmw:ExtraConfig anywhere in the hardware section. */
static int
read_config_keys (xmlNodePtr n, struct wv_vmconfig *cfg, int depth)
{
  xmlNodePtr c;

  if (depth > 4)
    return 0;
  for (c = n->children; c; c = c->next) {
    char key[128], value[128];

    if (c->type != XML_ELEMENT_NODE)
      continue;
    if (!is (c, "Config") && !is (c, "ExtraConfig")) {
      if (is (c, "Item") && read_config_keys (c, cfg, depth + 1) == -1)
        return -1;
      continue;
    }
    attr (c, "key", key, sizeof key);
    attr (c, "value", value, sizeof value);
    if (strcasecmp (key, "firmware") == 0) {
      if (strcasecmp (value, "efi") == 0)
        cfg->firmware = WV_VM_EFI;
      else if (strcasecmp (value, "bios") == 0)
        cfg->firmware = WV_VM_BIOS;
      else if (wv_vmconfig_warn (cfg, "firmware \"%s\" is unknown: BIOS",
                                 value) == -1)
        return -1;
    }
    else if (strcasecmp (key, "bootOptions.efiSecureBootEnabled") == 0 ||
             strcasecmp (key, "uefi.secureBoot.enabled") == 0)
      cfg->secure_boot = truth (value);
    else if (strcasecmp (key, "vtpm.present") == 0)
      cfg->vtpm = cfg->vtpm || truth (value);
    else if (strcasecmp (key, "tools.syncTimeWithHost") == 0 ||
             strcasecmp (key, "tools.syncTime") == 0)
      cfg->sync_time = truth (value);
    else if (strcasecmp (key, "rtc.diffFromUTC") == 0) {
      char *end;
      long long d;

      errno = 0;
      d = strtoll (value, &end, 10);
      if (value[0] && !*end && !errno && d >= -86400 && d <= 86400) {
        cfg->have_rtc_diff = true;
        cfg->rtc_diff = d;
      }
    }
  }
  return 0;
}

static const struct ovf_item *
item_by_id (const struct ovf *o, const char *id)
{
  size_t i;

  for (i = 0; id[0] && i < o->nr_items; ++i)
    if (strcmp (o->items[i].id, id) == 0)
      return &o->items[i];
  return NULL;
}

/* The file of the disk a HostResource names ("ovf:/disk/ID"). */
static int
disk_file (const struct ovf *o, const struct ovf_item *it,
           struct wv_vm_disk *d)
{
  const char *id = it->host;
  char diskid[256], fileref[256], fid[256], cap[32], units[64];
  xmlNodePtr n;
  unsigned shift;

  if (strncmp (id, "ovf:", 4) == 0)
    id += 4;
  if (strncmp (id, "/disk/", 6) == 0)
    id += 6;
  else if (strncmp (id, "/file/", 6) == 0) {
    snprintf (fileref, sizeof fileref, "%s", id + 6);
    goto file;
  }
  else {
    wv_error ("%s: HostResource \"%s\" is not ovf:/disk/ID", it->name,
              it->host);
    return -1;
  }
  for (n = o->disks ? o->disks->children : NULL; n; n = n->next) {
    if (!is (n, "Disk"))
      continue;
    attr (n, "diskId", diskid, sizeof diskid);
    if (strcmp (diskid, id) == 0)
      break;
  }
  if (n == NULL) {
    wv_error ("%s: HostResource \"%s\" points to no Disk of the "
              "DiskSection", it->name, it->host);
    return -1;
  }
  attr (n, "fileRef", fileref, sizeof fileref);
  attr (n, "capacity", cap, sizeof cap);
  attr (n, "capacityAllocationUnits", units, sizeof units);
  if (units[0] == '\0')
    snprintf (units, sizeof units, "byte");
  if (cap[0] && units_known (units, &shift)) {
    unsigned long long c = strtoull (cap, NULL, 10);

    if (shift < 40 && c < (UINT64_C (1) << (63 - shift)))
      d->capacity = c << shift;
  }
 file:
  for (n = o->refs ? o->refs->children : NULL; n; n = n->next) {
    if (!is (n, "File"))
      continue;
    attr (n, "id", fid, sizeof fid);
    if (strcmp (fid, fileref) == 0) {
      attr (n, "href", d->file, sizeof d->file);
      return 0;
    }
  }
  wv_error ("%s: Disk \"%s\" refers to file \"%s\", which References "
            "does not list", it->name, id, fileref);
  return -1;
}

/* A controller item: its bus and model. */
static int
controller (const struct ovf_item *c, struct wv_vm_disk *d)
{
  uint64_t n = 0;

  switch (c->type) {
  case 5:
    d->bus = WV_VM_IDE;
    break;
  case 6:
    d->bus = WV_VM_SCSI;
    snprintf (d->controller_model, sizeof d->controller_model, "%s",
              strcasecmp (c->subtype, "lsilogicsas") == 0 ? "lsisas1068" :
              strcasecmp (c->subtype, "VirtualSCSI") == 0 ? "pvscsi" :
              c->subtype);
    break;
  case 20:
    if (strcasestr (c->subtype, "nvme"))
      d->bus = WV_VM_NVME;
    else
      d->bus = WV_VM_SATA;
    break;
  default:
    wv_error ("%s: the parent of a disk is not a disk controller "
              "(ResourceType %ld)", c->name, c->type);
    return -1;
  }
  if (c->address[0] && number ("controller Address", c->address, 0, 99,
                               &n) == -1)
    return -1;
  d->controller = n;
  return 0;
}

/* The NICs in the order of their AddressOnParent (ethernet0 first),
 * which vCloud does not keep in the Items' order; a NIC without one
 * goes after those that have one, in its place.
 */
static void
sort_nics (struct ovf *o, struct wv_vmconfig *cfg)
{
  size_t i, j;

  for (i = 1; i < cfg->nr_nics; ++i)
    for (j = i; j > 0 && o->nic_order[j - 1] > o->nic_order[j]; --j) {
      struct wv_vm_nic t = cfg->nics[j];
      unsigned k = o->nic_order[j];

      cfg->nics[j] = cfg->nics[j - 1];
      o->nic_order[j] = o->nic_order[j - 1];
      cfg->nics[j - 1] = t;
      o->nic_order[j - 1] = k;
    }
}

static int
read_devices (struct ovf *o, struct wv_vmconfig *cfg)
{
  size_t i;

  for (i = 0; i < o->nr_items; ++i) {
    const struct ovf_item *it = &o->items[i];

    uint64_t unit = 0;

    if (it->type == 10) {
      struct wv_vm_nic *nic;

      if (cfg->nr_nics >= WV_VMCONFIG_MAX_NICS) {
        if (wv_vmconfig_warn (cfg, "more than %d NICs: the rest left out",
                              WV_VMCONFIG_MAX_NICS) == -1)
          return -1;
        continue;
      }
      /* (Only an order: a bad AddressOnParent puts the NIC last.) */
      o->nic_order[cfg->nr_nics] = 1000;
      if (it->on_parent[0] >= '0' && it->on_parent[0] <= '9' &&
          strspn (it->on_parent, "0123456789") == strlen (it->on_parent) &&
          (unit = strtoul (it->on_parent, NULL, 10)) < 1000)
        o->nic_order[cfg->nr_nics] = unit;
      nic = &cfg->nics[cfg->nr_nics++];
      snprintf (nic->model, sizeof nic->model, "%s", it->subtype);
      snprintf (nic->network, sizeof nic->network, "%s", it->connection);
      if (!wv_vmconfig_mac (it->address, nic->mac)) {
        nic->mac[0] = '\0';
        if (wv_vmconfig_warn (cfg, "%s: %s%s%s: the destination will make "
                              "up a MAC", it->name, it->address[0] ?
                              "Address \"" : "no MAC address",
                              it->address, it->address[0] ?
                              "\" is not a MAC" : "") == -1)
          return -1;
      }
    }
    else if (it->type == 15 || it->type == 16) {
      if (wv_vmconfig_add_cdrom (cfg) == -1)
        return -1;
    }
    else if (it->type == 17) {
      struct wv_vm_disk d = { .bus = WV_VM_SCSI };
      const struct ovf_item *c = item_by_id (o, it->parent);

      if (it->host[0] == '\0') {
        wv_error ("%s: a disk with no HostResource", it->name);
        return -1;
      }
      if (c == NULL) {
        wv_error ("%s: its Parent \"%s\" is no controller of the "
                  "descriptor", it->name, it->parent);
        return -1;
      }
      if (controller (c, &d) == -1 || disk_file (o, it, &d) == -1 ||
          (it->on_parent[0] &&
           number ("AddressOnParent", it->on_parent, 0, 999, &unit) == -1))
        return -1;
      d.unit = unit;
      if (cfg->nr_disks >= WV_VMCONFIG_MAX_DISKS) {
        wv_error ("more than %d disks", WV_VMCONFIG_MAX_DISKS);
        return -1;
      }
      cfg->disks[cfg->nr_disks++] = d;
    }
  }
  if (cfg->nr_disks == 0) {
    wv_error ("the OVF descriptor has no disk (no Item of ResourceType 17)");
    return -1;
  }
  sort_nics (o, cfg);
  return wv_vmconfig_sort_disks (cfg);
}

int
wv_ovf_parse (const char *buf, size_t len, struct wv_vmconfig *cfg)
{
  struct ovf *o;
  xmlNodePtr root, os;
  int r = -1;

  o = calloc (1, sizeof *o);
  if (o == NULL) {
    wv_error ("calloc: %m");
    return -1;
  }
  if (parse_xml (o, buf, len) == -1)
    goto out;
  root = xmlDocGetRootElement (o->doc);
  if (root == NULL || !is (root, "Envelope")) {
    wv_error ("not an OVF descriptor: the root element is not Envelope");
    goto out;
  }
  o->refs = child (root, "References");
  o->disks = child (root, "DiskSection");
  o->vs = find (root, "VirtualSystem", 0);
  o->hw = o->vs ? child (o->vs, "VirtualHardwareSection") : NULL;
  if (o->hw == NULL) {
    wv_error ("the OVF descriptor has no VirtualSystem with a "
              "VirtualHardwareSection");
    goto out;
  }
  text (child (o->vs, "Name"), cfg->name, sizeof cfg->name);
  if (cfg->name[0] == '\0')
    attr (o->vs, "id", cfg->name, sizeof cfg->name);
  os = child (o->vs, "OperatingSystemSection");
  if (os)
    attr (os, "osType", cfg->guest_os, sizeof cfg->guest_os);
  cfg->memory_mib = 1024;
  if (read_items (o, cfg) == 0 && read_cpu_memory (o, cfg) == 0 &&
      read_config_keys (o->hw, cfg, 0) == 0 && read_devices (o, cfg) == 0)
    r = 0;
  if (r == 0 && cfg->secure_boot && cfg->firmware != WV_VM_EFI) {
    wv_error ("Secure Boot is enabled but the firmware is BIOS: "
              "contradictory");
    r = -1;
  }

 out:
  xmlFreeDoc (o->doc);
  free (o);
  return r;
}
