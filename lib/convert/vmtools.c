/* winvirtio: VMware Tools' services, disabled on request.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * On KVM, VMware Tools keep running and talk to a hypervisor that is
 * not there.  Forklift removes them with a first-boot script (but
 * keeps pvscsi); virt-v2v tries an MSI uninstall.  Here, only with
 * --vmware-tools=disable, the services below get Start=4 (disabled);
 * nothing is deleted, so the tools can still be uninstalled the usual
 * way.  Each is safe to disable because it only serves VMware's own
 * host and nothing else in Windows needs it:
 *
 *  VMTools          vmtoolsd.exe, the VMware Tools service (guest RPC
 *                   to the VMware host over its backdoor port)
 *  VGAuthService    the Alias Manager and Ticket Service (vSphere
 *                   guest operations' authentication)
 *  vm3dservice      the SVGA helper service (VMware's display only)
 *  vmvss            the VSS provider for VMware's quiesced snapshots
 *  VMUpgradeHelper  the upgrade helper of old VMware Tools
 *  VMMemCtl         VMware's balloon driver, a legacy driver the
 *                   service control manager starts (no device binds it)
 *
 * Left alone, on purpose: pvscsi and vmxnet3 (kept, as Forklift keeps
 * pvscsi: the guest may go back to VMware); vmci (vsock depends on it)
 * and vsock (its Winsock provider stays registered); vmmouse and
 * vmusbmouse (mouse class upper filters: a disabled filter stops the
 * mouse stack); vmhgfs (a network provider listed in
 * NetworkProvider\Order); vm3dmp and the other PnP drivers (they load
 * only with their VMware device); vmrawdsk.  And whatever another
 * service names in its DependOnService is left too, whatever the list
 * says.  The hive's own data decides what is there: nothing is
 * created.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hivex.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "convert/vmtools.h"
#include "registry/hive-lookup.h"
#include "registry/regedit.h"

#define SERVICE_DISABLED 4

static const char *const candidates[] = {
  "VMTools", "VGAuthService", "vm3dservice", "vmvss", "VMUpgradeHelper",
  "VMMemCtl",
};

/* The name of a service (under services) that lists name in its
 * DependOnService, malloc'd, or NULL if none does.
 */
static char *
dependent_of (hive_h *h, hive_node_h services, const char *name)
{
  CLEANUP_FREE hive_node_h *children = hivex_node_children (h, services);
  size_t i, j;

  for (i = 0; children && children[i]; ++i) {
    hive_value_h v = hivex_node_get_value (h, children[i], "DependOnService");
    hive_type t;
    size_t len;
    char **deps;
    bool found = false;

    if (v == 0 || hivex_value_type (h, v, &t, &len) == -1 ||
        t != hive_t_REG_MULTI_SZ ||
        (deps = hivex_value_multiple_strings (h, v)) == NULL)
      continue;
    for (j = 0; deps[j]; ++j) {
      found |= strcasecmp (deps[j], name) == 0;
      free (deps[j]);
    }
    free (deps);
    if (found)
      return hivex_node_name (h, children[i]);
  }
  return NULL;
}

/* Is this service VMware's? */
static bool
is_vmware (hive_h *h, hive_node_h svc)
{
  char buf[512];

  wv_hive_get_string (h, svc, "ImagePath", buf, sizeof buf);
  if (strcasestr (buf, "vmware"))
    return true;
  wv_hive_get_string (h, svc, "DisplayName", buf, sizeof buf);
  return strcasestr (buf, "vmware") != NULL;
}

int
wv_vmtools_fix (hive_h *h, const struct wv_windows *w, bool disable,
                FILE *log, bool *changed_r)
{
  struct wv_edit e = { .h = h, .what = "SYSTEM hive", .log = log };
  char path[64];
  hive_node_h services;
  size_t i, running = 0;

  snprintf (path, sizeof path, "%s\\Services", w->control_set_name);
  services = wv_hive_lookup (h, hivex_root (h), path);
  if (services == 0)
    return 0;
  for (i = 0; i < sizeof candidates / sizeof candidates[0]; ++i) {
    CLEANUP_FREE char *where = NULL, *dep = NULL;
    hive_node_h svc = hivex_node_get_child (h, services, candidates[i]);
    int64_t start;

    if (svc == 0 || !is_vmware (h, svc))
      continue;
    start = wv_hive_get_dword (h, svc, "Start");
    if (start == SERVICE_DISABLED) {
      fprintf (log, "vmware tools: %s is disabled already\n", candidates[i]);
      continue;
    }
    if (!disable) {
      running++;
      continue;
    }
    dep = dependent_of (h, services, candidates[i]);
    if (dep) {
      fprintf (log, "vmware tools: %s left alone: %s depends on it\n",
               candidates[i], dep);
      continue;
    }
    if (asprintf (&where, "%s\\%s", path, candidates[i]) == -1) {
      wv_error ("asprintf: %m");
      return -1;
    }
    if (wv_edit_dword (&e, svc, where, "Start", SERVICE_DISABLED) == -1)
      return -1;
    wv_edit_flush (&e);
    fprintf (log, "vmware tools: %s disabled (Start was %lld)\n",
             candidates[i], (long long) start);
  }
  if (running)
    fprintf (log, "vmware tools: %zu of their services left as they are "
             "(vmware-tools=disable disables them)\n", running);
  if (e.changed)
    *changed_r = true;
  return 0;
}
