/* winvirtio: labelled disk ranges, which NTFS structure a byte
 * belongs to (for the block map's labels): a file's MFT record and
 * runs, the volume's own metadata.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/device.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/volume.h>

#include "common/array.h"
#include "ntfs/internal.h"
#include "ntfs/labels.h"

int
wv_labels_add (struct wv_labels *labels, uint64_t offset, uint64_t length,
               const char *fs, ...)
{
  struct wv_label *l;
  va_list args;

  if (length == 0)
    return 0;
  if (wv_array_grow (&labels->v, &labels->cap, labels->len + 1,
                     sizeof *labels->v, 64) == -1)
    return -1;
  l = &labels->v[labels->len++];
  l->offset = offset;
  l->length = length;
  va_start (args, fs);
  vsnprintf (l->text, sizeof l->text, fs, args);
  va_end (args);
  return 0;
}

void
wv_labels_free (struct wv_labels *labels)
{
  free (labels->v);
  labels->v = NULL;
  labels->len = labels->cap = 0;
}

const char *
wv_labels_find (const struct wv_labels *labels, uint64_t offset)
{
  const struct wv_label *best = NULL;
  size_t i;

  for (i = 0; i < labels->len; ++i) {
    const struct wv_label *l = &labels->v[i];

    if (offset >= l->offset && offset - l->offset < l->length &&
        (best == NULL || l->length < best->length))
      best = l;
  }
  return best ? best->text : NULL;
}

uint64_t
wv_labels_next_edge (const struct wv_labels *labels, uint64_t offset)
{
  uint64_t edge = UINT64_MAX;
  size_t i;

  for (i = 0; i < labels->len; ++i) {
    uint64_t s = labels->v[i].offset, e = s + labels->v[i].length;

    if (s > offset && s < edge)
      edge = s;
    if (e > offset && e < edge)
      edge = e;
  }
  return edge;
}

/* Label the clusters backing bytes [off, off+len) of a non-resident
 * attribute, cluster by cluster run.
 */
static int
label_attr_bytes (struct wv_ntfs *v, ntfs_attr *na, s64 off, s64 len,
                  struct wv_labels *labels, const char *text)
{
  ntfs_volume *vol = v->vol;
  s64 end = off + len;

  while (off < end) {
    VCN vcn = off >> vol->cluster_size_bits;
    s64 in = off & (vol->cluster_size - 1);
    s64 n = vol->cluster_size - in;
    LCN lcn = ntfs_attr_vcn_to_lcn (na, vcn);

    if (n > end - off)
      n = end - off;
    if (lcn >= 0 &&
        wv_labels_add (labels, v->offset + (lcn << vol->cluster_size_bits) +
                       in, n, "%s", text) == -1)
      return -1;
    off += n;
  }
  return 0;
}

/* Label every run of a non-resident attribute. */
static int
label_runs (struct wv_ntfs *v, ntfs_attr *na, struct wv_labels *labels,
            const char *text)
{
  ntfs_volume *vol = v->vol;
  runlist_element *rl;

  if (!NAttrNonResident (na))
    return 0;                   /* inside its MFT record */
  if (ntfs_attr_map_whole_runlist (na) == -1)
    return 0;
  for (rl = na->rl; rl && rl->length; ++rl) {
    if (rl->lcn < 0)
      continue;
    if (wv_labels_add (labels,
                       v->offset + (rl->lcn << vol->cluster_size_bits),
                       rl->length << vol->cluster_size_bits,
                       "%s", text) == -1)
      return -1;
  }
  return 0;
}

/* Label the MFT record of inode mft_no. */
static int
label_record (struct wv_ntfs *v, u64 mft_no, struct wv_labels *labels,
              const char *fs, ...)
{
  char text[WV_MAP_LABEL_MAX];
  va_list args;

  va_start (args, fs);
  vsnprintf (text, sizeof text, fs, args);
  va_end (args);
  return label_attr_bytes (v, v->vol->mft_na,
                           (s64) mft_no << v->vol->mft_record_size_bits,
                           v->vol->mft_record_size, labels, text);
}

int
wv_ntfs_label_path (struct wv_ntfs *v, const char *path, const char *what,
                    struct wv_labels *labels)
{
  ntfs_inode *ni = wv_ntfs_open_path (v, path);
  ntfs_attr *na;
  bool dir;
  int r = 0;

  if (ni == NULL)
    return errno == ENOENT ? 0 : -1;
  dir = ni->mrec->flags & MFT_RECORD_IS_DIRECTORY;
  if (label_record (v, ni->mft_no, labels, "MFT record %" PRIu64 " (%s)",
                    (uint64_t) ni->mft_no, what) == -1)
    r = -1;
  if (dir)
    na = ntfs_attr_open (ni, AT_INDEX_ALLOCATION, NTFS_INDEX_I30, 4);
  else
    na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na) {
    char text[WV_MAP_LABEL_MAX];

    snprintf (text, sizeof text, "%s %s", what, dir ? "index" : "data");
    if (label_runs (v, na, labels, text) == -1)
      r = -1;
    ntfs_attr_close (na);
  }
  ntfs_inode_close (ni);
  return r;
}

/* Names of the NTFS system files 0-11. */
static const char *const system_files[] = {
  "$MFT", "$MFTMirr", "$LogFile", "$Volume", "$AttrDef", "root directory",
  "$Bitmap", "$Boot", "$BadClus", "$Secure", "$UpCase", "$Extend",
};

int
wv_ntfs_label_system (struct wv_ntfs *v, unsigned partnum,
                      struct wv_labels *labels)
{
  ntfs_volume *vol = v->vol;
  uint64_t size = (uint64_t) vol->nr_clusters << vol->cluster_size_bits;
  size_t i;

  if (wv_labels_add (labels, v->offset, size + vol->sector_size,
                     "NTFS volume (partition %u)", partnum) == -1 ||
      wv_labels_add (labels, v->offset, vol->sector_size,
                     "NTFS boot sector") == -1 ||
      label_runs (v, vol->mft_na, labels, "$MFT") == -1 ||
      label_runs (v, vol->mftmirr_na, labels, "$MFTMirr") == -1 ||
      label_runs (v, vol->lcnbmp_na, labels,
                  "$Bitmap (cluster allocation)") == -1 ||
      label_runs (v, vol->mftbmp_na, labels,
                  "$MFT bitmap (record allocation)") == -1)
    return -1;
  /* The backup boot sector is the last sector of the volume, at
   * number_of_sectors (the boot sector's BPB, offset 0x28) sectors
   * from its start; that is after the last cluster only when the
   * volume is a whole number of clusters.
   */
  {
    uint8_t boot[512];
    uint64_t backup = size, nsec = 0;
    int j;

    if (ntfs_pread (vol->dev, 0, sizeof boot, boot) == sizeof boot) {
      for (j = 7; j >= 0; --j)
        nsec = nsec << 8 | boot[0x28 + j];
      if (nsec > 0)
        backup = nsec * vol->sector_size;
    }
    if (wv_labels_add (labels, v->offset + backup, vol->sector_size,
                       "NTFS backup boot sector") == -1)
      return -1;
  }
  for (i = 0; i < sizeof system_files / sizeof system_files[0]; ++i)
    if (label_record (v, i, labels, "MFT record %zu (%s)", i,
                      system_files[i]) == -1)
      return -1;
  return 0;
}
