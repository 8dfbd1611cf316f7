# Paired comparison over seeds: lines "LABEL A B" (one a seed, the two
# systems' figures from the same seed) -> the means, the mean of A - B
# with twice its standard error (the s.d. of the differences, n - 1, over
# sqrt(n)) and how many A are above, level with and below B.
#   awk -f bench/paired.awk pairs.txt
# bench/tower.sh's header gives the recipe for its summaries.
NF >= 3 { n++; a += $2; b += $3; d[n] = $2 - $3; s += d[n]
	up += $2 > $3; eq += $2 == $3 }
END {
	if (n == 0) { print "paired.awk: no pairs" > "/dev/stderr"; exit 1 }
	m = s / n
	for (i = 1; i <= n; i++) v += (d[i] - m) ^ 2
	se = n > 1 ? sqrt(v / (n - 1) / n) : 0
	printf "n %d: means %.4f vs %.4f; A - B %+.4f +- %.4f (2 s.e.); above %d, level %d, below %d\n",
		n, a / n, b / n, m, 2 * se, up, eq, n - up - eq
}
