/* Retrieval sources and the merge on hand-worked data: aggregation over
 * seeds, the seed kept as the reason, the filters, and the weighted mix. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "temp_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "retrieve/ig_retrieve.h"
#include "retrieve/ig_retrieve_priv.h"

/* Items: s1, s2 seen by the user; x by author a1 (topic t1), y by a2
 * (t2), z by a3 (t1), seen items by a9. */
static const char items_tsv[] =
	"#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
	"s1\ta9\tphoto\t10\tt9\n"
	"s2\ta9\tphoto\t10\tt9\n"
	"x\ta1\tphoto\t20\tt1\n"
	"y\ta2\tphoto\t30\tt2\n"
	"z\ta3\tphoto\t40\tt1\n"
	"w\ta3\tphoto\t5000\tt3\n"
	"h\ta2\tphoto\t10\tt2\n";

/* s1 -> s2 0.9 (seen), x 0.5, y 0.4; s2 -> w 1 (made later), x 0.2, z 0.1 */
static const char nbrs_tsv[] =
	"#ig:neighbors/1\titem\tneighbor\tscore\tsupport\n"
	"s1\ts2\t0.9\t1\n"
	"s1\tx\t0.5\t1\n"
	"s1\ty\t0.4\t1\n"
	"s2\tw\t1\t1\n"
	"s2\tx\t0.2\t1\n"
	"s2\tz\t0.1\t1\n";

static ig_rdata *data;
static ig_rev ev[4];
static ig_ruser user;

static int setup(void **state)
{
	char *it = write_temp(items_tsv), *nb = write_temp(nbrs_tsv);
	ig_ropts o;

	(void)state;
	ig_ropts_default(&o);
	data = ig_rdata_new(&o);
	ig_rdata_load_items(data, it);
	ig_rdata_load_neighbors(data, nb, 0);
	unlink(it);
	unlink(nb);
	free(it);
	free(nb);
	/* like s1 (weight 2), share s2 (3), at the request time: no decay */
	ev[0] = (ig_rev){1000, ig_intern_find(data->items, "s1", 2), IG_EV_LIKE};
	ev[1] = (ig_rev){1000, ig_intern_find(data->items, "s2", 2), IG_EV_SHARE};
	user = (ig_ruser){.id = "u", .len = 1, .ev = ev, .nev = 2, .now = 1000};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ig_rdata_free(data);
	return 0;
}

static ig_rspec parse(const char *text)
{
	ig_rspec s;
	char err[512];

	if (ig_rspec_parse(&s, text, "t", err, sizeof err) != 0)
		fail_msg("%s", err);
	return s;
}

static uint32_t id(const char *s)
{
	return ig_intern_find(data->items, s, strlen(s));
}

static void test_cooccur_sums_over_seeds(void **state)
{
	ig_rspec s = parse("profile.cooccur(10)");
	ig_rwork *w = ig_rwork_new();
	ig_rset out = {0};

	(void)state;
	ig_rwork_fit(w, data);
	ig_rsource_run(data, &s.src[0], &user, 100, w, &out);
	/* x = 2 * 0.5 + 3 * 0.2, y = 2 * 0.4, z = 3 * 0.1; s2 is seen and w
	 * made after the request */
	assert_int_equal(out.n, 3);
	assert_int_equal(out.id[0], id("x"));
	assert_float_equal((double)out.score[0], 1.6, 1e-6);
	/* the seed is the one that gave most: s1's 1.0 over s2's 0.6 */
	assert_true(out.seed[0] == (IG_RSEED_ITEM | id("s1")));
	assert_int_equal(out.id[1], id("y"));
	assert_float_equal((double)out.score[1], 0.8, 1e-6);
	assert_int_equal(out.id[2], id("z"));
	assert_true(out.seed[2] == (IG_RSEED_ITEM | id("s2")));
	/* the quota keeps the best */
	ig_rsource_run(data, &s.src[0], &user, 1, w, &out);
	assert_int_equal(out.n, 1);
	ig_rset_free(&out);
	ig_rwork_free(w);
}

static void test_filters(void **state)
{
	ig_rspec s = parse("profile.cooccur(10)");
	ig_rwork *w = ig_rwork_new();
	ig_rset out = {0};
	ig_ruser u = user;
	ig_rev e[4];

	(void)state;
	/* hiding h blocks its author a2 (y); a see_less on z one half-life
	 * ago puts P = 0.25 on a3 and on t1, so z (a3, t1) is divided by 2
	 * and x (a1, t1) by 1.5: 1.6 / 1.5 */
	memcpy(e, ev, 2 * sizeof *e);
	e[2] = (ig_rev){1000, id("h"), IG_EV_HIDE};
	e[3] = (ig_rev){1000 - 172800, id("z"), IG_EV_SEE_LESS};
	/* keep time order */
	e[0].ts = e[1].ts = e[2].ts = 1000;
	{
		ig_rev t = e[3];

		memmove(e + 1, e, 3 * sizeof *e);
		e[0] = t;
	}
	u.ev = e;
	u.nev = 4;
	ig_rwork_fit(w, data);
	ig_rsource_run(data, &s.src[0], &u, 100, w, &out);
	/* z is seen now (see_less is an event), y's author hidden */
	assert_int_equal(out.n, 1);
	assert_int_equal(out.id[0], id("x"));
	assert_float_equal((double)out.score[0], 1.0666667, 1e-6);
	ig_rset_free(&out);
	ig_rwork_free(w);
}

static void test_recent_weights(void **state)
{
	ig_rspec s = parse("recent(like, share; n=2).cooccur(2)");
	ig_rwork *w = ig_rwork_new();
	ig_rset out = {0};

	(void)state;
	ig_rwork_fit(w, data);
	ig_rsource_run(data, &s.src[0], &user, 100, w, &out);
	/* newest s2 (share 3) whole, s1 (like 2) at rank 1 of n=2: halved;
	 * each seed's first two neighbours, of which only x passes the filters:
	 * 3 * 0.2 + 1 * 0.5 */
	assert_int_equal(out.n, 1);
	assert_int_equal(out.id[0], id("x"));
	assert_float_equal((double)out.score[0], 1.1, 1e-6);
	ig_rset_free(&out);
	ig_rwork_free(w);
}

static void test_merge(void **state)
{
	ig_rspec s = parse("a: profile.cooccur(10) weight=2\nb: profile.cooccur(2) weight=1\ntotal=2\nmix=score");
	ig_rwork *w = ig_rwork_new();
	ig_rlist l = {0};
	float *row;

	(void)state;
	ig_rwork_fit(w, data);
	ig_retrieve_user(data, &s, s.total, &user, w, &l);
	/* a: x 1.6, y 0.8, z 0.3 (scaled by 1.6); b: x 1.6 only (of the
	 * first two neighbours, only x passes the filters). x = 2 * 1 + 1 * 1, y = 2 * 0.5 */
	assert_int_equal(l.n, 2);
	assert_int_equal(l.c[0].item, id("x"));
	assert_float_equal((double)l.c[0].score, 3, 1e-6);
	assert_int_equal(l.c[0].sources, 3);
	assert_int_equal(l.c[0].reason, 0);
	row = l.scores + (size_t)l.c[0].row * l.nsrc;
	assert_float_equal((double)row[0], 1.6, 1e-6);
	assert_float_equal((double)row[1], 1.6, 1e-6);
	assert_int_equal(l.c[1].item, id("y"));
	assert_float_equal((double)l.c[1].score, 1, 1e-6);
	assert_int_equal(l.c[1].sources, 1);
	assert_true(isnan(l.scores[(size_t)l.c[1].row * l.nsrc + 1]));
	ig_rlist_free(&l);
	ig_rwork_free(w);
}

/* By rank, the same lists: x first in both, y second in a alone. */
static void test_merge_rank(void **state)
{
	ig_rspec s = parse("a: profile.cooccur(10) weight=2\nb: profile.cooccur(2) weight=1\ntotal=3");
	ig_rwork *w = ig_rwork_new();
	ig_rlist l = {0};

	(void)state;
	assert_int_equal(s.mix, IG_RMIX_RANK);
	ig_rwork_fit(w, data);
	ig_retrieve_user(data, &s, s.total, &user, w, &l);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.c[0].item, id("x"));
	assert_float_equal((double)l.c[0].score, 3, 1e-6);
	assert_int_equal(l.c[1].item, id("y"));
	/* 0.5 / 1.6 of x's score by score, 60 / 61 by rank */
	assert_float_equal((double)l.c[1].score, 1.9672131, 1e-6);
	assert_int_equal(l.c[2].item, id("z"));
	assert_float_equal((double)l.c[2].score, 1.9354839, 1e-6);
	ig_rlist_free(&l);
	ig_rwork_free(w);
}

static void test_mix_scale(void **state)
{
	(void)state;
	assert_float_equal((double)ig_rmix_scale(IG_RMIX_SCORE, 7, 0.5f, 2), 0.25, 1e-7);
	assert_float_equal((double)ig_rmix_scale(IG_RMIX_RANK, 0, 0.5f, 2), 1, 1e-7);
	assert_float_equal((double)ig_rmix_scale(IG_RMIX_RANK, 60, 0.5f, 2), 0.5, 1e-7);
}

/* The partial selection keeps what a full sort would, in its order. */
static void test_rset_top_selects(void **state)
{
	static const uint32_t sizes[][2] = {{1000, 37}, {1000, 5}, {1000, 999}, {10, 3}, {40, 17}, {300, 0}};
	size_t c;
	uint32_t i;

	(void)state;
	srand(7);
	for (c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
		ig_rset a = {0}, b = {0};

		for (i = 0; i < sizes[c][0]; i++) {
			/* few distinct scores: ties fall to the lower id */
			float x = (float)(rand() % 50);

			ig_rset_push(&a, i, x, i);
			ig_rset_push(&b, i, x, i);
		}
		ig_rset_top(&a, sizes[c][1]);
		ig_rset_top(&b, 0);
		assert_int_equal(a.n, sizes[c][1] ? sizes[c][1] : sizes[c][0]);
		for (i = 0; i < a.n; i++) {
			assert_int_equal(a.id[i], b.id[i]);
			assert_true(a.score[i] == b.score[i]);
			assert_true(a.seed[i] == a.id[i]);
		}
		ig_rset_free(&a);
		ig_rset_free(&b);
	}
}

/* The items' ranks, which break the merged list's ties, are their
 * bytewise order: ids of one 8-byte prefix, prefixes of one another,
 * bytes above 0x7f. */
static void test_rank_items(void **state)
{
	static const char *ids[] = {"item0000b", "b", "item0000a", "item0000", "\xc3\xa9t\xc3\xa9", "a", "ab",
				    "item00001", "Z", "item0000ab", "10", "9", "zz\xc3\xa9"};
	size_t n = sizeof ids / sizeof *ids, i, j;
	ig_ropts o;
	ig_rdata *d;

	(void)state;
	ig_ropts_default(&o);
	d = ig_rdata_new(&o);
	for (i = 0; i < n; i++)
		assert_int_equal(ig_intern_add(d->items, ids[i], strlen(ids[i])), i);
	ig_rdata_rank_items(d);
	assert_int_equal(d->nitem_rank, n);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (i != j)
				assert_int_equal(d->item_rank[i] < d->item_rank[j], strcmp(ids[i], ids[j]) < 0);
	ig_rdata_free(d);
}

/* ig_rdot4 gives each row's ig_rdot bit for bit (the nearest cluster
 * depends on it): random vectors of every dimension about the 8-wide
 * step, with their tails. */
static void test_rdot4_bits(void **state)
{
	float a[70], b[4][70], got[4];
	uint32_t dim, r, j, i;

	(void)state;
	srand(11);
	for (r = 0; r < 20; r++)
		for (dim = 0; dim <= 67; dim++) {
			for (i = 0; i < dim; i++) {
				a[i] = (float)rand() / (float)RAND_MAX * 2 - 1;
				for (j = 0; j < 4; j++)
					b[j][i] = ((float)rand() / (float)RAND_MAX * 2 - 1) * (float)(1 + (rand() % 1000));
			}
			ig_rdot4(a, b[0], b[1], b[2], b[3], dim, got);
			for (j = 0; j < 4; j++) {
				float want = ig_rdot(a, b[j], dim);

				assert_memory_equal(&got[j], &want, sizeof want);
			}
		}
}

/* knn's lists kept by the cache are those of a new search. */
static void test_knn_cache(void **state)
{
	static const char vec[] = "7 3\ns1 1 0 0\ns2 0.9 0.1 0\nx 0.8 0.3 0\ny 0 1 0\nz 0.7 0 0.7\nw 0 0 1\nh 0.1 0.9 0.2\n";
	char *vp = write_temp(vec);
	ig_rspec s = parse("profile.knn(3)");
	ig_rwork *w = ig_rwork_new();
	ig_rset plain = {0}, cached = {0};
	int round;
	uint32_t i;

	(void)state;
	ig_rdata_load_vectors(data, vp, 0);
	unlink(vp);
	free(vp);
	ig_rwork_fit(w, data);
	ig_rsource_run(data, &s.src[0], &user, 100, w, &plain);
	assert_true(plain.n >= 2);
	ig_rdata_cache_knn(data, 3);
	/* the first round fills the lists, the second reads them */
	for (round = 0; round < 2; round++) {
		ig_rsource_run(data, &s.src[0], &user, 100, w, &cached);
		assert_int_equal(cached.n, plain.n);
		for (i = 0; i < plain.n; i++) {
			assert_int_equal(cached.id[i], plain.id[i]);
			assert_true(cached.score[i] == plain.score[i]);
			assert_true(cached.seed[i] == plain.seed[i]);
		}
	}
	ig_rset_free(&plain);
	ig_rset_free(&cached);
	ig_rwork_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cooccur_sums_over_seeds),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_recent_weights),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_rank),
		cmocka_unit_test(test_mix_scale),
		cmocka_unit_test(test_rset_top_selects),
		cmocka_unit_test(test_knn_cache),
		cmocka_unit_test(test_rank_items),
		cmocka_unit_test(test_rdot4_bits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
