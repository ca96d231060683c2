/* winvirtio bench: read a whole VMDK with libvmdk (libyal), to compare
 * it with nbdkit-vmdk-plugin.  Not part of the build, a bench tool.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: libvmdk-read DISK.vmdk [OUT]
 * Follows parentFileNameHint (relative to the delta's directory) as
 * libvmdk requires of its caller, so snapshot chains are read too.
 * Writes the virtual disk to OUT ("-": standard output; default:
 * reads and discards it), in 1 MiB reads, single threaded (one libvmdk
 * handle).
 *
 * Build: cc -O2 bench/libvmdk-read.c -o libvmdk-read $(pkg-config --cflags --libs libvmdk)
 *   (Debian: libvmdk-dev)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>

#include <libvmdk.h>

#define CHUNK (1024 * 1024)

/* Print libvmdk's error and exit. */
static void
die (const char *what, libvmdk_error_t *error)
{
  fprintf (stderr, "libvmdk-read: %s failed\n", what);
  if (error) {
    libvmdk_error_backtrace_fprint (error, stderr);
    libvmdk_error_free (&error);
  }
  exit (EXIT_FAILURE);
}

/* Open PATH and, for a delta, its parents. */
static libvmdk_handle_t *
open_chain (const char *path, int depth)
{
  libvmdk_handle_t *handle = NULL;
  libvmdk_error_t *error = NULL;
  char parent[4096], full[8192];
  size_t size;
  const char *slash;

  if (depth > 64) {
    fprintf (stderr, "libvmdk-read: snapshot chain too long\n");
    exit (EXIT_FAILURE);
  }
  if (libvmdk_handle_initialize (&handle, &error) != 1)
    die ("libvmdk_handle_initialize", error);
  if (libvmdk_handle_open (handle, path, LIBVMDK_OPEN_READ, &error) != 1)
    die ("libvmdk_handle_open", error);
  if (libvmdk_handle_open_extent_data_files (handle, &error) != 1)
    die ("libvmdk_handle_open_extent_data_files", error);
  if (libvmdk_handle_get_utf8_parent_filename_size (handle, &size,
                                                    &error) == 1 &&
      size > 1 && size <= sizeof parent &&
      libvmdk_handle_get_utf8_parent_filename (handle, (uint8_t *) parent,
                                               sizeof parent, &error) == 1) {
    slash = strrchr (path, '/');
    snprintf (full, sizeof full, "%.*s%s",
              slash ? (int) (slash - path + 1) : 0, path, parent);
    if (libvmdk_handle_set_parent_handle (handle, open_chain (full, depth + 1),
                                          &error) != 1)
      die ("libvmdk_handle_set_parent_handle", error);
  }
  else if (error)
    libvmdk_error_free (&error);
  return handle;
}

int
main (int argc, char *argv[])
{
  libvmdk_handle_t *handle = NULL;
  libvmdk_error_t *error = NULL;
  size64_t size, pos;
  static char buf[CHUNK];
  int out = -1;

  if (argc < 2 || argc > 3) {
    fprintf (stderr, "usage: libvmdk-read DISK.vmdk [OUT]\n");
    exit (EXIT_FAILURE);
  }
  if (argc == 3 && argv[2][0] == '-' && argv[2][1] == '\0')
    out = 1;
  else if (argc == 3) {
    out = open (argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out == -1) {
      perror (argv[2]);
      exit (EXIT_FAILURE);
    }
  }
  handle = open_chain (argv[1], 0);
  if (libvmdk_handle_get_media_size (handle, &size, &error) != 1)
    die ("libvmdk_handle_get_media_size", error);

  for (pos = 0; pos < size; pos += CHUNK) {
    size_t n = size - pos < CHUNK ? size - pos : CHUNK;
    ssize_t r = libvmdk_handle_read_buffer_at_offset (handle, buf, n, pos,
                                                      &error);
    if (r != (ssize_t) n)
      die ("libvmdk_handle_read_buffer_at_offset", error);
    if (out >= 0 && write (out, buf, n) != (ssize_t) n) {
      perror ("write");
      exit (EXIT_FAILURE);
    }
  }
  if (out >= 0 && close (out) == -1) {
    perror ("close");
    exit (EXIT_FAILURE);
  }
  return 0;                     /* the handles are freed at exit */
}
