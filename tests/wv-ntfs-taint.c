/* winvirtio: wv-ntfs-taint, make an NTFS volume image look as Windows
 * leaves it when it did not shut down cleanly.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: wv-ntfs-taint VOLUME [--dirty] [--logfile STATE]
 *
 *   --dirty           set the dirty flag (VOLUME_IS_DIRTY, 0x0001) in
 *                     $Volume's $VOLUME_INFORMATION, as Windows does
 *                     while the volume is mounted or when chkdsk is due
 *   --logfile STATE   write the two restart pages at the start of
 *                     $LogFile, as Windows does:
 *                       clean    version 1.1, log open, "volume is
 *                                clean" flag set (a full shutdown)
 *                       unclean  version 1.1, log open, flag clear
 *                                (Windows stopped with changes to
 *                                replay)
 *                       v2       version 2.0, flag set (what Windows 8
 *                                and later leave while they keep the
 *                                metadata in memory: Fast Startup)
 *                       damaged  a page that is neither empty nor a
 *                                restart page
 *
 * For the refusal tests: nothing is mounted.  The volume is opened
 * through libntfs-3g with NTFS_MNT_FORENSIC, so that the open itself
 * neither refuses the volume nor resets $LogFile, and only what is
 * asked for changes.
 *
 * The restart pages follow libntfs-3g's checks (ntfs_check_logfile
 * and the functions it calls in libntfs-3g/logfile.c) and the layout
 * Windows writes (restart area at 0x30, one log client named "NTFS"):
 * a 4096-byte system and log page size, the update sequence array
 * applied with ntfs_mst_pre_write_fixup.
 */

/* The ntfs-3g headers include config.h and test HAVE_STDINT_H etc. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/logfile.h>
#include <ntfs-3g/logging.h>
#include <ntfs-3g/mst.h>
#include <ntfs-3g/volume.h>

#define RESTART_PAGE 4096

static const char *prog = "wv-ntfs-taint";

/* Print an error (with errno's text if errnum != 0) and exit. */
static void __attribute__ ((noreturn, format (printf, 2, 3)))
die (int errnum, const char *fs, ...)
{
  va_list args;

  fprintf (stderr, "%s: ", prog);
  va_start (args, fs);
  vfprintf (stderr, fs, args);
  va_end (args);
  if (errnum)
    fprintf (stderr, ": %s", strerror (errnum));
  fprintf (stderr, "\n");
  exit (EXIT_FAILURE);
}

/* Build one restart page in page (RESTART_PAGE bytes) for a $LogFile
 * of logsize bytes.
 */
static void
make_restart_page (u8 *page, s64 logsize, int major, int minor, int clean,
                   u64 lsn)
{
  RESTART_PAGE_HEADER *rp = (RESTART_PAGE_HEADER *) page;
  RESTART_AREA *ra;
  LOG_CLIENT_RECORD *cr;
  const u16 ra_ofs = 0x30;
  const u16 ca_ofs = (sizeof (RESTART_AREA) + 7) & ~7;
  u64 n;
  u32 fs_bits = 0;

  memset (page, 0, RESTART_PAGE);
  rp->magic = magic_RSTR;
  rp->usa_ofs = cpu_to_le16 (offsetof (RESTART_PAGE_HEADER, usn));
  rp->usa_count = cpu_to_le16 (1 + RESTART_PAGE / NTFS_BLOCK_SIZE);
  rp->system_page_size = cpu_to_le32 (RESTART_PAGE);
  rp->log_page_size = cpu_to_le32 (RESTART_PAGE);
  rp->restart_area_offset = cpu_to_le16 (ra_ofs);
  rp->minor_ver = cpu_to_sle16 (minor);
  rp->major_ver = cpu_to_sle16 (major);

  ra = (RESTART_AREA *) (page + ra_ofs);
  ra->current_lsn = cpu_to_sle64 (lsn);
  ra->log_clients = cpu_to_le16 (1);
  ra->client_free_list = LOGFILE_NO_CLIENT;
  ra->client_in_use_list = cpu_to_le16 (0);     /* open, as on XP+ */
  ra->flags = clean ? RESTART_VOLUME_IS_CLEAN : cpu_to_le16 (0);
  for (n = logsize; n; n >>= 1)
    fs_bits++;
  ra->seq_number_bits = cpu_to_le32 (67 - fs_bits);
  ra->restart_area_length = cpu_to_le16 (ca_ofs + sizeof (LOG_CLIENT_RECORD));
  ra->client_array_offset = cpu_to_le16 (ca_ofs);
  ra->file_size = cpu_to_sle64 (logsize);
  ra->last_lsn_data_length = cpu_to_le32 (0);
  ra->log_record_header_length = cpu_to_le16 (0x30);
  ra->log_page_data_offset = cpu_to_le16 (0x40);
  ra->restart_log_open_count = cpu_to_le32 (1);

  cr = (LOG_CLIENT_RECORD *) ((u8 *) ra + ca_ofs);
  cr->oldest_lsn = cpu_to_sle64 (lsn);
  cr->client_restart_lsn = cpu_to_sle64 (lsn);
  cr->prev_client = LOGFILE_NO_CLIENT;
  cr->next_client = LOGFILE_NO_CLIENT;
  cr->client_name_length = cpu_to_le32 (8);
  cr->client_name[0] = cpu_to_le16 ('N');
  cr->client_name[1] = cpu_to_le16 ('T');
  cr->client_name[2] = cpu_to_le16 ('F');
  cr->client_name[3] = cpu_to_le16 ('S');

  if (ntfs_mst_pre_write_fixup ((NTFS_RECORD *) page, RESTART_PAGE) == -1)
    die (errno, "ntfs_mst_pre_write_fixup");
}

/* --logfile STATE */
static void
write_logfile (ntfs_volume *vol, const char *state)
{
  static u8 page[RESTART_PAGE];
  ntfs_inode *ni;
  ntfs_attr *na;
  int i;

  ni = ntfs_inode_open (vol, FILE_LogFile);
  if (ni == NULL)
    die (errno, "cannot open $LogFile");
  na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL)
    die (errno, "cannot open $LogFile data");
  if (na->data_size < 64 * RESTART_PAGE)
    die (0, "$LogFile is too small (%lld bytes)",
         (long long) na->data_size);
  /* Two restart pages, the second one newer, as Windows writes them. */
  for (i = 0; i < 2; ++i) {
    if (strcmp (state, "clean") == 0)
      make_restart_page (page, na->data_size, 1, 1, 1, 0x1000 + i);
    else if (strcmp (state, "unclean") == 0)
      make_restart_page (page, na->data_size, 1, 1, 0, 0x1000 + i);
    else if (strcmp (state, "v2") == 0)
      make_restart_page (page, na->data_size, 2, 0, 1, 0x1000 + i);
    else if (strcmp (state, "damaged") == 0) {
      memset (page, 0, sizeof page);
      memcpy (page, "WINVIRTIO DAMAGED $LogFile PAGE", 31);
    }
    else
      die (0, "--logfile: unknown state %s", state);
    if (ntfs_attr_pwrite (na, (s64) i * RESTART_PAGE, RESTART_PAGE, page)
        != RESTART_PAGE)
      die (errno, "cannot write $LogFile");
  }
  ntfs_attr_close (na);
  if (ntfs_inode_close (ni) == -1)
    die (errno, "cannot close $LogFile");
}

/* Print the usage message and exit. */
static void __attribute__ ((noreturn))
usage (FILE *fp, int status)
{
  fprintf (fp,
           "usage: %s VOLUME [--dirty] "
           "[--logfile clean|unclean|v2|damaged]\n"
           "Make the NTFS volume image VOLUME look as Windows leaves it\n"
           "after an unclean shutdown (see the source for details).\n",
           prog);
  exit (status);
}

int
main (int argc, char *argv[])
{
  const char *logfile = NULL;
  int dirty = 0, i;
  ntfs_volume *vol;

  if (argc >= 2 &&
      (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    usage (stdout, EXIT_SUCCESS);
  if (argc < 3 || argv[1][0] == '-')
    usage (stderr, EXIT_FAILURE);
  for (i = 2; i < argc; ++i) {
    if (strcmp (argv[i], "--dirty") == 0)
      dirty = 1;
    else if (strcmp (argv[i], "--logfile") == 0 && i + 1 < argc)
      logfile = argv[++i];
    else
      usage (stderr, EXIT_FAILURE);
  }

  ntfs_log_set_handler (ntfs_log_handler_stderr);
  vol = ntfs_mount (argv[1], NTFS_MNT_FORENSIC);
  if (vol == NULL)
    die (errno, "cannot open NTFS volume %s", argv[1]);
  if (logfile)
    write_logfile (vol, logfile);
  if (dirty && ntfs_volume_write_flags (vol, vol->flags | VOLUME_IS_DIRTY)
      == -1)
    die (errno, "%s: cannot set the dirty flag", argv[1]);
  if (ntfs_umount (vol, FALSE) == -1)
    die (errno, "%s: unmount", argv[1]);
  exit (EXIT_SUCCESS);
}
