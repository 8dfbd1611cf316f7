/* libFuzzer harness for ig-ingest's raw-record parsing: the CSV/TSV field
 * splitter (with a round-trip check: CSV fields quoted again must split
 * back to the same fields), ISO-8601 / Unix timestamps, value rules, and
 * whole ig-ingest runs over the input with --skip-bad (which must never
 * exit: every bad record goes to the rejects, and read = written +
 * rejected + duplicates). Build with `make fuzz`; a seed corpus:
 *
 *   mkdir -p /tmp/fuzz-corpus
 *   for f in testdata/ingest/[a-z]*; do
 *       for m in 1 3 68 128 132 137; do
 *           printf "\\$(printf %o $m)" | cat - "$f" >/tmp/fuzz-corpus/$m.${f##*[/]}
 *       done
 *   done
 *   build-fuzz/fuzz_ingest -max_total_time=300 -max_len=4096 /tmp/fuzz-corpus
 *
 * The first byte of an input picks the mode; the rest is the data. In a
 * whole run (a first byte of 128 or more), bit 4 of it reads the text as
 * latin-1 (--encoding latin1) and bit 5 as JSON lines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/ig_csv.h"
#include "core/ig_err.h"
#include "io/ig_events.h"
#include "ingest/ig_ingest.h"
#include "ingest/ig_ingest_rules.h"
#include "core/ig_time.h"
#include "io/ig_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const seps[] = {"\t", ",", "::", ";", "|"};

/* Quotes FIELD the RFC 4180 way into OUT; returns the length. */
static size_t quote_field(const char *f, size_t n, char *out)
{
	size_t o = 0, i;

	out[o++] = '"';
	for (i = 0; i < n; i++) {
		if (f[i] == '"')
			out[o++] = '"';
		out[o++] = f[i];
	}
	out[o++] = '"';
	return o;
}

static void fuzz_split(int quoted, const char *sep, const uint8_t *data, size_t size)
{
	ig_csv c, back;
	char *rec = malloc(size + 1), *again;
	size_t total = 0, o = 0;
	int rc, i;

	if (ig_csv_init(&c, quoted, sep) != 0) {
		free(rec);
		return;
	}
	memcpy(rec, data, size);
	rec[size] = '\0';
	rc = ig_csv_split(&c, rec, size);
	if (rc == IG_CSV_BAD && (c.err == NULL || c.err_field < 1))
		abort();
	if (rc != IG_CSV_OK) {
		ig_csv_free(&c);
		free(rec);
		return;
	}
	if (c.nfields < 1)
		abort();
	for (i = 0; i < c.nfields; i++) {
		if (c.field[i][c.len[i]] != '\0')
			abort();
		total += c.len[i];
	}
	if (!quoted) {
		/* Fields and separators make up the record exactly. */
		if (total + (size_t)(c.nfields - 1) * c.seplen != size)
			abort();
		ig_csv_free(&c);
		free(rec);
		return;
	}
	/* Quote every field again; the split must give the same fields. */
	again = malloc(2 * total + 3 * (size_t)c.nfields + 1);
	for (i = 0; i < c.nfields; i++) {
		if (i > 0)
			again[o++] = sep[0];
		o += quote_field(c.field[i], c.len[i], again + o);
	}
	again[o] = '\0';
	ig_csv_init(&back, 1, sep);
	if (ig_csv_split(&back, again, o) != IG_CSV_OK || back.nfields != c.nfields)
		abort();
	for (i = 0; i < c.nfields; i++)
		if (back.len[i] != c.len[i] || memcmp(back.field[i], c.field[i], c.len[i]) != 0)
			abort();
	ig_csv_free(&back);
	ig_csv_free(&c);
	free(again);
	free(rec);
}

static void fuzz_time(const uint8_t *data, size_t size)
{
	int64_t t = 0, back = 0;
	char buf[64];
	int fmt;

	for (fmt = IG_TIME_AUTO; fmt <= IG_TIME_ISO8601; fmt++)
		if (ig_time_parse((const char *)data, size, fmt, INT64_MIN / 4, INT64_MAX / 4, &t, NULL) == 0 &&
		    t >= 0 && t <= INT64_C(4102444800)) {
			/* A parsed time prints and parses back to itself. */
			ig_time_format_iso8601(t, buf, sizeof buf);
			if (ig_time_parse_iso8601(buf, strlen(buf), &back, NULL) != 0 || back != t)
				abort();
		}
}

static void fuzz_rules(const uint8_t *data, size_t size)
{
	static const char *const samples[] = {"4", "2.5", "click", "", "-1e3", "x"};
	char *spec = malloc(size + 1), err[256];
	ig_rules rs;
	size_t i;

	memcpy(spec, data, size);
	spec[size] = '\0';
	memset(&rs, 0, sizeof rs);
	if (ig_rules_parse(&rs, spec, ig_event_parse, err, sizeof err) == 0)
		for (i = 0; i < sizeof samples / sizeof samples[0]; i++) {
			int t = ig_rules_match(&rs, samples[i], strlen(samples[i]));
			if (t < -1 || t >= IG_EV_COUNT)
				abort();
		}
	ig_rules_free(&rs);
	free(spec);
}

/* A whole run: raw text -> events with --skip-bad; must not exit. */
static void fuzz_run(int mode, const uint8_t *data, size_t size)
{
	static int devnull_ok;
	ig_ingest_opts o;
	ig_ingest_stats st;
	ig_writer *w;
	ig_ingest *g;
	char path[64];
	int fd;

	/* Input that starts like gzip is read as gzip, and a corrupt or
	 * truncated compressed stream rightly stops the run: --skip-bad
	 * skips bad records, not unreadable input. */
	if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
		return;
	fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ig_ingest_opts_init(&o);
	o.kind = (mode & 15) % 3;
	o.format = mode & 32 ? IG_FORMAT_JSON : mode & 4 ? IG_FORMAT_CSV : IG_FORMAT_TSV;
	o.sep = mode & 4 ? "," : "\t";
	o.rejects = "/dev/null";
	o.memory = 1 << 20;
	o.latin1 = (mode & 16) != 0;
	if (o.format == IG_FORMAT_JSON) {
		/* every column named: a key not there is a bad record */
		o.columns = o.kind == IG_KIND_EVENTS ? "user=u,item=i,ts=t,event=e,value=v"
			    : o.kind == IG_KIND_ITEMS ? "item=i,author=a,media=m,created=c,topics=p"
			    : "user=u,author=a,ts=t";
		o.event_map = o.kind == IG_KIND_EVENTS && mode & 8 ? "click:view" : NULL;
		o.topic_sep = '|';
	} else if (o.kind == IG_KIND_EVENTS) {
		o.columns = "user,item,event,ts,value";
		o.event_map = mode & 8 ? ">=4:like,<2:skip" : "click:view";
	} else if (o.kind == IG_KIND_ITEMS) {
		o.columns = "item,author,media,created,topics";
		o.topic_sep = '|';
	} else {
		o.columns = "user,author,ts";
		o.sharded = mode & 8;
		o.shard_count = 3;
		o.shard_index = 1;
	}
	if (!devnull_ok) {
		ig_set_progname("fuzz_ingest");
		devnull_ok = 1;
	}
	g = ig_ingest_new(&o);
	w = ig_writer_open("/dev/null", IG_COMPRESS_NO, 1);
	ig_ingest_begin(g, w);
	ig_ingest_file(g, path);
	ig_ingest_finish(g, &st);
	if (st.read != st.written + st.rejected + st.duplicates + st.other_shards)
		abort();
	ig_writer_close(w);
	ig_ingest_free(g);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	switch (mode >> 5) {
	case 0:
	case 1:
		fuzz_split(mode & 1, seps[(mode >> 1) % 5], data, size);
		break;
	case 2:
		fuzz_time(data, size);
		break;
	case 3:
		fuzz_rules(data, size);
		break;
	default:
		fuzz_run((int)(mode & 63), data, size);
		break;
	}
	return 0;
}
