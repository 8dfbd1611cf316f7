/* Bench driver: parses every event of FILE with ig_events_next (fields,
 * numbers, ids, the sort check) and does nothing else: the floor of any
 * tool that reads an events stream. */
#include <stdio.h>

#include "core/ig_err.h"
#include "io/ig_events.h"

int main(int argc, char **argv)
{
	ig_events_reader *er;
	ig_event ev;
	unsigned long long n = 0, views = 0;

	ig_set_progname(argv[0]);
	if (argc != 2) {
		fprintf(stderr, "usage: insights_read EVENTS\n");
		return 2;
	}
	er = ig_events_open(argv[1]);
	while (ig_events_next(er, &ev)) {
		n++;
		views += ev.type == IG_EV_VIEW;
	}
	ig_events_close(er);
	printf("%llu events, %llu views\n", n, views);
	return 0;
}
