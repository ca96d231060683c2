/* winvirtio: an NTFS volume through libntfs-3g on the overlay:
 * mounting it (mount.c), its files (files.c) and the case of their
 * names (case.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Paths are in the volume, with '/' or '\' separators, and are looked
 * up case-insensitively, as Windows does.
 */

#ifndef WINVIRTIO_NTFS_H
#define WINVIRTIO_NTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk/overlay.h"

struct wv_ntfs;

/* mount.c */

/* Does the partition start with an NTFS boot sector?  Also recognises
 * BitLocker ("-FVE-FS-"), reported in *bitlocker_r.  Returns 1, 0 or
 * -1.
 */
extern int wv_ntfs_probe (struct wv_source *src, uint64_t offset,
                          bool *bitlocker_r);

/* Mount the NTFS volume at [offset, offset+length) of the overlay.
 * Read-only, or writable: then the volume must be clean (not
 * hibernated, no Fast Startup, $LogFile clean and not left at version
 * 2.0, dirty flag clear), and libntfs-3g is mounted so that the mount
 * itself writes nothing.
 * Returns NULL after wv_error.
 */
extern struct wv_ntfs *wv_ntfs_mount (struct wv_overlay *ov, uint64_t offset,
                                      uint64_t length, const char *name,
                                      bool writable);

/* Unmount, writing everything libntfs-3g still holds to the overlay.
 * Returns 0 or -1.  Always frees v.
 */
extern int wv_ntfs_umount (struct wv_ntfs *v);

/* Volume facts for the summary. */
extern uint32_t wv_ntfs_cluster_size (const struct wv_ntfs *v);
/* The volume label ("" if none). */
extern const char *wv_ntfs_volume_name (const struct wv_ntfs *v);

/* NULL if the volume is clean (the checks of a writable mount:
 * hibernation, dirty flag, $LogFile), else why not.  No error is
 * reported: for volumes that are only trimmed.
 */
extern const char *wv_ntfs_unclean_reason (struct wv_ntfs *v);

/* files.c */

/* 1 if path exists (file or directory), 0 if not, -1 on error. */
extern int wv_ntfs_exists (struct wv_ntfs *v, const char *path);

/* Read a whole file (unnamed $DATA).  Files above max_size are an
 * error.  *data_r is malloc'd.  Returns 0 or -1.
 */
extern int wv_ntfs_read_file (struct wv_ntfs *v, const char *path,
                              size_t max_size,
                              uint8_t **data_r, size_t *len_r);

/* Replace the contents of an existing file, writing only the 4 KiB
 * pages that differ from old (its current contents) and resizing it
 * if the length changed.
 */
extern int wv_ntfs_update_file (struct wv_ntfs *v, const char *path,
                                const uint8_t *old, size_t oldlen,
                                const uint8_t *data, size_t len);

/* Create dir/name with these contents, or replace the contents of an
 * existing file of that name (matched case-insensitively).  A new
 * file takes the security descriptor of a sibling file in dir (any
 * regular file there), as if Windows had made it; and a short name
 * like Windows' if the name is a valid 8.3 name.  *created_r tells
 * which; *changed_r is false if the file already had these bytes.
 */
extern int wv_ntfs_put_file (struct wv_ntfs *v, const char *dir,
                             const char *name,
                             const uint8_t *data, size_t len,
                             bool *created_r, bool *changed_r);

/* Create the directory dir/name unless it exists (*created_r says
 * which).  A new directory takes dir's security descriptor; the files
 * then put in it take the directory's (see wv_ntfs_put_file).  A file
 * of that name is an error.  Returns 0 or -1.
 */
extern int wv_ntfs_mkdir (struct wv_ntfs *v, const char *dir,
                          const char *name, bool *created_r);

/* Call fn for each entry of dir (long names only, not "." or "..").
 * fn returns 0 to go on, -1 to stop with an error.  Returns 0 or -1.
 */
extern int wv_ntfs_list_dir (struct wv_ntfs *v, const char *dir,
                             int (*fn) (void *opaque, const char *name,
                                        bool is_dir),
                             void *opaque);

/* The last time Windows changed path's data (NTFS time: 100 ns units
 * since 1601), into *t.  Returns 0 or -1.
 */
extern int wv_ntfs_get_mtime (struct wv_ntfs *v, const char *path,
                              uint64_t *t);

/* Give path the times t, in place of the times at which libntfs-3g
 * made its changes, so that a plan made twice gives the same bytes.
 * Sets the modification, MFT change and access times; with created,
 * also the creation time and the times in the file's own $FILE_NAME
 * attributes (Windows sets them when it creates a file).  The parent
 * directories' index entries follow when the inode is closed.
 */
extern int wv_ntfs_set_times (struct wv_ntfs *v, const char *path,
                              uint64_t t, bool created);

/* case.c */

/* path ('/' or '\' separators) as the volume spells it: each
 * component given the case of its name in its directory (the exact
 * match, else the first that matches ignoring case; never a DOS
 * name), '/'-separated from the root: "/WINDOWS/system32" for
 * "Windows\System32" on XP.  *real_r is malloc'd.  Returns 0 or -1
 * (after wv_error; a component that is not there is an error).
 */
extern int wv_ntfs_real_path (struct wv_ntfs *v, const char *path,
                              char **real_r);

#endif /* WINVIRTIO_NTFS_H */
