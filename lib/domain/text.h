/* winvirtio: writing strings into XML, JSON, YAML and shell words
 * (text.c), for the VM definition's writers.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_DOMAIN_TEXT_H
#define WINVIRTIO_DOMAIN_TEXT_H

#include <stdio.h>

/* s with & < > ' " escaped, for an XML attribute or text. */
extern void wv_text_xml (FILE *fp, const char *s);
/* s as a JSON string, quotes included (also a YAML flow scalar). */
extern void wv_text_json (FILE *fp, const char *s);
/* s as one POSIX shell word. */
extern void wv_text_shell (FILE *fp, const char *s);
/* A Kubernetes name (RFC 1123 label: a-z 0-9 -, at most 63) made
 * from s into buf[64]; "vm" if nothing is left.
 */
extern void wv_text_k8s_name (const char *s, char buf[64]);

#endif /* WINVIRTIO_DOMAIN_TEXT_H */
