/* Bench driver: reads every line of FILE through ig_reader and splits it
 * at tabs, as every tool does; prints the line and field counts. */
#include <stdio.h>

#include "core/ig_err.h"
#include "io/ig_reader.h"
#include "io/ig_tsv.h"

int main(int argc, char **argv)
{
	ig_reader *r;
	char *line, *f[64];
	unsigned long long lines = 0, fields = 0;

	ig_set_progname(argv[0]);
	if (argc != 2) {
		fprintf(stderr, "usage: readlines FILE\n");
		return 2;
	}
	r = ig_reader_open(argv[1]);
	while (ig_reader_getline(r, &line) >= 0) {
		lines++;
		fields += (unsigned long long)ig_split_tabs(line, f, 64);
	}
	ig_reader_close(r);
	printf("%llu lines, %llu fields\n", lines, fields);
	return 0;
}
