/* winvirtio: print the partition table of a disk image, for
 * test-partition.sh.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: test-partition IMAGE [SECTOR_SIZE]
 *
 * Output (stable, one field per column):
 *   type=GPT sector=512 backup=0
 *   NUMBER OFFSET LENGTH MBRTYPE GUID ESP NAME
 * where MBRTYPE is 0x%02x, GUID and NAME are "-" when empty, ESP is
 * 0 or 1 and NAME (last, may contain spaces) is UTF-8.
 *
 * Exits 0 on success, 1 if the table could not be read (the engine's
 * message is on stderr), 2 on a usage error.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>

#include "disk/partition.h"
#include "disk/source.h"

/* Print pt in the format above. */
static void
print_table (const struct wv_ptable *pt)
{
  size_t i;

  printf ("type=%s sector=%" PRIu32 " backup=%d\n",
          wv_ptable_type_name (pt->type), pt->sector_size,
          pt->gpt_backup_used);
  for (i = 0; i < pt->nr_partitions; ++i) {
    const struct wv_partition *p = &pt->partitions[i];

    printf ("%u %" PRIu64 " %" PRIu64 " 0x%02x %s %d %s\n",
            p->number, p->offset, p->length, p->mbr_type,
            p->gpt_type[0] ? p->gpt_type : "-", p->esp,
            p->gpt_name[0] ? p->gpt_name : "-");
  }
}

/* Read the table of IMAGE (with an optional forced sector size). */
int
main (int argc, char *argv[])
{
  struct wv_source *src;
  struct wv_ptable pt;
  unsigned long ss = 0;
  int r;

  if (argc < 2 || argc > 3) {
    fprintf (stderr, "usage: %s IMAGE [SECTOR_SIZE]\n", argv[0]);
    exit (2);
  }
  if (argc == 3) {
    char *end;

    ss = strtoul (argv[2], &end, 10);
    if (*argv[2] == '\0' || *end != '\0' || ss > UINT32_MAX) {
      fprintf (stderr, "%s: bad sector size: %s\n", argv[0], argv[2]);
      exit (2);
    }
  }

  src = wv_source_open_file (argv[1]);
  if (src == NULL)
    exit (1);
  r = wv_ptable_read (src, ss, &pt);
  if (r == 0)
    print_table (&pt);
  /* Freeing after a failure must be safe too. */
  wv_ptable_free (&pt);
  wv_source_close (src);
  exit (r == 0 ? 0 : 1);
}
