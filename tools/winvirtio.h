/* winvirtio command: shared declarations of the subcommands.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_TOOL_H
#define WINVIRTIO_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern const char *prog;
extern int verbose;

/* main.c: the planner options map and inspect share (-d/--drivers,
 * -p/--partition, --sector-size as 's', --san-policy as 'S',
 * --autoreboot as 'A', --vmware-tools as 'W'): set *opts from option c and
 * return true, or return false if c is not one of them.  A bad value
 * exits with status.
 */
struct wv_plan_options;
extern bool parse_plan_option (int c, const char *arg,
                               struct wv_plan_options *opts, int status);

/* map.c */
extern int do_map (int argc, char *argv[]);
/* The plan's summary; without details, the registry's per-key lines
 * are counted in one line.  Each line starts with indent.
 */
extern void print_summary (const char *summary, bool details,
                           const char *indent);

/* inspect.c: exit status 0 (would convert), 1 (would be refused) or
 * 2 (cannot inspect: bad usage, source unreadable).
 */
struct wv_inspect;
struct wv_source;
extern int do_inspect (int argc, char *argv[]);
extern const char *start_name (int64_t start);
extern const struct wv_partition *esp_partition (const struct wv_inspect *r);
extern void firmware (const struct wv_inspect *r, char *buf, size_t len);

/* inspect-json.c */
extern void print_json (struct wv_source *src, const struct wv_inspect *r);

/* inspect-xml.c */
extern void print_xml (struct wv_source *src, const struct wv_inspect *r);

/* domain.c: exit status 0, or 1 (bad usage, unreadable configuration
 * or disk, a definition that could not boot).
 */
extern int do_domain (int argc, char *argv[]);

/* dump.c */
extern int do_dump (int argc, char *argv[]);

/* apply.c: exit status 0 (patched, finished, restored or nothing to
 * do) or 1 (refused or failed).
 */
extern int do_apply (int argc, char *argv[]);

#endif /* WINVIRTIO_TOOL_H */
