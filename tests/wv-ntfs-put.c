/* winvirtio: wv-ntfs-put, create directories and copy files into an
 * NTFS volume image.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: wv-ntfs-put VOLUME [--no-short-names] [--mkdir PATH]...
 *                           [HOSTFILE:PATH]... [--rm PATH]...
 *
 * The tests and the demo build Windows-like disks without mounting
 * anything: mkntfs formats a plain file, and this program fills it
 * through libntfs-3g, which opens a regular file as the device.  The
 * operations run in the order given:
 *
 *   --mkdir PATH      create directory PATH and any missing parents
 *   HOSTFILE:PATH     copy HOSTFILE to PATH, creating missing parent
 *                     directories; an existing file is replaced
 *   --rm PATH         delete the file PATH (given with the case it
 *                     was created with), leaving its old bytes in the
 *                     clusters it frees, as Windows does
 *
 * PATH is absolute with '/' separators.  Names are looked up as
 * Windows does, ignoring case, and created with the case given.  Each
 * new name also gets an 8.3 short name, as on a Windows system volume
 * (the long name itself when it is a valid 8.3 name, which makes it a
 * single WIN32_AND_DOS name, else NAME~N.EXT); --no-short-names leaves
 * libntfs-3g's default, a POSIX-namespace name only.  The volume is
 * unmounted cleanly at the end, so ntfsfix or chkdsk has nothing to do.
 *
 * libntfs-3g's lookup cache remembers misses, so this program walks
 * directories itself with ntfs_inode_lookup_by_name rather than using
 * ntfs_pathname_to_inode or ntfs_inode_lookup_by_mbsname.
 */

/* The ntfs-3g headers include config.h and test HAVE_STDINT_H etc. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/logging.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#define COPY_BUFFER_SIZE (1024 * 1024)
/* Tries of NAME~N before giving up on a short name. */
#define SHORT_NAME_TRIES 9

static const char *prog = "wv-ntfs-put";
static int short_names = 1;

/* Print an error (with errno's text if errnum != 0) and exit.  The
 * volume is not unmounted: it is a scratch file that the caller
 * deletes on failure.
 */
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

/* Upper-case ASCII only, whatever the locale. */
static int
c_toupper (int c)
{
  return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* Is c allowed in an 8.3 name (after upper-casing)? */
static int
is_short_char (int c)
{
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
    (c != 0 && strchr ("!#$%&'()-@^_`{}~", c) != NULL);
}

/* Is name, upper-cased, a valid 8.3 name? */
static int
is_short_name (const char *name)
{
  const char *dot = strchr (name, '.');
  size_t baselen = dot ? (size_t) (dot - name) : strlen (name);
  const char *p;

  if (baselen < 1 || baselen > 8)
    return 0;
  if (dot && (strlen (dot + 1) < 1 || strlen (dot + 1) > 3))
    return 0;
  for (p = name; *p; ++p) {
    if (p == dot)
      continue;
    if (!is_short_char (c_toupper ((unsigned char) *p)))
      return 0;
  }
  return 1;
}

/* Copy up to max valid 8.3 characters of [s, end) into out,
 * upper-cased, and return how many.
 */
static size_t
short_part (char *out, const char *s, const char *end, size_t max)
{
  size_t n = 0;

  for (; s < end && n < max; ++s) {
    int c = c_toupper ((unsigned char) *s);
    if (is_short_char (c))
      out[n++] = c;
  }
  return n;
}

/* Make the short name for name in out (13 bytes): the long name
 * upper-cased when it is a valid 8.3 name, else BASE~N.EXT like
 * Windows (try counts from 1).
 */
static void
make_short_name (char *out, const char *name, int try)
{
  const char *dot = strrchr (name, '.');
  char base[7], ext[4];
  size_t nb, ne;

  if (is_short_name (name)) {
    for (nb = 0; name[nb]; ++nb)
      out[nb] = c_toupper ((unsigned char) name[nb]);
    out[nb] = '\0';
    return;
  }
  if (dot == name)              /* ".foo" has no extension */
    dot = NULL;
  nb = short_part (base, name, dot ? dot : name + strlen (name), 6);
  if (nb == 0)
    base[nb++] = '_';
  base[nb] = '\0';
  ne = dot ? short_part (ext, dot + 1, dot + strlen (dot), 3) : 0;
  ext[ne] = '\0';
  snprintf (out, 13, "%s~%d%s%s", base, try, ne ? "." : "", ext);
}

/* Convert a name to NTFS's UTF-16, exit on error.  Free with free. */
static int
to_ucs (const char *name, ntfschar **uname)
{
  int len;

  *uname = NULL;
  len = ntfs_mbstoucs (name, uname);
  if (len <= 0)
    die (errno, "cannot convert name to UTF-16: %s", name);
  return len;
}

/* Look name up in dir_ni: the inode number, or 0 if absent. */
static u64
lookup (ntfs_inode *dir_ni, const char *name)
{
  ntfschar *uname;
  int len = to_ucs (name, &uname);
  u64 mref;

  mref = ntfs_inode_lookup_by_name (dir_ni, uname, len);
  free (uname);
  if (mref == (u64) -1) {
    if (errno != ENOENT)
      die (errno, "lookup: %s", name);
    return 0;
  }
  return MREF (mref);
}

/* Open inode number mft, exit on error. */
static ntfs_inode *
open_inode (ntfs_volume *vol, u64 mft, const char *what)
{
  ntfs_inode *ni = ntfs_inode_open (vol, mft);

  if (ni == NULL)
    die (errno, "cannot open inode %llu (%s)", (unsigned long long) mft, what);
  return ni;
}

/* Is ni a directory? */
static int
is_dir (ntfs_inode *ni)
{
  return (ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) != 0;
}

/* Give the new entry ni (named name in dir_ni) its short name, and
 * close both inodes (ntfs_set_ntfs_dos_name closes them).  A
 * generated NAME~N is first looked up, as any name in the directory
 * that matches it ignoring case would clash.
 */
static void
set_short_name (ntfs_inode *ni, ntfs_inode *dir_ni, const char *name)
{
  char sname[13];
  int try = 1;

  make_short_name (sname, name, try);
  while (!is_short_name (name) && lookup (dir_ni, sname) != 0) {
    if (++try > SHORT_NAME_TRIES)
      die (EEXIST, "no free short name for %s", name);
    make_short_name (sname, name, try);
  }
  if (ntfs_set_ntfs_dos_name (ni, dir_ni, sname, strlen (sname), 0) == -1)
    die (errno, "cannot set short name %s for %s", sname, name);
}

/* Close a new entry ni in dir_ni, giving it a short name if wanted. */
static void
finish_entry (ntfs_inode *ni, ntfs_inode *dir_ni, const char *name)
{
  if (short_names)
    set_short_name (ni, dir_ni, name);
  else {
    if (ntfs_inode_close_in_dir (ni, dir_ni) == -1)
      die (errno, "close: %s", name);
    if (ntfs_inode_close (dir_ni) == -1)
      die (errno, "close directory of %s", name);
  }
}

/* Create name in dir_ni as a directory or a regular file. */
static ntfs_inode *
create (ntfs_inode *dir_ni, const char *name, mode_t type)
{
  ntfschar *uname;
  int len = to_ucs (name, &uname);
  ntfs_inode *ni;

  ni = ntfs_create (dir_ni, const_cpu_to_le32 (0), uname, len, type);
  if (ni == NULL)
    die (errno, "cannot create %s", name);
  free (uname);
  return ni;
}

/* Split an absolute path into its components (modifying path).
 * Empty components are skipped; "." and ".." are refused.  Returns
 * the number of components, stored in comps[] (at most max).
 */
static size_t
split_path (char *path, char **comps, size_t max)
{
  size_t n = 0;
  char *p, *save = NULL;

  if (path[0] != '/')
    die (0, "path must be absolute: %s", path);
  for (p = strtok_r (path, "/", &save); p; p = strtok_r (NULL, "/", &save)) {
    if (strcmp (p, ".") == 0 || strcmp (p, "..") == 0)
      die (0, "'.' and '..' are not allowed in paths");
    if (n == max)
      die (0, "path is too deep");
    comps[n++] = p;
  }
  return n;
}

/* Make sure directories comps[0..n-1] exist under the root, and
 * return the last one's inode number.
 */
static u64
make_dirs (ntfs_volume *vol, char **comps, size_t n)
{
  ntfs_inode *dir_ni = open_inode (vol, FILE_root, "root directory");
  ntfs_inode *ni;
  u64 mft;
  size_t i;

  for (i = 0; i < n; ++i) {
    mft = lookup (dir_ni, comps[i]);
    if (mft) {
      ni = open_inode (vol, mft, comps[i]);
      if (!is_dir (ni))
        die (ENOTDIR, "%s", comps[i]);
      if (ntfs_inode_close (dir_ni) == -1)
        die (errno, "close");
    }
    else {
      ni = create (dir_ni, comps[i], S_IFDIR);
      mft = ni->mft_no;
      finish_entry (ni, dir_ni, comps[i]);
      ni = open_inode (vol, mft, comps[i]);
    }
    dir_ni = ni;
  }
  mft = dir_ni->mft_no;
  if (ntfs_inode_close (dir_ni) == -1)
    die (errno, "close");
  return mft;
}

/* Replace the unnamed data stream of ni with the host file's data. */
static void
write_data (ntfs_inode *ni, const char *hostfile, const char *path)
{
  static char buf[COPY_BUFFER_SIZE];
  ntfs_attr *na;
  int fd;
  ssize_t r, off;
  s64 pos = 0, w;

  fd = open (hostfile, O_RDONLY | O_CLOEXEC);
  if (fd == -1)
    die (errno, "%s", hostfile);
  na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL)
    die (errno, "%s: cannot open data attribute", path);
  if (ntfs_attr_truncate (na, 0) == -1)
    die (errno, "%s: truncate", path);
  for (;;) {
    r = read (fd, buf, sizeof buf);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      die (errno, "read: %s", hostfile);
    }
    if (r == 0)
      break;
    for (off = 0; off < r; off += w) {
      w = ntfs_attr_pwrite (na, pos, r - off, buf + off);
      if (w <= 0)
        die (errno, "%s: write", path);
      pos += w;
    }
  }
  ntfs_attr_close (na);
  close (fd);
  ntfs_inode_update_times (ni, NTFS_UPDATE_MCTIME);
}

/* --mkdir PATH */
static void
op_mkdir (ntfs_volume *vol, const char *path)
{
  char *copy = strdup (path);
  char *comps[64];
  size_t n;

  if (copy == NULL)
    die (errno, "strdup");
  n = split_path (copy, comps, sizeof comps / sizeof comps[0]);
  make_dirs (vol, comps, n);
  free (copy);
}

/* HOSTFILE:PATH */
static void
op_put (ntfs_volume *vol, const char *hostfile, const char *path)
{
  char *copy = strdup (path);
  char *comps[64], *name;
  size_t n;
  ntfs_inode *dir_ni, *ni;
  u64 mft;

  if (copy == NULL)
    die (errno, "strdup");
  n = split_path (copy, comps, sizeof comps / sizeof comps[0]);
  if (n == 0)
    die (0, "cannot replace the root directory");
  name = comps[n - 1];
  dir_ni = open_inode (vol, make_dirs (vol, comps, n - 1), path);
  mft = lookup (dir_ni, name);
  if (mft) {
    ni = open_inode (vol, mft, path);
    if (is_dir (ni))
      die (EISDIR, "%s", path);
    write_data (ni, hostfile, path);
    if (ntfs_inode_close_in_dir (ni, dir_ni) == -1 ||
        ntfs_inode_close (dir_ni) == -1)
      die (errno, "close: %s", path);
  }
  else {
    ni = create (dir_ni, name, S_IFREG);
    write_data (ni, hostfile, path);
    finish_entry (ni, dir_ni, name);
  }
  free (copy);
}

/* --rm PATH */
static void
op_rm (ntfs_volume *vol, const char *path)
{
  char *copy = strdup (path);
  char *comps[64], *name;
  ntfschar *uname = NULL;
  ntfs_inode *dir_ni, *ni;
  size_t n;
  int len;
  u64 mft;

  if (copy == NULL)
    die (errno, "strdup");
  n = split_path (copy, comps, sizeof comps / sizeof comps[0]);
  if (n == 0)
    die (0, "cannot delete the root directory");
  name = comps[n - 1];
  dir_ni = open_inode (vol, make_dirs (vol, comps, n - 1), path);
  mft = lookup (dir_ni, name);
  if (mft == 0)
    die (ENOENT, "%s", path);
  ni = open_inode (vol, mft, path);
  len = to_ucs (name, &uname);
  /* ntfs_delete closes both inodes. */
  if (ntfs_delete (vol, NULL, ni, dir_ni, uname, len) == -1)
    die (errno, "%s: delete", path);
  free (uname);
  free (copy);
}

/* Print the usage message and exit. */
static void __attribute__ ((noreturn))
usage (FILE *fp, int status)
{
  fprintf (fp,
           "usage: %s VOLUME [--no-short-names] [--mkdir PATH]... "
           "[HOSTFILE:PATH]... [--rm PATH]...\n"
           "Create directories and copy files into the NTFS volume image\n"
           "VOLUME (a plain file made by mkntfs), in the order given.\n",
           prog);
  exit (status);
}

int
main (int argc, char *argv[])
{
  ntfs_volume *vol;
  const char *volume;
  char *colon;
  int i;

  if (argc >= 2 &&
      (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    usage (stdout, EXIT_SUCCESS);
  if (argc < 2 || argv[1][0] == '-')
    usage (stderr, EXIT_FAILURE);
  volume = argv[1];

  /* Check the whole command line before touching the volume. */
  for (i = 2; i < argc; ++i) {
    if (strcmp (argv[i], "--no-short-names") == 0)
      short_names = 0;
    else if (strcmp (argv[i], "--mkdir") == 0 ||
             strcmp (argv[i], "--rm") == 0) {
      if (++i == argc)
        usage (stderr, EXIT_FAILURE);
    }
    else if (argv[i][0] == '-' || (colon = strrchr (argv[i], ':')) == NULL ||
             colon == argv[i] || colon[1] != '/')
      usage (stderr, EXIT_FAILURE);
    else {
      *colon = '\0';
      if (access (argv[i], R_OK) == -1)
        die (errno, "%s", argv[i]);
      *colon = ':';
    }
  }

  ntfs_log_set_handler (ntfs_log_handler_stderr);
  vol = ntfs_mount (volume, NTFS_MNT_NONE);
  if (vol == NULL)
    die (errno, "cannot open NTFS volume %s", volume);
  if (ntfs_set_ignore_case (vol) == -1)
    die (errno, "%s: cannot ignore case in lookups", volume);

  for (i = 2; i < argc; ++i) {
    if (strcmp (argv[i], "--no-short-names") == 0)
      continue;
    if (strcmp (argv[i], "--mkdir") == 0)
      op_mkdir (vol, argv[++i]);
    else if (strcmp (argv[i], "--rm") == 0)
      op_rm (vol, argv[++i]);
    else {
      /* The last colon: an NTFS path never contains one. */
      colon = strrchr (argv[i], ':');
      *colon = '\0';
      op_put (vol, argv[i], colon + 1);
    }
  }

  if (ntfs_umount (vol, FALSE) == -1)
    die (errno, "%s: unmount", volume);
  exit (EXIT_SUCCESS);
}
