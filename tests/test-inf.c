/* winvirtio: test the INF parser on the real INFs of the corpus and on
 * hostile input.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Every expected value below was read by hand from the INF files in
 * ../shared/corpus/inf/ (see PROVENANCE.md there).  The hostile inputs
 * run first and always; without the corpus the test then exits 77.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/hostfile.h"
#include "common/log.h"
#include "drivers/inf.h"

static int failed;
static char last_error[1024];

static void
capture_error (const char *msg)
{
  snprintf (last_error, sizeof last_error, "%s", msg);
}

static void
check_str (const char *what, const char *got, const char *want)
{
  if ((got == NULL) != (want == NULL) ||
      (got && strcmp (got, want) != 0)) {
    fprintf (stderr, "FAIL: %s: got \"%s\", expected \"%s\"\n", what,
             got ? got : "(null)", want ? want : "(null)");
    failed = 1;
  }
}

static void
check_num (const char *what, unsigned long got, unsigned long want)
{
  if (got != want) {
    fprintf (stderr, "FAIL: %s: got %lu (0x%lx), expected %lu (0x%lx)\n",
             what, got, got, want, want);
    failed = 1;
  }
}

static void
check_mem (const char *what, const uint8_t *got, size_t len,
           const uint8_t *want, size_t wlen)
{
  if (len != wlen || memcmp (got, want, len) != 0) {
    fprintf (stderr, "FAIL: %s: data differ (%zu bytes, expected %zu)\n",
             what, len, wlen);
    failed = 1;
  }
}

/* The error message must contain s. */
static void
check_error (const char *what, const char *s)
{
  if (strstr (last_error, s) == NULL) {
    fprintf (stderr, "FAIL: %s: error \"%s\" lacks \"%s\"\n", what,
             last_error, s);
    failed = 1;
  }
}

static const struct wv_inf_target win10_amd64 = { "amd64", 10, 0, 19045, false };
static const struct wv_inf_target win7_amd64 = { "amd64", 6, 1, 7601, false };
static const struct wv_inf_target win81_amd64 = { "amd64", 6, 3, 9600, false };
static const struct wv_inf_target win10_x86 = { "x86", 10, 0, 19045, false };
static const struct wv_inf_target vista_x86 = { "x86", 6, 0, 6002, false };
static const struct wv_inf_target xp_x86 = { "x86", 5, 1, 2600, false };
static const struct wv_inf_target win11_arm64 = { "ARM64", 10, 0, 22631, false };
static const struct wv_inf_target w2k22 = { "amd64", 10, 0, 20348, true };

static struct wv_inf *
load (const char *corpus, const char *file, const char *arch,
      const char *replace_from, const char *replace_to)
{
  char path[4096];
  uint8_t *data;
  size_t len;
  struct wv_inf *inf;

  snprintf (path, sizeof path, "%s/inf/%s", corpus, file);
  if (wv_read_host_file (path, WV_INF_MAX_SIZE, &data, &len) == -1) {
    fprintf (stderr, "FAIL: %s: %s\n", path, last_error);
    exit (EXIT_FAILURE);
  }
  /* .inx templates: what the virtio-win build puts for a macro. */
  if (replace_from) {
    char *text = malloc (len * 2 + 1), *p, *q;
    size_t n = 0;

    memcpy (text, data, len);
    text[len] = '\0';
    data = realloc (data, len * 2 + 1);
    for (p = text; (q = strstr (p, replace_from)) != NULL;
         p = q + strlen (replace_from)) {
      memcpy (data + n, p, q - p);
      n += q - p;
      memcpy (data + n, replace_to, strlen (replace_to));
      n += strlen (replace_to);
    }
    memcpy (data + n, p, strlen (p));
    len = n + strlen (p);
    free (text);
  }
  inf = wv_inf_parse (data, len, file, arch);
  free (data);
  if (inf == NULL) {
    fprintf (stderr, "FAIL: %s does not parse: %s\n", file, last_error);
    exit (EXIT_FAILURE);
  }
  return inf;
}

static size_t
count_devices (const struct wv_inf *inf, const struct wv_inf_target *t)
{
  struct wv_inf_device *d;
  size_t n;

  if (wv_inf_devices (inf, t, &d, &n) == -1) {
    fprintf (stderr, "FAIL: wv_inf_devices: %s\n", last_error);
    failed = 1;
    return 0;
  }
  free (d);
  return n;
}

static void
check_dword (const struct wv_inf *inf, const char *what,
             const struct wv_inf_reg *r, uint32_t want)
{
  uint8_t *data, w[4] = { want, want >> 8, want >> 16, want >> 24 };
  size_t len;

  check_num (what, r->type, 4);
  if (wv_inf_reg_data (inf, r, &data, &len) == -1) {
    fprintf (stderr, "FAIL: %s: %s\n", what, last_error);
    failed = 1;
    return;
  }
  check_mem (what, data, len, w, 4);
  free (data);
}

/* UTF-16LE of an ASCII string with its NUL. */
static void
check_sz (const struct wv_inf *inf, const char *what,
          const struct wv_inf_reg *r, uint32_t type, const char *want)
{
  uint8_t *data, w[512];
  size_t len, i, n = strlen (want);

  check_num (what, r->type, type);
  for (i = 0; i <= n; i++) {
    w[2*i] = want[i];
    w[2*i+1] = 0;
  }
  if (wv_inf_reg_data (inf, r, &data, &len) == -1) {
    fprintf (stderr, "FAIL: %s: %s\n", what, last_error);
    failed = 1;
    return;
  }
  check_mem (what, data, len, w, 2 * (n + 1));
  free (data);
}

/* viostor.inf of virtio-win 0.1.208 (ASCII, CRLF). */
static void
test_viostor (const char *corpus)
{
  struct wv_inf *inf = load (corpus, "virtio-win/viostor.inf", NULL,
                             NULL, NULL);
  struct wv_inf_version v;
  struct wv_inf_device *d;
  struct wv_inf_install *ins;
  const struct wv_inf_service *s;
  const char **files;
  size_t n;
  uint32_t dirid;
  const char *rest;

  if (wv_inf_version (inf, &win10_amd64, &v) == -1)
    exit (EXIT_FAILURE);
  check_str ("viostor Class", v.class_name, "SCSIAdapter");
  check_str ("viostor ClassGuid", v.class_guid,
             "{4D36E97B-E325-11CE-BFC1-08002BE10318}");
  check_str ("viostor Provider", v.provider, "Red Hat, Inc.");
  check_str ("viostor date", v.driver_date, "08/30/2021");
  check_str ("viostor version", v.driver_version, "100.85.104.20800");
  check_str ("viostor CatalogFile", v.catalog_file, "viostor.cat");
  check_str ("viostor DriverPackageType", v.package_type, "PlugAndPlay");
  check_num ("viostor PnpLockdown", v.pnp_lockdown, (unsigned long) -1);
  check_str ("viostor DriverPackageDisplayName",
             wv_inf_value (inf, "version", "DriverPackageDisplayName"),
             "Red Hat VirtIO SCSI controller");

  /* Only NTamd64.6.3: Windows 8.1 and later, amd64. */
  check_str ("viostor deco win10",
             wv_inf_pick_decoration (wv_inf_find (wv_inf_section (inf, "Manufacturer"), "Red Hat, Inc."), &win10_amd64),
             "NTamd64.6.3");
  check_num ("viostor devices win7", count_devices (inf, &win7_amd64), 0);
  check_num ("viostor devices win8.1", count_devices (inf, &win81_amd64), 2);
  check_num ("viostor devices x86", count_devices (inf, &win10_x86), 0);
  check_num ("viostor devices arm64", count_devices (inf, &win11_arm64), 0);

  if (wv_inf_devices (inf, &win10_amd64, &d, &n) == -1)
    exit (EXIT_FAILURE);
  check_num ("viostor devices", n, 2);
  if (n == 2) {
    check_str ("viostor models", d[0].models_section, "VioStor.NTamd64.6.3");
    check_str ("viostor mfg", d[0].manufacturer, "Red Hat, Inc.");
    check_str ("viostor desc", d[0].description,
               "Red Hat VirtIO SCSI controller");
    check_str ("viostor install", d[0].install, "scsi_inst");
    check_str ("viostor hwid 0", d[0].hwid,
               "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00");
    check_num ("viostor compat 0", d[0].nr_compat_ids, 1);
    check_str ("viostor compat 0", d[0].compat_ids[0],
               "PCI\\VEN_1AF4&DEV_1001");
    check_str ("viostor hwid 1", d[1].hwid,
               "PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01");
    check_str ("viostor compat 1", d[1].compat_ids[0],
               "PCI\\VEN_1AF4&DEV_1042");
  }
  free (d);

  ins = wv_inf_install (inf, &win10_amd64, "scsi_inst");
  if (ins == NULL)
    exit (EXIT_FAILURE);
  check_str ("viostor section", ins->section, "scsi_inst");
  check_num ("viostor files", ins->nr_files, 1);
  check_str ("viostor file", ins->files[0].dest_name, "viostor.sys");
  check_str ("viostor file section", ins->files[0].section,
             "viostor_Files_Driver");
  check_num ("viostor file dirid", ins->files[0].dirid, 12);
  check_num ("viostor driver regs", ins->nr_regs, 0);
  check_num ("viostor hw regs", ins->nr_hw_regs, 6);
  check_str ("viostor hw 0 subkey", ins->hw_regs[0].subkey,
             "Interrupt Management");
  check_str ("viostor hw 0 value", ins->hw_regs[0].value_name, "");
  check_num ("viostor hw 0 flags", ins->hw_regs[0].flags,
             WV_FLG_ADDREG_KEYONLY);
  check_str ("viostor hw 2 subkey", ins->hw_regs[2].subkey,
             "Interrupt Management\\MessageSignaledInterruptProperties");
  check_str ("viostor hw 2 value", ins->hw_regs[2].value_name,
             "MSISupported");
  check_dword (inf, "viostor MSISupported", &ins->hw_regs[2], 1);
  check_dword (inf, "viostor MessageNumberLimit", &ins->hw_regs[3], 256);
  check_dword (inf, "viostor DevicePolicy", &ins->hw_regs[5], 5);

  check_num ("viostor services", ins->nr_services, 1);
  s = &ins->services[0];
  check_str ("viostor service", s->name, "viostor");
  check_num ("viostor service flags", s->flags, 2);
  check_str ("viostor service section", s->install_section,
             "scsi_Service_Inst");
  check_str ("viostor eventlog section", s->eventlog_section,
             "scsi_EventLog_Inst");
  check_num ("viostor ServiceType", s->service_type, 1);
  check_num ("viostor StartType", s->start_type, 0);
  check_num ("viostor ErrorControl", s->error_control, 1);
  check_str ("viostor ServiceBinary", s->service_binary,
             "%12%\\viostor.sys");
  if (wv_inf_split_dirid (s->service_binary, &dirid, &rest) == -1)
    check_str ("viostor ServiceBinary dirid", "none", "12");
  else {
    check_num ("viostor ServiceBinary dirid", dirid, 12);
    check_str ("viostor ServiceBinary file", rest, "viostor.sys");
    check_str ("dirid 12", wv_inf_dirid_dir (dirid), "System32\\drivers");
  }
  check_str ("viostor LoadOrderGroup", s->load_order_group,
             "SCSI miniport");
  check_str ("viostor DisplayName", s->display_name, NULL);
  check_num ("viostor service regs", s->nr_regs, 2);
  check_str ("viostor PnpInterface root", s->regs[0].root, "HKR");
  check_str ("viostor PnpInterface subkey", s->regs[0].subkey,
             "Parameters\\PnpInterface");
  check_str ("viostor PnpInterface name", s->regs[0].value_name, "5");
  check_num ("viostor PnpInterface flags", s->regs[0].flags, 0x00010001);
  check_str ("viostor PnpInterface section", s->regs[0].section,
             "pnpsafe_pci_addreg");
  check_dword (inf, "viostor PnpInterface", &s->regs[0], 1);
  check_str ("viostor BusType name", s->regs[1].value_name, "BusType");
  check_dword (inf, "viostor BusType", &s->regs[1], 1);
  check_num ("viostor eventlog regs", s->nr_eventlog_regs, 2);
  check_str ("viostor EventMessageFile", s->eventlog_regs[0].value_name,
             "EventMessageFile");
  check_sz (inf, "viostor EventMessageFile", &s->eventlog_regs[0], 2,
            "%SystemRoot%\\System32\\IoLogMsg.dll");
  check_dword (inf, "viostor TypesSupported", &s->eventlog_regs[1], 7);
  wv_inf_install_free (ins);

  if (wv_inf_source_files (inf, &win10_amd64, &files, &n) == -1)
    exit (EXIT_FAILURE);
  check_num ("viostor source files", n, 1);
  check_str ("viostor source file", files[0], "viostor.sys");
  free (files);

  /* The generic layer. */
  check_str ("viostor [DestinationDirs]",
             wv_inf_value (inf, "destinationdirs", "viostor_files_driver"),
             "12");
  check_num ("viostor sections", wv_inf_nr_sections (inf), 17);
  wv_inf_free (inf);
}

/* The 2009 viostor.inf (UTF-8 with BOM): NTx86 and NTamd64. */
static void
test_viostor_wlh (const char *corpus)
{
  struct wv_inf *inf = load (corpus, "virtio-win/historic/viostor_wlh.inf",
                             NULL, NULL, NULL);
  struct wv_inf_version v;
  struct wv_inf_device *d;
  struct wv_inf_install *ins;
  size_t n;

  if (wv_inf_version (inf, &vista_x86, &v) == -1)
    exit (EXIT_FAILURE);
  check_str ("wlh Provider", v.provider, "Red Hat, Inc.");
  check_str ("wlh date", v.driver_date, "05/05/2009");
  check_str ("wlh version", v.driver_version, "4.3.0.17241");
  if (wv_inf_devices (inf, &vista_x86, &d, &n) == -1)
    exit (EXIT_FAILURE);
  check_num ("wlh x86 devices", n, 3);
  if (n == 3) {
    check_str ("wlh x86 models", d[0].models_section, "RHEL.NTx86");
    check_str ("wlh hwid 2", d[2].hwid,
               "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4");
    check_num ("wlh compat", d[2].nr_compat_ids, 0);
  }
  free (d);
  if (wv_inf_devices (inf, &win7_amd64, &d, &n) == -1)
    exit (EXIT_FAILURE);
  check_num ("wlh amd64 devices", n, 3);
  if (n == 3)
    check_str ("wlh amd64 models", d[0].models_section, "RHEL.NTamd64");
  free (d);
  check_num ("wlh arm64 devices", count_devices (inf, &win11_arm64), 0);
  check_num ("wlh xp devices", count_devices (inf, &xp_x86), 3);

  ins = wv_inf_install (inf, &vista_x86, "rhelscsi_inst");
  if (ins == NULL)
    exit (EXIT_FAILURE);
  check_num ("wlh StartType", ins->services[0].start_type, 0);
  check_str ("wlh service", ins->services[0].name, "viostor");
  check_dword (inf, "wlh MSISupported", &ins->hw_regs[2], 0);
  check_dword (inf, "wlh MessageNumberLimit", &ins->hw_regs[3], 2);
  wv_inf_install_free (ins);
  wv_inf_free (inf);
}

/* vioserial for XP x86: repeated sections, .NT install section. */
static void
test_vioser_wxp (const char *corpus)
{
  struct wv_inf *inf =
    load (corpus, "virtio-win/historic/vioser_wxp_x86_buildoutput.inf",
          NULL, NULL, NULL);
  struct wv_inf_device *d;
  struct wv_inf_install *ins;
  const struct wv_inf_line *l;
  const char **files;
  size_t n;

  if (wv_inf_devices (inf, &xp_x86, &d, &n) == -1)
    exit (EXIT_FAILURE);
  check_num ("vioser devices", n, 1);
  if (n == 1) {
    check_str ("vioser models", d[0].models_section, "VirtioSerial.NTx86");
    check_str ("vioser hwid", d[0].hwid,
               "PCI\\VEN_1AF4&DEV_1003&SUBSYS_00031AF4");
    check_str ("vioser mfg", d[0].manufacturer,
               "VirtIO-Serial communcation device");
  }
  free (d);
  check_num ("vioser amd64 devices", count_devices (inf, &win7_amd64), 0);

  ins = wv_inf_install (inf, &xp_x86, "VirtioSerial_Device");
  if (ins == NULL)
    exit (EXIT_FAILURE);
  check_str ("vioser section", ins->section, "VirtioSerial_Device.NT");
  check_num ("vioser files", ins->nr_files, 1);
  check_str ("vioser file", ins->files[0].dest_name, "vioser.sys");
  check_num ("vioser dirid", ins->files[0].dirid, 12);
  check_num ("vioser services", ins->nr_services, 1);
  check_str ("vioser service", ins->services[0].name, "VirtioSerial");
  check_num ("vioser flags", ins->services[0].flags, 2);
  check_num ("vioser StartType", ins->services[0].start_type, 3);
  check_str ("vioser DisplayName", ins->services[0].display_name,
             "VirtIO-Serial Service");
  check_str ("vioser LoadOrderGroup", ins->services[0].load_order_group,
             "Extended Base");
  check_str ("vioser eventlog", ins->services[0].eventlog_section, NULL);
  wv_inf_install_free (ins);

  /* Both [DestinationDirs] and both [SourceDisksFiles] count. */
  check_str ("vioser merged DestinationDirs",
             wv_inf_value (inf, "DestinationDirs",
                           "VirtioSerial_Device_CoInstaller_CopyFiles"),
             "11");
  if (wv_inf_source_files (inf, &xp_x86, &files, &n) == -1)
    exit (EXIT_FAILURE);
  check_num ("vioser source files", n, 2);
  if (n == 2) {
    check_str ("vioser source 0", files[0], "vioser.sys");
    check_str ("vioser source 1", files[1], "WdfCoInstaller01009.dll");
  }
  free (files);
  /* A quoted comma stays in its field. */
  l = &wv_inf_section (inf, "VirtioSerial_Device_CoInstaller_AddReg")->lines[0];
  check_num ("vioser coinstaller fields", l->nr_fields, 5);
  check_str ("vioser coinstaller", l->fields[4],
             "WdfCoInstaller01009.dll,WdfCoInstaller");
  check_str ("vioser KmdfLibraryVersion",
             wv_inf_value (inf, "VirtioSerial_wdfsect", "KmdfLibraryVersion"),
             "1.9");
  wv_inf_free (inf);
}

/* NetKVM for ARM64 (Parallels): NTARM64.10.0, ACPI IDs, NDIS. */
static void
test_netkvm_arm64 (const char *corpus)
{
  struct wv_inf *inf = load (corpus, "virtio-win/netkvm_arm64_parallels.inf",
                             NULL, NULL, NULL);
  struct wv_inf_version v;
  struct wv_inf_device *d;
  struct wv_inf_install *ins;
  const struct wv_inf_service *s;
  size_t n, i;
  const struct wv_inf_target win10_1809_arm64 = { "arm64", 10, 0, 17763, false };

  if (wv_inf_version (inf, &win11_arm64, &v) == -1)
    exit (EXIT_FAILURE);
  check_str ("netkvm Class", v.class_name, "Net");
  check_str ("netkvm CatalogFile", v.catalog_file, "netkvm.cat");
  check_str ("netkvm version", v.driver_version, "16.5.0.50692");
  check_str ("netkvm Provider", v.provider, "Parallels International GmbH");
  check_num ("netkvm amd64 devices", count_devices (inf, &win10_amd64), 0);
  check_num ("netkvm arm64 6.3 devices",
             count_devices (inf, &(struct wv_inf_target) { "arm64", 6, 3, 9600, false }), 0);
  check_num ("netkvm arm64 1809 devices",
             count_devices (inf, &win10_1809_arm64), 5);
  if (wv_inf_devices (inf, &win11_arm64, &d, &n) == -1)
    exit (EXIT_FAILURE);
  check_num ("netkvm devices", n, 5);
  if (n == 5) {
    check_str ("netkvm models", d[0].models_section, "NetKVM.NTARM64.10.0");
    check_str ("netkvm install 0", d[0].install, "kvmnet6.ndi");
    check_str ("netkvm hwid 1", d[1].hwid,
               "PCI\\VEN_1AF4&DEV_1041&SUBSYS_11001AB8&REV_01");
    check_str ("netkvm install 2", d[2].install, "kvmnet6a.ndi");
    check_str ("netkvm hwid 2", d[2].hwid, "ACPI\\VEN_1AF4&DEV_1000");
    check_str ("netkvm hwid 4", d[4].hwid, "ACPI\\VEN_PRL&DEV_4009");
    check_str ("netkvm desc", d[4].description,
               "Parallels VirtIO Ethernet Adapter");
  }
  free (d);

  ins = wv_inf_install (inf, &win11_arm64, "kvmnet6.ndi");
  if (ins == NULL)
    exit (EXIT_FAILURE);
  check_str ("netkvm section", ins->section, "kvmnet6.ndi");
  check_num ("netkvm files", ins->nr_files, 1);
  check_num ("netkvm file dirid", ins->files[0].dirid, 12);
  /* AddReg = kvmnet6.Reg, Parameters: the driver key. */
  check_num ("netkvm hw regs", ins->nr_hw_regs, 4);
  check_dword (inf, "netkvm MessageNumberLimit", &ins->hw_regs[1], 2048);
  for (i = 0; i < ins->nr_regs; i++)
    if (strcmp (ins->regs[i].subkey, "Ndi") == 0 &&
        strcmp (ins->regs[i].value_name, "Service") == 0)
      break;
  if (i == ins->nr_regs)
    check_str ("netkvm Ndi\\Service", "missing", "netkvm");
  else
    check_sz (inf, "netkvm Ndi\\Service", &ins->regs[i], 1, "netkvm");
  check_num ("netkvm services", ins->nr_services, 1);
  s = &ins->services[0];
  check_str ("netkvm service", s->name, "netkvm");
  check_num ("netkvm flags", s->flags, 2);
  check_num ("netkvm ServiceType", s->service_type, 1);
  check_num ("netkvm StartType", s->start_type, 3);
  check_num ("netkvm ErrorControl", s->error_control, 1);
  check_str ("netkvm ServiceBinary", s->service_binary, "%12%\\netkvm.sys");
  check_str ("netkvm LoadOrderGroup", s->load_order_group, "NDIS");
  check_str ("netkvm DisplayName", s->display_name,
             "Parallels VirtIO Ethernet Adapter Service");
  check_num ("netkvm service regs", s->nr_regs, 3);
  check_dword (inf, "netkvm TextModeFlags", &s->regs[0], 1);
  check_str ("netkvm DisableMSI", s->regs[1].value_name, "DisableMSI");
  check_sz (inf, "netkvm DisableMSI", &s->regs[1], 1, "0");
  check_sz (inf, "netkvm EventMessageFile", &s->eventlog_regs[0], 2,
            "%SystemRoot%\\System32\\netevent.dll");
  wv_inf_install_free (ins);

  /* A trailing ";" after a quoted string is a comment. */
  check_str ("netkvm Strings Tx", wv_inf_value (inf, "Strings", "Tx"),
             "Tx Enabled");
  wv_inf_free (inf);
}

/* Microsoft's LSI sample: quoted ";" in strings, two AddReg lines,
 * DelReg, $ARCH$.
 */
static void
test_lsi (const char *corpus)
{
  struct wv_inf *inf = load (corpus, "microsoft-samples/lsi_u3.inf",
                             NULL, NULL, NULL);
  struct wv_inf_version v;
  struct wv_inf_device *d;
  struct wv_inf_install *ins;
  const struct wv_inf_service *s;
  size_t n;

  /* Without stamping, NT$ARCH$ matches nothing. */
  check_num ("lsi unstamped devices", count_devices (inf, &win10_amd64), 0);
  wv_inf_free (inf);

  inf = load (corpus, "microsoft-samples/lsi_u3.inf", "amd64", NULL, NULL);
  if (wv_inf_version (inf, &w2k22, &v) == -1)
    exit (EXIT_FAILURE);
  check_num ("lsi PnpLockdown", v.pnp_lockdown, 1);
  check_str ("lsi CatalogFile", v.catalog_file, "lsi_u3.cat");
  check_str ("lsi version", v.driver_version, "5.09.10.04");
  if (wv_inf_devices (inf, &w2k22, &d, &n) == -1)
    exit (EXIT_FAILURE);
  check_num ("lsi devices", n, 2);
  if (n == 2) {
    check_str ("lsi models", d[0].models_section, "LSI.NTamd64");
    check_str ("lsi hwid 0", d[0].hwid, "PCI\\VEN_1000&DEV_0020");
    check_str ("lsi hwid 1", d[1].hwid, "PCI\\VEN_1000&DEV_0021");
    check_str ("lsi desc 0", d[0].description,
               "LSI Ultra3 PCI SCSI Adapter; 53C1010-33 (StorPort)");
    check_str ("lsi install", d[1].install, "LSI_U3_Inst");
  }
  free (d);

  ins = wv_inf_install (inf, &w2k22, "LSI_U3_Inst");
  if (ins == NULL)
    exit (EXIT_FAILURE);
  check_num ("lsi files", ins->nr_files, 1);
  check_str ("lsi file", ins->files[0].dest_name, "lsi_u3.sys");
  check_num ("lsi dirid", ins->files[0].dirid, 12);
  check_num ("lsi hw regs", ins->nr_hw_regs, 3);
  check_num ("lsi hw del", ins->hw_regs[0].del, 1);
  check_str ("lsi hw del subkey", ins->hw_regs[0].subkey, "Scsiport");
  check_str ("lsi hw del value", ins->hw_regs[2].value_name, "SlotNumber");
  s = &ins->services[0];
  check_str ("lsi service", s->name, "LSI_U3");
  check_num ("lsi flags", s->flags, 2);
  check_num ("lsi ServiceType", s->service_type, 1);
  check_num ("lsi StartType", s->start_type, 0);
  check_num ("lsi ErrorControl", s->error_control, 1);
  check_str ("lsi ServiceBinary", s->service_binary, "%12%\\lsi_u3.sys");
  check_str ("lsi LoadOrderGroup", s->load_order_group, "SCSI Miniport");
  check_num ("lsi service regs", s->nr_regs, 2);
  check_str ("lsi PnpInterface", s->regs[0].subkey, "Parameters\\PnpInterface");
  check_dword (inf, "lsi PnpInterface", &s->regs[0], 1);
  check_str ("lsi BusType section", s->regs[1].section, "bus_type_scsi");
  check_dword (inf, "lsi BusType", &s->regs[1], 1);
  check_str ("lsi eventlog", s->eventlog_section, "Miniport_EventLog_Inst");
  wv_inf_install_free (ins);
  wv_inf_free (inf);
}

/* Microsoft's disk sample: install section disk.NT, no .NTamd64. */
static void
test_diskdev (const char *corpus)
{
  struct wv_inf *inf = load (corpus, "microsoft-samples/diskdev.inf",
                             NULL, NULL, NULL);
  struct wv_inf_version v;
  struct wv_inf_device *d;
  struct wv_inf_install *ins;
  size_t n;

  if (wv_inf_version (inf, &win10_amd64, &v) == -1)
    exit (EXIT_FAILURE);
  check_str ("diskdev CatalogFile", v.catalog_file, "diskdev.cat");
  check_str ("diskdev Class", v.class_name, "DiskDrive");
  check_num ("diskdev x86 devices", count_devices (inf, &win10_x86), 0);
  if (wv_inf_devices (inf, &win10_amd64, &d, &n) == -1)
    exit (EXIT_FAILURE);
  check_num ("diskdev devices", n, 2);
  if (n == 2) {
    check_str ("diskdev hwid 0", d[0].hwid, "GenDisk");
    check_str ("diskdev hwid 1", d[1].hwid, "GenOptical");
    check_str ("diskdev desc 1", d[1].description, "Optical disk drive");
  }
  free (d);
  ins = wv_inf_install (inf, &win10_amd64, "disk");
  if (ins == NULL)
    exit (EXIT_FAILURE);
  check_str ("diskdev section", ins->section, "disk.NT");
  check_str ("diskdev file", ins->files[0].dest_name, "disk.sys");
  check_num ("diskdev dirid", ins->files[0].dirid, 12);
  check_str ("diskdev service", ins->services[0].name, "disk");
  check_num ("diskdev StartType", ins->services[0].start_type, 0);
  check_str ("diskdev LoadOrderGroup", ins->services[0].load_order_group,
             "SCSI Class");
  check_str ("diskdev DisplayName", ins->services[0].display_name,
             "Disk Drive");
  wv_inf_install_free (ins);
  wv_inf_free (inf);
}

/* The upstream .inx templates, stamped for amd64 with the driver
 * folder the virtio-win build puts for INX_PLATFORM_DRIVERS_DIR (12).
 */
static void
test_templates (const char *corpus)
{
  static const char *const inx[] = { "viostor", "vioscsi" };
  static const char *const dev1[] = {
    "PCI\\VEN_1AF4&DEV_1001&SUBSYS_0002_INX_SUBSYS_VENDOR_ID&REV_00",
    "PCI\\VEN_1AF4&DEV_1004&SUBSYS_0008_INX_SUBSYS_VENDOR_ID&REV_00",
  };
  static const uint32_t bustype[] = { 1, 0xA };
  struct wv_inf *inf;
  struct wv_inf_device *d;
  struct wv_inf_install *ins;
  size_t i, n;
  char file[128];

  for (i = 0; i < 2; i++) {
    snprintf (file, sizeof file, "virtio-win/upstream-templates/%s.inx",
              inx[i]);
    inf = load (corpus, file, "amd64", "INX_PLATFORM_DRIVERS_DIR", "12");
    if (wv_inf_devices (inf, &w2k22, &d, &n) == -1)
      exit (EXIT_FAILURE);
    check_num ("inx devices", n, 2);
    if (n == 2)
      check_str ("inx hwid", d[0].hwid, dev1[i]);
    free (d);
    ins = wv_inf_install (inf, &w2k22, "scsi_inst");
    if (ins == NULL)
      exit (EXIT_FAILURE);
    check_str ("inx service", ins->services[0].name, inx[i]);
    check_num ("inx StartType", ins->services[0].start_type, 0);
    check_str ("inx LoadOrderGroup", ins->services[0].load_order_group,
               "SCSI miniport");
    check_num ("inx service regs", ins->services[0].nr_regs, 3);
    check_str ("inx PnpInterface", ins->services[0].regs[0].subkey,
               "Parameters\\PnpInterface");
    check_dword (inf, "inx BusType", &ins->services[0].regs[1], bustype[i]);
    check_str ("inx DmaRemappingCompatible",
               ins->services[0].regs[2].value_name, "DmaRemappingCompatible");
    check_dword (inf, "inx DmaRemappingCompatible",
                 &ins->services[0].regs[2], 0);
    check_num ("inx dirid", ins->files[0].dirid, 12);
    wv_inf_install_free (ins);
    wv_inf_free (inf);
  }

  inf = load (corpus, "virtio-win/upstream-templates/balloon.inx", "x86",
              "INX_PLATFORM_DRIVERS_DIR", "12");
  if (wv_inf_devices (inf, &win10_x86, &d, &n) == -1)
    exit (EXIT_FAILURE);
  check_num ("balloon devices", n, 2);
  if (n == 2) {
    check_str ("balloon models", d[0].models_section, "Standard.NTx86");
    check_str ("balloon compat", d[1].compat_ids[0], "PCI\\VEN_1AF4&DEV_1045");
  }
  free (d);
  ins = wv_inf_install (inf, &win10_x86, "BALLOON_Device");
  if (ins == NULL)
    exit (EXIT_FAILURE);
  check_str ("balloon section", ins->section, "BALLOON_Device.NT");
  check_str ("balloon service", ins->services[0].name, "BALLOON");
  check_num ("balloon flags", ins->services[0].flags, 2);
  check_num ("balloon StartType", ins->services[0].start_type, 3);
  check_str ("balloon ServiceBinary", ins->services[0].service_binary,
             "%12%\\balloon.sys");
  check_sz (inf, "balloon Security", &ins->hw_regs[0], 1, "D:P(A;;GA;;;SY)");
  check_dword (inf, "balloon Dmar", &ins->services[0].regs[0], 2);
  wv_inf_install_free (ins);
  wv_inf_free (inf);

  /* netkvm-base.txt is the NetKVM template text: it must parse. */
  inf = load (corpus, "virtio-win/upstream-templates/netkvm-base.txt",
              "amd64", NULL, NULL);
  if (wv_inf_nr_sections (inf) < 5) {
    fprintf (stderr, "FAIL: netkvm-base.txt: only %zu sections\n",
             wv_inf_nr_sections (inf));
    failed = 1;
  }
  wv_inf_free (inf);
}

/* ---- syntax and hostile input ---- */

static struct wv_inf *
parse_str (const char *s)
{
  return wv_inf_parse (s, strlen (s), "test.inf", NULL);
}

/* UTF-16LE of an ASCII string, with or without BOM. */
static uint8_t *
utf16 (const char *s, bool bom, size_t *len_r)
{
  size_t n = strlen (s), i, o = 0;
  uint8_t *p = malloc (2 * n + 2);

  if (bom) {
    p[o++] = 0xff;
    p[o++] = 0xfe;
  }
  for (i = 0; i < n; i++) {
    p[o++] = s[i];
    p[o++] = 0;
  }
  *len_r = o;
  return p;
}

static void
test_syntax (void)
{
  static const char text[] =
    "; comment before any section\r\n"
    "stray line before any section\r\n"
    "[ Sec ]  trailing text\r\n"
    "a = 1, \" two ; three \" , x\"y\"\"z\"  ; comment\n"
    "long = first, \\\n"
    "   second   \\  ; comment after the backslash\n"
    "   , third\n"
    "plain, line,, \"\"\n"
    "pct = %name%, %%lit%%, %missing%, %unterminated, 100%%\n"
    "rec = %self%\n"
    "num = 0x1F\n"
    "[STRINGS]\n"
    "name = \"value with %name% inside\"\n"
    "self = \"%self%\"\n"
    "name = \"second definition is ignored\"\n"
    "[sec]\n"
    "merged = yes\n";
  struct wv_inf *inf = parse_str (text);
  const struct wv_inf_section *s;
  const struct wv_inf_line *l;
  size_t len;
  uint8_t *u;
  uint32_t v;

  if (inf == NULL) {
    fprintf (stderr, "FAIL: syntax sample: %s\n", last_error);
    failed = 1;
    return;
  }
  s = wv_inf_section (inf, "SEC");
  check_str ("section name", s ? s->name : NULL, "Sec");
  check_num ("sections", wv_inf_nr_sections (inf), 2);
  l = wv_inf_find (s, "A");
  check_num ("a fields", l->nr_fields, 3);
  check_str ("a 0", l->fields[0], "1");
  check_str ("a 1", l->fields[1], " two ; three ");
  check_str ("a 2", l->fields[2], "xy\"z");
  check_num ("a line", l->lineno, 4);
  l = wv_inf_find (s, "long");
  check_num ("long fields", l->nr_fields, 3);
  check_str ("long 1", l->fields[1], "second");
  check_str ("long 2", l->fields[2], "third");
  l = &s->lines[2];
  check_str ("plain key", l->key, NULL);
  check_num ("plain fields", l->nr_fields, 4);
  check_str ("plain 2", l->fields[2], "");
  check_str ("plain 3", l->fields[3], "");
  l = wv_inf_find (s, "pct");
  check_str ("pct 0", l->fields[0], "value with %name% inside");
  check_str ("pct 1", l->fields[1], "%lit%");
  check_str ("pct 2", l->fields[2], "%missing%");
  check_str ("pct 3", l->fields[3], "%unterminated");
  check_str ("pct 4", l->fields[4], "100%");
  check_str ("rec", wv_inf_value (inf, "sec", "rec"), "%self%");
  check_str ("merged", wv_inf_value (inf, "sec", "merged"), "yes");
  check_num ("num", wv_inf_number (wv_inf_value (inf, "sec", "num"), &v), 0);
  check_num ("num value", v, 31);
  check_num ("bad number", wv_inf_number ("12x", &v), (unsigned long) -1);
  check_num ("big number", wv_inf_number ("0x100000000", &v),
             (unsigned long) -1);
  check_num ("empty number", wv_inf_number ("0x", &v), (unsigned long) -1);
  wv_inf_free (inf);

  /* The same in UTF-16LE with and without BOM, and UTF-8 with BOM. */
  u = utf16 ("[Version]\r\nClass=Net\r\n", true, &len);
  inf = wv_inf_parse (u, len, "bom.inf", NULL);
  check_str ("utf16 bom", inf ? wv_inf_value (inf, "version", "class") : NULL,
             "Net");
  wv_inf_free (inf);
  free (u);
  u = utf16 ("[Version]\r\nClass=Net\r\n", false, &len);
  inf = wv_inf_parse (u, len, "nobom.inf", NULL);
  check_str ("utf16 no bom",
             inf ? wv_inf_value (inf, "version", "class") : NULL, "Net");
  wv_inf_free (inf);
  /* Truncated UTF-16: an odd byte count. */
  inf = wv_inf_parse (u, len - 1, "odd.inf", NULL);
  check_num ("utf16 truncated", inf == NULL, 1);
  check_error ("utf16 truncated", "odd number of bytes");
  free (u);
  inf = parse_str ("\xef\xbb\xbf[Version]\nProvider=\"Caf\xc3\xa9\"\n");
  check_str ("utf8 bom", inf ? wv_inf_value (inf, "version", "provider")
             : NULL, "Caf\xc3\xa9");
  wv_inf_free (inf);
  /* ANSI: 0xe9 is e acute in Windows-1252. */
  inf = parse_str ("[Version]\nProvider=\"Caf\xe9\"\n");
  check_str ("ansi", inf ? wv_inf_value (inf, "version", "provider")
             : NULL, "Caf\xc3\xa9");
  wv_inf_free (inf);
}

static void
test_hostile (void)
{
  struct wv_inf *inf;
  char *big;
  size_t i, n;
  struct wv_inf_device *d;
  static const uint8_t nul[] = "[a]\nb=c\0d=e\n";

  /* Unterminated quote: ends with the line. */
  inf = parse_str ("[s]\nk = \"open, still, quoted\nnext = 1\n");
  check_str ("unterminated quote",
             inf ? wv_inf_value (inf, "s", "k") : NULL,
             "open, still, quoted");
  check_str ("after unterminated quote",
             inf ? wv_inf_value (inf, "s", "next") : NULL, "1");
  wv_inf_free (inf);

  /* Unterminated section name. */
  inf = parse_str ("[Version\nClass=x\n");
  check_num ("unterminated section", inf == NULL, 1);
  check_error ("unterminated section", "test.inf:1: section name without");

  /* A NUL inside the text (not just padding). */
  inf = wv_inf_parse (nul, sizeof nul - 1, "nul.inf", NULL);
  check_num ("nul", inf == NULL, 1);
  check_error ("nul", "NUL character");
  inf = wv_inf_parse ("[a]\nb=c\n\0\0\0", 11, "pad.inf", NULL);
  check_str ("nul padding", inf ? wv_inf_value (inf, "a", "b") : NULL, "c");
  wv_inf_free (inf);

  /* A huge line. */
  n = 200000;
  big = malloc (n + 16);
  strcpy (big, "[s]\nk=");
  for (i = strlen (big); i < n; i++)
    big[i] = 'x';
  big[n] = '\0';
  inf = parse_str (big);
  check_num ("huge line", inf == NULL, 1);
  check_error ("huge line", "test.inf:2: line longer than");
  /* Continuations that add up to a huge line. */
  strcpy (big, "[s]\n");
  for (i = strlen (big); i + 3 < n; i += 3)
    memcpy (big + i, "x\\\n", 3);
  big[i] = '\0';
  inf = parse_str (big);
  check_num ("huge continued line", inf == NULL, 1);
  /* Too many fields. */
  strcpy (big, "[s]\n");
  for (i = strlen (big); i + 2 < 20000; i += 2)
    memcpy (big + i, "a,", 2);
  big[i] = '\0';
  inf = parse_str (big);
  check_num ("many fields", inf == NULL, 1);
  check_error ("many fields", "fields on one line");
  /* Substitution that would grow without bound. */
  {
    char s[8192];

    strcpy (s, "[Strings]\nb=\"");
    for (i = strlen (s); i < 4000; i++)
      s[i] = 'y';
    strcpy (s + i, "\"\n[s]\nk=");
    for (i = strlen (s); i + 3 < sizeof s - 2; i += 3)
      memcpy (s + i, "%b%", 3);
    strcpy (s + i, "\n");
    inf = parse_str (s);
    check_num ("expansion", inf == NULL, 1);
    check_error ("expansion", "after %string% substitution");
  }
  /* Each field under the limit, but all of them far beyond. */
  strcpy (big, "[Strings]\nb=\"");
  for (i = strlen (big); i < 60000; i++)
    big[i] = 'y';
  strcpy (big + i, "\"\n[s]\nk=%b%");
  for (i = strlen (big); i + 4 < 65000; i += 4)
    memcpy (big + i, ",%b%", 4);
  strcpy (big + i, "\n");
  inf = parse_str (big);
  check_num ("total expansion", inf == NULL, 1);
  check_error ("total expansion", "the text grows beyond");
  free (big);

  /* Missing sections: no [Version], no [Manufacturer], a models
   * section that is named but absent, an install section that names
   * missing sections, bad numbers.
   */
  inf = parse_str ("[Manufacturer]\n%m% = Models, NTamd64\n"
                   "[inst]\nCopyFiles = nofiles\n"
                   "[inst2]\nAddReg = noreg\n"
                   "[inst3.Services]\nAddService = svc, 2, nosection\n"
                   "[inst3]\n"
                   "[inst4.Services]\nAddService = svc, 2, badsvc\n"
                   "[inst4]\n[badsvc]\nStartType = boot\n"
                   "[Strings]\nm = \"M\"\n");
  if (inf == NULL) {
    fprintf (stderr, "FAIL: missing sections sample: %s\n", last_error);
    failed = 1;
    return;
  }
  {
    struct wv_inf_version v;

    check_num ("no version", wv_inf_version (inf, &win10_amd64, &v),
               (unsigned long) -1);
    check_error ("no version", "no [Version] section");
  }
  check_num ("missing models", wv_inf_devices (inf, &win10_amd64, &d, &n),
             (unsigned long) -1);
  check_error ("missing models", "[Models.NTamd64], which is missing");
  check_num ("missing install", wv_inf_install (inf, &win10_amd64, "nope") == NULL, 1);
  check_error ("missing install", "the install section [nope]");
  check_num ("missing copyfiles", wv_inf_install (inf, &win10_amd64, "inst") == NULL, 1);
  check_error ("missing copyfiles", "CopyFiles section [nofiles]");
  check_num ("missing addreg", wv_inf_install (inf, &win10_amd64, "inst2") == NULL, 1);
  check_error ("missing addreg", "registry section [noreg]");
  check_num ("missing service", wv_inf_install (inf, &win10_amd64, "inst3") == NULL, 1);
  check_error ("missing service", "service install section [nosection]");
  check_num ("bad StartType", wv_inf_install (inf, &win10_amd64, "inst4") == NULL, 1);
  check_error ("bad StartType", "StartType is \"boot\", not a number");
  wv_inf_free (inf);

  /* Empty input and garbage. */
  inf = wv_inf_parse ("", 0, "empty.inf", NULL);
  check_num ("empty", inf != NULL && wv_inf_nr_sections (inf) == 0, 1);
  wv_inf_free (inf);
  inf = wv_inf_parse ("\xff\xfe", 2, "bomonly.inf", NULL);
  check_num ("bom only", inf != NULL, 1);
  wv_inf_free (inf);
  /* "[a]\nb=" and a lone high surrogate: U+FFFD. */
  inf = wv_inf_parse ("\xff\xfe[\0a\0]\0\n\0b\0=\0\x00\xd8", 16,
                      "surrogate.inf", NULL);
  check_str ("lone surrogate", inf ? wv_inf_value (inf, "a", "b") : NULL,
             "\xef\xbf\xbd");
  wv_inf_free (inf);
}

/* AddReg types and flags, and the data they give. */
static void
test_reg_data (void)
{
  struct wv_inf *inf =
    parse_str ("[Manufacturer]\nM = Models, NTamd64\n"
               "[Models.NTamd64]\nDev = inst, ROOT\\TEST\n"
               "[inst.NTamd64]\nAddReg = r\nDelReg = d\n"
               "Include = mf.inf, machine.inf\nNeeds = MFINSTALL.mf\n"
               "[r]\n"
               "HKR,,Multi,0x00010000,\"a\",\"bc\"\n"
               "HKR,,Bin,0x00000001,01,ff,7F\n"
               "HKR,,Keep,0x00010003,0x12345678\n"
               "HKR,,Qword,0x000B0001,01,02,03,04,05,06,07,08\n"
               "HKR,,Str,,\"x\"\n"
               "HKR,,Exp,0x00020000,\"%%SystemRoot%%\"\n"
               "HKR,Sub\\Key,,0x00000010\n"
               "HKLM,\"System\\X\",Bad,0x00010001,nonumber\n"
               "[d]\nHKR,Old,Value\n");
  struct wv_inf_install *ins;
  uint8_t *data;
  size_t len;
  static const uint8_t multi[] = { 'a', 0, 0, 0, 'b', 0, 'c', 0, 0, 0, 0, 0 };
  static const uint8_t bin[] = { 0x01, 0xff, 0x7f };
  static const uint8_t qword[] = { 1, 2, 3, 4, 5, 6, 7, 8 };

  if (inf == NULL) {
    fprintf (stderr, "FAIL: reg sample: %s\n", last_error);
    failed = 1;
    return;
  }
  ins = wv_inf_install (inf, &win10_amd64, "inst");
  if (ins == NULL) {
    fprintf (stderr, "FAIL: reg sample install: %s\n", last_error);
    failed = 1;
    wv_inf_free (inf);
    return;
  }
  check_str ("reg section", ins->section, "inst.NTamd64");
  check_num ("reg count", ins->nr_regs, 9);
  check_num ("include", ins->nr_include, 2);
  check_str ("include 1", ins->include[1], "machine.inf");
  check_num ("needs", ins->nr_needs, 1);
  check_str ("needs 0", ins->needs[0], "MFINSTALL.mf");
  check_num ("multi type", ins->regs[0].type, 7);
  wv_inf_reg_data (inf, &ins->regs[0], &data, &len);
  check_mem ("multi data", data, len, multi, sizeof multi);
  free (data);
  check_num ("bin type", ins->regs[1].type, 3);
  wv_inf_reg_data (inf, &ins->regs[1], &data, &len);
  check_mem ("bin data", data, len, bin, sizeof bin);
  free (data);
  check_num ("noclobber flag", ins->regs[2].flags & WV_FLG_ADDREG_NOCLOBBER,
             WV_FLG_ADDREG_NOCLOBBER);
  check_dword (inf, "noclobber dword", &ins->regs[2], 0x12345678);
  check_num ("qword type", ins->regs[3].type, 11);
  wv_inf_reg_data (inf, &ins->regs[3], &data, &len);
  check_mem ("qword data", data, len, qword, sizeof qword);
  free (data);
  check_sz (inf, "empty flags", &ins->regs[4], 1, "x");
  check_sz (inf, "expand", &ins->regs[5], 2, "%SystemRoot%");
  check_str ("key only subkey", ins->regs[6].subkey, "Sub\\Key");
  check_str ("key only value", ins->regs[6].value_name, "");
  check_num ("key only flags", ins->regs[6].flags, WV_FLG_ADDREG_KEYONLY);
  check_str ("HKLM", ins->regs[7].root, "HKLM");
  check_num ("bad dword", wv_inf_reg_data (inf, &ins->regs[7], &data, &len),
             (unsigned long) -1);
  check_error ("bad dword", "bad data for HKLM\\System\\X\\Bad");
  check_num ("delreg", ins->regs[8].del, 1);
  check_str ("delreg subkey", ins->regs[8].subkey, "Old");
  check_str ("delreg value", ins->regs[8].value_name, "Value");
  check_num ("delreg values", ins->regs[8].nr_values, 0);
  wv_inf_install_free (ins);
  wv_inf_free (inf);
}

/* TargetOSVersion choice, from the rules in lib/drivers/inf-models.c. */
static void
test_decorations (void)
{
  struct wv_inf *inf =
    parse_str ("[Manufacturer]\n"
               "%M% = M, NTamd64, NTamd64.10.0, NTamd64.10.0...16299, "
               "NTamd64.10.0.3, NTamd64.6.1, NTamd64.10.0.1.0x10, "
               "NTx86.6.1, NTarm64.10.0...22000, ntia64\n"
               "[Strings]\nM=\"maker\"\n");
  const struct wv_inf_line *m = &wv_inf_section (inf, "Manufacturer")->lines[0];
  static const struct {
    struct wv_inf_target t;
    const char *want;
  } cases[] = {
    { { "amd64", 6, 0, 6002, false }, "NTamd64" },
    { { "amd64", 6, 1, 7601, false }, "NTamd64.6.1" },
    { { "amd64", 6, 3, 9600, true }, "NTamd64.6.1" },
    { { "amd64", 10, 0, 14393, false }, "NTamd64.10.0" },
    { { "amd64", 10, 0, 14393, true }, "NTamd64.10.0.3" },
    { { "amd64", 10, 0, 19045, false }, "NTamd64.10.0...16299" },
    { { "AMD64", 10, 0, 20348, true }, "NTamd64.10.0...16299" },
    { { "x86", 5, 1, 2600, false }, "" },
    { { "x86", 6, 1, 7601, false }, "NTx86.6.1" },
    { { "x86", 10, 0, 19045, false }, "NTx86.6.1" },
    { { "arm64", 10, 0, 19041, false }, NULL },
    { { "ARM64", 10, 0, 22631, false }, "NTarm64.10.0...22000" },
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char what[64];

    snprintf (what, sizeof what, "decoration %s %u.%u.%u%s",
              cases[i].t.arch, cases[i].t.major, cases[i].t.minor,
              cases[i].t.build, cases[i].t.server ? " server" : "");
    check_str (what, wv_inf_pick_decoration (m, &cases[i].t),
               cases[i].want);
  }
  wv_inf_free (inf);
}

int
main (int argc, char *argv[])
{
  const char *srcdir = getenv ("abs_top_srcdir");
  char corpus[4096], probe[4200];

  wv_set_log (capture_error, NULL);
  test_syntax ();
  test_hostile ();
  test_decorations ();
  test_reg_data ();

  if (getenv ("WINVIRTIO_CORPUS"))
    snprintf (corpus, sizeof corpus, "%s", getenv ("WINVIRTIO_CORPUS"));
  else
    snprintf (corpus, sizeof corpus, "%s/../shared/corpus",
              srcdir ? srcdir : "..");
  snprintf (probe, sizeof probe, "%s/inf/virtio-win/viostor.inf", corpus);
  if (access (probe, R_OK) != 0) {
    printf ("%s: corpus tests skipped because %s is absent\n", argv[0],
            probe);
    return failed ? EXIT_FAILURE : 77;
  }
  test_viostor (corpus);
  test_viostor_wlh (corpus);
  test_vioser_wxp (corpus);
  test_netkvm_arm64 (corpus);
  test_lsi (corpus);
  test_diskdev (corpus);
  test_templates (corpus);
  if (failed)
    return EXIT_FAILURE;
  printf ("%s: all INF checks passed\n", argv[0]);
  return EXIT_SUCCESS;
}
