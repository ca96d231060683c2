/* winvirtio: writing strings into XML, JSON, YAML and shell words.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <string.h>
#include <ctype.h>

#include "domain/text.h"

void
wv_text_xml (FILE *fp, const char *s)
{
  for (; *s; ++s) {
    unsigned char c = *s;

    switch (c) {
    case '&': fputs ("&amp;", fp); break;
    case '<': fputs ("&lt;", fp); break;
    case '>': fputs ("&gt;", fp); break;
    case '\'': fputs ("&apos;", fp); break;
    case '"': fputs ("&quot;", fp); break;
    default:
      /* XML 1.0 has no control characters but tab, LF, CR. */
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        fputc ('?', fp);
      else
        fputc (c, fp);
    }
  }
}

void
wv_text_json (FILE *fp, const char *s)
{
  fputc ('"', fp);
  for (; *s; ++s) {
    unsigned char c = *s;

    if (c == '"' || c == '\\')
      fprintf (fp, "\\%c", c);
    else if (c < 0x20 || c == 0x7f)
      fprintf (fp, "\\u%04x", c);
    else
      fputc (c, fp);
  }
  fputc ('"', fp);
}

void
wv_text_shell (FILE *fp, const char *s)
{
  fputc ('\'', fp);
  for (; *s; ++s) {
    if (*s == '\'')
      fputs ("'\\''", fp);
    else
      fputc (*s, fp);
  }
  fputc ('\'', fp);
}

void
wv_text_k8s_name (const char *s, char buf[64])
{
  size_t n = 0;

  for (; *s && n < 63; ++s) {
    unsigned char c = tolower ((unsigned char) *s);

    if (isalnum (c) && c < 0x80)
      buf[n++] = c;
    else if (n > 0 && buf[n - 1] != '-')
      buf[n++] = '-';
  }
  while (n > 0 && buf[n - 1] == '-')
    n--;
  buf[n] = '\0';
  if (n == 0)
    strcpy (buf, "vm");
}
