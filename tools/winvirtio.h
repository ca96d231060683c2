/* winvirtio command: shared declarations of the subcommands.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_TOOL_H
#define WINVIRTIO_TOOL_H

extern const char *prog;
extern int verbose;

/* map.c */
extern int do_map (int argc, char *argv[]);

/* dump.c */
extern int do_dump (int argc, char *argv[]);

#endif /* WINVIRTIO_TOOL_H */
