/* winvirtio: reading Windows INF files (driver setup information).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Two layers.  The generic layer turns the bytes of an INF (UTF-16LE
 * with or without BOM, UTF-16BE with BOM, UTF-8 with or without BOM,
 * or ANSI taken as Windows-1252) into sections of lines, each line an
 * optional key and comma-separated fields, with quotes, ";" comments,
 * "\" continuations and %strkey% substitution from [Strings] done.
 * Section names and keys match case-insensitively; sections that
 * appear twice are merged, as Windows does.
 *
 * The driver layer answers what registration needs for one Windows
 * (struct wv_inf_target): the [Version] facts, the devices of the
 * Models section Windows would choose, and for an install section its
 * files, registry entries and services.
 *
 * Typical use, for a package's INF (struct wv_drvsrc_pkg, drvsrc.h):
 *
 *   inf = wv_inf_parse (file->data, file->len, pkg->where, NULL);
 *   wv_drvsrc_inf_target (w, &t);              (drvsrc.h)
 *   wv_inf_version (inf, &t, &v);              Provider, DriverVer, ...
 *   wv_inf_devices (inf, &t, &devs, &n);       hwid -> install section
 *   for each device d:
 *     ins = wv_inf_install (inf, &t, d.install);
 *     ins->services[i]: name, flags (0x2: the device's function
 *       driver), start_type, service_binary ("%12%\viostor.sys",
 *       wv_inf_split_dirid), regs (Parameters\PnpInterface ...)
 *     ins->hw_regs: device key values; ins->regs: driver key values;
 *     wv_inf_reg_data gives each value's bytes for hivex.
 *
 * INF files come from untrusted media: the parser bounds every size
 * (file, line, field, expansion) and fails with wv_error, never
 * aborts.  Every const char * returned points into the struct wv_inf
 * and lives as long as it.
 */

#ifndef WINVIRTIO_INF_H
#define WINVIRTIO_INF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest INF accepted, in bytes. */
#define WV_INF_MAX_SIZE (8 * 1024 * 1024)

struct wv_inf;                  /* a parsed INF */

/* One line of a section.  "key = a, b" has key "key" and fields
 * {"a", "b"}; a line without "=" has key NULL and all its fields.
 * Fields are unquoted and substituted; an empty field is "".
 */
struct wv_inf_line {
  const char *key;
  const char *const *fields;
  size_t nr_fields;
  unsigned lineno;              /* first physical line, from 1 */
};

struct wv_inf_section {
  const char *name;             /* as first written */
  const struct wv_inf_line *lines;
  size_t nr_lines, cap_lines;
};

/* ---- generic layer: inf-parse.c (with inf-text.c, inf-strings.c) ---- */

/* Parse len bytes of an INF; name is used in messages.  If inx_arch is
 * not NULL, "$ARCH$" is replaced by it first (for .inx templates).
 * Returns NULL after wv_error on bad input.
 */
extern struct wv_inf *wv_inf_parse (const void *data, size_t len,
                                    const char *name, const char *inx_arch);

/* Free an INF (NULL is allowed). */
extern void wv_inf_free (struct wv_inf *inf);

/* The name given to wv_inf_parse. */
extern const char *wv_inf_name (const struct wv_inf *inf);

/* All sections, in order of first appearance. */
extern size_t wv_inf_nr_sections (const struct wv_inf *inf);
extern const struct wv_inf_section *wv_inf_section_at (const struct wv_inf *inf,
                                                       size_t i);

/* The section with this name (case-insensitive), or NULL. */
extern const struct wv_inf_section *wv_inf_section (const struct wv_inf *inf,
                                                    const char *name);

/* The first line of section sec whose key is key, or NULL. */
extern const struct wv_inf_line *wv_inf_find (const struct wv_inf_section *sec,
                                              const char *key);

/* First field of [section] key, or NULL if absent (or no field). */
extern const char *wv_inf_value (const struct wv_inf *inf,
                                 const char *section, const char *key);

/* Parse an INF number: decimal or 0x hex, fitting 32 bits, nothing
 * else.  Returns 0 or -1 (no wv_error).
 */
extern int wv_inf_number (const char *s, uint32_t *r);

/* "%12%\viostor.sys" -> 12 and "viostor.sys".  Returns 0, or -1 if s
 * does not start with a numeric %dirid% (no wv_error).
 */
extern int wv_inf_split_dirid (const char *s, uint32_t *dirid_r,
                               const char **rest_r);

/* The folder of dirid relative to %SystemRoot% ("System32\drivers"
 * for 12, "" for 10), or NULL for dirids outside it (13, the driver
 * store folder of the package, is NULL too: the caller knows it).
 */
extern const char *wv_inf_dirid_dir (uint32_t dirid);

/* ---- driver layer: inf-models.c ---- */

/* The Windows an INF is evaluated for. */
struct wv_inf_target {
  const char *arch;             /* "x86", "amd64", "arm64" (any case) */
  unsigned major, minor, build;
  bool server;                  /* product type 3, else 1 */
};

struct wv_inf_version {
  const char *class_name;       /* Class, or NULL */
  const char *class_guid;       /* ClassGuid, or NULL */
  const char *provider;         /* Provider (substituted), or NULL */
  const char *driver_date;      /* "08/30/2021", or NULL */
  const char *driver_version;   /* "100.85.104.20800", or NULL */
  const char *catalog_file;     /* CatalogFile.NT<arch>, .NT, plain */
  const char *package_type;     /* DriverPackageType, or NULL */
  int pnp_lockdown;             /* PnpLockdown, -1 if absent */
};

/* Fill v from [Version] for target t.  Returns 0, or -1 after wv_error
 * if there is no [Version] section.
 */
extern int wv_inf_version (const struct wv_inf *inf,
                           const struct wv_inf_target *t,
                           struct wv_inf_version *v);

/* One Models entry of the Models section chosen for the target. */
struct wv_inf_device {
  const char *manufacturer;     /* [Manufacturer] key, substituted */
  const char *models_section;   /* "VioStor.NTamd64.6.3" */
  const char *description;      /* device description */
  const char *install;          /* install section, as in the line */
  const char *hwid;             /* hardware ID */
  const char *const *compat_ids;
  size_t nr_compat_ids;
};

/* Every device of every manufacturer, each from the decorated Models
 * section Windows picks for t (architecture, major.minor, product
 * type, suite mask, build; the highest not above t; the undecorated
 * section only on x86).  *devs_r is one malloc'd array (free it).
 * A manufacturer with no section for t has no devices; zero devices
 * is not an error.  Returns 0 or -1 after wv_error.
 */
extern int wv_inf_devices (const struct wv_inf *inf,
                           const struct wv_inf_target *t,
                           struct wv_inf_device **devs_r, size_t *nr_r);

/* Which models section a [Manufacturer] line selects for t: returns
 * the decoration ("NTamd64.6.3", "" for undecorated) or NULL if none
 * applies.  Exposed for tests.
 */
extern const char *wv_inf_pick_decoration (const struct wv_inf_line *mfg,
                                           const struct wv_inf_target *t);

/* The files of [SourceDisksFiles] and [SourceDisksFiles.<arch>] for
 * t (each name once, in order).  *names_r is a malloc'd array (free
 * it).  Returns 0 or -1 after wv_error.
 */
extern int wv_inf_source_files (const struct wv_inf *inf,
                                const struct wv_inf_target *t,
                                const char ***names_r, size_t *nr_r);

/* ---- driver layer: inf-reg.c ---- */

/* AddReg/DelReg flags (setupapi.h). */
#define WV_FLG_ADDREG_BINVALUETYPE  0x00000001
#define WV_FLG_ADDREG_NOCLOBBER     0x00000002
#define WV_FLG_ADDREG_DELVAL        0x00000004
#define WV_FLG_ADDREG_APPEND        0x00000008
#define WV_FLG_ADDREG_KEYONLY       0x00000010
#define WV_FLG_ADDREG_OVERWRITEONLY 0x00000020
#define WV_FLG_ADDREG_64BITKEY      0x00001000
#define WV_FLG_ADDREG_KEYONLY_COMMON 0x00002000
#define WV_FLG_ADDREG_32BITKEY      0x00004000
#define WV_FLG_ADDREG_DELREG_BIT    0x00008000
#define WV_FLG_ADDREG_TYPE_MASK     0xFFFF0001
#define WV_FLG_ADDREG_TYPE_SZ       0x00000000
#define WV_FLG_ADDREG_TYPE_MULTI_SZ 0x00010000
#define WV_FLG_ADDREG_TYPE_EXPAND_SZ 0x00020000
#define WV_FLG_ADDREG_TYPE_BINARY   0x00000001
#define WV_FLG_ADDREG_TYPE_DWORD    0x00010001
#define WV_FLG_ADDREG_TYPE_NONE     0x00020001

/* One AddReg or DelReg line. */
struct wv_inf_reg {
  const char *section;          /* the AddReg/DelReg section */
  bool del;                     /* from a DelReg directive */
  const char *root;             /* "HKR", "HKLM", ... */
  const char *subkey;           /* "" for the root key itself */
  const char *value_name;       /* NULL: key only; "": default value */
  uint32_t flags;               /* FLG_ADDREG_*, 0 if empty */
  uint32_t type;                /* registry type: 1 REG_SZ, 2, 3, 4, 7 */
  const char *const *values;    /* the value fields (may be 0) */
  size_t nr_values;
};

/* The registry data of an AddReg line as Windows stores it (UTF-16LE
 * strings with their NULs, 4-byte LE DWORD, bytes for binary).
 * *data_r is malloc'd.  Returns 0 or -1 after wv_error.
 */
extern int wv_inf_reg_data (const struct wv_inf *inf,
                            const struct wv_inf_reg *r,
                            uint8_t **data_r, size_t *len_r);

/* ---- driver layer: inf-install.c ---- */

/* One file to copy. */
struct wv_inf_copyfile {
  const char *section;          /* CopyFiles section, NULL for @file */
  const char *dest_name;
  const char *source_name;      /* same as dest_name if not given */
  uint32_t dirid;               /* from [DestinationDirs] (default 11) */
  const char *subdir;           /* below the dirid, or NULL */
};

/* One AddService line and its service install section. */
struct wv_inf_service {
  const char *name;
  uint32_t flags;               /* 0x2: SPSVCINST_ASSOCSERVICE */
  const char *install_section;  /* NULL if absent */
  const char *eventlog_section; /* NULL if absent */
  const char *display_name, *description; /* NULL if absent */
  uint32_t service_type, start_type, error_control; /* ~0 if absent */
  const char *service_binary;   /* "%12%\viostor.sys", or NULL */
  const char *load_order_group; /* NULL if absent */
  const char *const *dependencies; /* Dependencies fields */
  size_t nr_dependencies;
  struct wv_inf_reg *regs;      /* the service section's AddReg/DelReg */
  size_t nr_regs, cap_regs;
  struct wv_inf_reg *eventlog_regs; /* of the event log section */
  size_t nr_eventlog_regs, cap_eventlog_regs;
};

/* What an install section does. */
struct wv_inf_install {
  const char *section;          /* resolved: "disk.NT", "scsi_inst" */
  struct wv_inf_copyfile *files;
  size_t nr_files, cap_files;
  struct wv_inf_reg *regs;      /* AddReg/DelReg: the driver key */
  size_t nr_regs, cap_regs;
  struct wv_inf_reg *hw_regs;   /* of <section>.HW: the device key */
  size_t nr_hw_regs, cap_hw_regs;
  struct wv_inf_service *services; /* of <section>.Services */
  size_t nr_services, cap_services;
  /* Include= and Needs=: sections of other (system) INFs this one
   * relies on, which winvirtio does not read: the caller decides.
   */
  const char *const *include;
  size_t nr_include;
  const char *const *needs;
  size_t nr_needs;
};

/* Resolve install section name for t as Windows does (name.NT<arch>,
 * name.NT, name) and read it with its .HW and .Services sections and
 * everything they name.  Returns NULL after wv_error if the section or
 * a section it names is missing or a line is malformed.
 */
extern struct wv_inf_install *wv_inf_install (const struct wv_inf *inf,
                                              const struct wv_inf_target *t,
                                              const char *name);

/* Free the result of wv_inf_install (NULL is allowed). */
extern void wv_inf_install_free (struct wv_inf_install *ins);

#endif /* WINVIRTIO_INF_H */
