/* winvirtio: print a block map ("winvirtio dump"), as text or JSON.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The text is for a person at a terminal: the header fields, the
 * summary indented, then one extent a line.  Labels and the summary
 * come from the map file, which may be hostile, so both forms escape
 * what a terminal or a JSON parser would misread.
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>

#include "common/log.h"
#include "common/rangeset.h"
#include "common/utf.h"
#include "map/map.h"
#include "map/mapdump.h"

/* Print n bytes of s for a terminal: control characters (C0, DEL, C1)
 * and invalid UTF-8 bytes are shown as \xNN or \uNNNN, so a hostile
 * label cannot send escape sequences.
 */
static void
print_text (FILE *fp, const char *s, size_t n)
{
  const unsigned char *u = (const unsigned char *) s;
  size_t i = 0;

  while (i < n) {
    uint32_t cp;
    size_t len = wv_utf8_decode (u + i, n - i, &cp);

    if (len == 0) {
      fprintf (fp, "\\x%02x", u[i]);
      len = 1;
    }
    else if (cp < 0x20 || cp == 0x7f)
      fprintf (fp, "\\x%02" PRIx32, cp);
    else if (cp >= 0x80 && cp < 0xa0)
      fprintf (fp, "\\u%04" PRIx32, cp);
    else
      fwrite (u + i, 1, len, fp);
    i += len;
  }
}

/* Print s as a JSON string: quotes, backslashes and control
 * characters escaped, valid UTF-8 passed through, invalid bytes
 * replaced by U+FFFD so the output is always valid JSON.
 */
static void
print_json_string (FILE *fp, const char *s)
{
  const unsigned char *u = (const unsigned char *) (s ? s : "");
  size_t n = strlen ((const char *) u), i = 0;

  fputc ('"', fp);
  while (i < n) {
    uint32_t cp;
    size_t len = wv_utf8_decode (u + i, n - i, &cp);

    if (len == 0) {
      fputs ("\\ufffd", fp);
      i++;
      continue;
    }
    switch (cp) {
    case '"': fputs ("\\\"", fp); break;
    case '\\': fputs ("\\\\", fp); break;
    case '\b': fputs ("\\b", fp); break;
    case '\f': fputs ("\\f", fp); break;
    case '\n': fputs ("\\n", fp); break;
    case '\r': fputs ("\\r", fp); break;
    case '\t': fputs ("\\t", fp); break;
    default:
      if (cp < 0x20 || cp == 0x7f)
        fprintf (fp, "\\u%04" PRIx32, cp);
      else
        fwrite (u + i, 1, len, fp);
    }
    i += len;
  }
  fputc ('"', fp);
}

/* Format n bytes as "1.5 GiB" (or "" below 1 KiB) into buf. */
static const char *
human_size (uint64_t n, char *buf, size_t len)
{
  static const char units[][4] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  double d = n;
  int i = -1;

  if (n < 1024) {
    buf[0] = '\0';
    return buf;
  }
  while (d >= 1024 && i < 5) {
    d /= 1024;
    i++;
  }
  snprintf (buf, len, " (%.1f %s)", d, units[i]);
  return buf;
}

/* Print the fingerprint in hex. */
static void
print_fingerprint (FILE *fp, const struct wv_map *map)
{
  size_t i;

  for (i = 0; i < WV_MAP_FINGERPRINT_LEN; ++i)
    fprintf (fp, "%02x", map->fingerprint[i]);
}

/* The text form of wv_map_dump. */
static void
dump_text (const struct wv_map *map, FILE *fp)
{
  uint64_t patched = wv_map_bytes (map);
  uint64_t last = 0;
  const char *s;
  char hs[32];
  int width;
  size_t i;

  fprintf (fp, "winvirtio block map\n");
  fprintf (fp, "virtual size:  %" PRIu64 " bytes%s\n", map->virtual_size,
           human_size (map->virtual_size, hs, sizeof hs));
  fprintf (fp, "extents:       %zu\n", map->nr_extents);
  fprintf (fp, "patched bytes: %" PRIu64 "%s\n", patched,
           human_size (patched, hs, sizeof hs));
  fprintf (fp, "planner read:  %" PRIu64 " bytes in %zu ranges\n",
           wv_rangeset_bytes (&map->read_set), map->read_set.len);
  fprintf (fp, "fingerprint:   ");
  print_fingerprint (fp, map);
  fprintf (fp, "\n");
  fprintf (fp, "zero ranges:   %zu (free space served as zeroes: %" PRIu64
           " bytes%s)\n", map->zeros.len, wv_rangeset_bytes (&map->zeros),
           human_size (wv_rangeset_bytes (&map->zeros), hs, sizeof hs));

  if (map->summary == NULL || map->summary[0] == '\0')
    fprintf (fp, "summary:       (none)\n");
  else {
    fprintf (fp, "summary:\n");
    for (s = map->summary; *s; ) {
      const char *nl = strchr (s, '\n');
      size_t len = nl ? (size_t) (nl - s) : strlen (s);

      fprintf (fp, "    ");
      print_text (fp, s, len);
      fprintf (fp, "\n");
      s += len + (nl != NULL);
    }
  }

  /* One extent a line: decimal offset (right-aligned), hex offset,
   * length, label.
   */
  if (map->nr_extents > 0)
    last = map->extents[map->nr_extents - 1].offset;
  width = snprintf (NULL, 0, "%" PRIu64, last);
  fprintf (fp, "\n");
  if (map->nr_extents == 0)
    fprintf (fp, "no extents: the source needs no changes\n");
  else
    fprintf (fp, "# offset, offset in hex, length, label\n");
  for (i = 0; i < map->nr_extents; ++i) {
    const struct wv_extent *e = &map->extents[i];

    fprintf (fp, "%*" PRIu64 " 0x%016" PRIx64 " %" PRIu32 " ",
             width, e->offset, e->offset, e->length);
    print_text (fp, e->label, strnlen (e->label, WV_MAP_LABEL_MAX));
    fprintf (fp, "\n");
  }
}

/* The JSON form of wv_map_dump. */
static void
dump_json (const struct wv_map *map, FILE *fp)
{
  size_t i;

  fprintf (fp, "{\n");
  fprintf (fp, "  \"virtual_size\": %" PRIu64 ",\n", map->virtual_size);
  fprintf (fp, "  \"fingerprint\": \"");
  print_fingerprint (fp, map);
  fprintf (fp, "\",\n");
  fprintf (fp, "  \"patched_bytes\": %" PRIu64 ",\n", wv_map_bytes (map));
  fprintf (fp, "  \"read_bytes\": %" PRIu64 ",\n",
           wv_rangeset_bytes (&map->read_set));
  fprintf (fp, "  \"read_ranges\": %zu,\n", map->read_set.len);
  fprintf (fp, "  \"zero_ranges\": %zu,\n", map->zeros.len);
  fprintf (fp, "  \"zero_bytes\": %" PRIu64 ",\n",
           wv_rangeset_bytes (&map->zeros));
  fprintf (fp, "  \"summary\": ");
  print_json_string (fp, map->summary);
  fprintf (fp, ",\n");
  fprintf (fp, "  \"extents\": [");
  for (i = 0; i < map->nr_extents; ++i) {
    const struct wv_extent *e = &map->extents[i];
    char label[WV_MAP_LABEL_MAX];

    /* Copy, so that a label without a NUL cannot overrun. */
    memcpy (label, e->label, sizeof label);
    label[sizeof label - 1] = '\0';
    fprintf (fp, "%s\n    { \"offset\": %" PRIu64 ", \"length\": %" PRIu32
             ", \"label\": ", i > 0 ? "," : "", e->offset, e->length);
    print_json_string (fp, label);
    fprintf (fp, " }");
  }
  fprintf (fp, "%s]\n}\n", map->nr_extents > 0 ? "\n  " : "");
}

/* Print the map as text or JSON. */
int
wv_map_dump (const struct wv_map *map, FILE *fp, bool json)
{
  if (json)
    dump_json (map, fp);
  else
    dump_text (map, fp);
  if (fflush (fp) == EOF || ferror (fp)) {
    wv_error ("writing the block map dump: %m");
    return -1;
  }
  return 0;
}
