/*
 * output.h - the headless formats: plain text, JSON lines, OpenMetrics.
 *
 * Each prints one refresh of a view.  The formats are documented in
 * slabtop(1); JSON carries "schema_version" and only ever gains fields.
 */
#ifndef SLABTOP_OUTPUT_H
#define SLABTOP_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include "model.h"
#include "slab_shm_format.h"     /* the counter tables */

#define ST_JSON_SCHEMA_VERSION 2

void st_output_text(FILE *out, st_view *v, st_sort sort, bool reverse);
void st_output_json(FILE *out, st_view *v, st_sort sort, bool reverse);
void st_output_openmetrics(FILE *out, const st_view *v);

/* JSON string with quotes, escaped per RFC 8259 (control characters as
 * \u00XX, invalid UTF-8 bytes replaced by U+FFFD). */
void st_json_string(FILE *out, const char *s);
/* An OpenMetrics/Prometheus label value, without the quotes: escaped as
 * the text outputs are (esc.h), then backslash and quote escaped. */
void st_om_label_value(FILE *out, const char *raw);
/* A JSON number, or null when v is not finite. */
void st_json_number(FILE *out, double v);

/* Words of the sampling mode and verdict, for every output. */
const char *st_mode_name(uint32_t mode);

#endif /* SLABTOP_OUTPUT_H */
