#!/bin/sh
# An items stream for MovieLens 100K from its u.item: the release date as
# created (dates before 1970 as 0), the genres as topics (g0..g18 in the
# order of u.genre); every movie has the same author and media, so the
# author and media features say nothing there.
#
#   sh bench/ml100k_items.sh U.ITEM > items.tsv
set -eu
TZ=UTC
export TZ
iconv -f latin1 -t utf-8 "$1" | awk -F'|' '
BEGIN {
	split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", m, " ")
	for (i = 1; i <= 12; i++)
		mon[m[i]] = i
	OFS = "\t"
	print "#ig:items/1", "item", "author", "media", "created", "topics"
}
{
	c = ""
	if (split($3, d, "-") == 3) {
		c = mktime(d[3] " " mon[d[2]] " " d[1] " 00 00 00")
		if (c < 0)
			c = 0
	}
	t = ""
	for (g = 6; g <= 24; g++)
		if ($g == 1)
			t = t (t == "" ? "" : ",") "g" (g - 6)
	print $1, "movielens", "video", c, t
}'
