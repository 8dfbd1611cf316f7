/* The pass over the events (lib/retrieve/ig_retrieve_data.c): the user
 * clusters fitted on the first users during the pass, every user counted
 * once in its cluster, and no events at all. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "temp_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "retrieve/ig_retrieve.h"

/* Items a1..a3 point one way, b1..b3 the other. */
static const char vectors_txt[] = "6 2\na1 1 0\na2 0.9 0.1\na3 1 0.05\nb1 0 1\nb2 0.1 0.9\nb3 0.05 1\n";

#define USERS 9

/* Users alternate between the a items and the b items; each likes two
 * and views a third, so that every user has a vector. */
static char *events_file(void)
{
	char *text = malloc(8192), *path;
	size_t len = 0;
	int u;

	len += (size_t)snprintf(text + len, 8192 - len, "#ig:events/1\tts\tuser\titem\tevent\tvalue\n");
	for (u = 0; u < USERS; u++) {
		char g = u % 2 ? 'b' : 'a';

		len += (size_t)snprintf(text + len, 8192 - len,
					"%d\tu%02d\t%c%d\tlike\t\n%d\tu%02d\t%c%d\tlike\t\n%d\tu%02d\t%c3\tview\t\n",
					100 + u, u, g, 1 + u % 2, 101 + u, u, g, 2 - u % 2, 102 + u, u, g);
	}
	path = write_temp(text);
	free(text);
	return path;
}

static ig_rdata *popularity(uint32_t sample)
{
	char *ev = events_file(), *vec = write_temp(vectors_txt);
	ig_ropts o;
	ig_rdata *d;

	ig_ropts_default(&o);
	o.clusters = 2;
	o.cluster_sample = sample;
	d = ig_rdata_new(&o);
	ig_rdata_load_vectors(d, vec, 0);
	ig_rdata_popularity(d, ev, 1);
	unlink(ev);
	unlink(vec);
	free(ev);
	free(vec);
	return d;
}

/* The cluster of item NAME's row in pop_cluster, its score in *SCORE;
 * fails if it is in more than one. */
static uint32_t cluster_holding(const ig_rdata *d, const char *name, float *score)
{
	uint32_t it = ig_intern_find(d->items, name, strlen(name)), c, k, found = UINT32_MAX;

	assert_int_not_equal(it, IG_INTERN_NONE);
	for (c = 0; c < d->pop_cluster.nrows; c++)
		for (k = d->pop_cluster.start[c]; k < d->pop_cluster.start[c + 1]; k++)
			if (d->pop_cluster.id[k] == it) {
				assert_int_equal(found, UINT32_MAX);
				found = c;
				*score = d->pop_cluster.score[k];
			}
	assert_int_not_equal(found, UINT32_MAX);
	return found;
}

/* Each a item is liked by 5 users (weight 2 each) or viewed by 5 (1):
 * all in one cluster, the b items in the other; no user is lost, whether
 * the clusters are fitted after 4 users (mid-pass) or after all 9. */
static void test_clusters_count_every_user(void **state)
{
	uint32_t samples[2] = {4, 100}, s;

	(void)state;
	for (s = 0; s < 2; s++) {
		ig_rdata *d = popularity(samples[s]);
		float sa1, sa2, sa3, sb1, sb2, sb3;
		uint32_t ca = cluster_holding(d, "a1", &sa1), cb = cluster_holding(d, "b1", &sb1);

		assert_int_equal(d->nclusters, 2);
		assert_int_not_equal(ca, cb);
		assert_int_equal(cluster_holding(d, "a2", &sa2), ca);
		assert_int_equal(cluster_holding(d, "a3", &sa3), ca);
		assert_int_equal(cluster_holding(d, "b2", &sb2), cb);
		assert_int_equal(cluster_holding(d, "b3", &sb3), cb);
		/* users 0, 2, 4, 6, 8 (a) each like a1 and a2; 1, 3, 5, 7 (b) b1, b2 */
		assert_true(sa1 == 10 && sa2 == 10 && sa3 == 5);
		assert_true(sb1 == 8 && sb2 == 8 && sb3 == 4);
		assert_int_equal(d->pop_cluster.start[2], 6);
		ig_rdata_free(d);
	}
}

/* A catalog and an events stream with no line: no popularity, no crash. */
static void test_no_events(void **state)
{
	char *ev = write_temp("#ig:events/1\tts\tuser\titem\tevent\tvalue\n");
	char *it = write_temp("#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\nx\ta1\tphoto\t20\tt1\n"
			      "y\ta2\tphoto\t30\tt2\n");
	ig_ropts o;
	ig_rdata *d;

	(void)state;
	ig_ropts_default(&o);
	d = ig_rdata_new(&o);
	ig_rdata_load_items(d, it);
	ig_rdata_popularity(d, ev, 0);
	assert_int_equal(d->npop, 2);
	assert_true(d->pop[0] == 0 && d->pop[1] == 0);
	assert_int_equal(d->pop_global.start[1], 0);
	assert_int_equal(d->pop_topic.start[d->pop_topic.nrows], 0);
	ig_rdata_free(d);
	unlink(ev);
	unlink(it);
	free(ev);
	free(it);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clusters_count_every_user),
		cmocka_unit_test(test_no_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
