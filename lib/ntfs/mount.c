/* winvirtio: mounting an NTFS volume through libntfs-3g on the
 * overlay, and the checks that a writable mount must pass.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Notes on the design:
 *
 * Every NTFS change is made by libntfs-3g, mounted on a device whose
 * writes land in the overlay (device.c).  We never write NTFS
 * structures ourselves.
 *
 * A writable mount uses NTFS_MNT_FORENSIC.  libntfs-3g's normal
 * read-write mount "resets" $LogFile (fills all of it with 0xff, up
 * to 64 MiB on a Windows volume) and fixes $TXF_DATA; with
 * NTFS_MNT_FORENSIC the mount itself writes nothing, so the block map
 * holds only our changes.  NTFS_MNT_FORENSIC also skips the two
 * checks that make a read-write mount safe, so we do them ourselves
 * before changing anything (check_clean): Windows not hibernated
 * (hiberfil.sys, which Fast Startup also writes), $LogFile clean and
 * not at version 2.0 (metadata kept in memory by Windows 8 and later),
 * and the volume's dirty flag clear.  On a clean volume Windows runs no
 * log replay at boot, so it never replays old records over our
 * changes.
 *
 * libntfs-3g keeps global state (its log handler), and the planner
 * runs once per process, single-threaded, so nothing here locks.
 */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include <sys/types.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/device.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/logfile.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "common/le.h"
#include "common/log.h"
#include "ntfs/device.h"
#include "ntfs/internal.h"
#include "ntfs/ntfs.h"

/* libntfs-3g reads this much of hiberfil.sys (NTFS_HIBERFILE_HEADER_SIZE
 * in libntfs-3g/volume.c).
 */
#define HIBERFILE_HEADER 4096

int
wv_ntfs_probe (struct wv_source *src, uint64_t offset, bool *bitlocker_r)
{
  uint8_t sector[512];

  *bitlocker_r = false;
  if (offset > src->size || src->size - offset < sizeof sector)
    return 0;
  if (wv_source_pread (src, sector, sizeof sector, offset) == -1)
    return -1;
  if (memcmp (&sector[3], "-FVE-FS-", 8) == 0) {
    *bitlocker_r = true;
    return 0;
  }
  return memcmp (&sector[3], "NTFS    ", 8) == 0;
}

/* Read the first bytes of \hiberfil.sys into buf (up to size), for
 * the message.  Returns the number of bytes read, or -1.
 */
static ssize_t
read_hiberfile_head (ntfs_volume *vol, char *buf, size_t size)
{
  ntfschar *uname = NULL;
  ntfs_inode *root, *ni = NULL;
  ntfs_attr *na = NULL;
  ssize_t r = -1;
  u64 mref;
  int len;

  root = ntfs_inode_open (vol, FILE_root);
  if (root == NULL)
    return -1;
  len = ntfs_mbstoucs ("hiberfil.sys", &uname);
  if (len > 0) {
    /* Case-insensitive for a Win32 name, as ntfs_hiberfile_open. */
    mref = ntfs_inode_lookup_by_name (root, uname, len);
    if (mref != (u64) -1)
      ni = ntfs_inode_open (vol, MREF (mref));
  }
  if (ni)
    na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na)
    r = ntfs_attr_pread (na, 0, size, buf);
  if (na)
    ntfs_attr_close (na);
  if (ni)
    ntfs_inode_close (ni);
  ntfs_inode_close (root);
  free (uname);
  return r;
}

/* Windows is hibernated, or kept the volume for Fast Startup:
 * libntfs-3g's ntfs_volume_check_hiberfile refuses \hiberfil.sys
 * when its 4096-byte header starts with "hibr" or "HIBR", or when the
 * file is shorter than that.  It does not tell them apart; we read
 * the header again to say which.  "hibr" is the signature of Windows
 * 7 and earlier; Windows 8 and later write "HIBR", both when they
 * hibernate and when they shut down with Fast Startup (a hibernation
 * of the kernel session), so that one cannot be told apart.
 */
static void
hiberfile_error (struct wv_ntfs *v)
{
  char head[HIBERFILE_HEADER];
  ssize_t n = read_hiberfile_head (v->vol, head, sizeof head);

  if (n >= 4 && memcmp (head, "hibr", 4) == 0)
    wv_error ("%s: Windows is hibernated (\\hiberfil.sys starts with "
              "\"hibr\", a hibernation image), so the volume holds changes "
              "that are still in memory: boot the VM so that Windows "
              "resumes, shut it down (do not hibernate it), then try again",
              v->name);
  else if (n >= 4 && memcmp (head, "HIBR", 4) == 0)
    wv_error ("%s: Windows is hibernated or was shut down with Fast "
              "Startup (\\hiberfil.sys starts with \"HIBR\", which "
              "Windows 8 and later write for both), so the volume holds "
              "changes that are still in memory: boot the VM, turn off "
              "Fast Startup (powercfg /h off) and shut it down fully, then "
              "try again", v->name);
  else if (n >= 0 && n < HIBERFILE_HEADER)
    wv_error ("%s: \\hiberfil.sys is %zd bytes, too short to hold a "
              "hibernation header, so winvirtio cannot tell whether "
              "Windows is hibernated: boot the VM, turn off hibernation and "
              "Fast Startup (powercfg /h off, which deletes hiberfil.sys) "
              "and shut it down, then try again", v->name, n);
  else
    wv_error ("%s: Windows is hibernated or was shut down with Fast "
              "Startup (hiberfil.sys is active), so the volume holds "
              "changes that are still in memory: boot the VM, turn off "
              "Fast Startup (powercfg /h off) and shut it down fully, then "
              "try again", v->name);
}

/* Is the $LogFile clean?  The same checks as libntfs-3g's
 * ntfs_volume_check_logfile (libntfs-3g/volume.c), which a normal
 * read-write mount makes, with a message for each case:
 *
 *  - the restart pages are damaged, or of a version other than 1.1
 *    and 2.0 (ntfs_check_logfile);
 *  - the log is open and the restart area's "volume is clean" flag is
 *    clear: Windows has changes to replay (ntfs_is_logfile_clean);
 *  - the newest restart page is version 2.0: Windows 8 and later
 *    leave it so while they keep the volume's metadata cached for
 *    Fast Startup or hibernation, or when they are stopped by a power
 *    cut, and write 1.1 when they shut down fully.  libntfs-3g
 *    refuses to mount it read-write ("Metadata kept in Windows
 *    cache"), and so do we.
 *
 * A $LogFile that is all 0xff (mkntfs, ntfsfix) is empty, hence clean.
 */
static int
check_logfile (struct wv_ntfs *v)
{
  RESTART_PAGE_HEADER *rp = NULL;
  ntfs_inode *ni;
  ntfs_attr *na;
  int r = -1;

  ni = ntfs_inode_open (v->vol, FILE_LogFile);
  if (ni == NULL) {
    wv_error ("%s: cannot open $LogFile: %s", v->name, wv_ntfs_why (v));
    return -1;
  }
  na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL) {
    wv_error ("%s: cannot open $LogFile data: %s", v->name, wv_ntfs_why (v));
    ntfs_inode_close (ni);
    return -1;
  }
  wv_ntfs_clear_reason (v);
  if (!ntfs_check_logfile (na, &rp))
    wv_error ("%s: the NTFS $LogFile is damaged or of an unknown version "
              "(libntfs-3g: %s), so winvirtio cannot tell whether Windows "
              "has changes to replay: boot Windows and shut it down "
              "cleanly, or run chkdsk, then try again",
              v->name, wv_ntfs_last_error ("no detail"));
  else if (!ntfs_is_logfile_clean (na, rp))
    wv_error ("%s: the NTFS $LogFile is not clean (Windows did not shut "
              "down cleanly and has changes to replay): boot Windows and "
              "shut it down cleanly, then try again", v->name);
  else if (rp && rp->major_ver == const_cpu_to_sle16 (2))
    wv_error ("%s: the NTFS $LogFile is at version 2.0: Windows 8 or "
              "later still holds this volume's metadata in memory (after a "
              "shutdown with Fast Startup, a hibernation or a power cut): "
              "boot Windows, turn off Fast Startup (powercfg /h off) and "
              "shut it down fully, then try again", v->name);
  else
    r = 0;
  free (rp);
  ntfs_attr_close (na);
  ntfs_inode_close (ni);
  return r;
}

/* The checks that a normal read-write mount makes and
 * NTFS_MNT_FORENSIC skips; see the notes at the top.
 */
static int
check_clean (struct wv_ntfs *v)
{
  ntfs_volume *vol = v->vol;

  if (ntfs_volume_check_hiberfile (vol, 0) == -1) {
    if (errno == EPERM)
      hiberfile_error (v);
    else
      wv_error ("%s: cannot check hiberfil.sys: %s", v->name, wv_ntfs_why (v));
    return -1;
  }
  if (vol->flags & VOLUME_IS_DIRTY) {
    wv_error ("%s: the NTFS volume is marked dirty (it was not cleanly "
              "unmounted): boot Windows and shut it down cleanly, or run "
              "chkdsk, then try again", v->name);
    return -1;
  }
  return check_logfile (v);
}

/* The volume's size as its boot sector gives it, against its
 * partition's: libntfs-3g would only say that it failed to read the
 * last sector.
 */
static int
check_size (struct wv_overlay *ov, uint64_t offset, uint64_t length,
            const char *name)
{
  uint8_t bs[512];
  uint64_t sectors;
  uint16_t bps;

  if (length < sizeof bs)
    return 0;                   /* libntfs-3g says why */
  if (wv_overlay_pread (ov, bs, sizeof bs, offset) == -1)
    return -1;
  bps = get_le16 (&bs[11]);
  sectors = get_le64 (&bs[40]);
  if (bps >= 256 && bps <= 4096 && (bps & (bps - 1)) == 0 &&
      sectors > length / bps) {
    wv_error ("%s: the NTFS volume is damaged: its boot sector gives it "
              "%" PRIu64 " sectors of %u bytes, more than its partition "
              "of %" PRIu64 " bytes holds: run chkdsk /f on it in the "
              "guest, then take a new snapshot or copy", name, sectors,
              bps, length);
    return -1;
  }
  return 0;
}

struct wv_ntfs *
wv_ntfs_mount (struct wv_overlay *ov, uint64_t offset, uint64_t length,
               const char *name, bool writable)
{
  struct wv_ntfs *v;
  struct ntfs_device *dev;

  wv_ntfs_init_logging ();
  v = calloc (1, sizeof *v);
  if (v == NULL || (v->name = strdup (name)) == NULL) {
    wv_error ("malloc: %m");
    free (v);
    return NULL;
  }
  v->offset = offset;
  v->src = wv_overlay_source (ov);
  if (check_size (ov, offset, length, name) == -1)
    goto err;

  dev = wv_ntfsdev_new (ov, offset, length, name);
  if (dev == NULL)
    goto err;
  v->devpriv = dev->d_private;
  wv_ntfs_clear_reason (v);
  v->vol = ntfs_device_mount (dev,
                              writable ? NTFS_MNT_FORENSIC : NTFS_MNT_RDONLY);
  if (v->vol == NULL) {
    wv_error ("%s: cannot mount the NTFS volume: %s",
              name, wv_ntfs_why (v));
    ntfs_device_free (dev);
    goto err;
  }
  /* Look names up ignoring case, as Windows does (libntfs-3g's
   * default is case-sensitive): Windows XP's files are
   * WINDOWS\system32\config\system.
   */
  if (ntfs_set_ignore_case (v->vol) == -1) {
    wv_error ("%s: libntfs-3g cannot look names up ignoring case: %s",
              name, wv_ntfs_why (v));
    ntfs_umount (v->vol, FALSE);
    goto err;
  }
  if (writable && check_clean (v) == -1) {
    ntfs_umount (v->vol, FALSE);
    goto err;
  }
  wv_debug ("%s: NTFS %d.%d, cluster %" PRIu32 ", MFT record %" PRIu32,
            name, v->vol->major_ver, v->vol->minor_ver,
            v->vol->cluster_size, v->vol->mft_record_size);
  return v;

 err:
  free (v->devpriv);
  free (v->name);
  free (v);
  return NULL;
}

int
wv_ntfs_umount (struct wv_ntfs *v)
{
  int r = 0;

  wv_ntfs_clear_reason (v);
  if (ntfs_umount (v->vol, FALSE) == -1) {
    wv_error ("%s: libntfs-3g failed to write the volume's changes: %s",
              v->name, wv_ntfs_why (v));
    r = -1;
  }
  free (v->devpriv);
  free (v->name);
  free (v);
  return r;
}

uint32_t
wv_ntfs_cluster_size (const struct wv_ntfs *v)
{
  return v->vol->cluster_size;
}

const char *
wv_ntfs_volume_name (const struct wv_ntfs *v)
{
  return v->vol->vol_name ? v->vol->vol_name : "";
}

/* The checks of check_clean, without an error: for a volume we only
 * trim.  Returns NULL if the volume is clean, or why it is not.
 */
const char *
wv_ntfs_unclean_reason (struct wv_ntfs *v)
{
  ntfs_volume *vol = v->vol;
  RESTART_PAGE_HEADER *rp = NULL;
  const char *why = NULL;
  ntfs_inode *ni;
  ntfs_attr *na = NULL;

  if (ntfs_volume_check_hiberfile (vol, 0) == -1)
    return "Windows is hibernated there or hiberfil.sys cannot be checked";
  if (vol->flags & VOLUME_IS_DIRTY)
    return "the volume is marked dirty";
  ni = ntfs_inode_open (vol, FILE_LogFile);
  if (ni)
    na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL)
    why = "its $LogFile cannot be read";
  else if (!ntfs_check_logfile (na, &rp))
    why = "its $LogFile is damaged or of an unknown version";
  else if (!ntfs_is_logfile_clean (na, rp))
    why = "its $LogFile is not clean";
  else if (rp && rp->major_ver == const_cpu_to_sle16 (2))
    why = "its $LogFile is at version 2.0 (Fast Startup)";
  free (rp);
  if (na)
    ntfs_attr_close (na);
  if (ni)
    ntfs_inode_close (ni);
  return why;
}
