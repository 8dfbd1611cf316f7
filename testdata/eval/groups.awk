# Events of 20 users in two taste groups, for the EXAMPLES tests of
# ig-eval(1): user uNN (odd NN: items aK, even: bK) likes 8 of its
# group's 10 items, one a minute, and views the shared item "hub" first.
BEGIN {
	OFS = "\t"
	print "#ig:events/1", "ts", "user", "item", "event", "value"
	for (u = 1; u <= 20; u++) {
		user = sprintf("u%02d", u)
		g = (u % 2) ? "a" : "b"
		ts = 1000000 + u * 1000
		print ts, user, "hub", "view", 3
		for (j = 0; j < 8; j++)
			print ts + 60 * (j + 1), user, g ((u + j) % 10), "like", ""
	}
}
