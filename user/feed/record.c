// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The feed formats by name, and a record in the one asked for. On top of
 * the formats (record_jsonl.c, record_csv.c, record_intelmq.c), which share
 * what they say alike through record_fields.c below them.
 */
#include <string.h>
#include "feed/record.h"

const struct keyword record_formats[] = {
	{ "jsonl", FORMAT_JSONL },
	{ "shadowserver-csv", FORMAT_SHADOWSERVER_CSV },
	{ "shadowserver-http-csv", FORMAT_SHADOWSERVER_HTTP_CSV },
	{ "intelmq", FORMAT_INTELMQ },
	{ NULL, 0 },
};

int record_format_parse(const char *text, enum record_format *out)
{
	int v;

	if (keyword_parse(record_formats, text, &v))
		return -1;
	*out = (enum record_format)v;
	return 0;
}

const char *record_format_name(enum record_format f)
{
	if (f == FORMAT_COUNTS)
		return "counts";
	return keyword_name(record_formats, (int)f, "unknown");
}

const char *record_format_header(enum record_format f)
{
	switch (f) {
	case FORMAT_SHADOWSERVER_CSV:
		return SHADOWSERVER_CSV_HEADER;
	case FORMAT_SHADOWSERVER_HTTP_CSV:
		return SHADOWSERVER_HTTP_CSV_HEADER;
	default:
		return NULL;
	}
}

void record_format(enum record_format f, const struct feed_record *r, struct strbuf *sb)
{
	switch (f) {
	case FORMAT_SHADOWSERVER_CSV:
		record_to_shadowserver_csv(r, sb);
		break;
	case FORMAT_SHADOWSERVER_HTTP_CSV:
		record_to_shadowserver_http_csv(r, sb);
		break;
	case FORMAT_INTELMQ:
		record_to_intelmq(r, sb);
		break;
	case FORMAT_COUNTS:
		record_to_counts(r, sb);
		break;
	default:
		record_to_json(r, sb);
		break;
	}
}
