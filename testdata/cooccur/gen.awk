# A small planted-topic events stream for the ig-cooccur tests:
# USERS users, each with N engagements, 70% in the user's topic.
# awk -v users=300 -v n=40 -v items=400 -v topics=8 -v seed=1 -f gen.awk
BEGIN {
	srand(seed)
	ev[0] = "view"; ev[1] = "like"; ev[2] = "share"; ev[3] = "impression"
	per = int(items / topics)
	print "#ig:events/1\tts\tuser\titem\tevent\tvalue"
	for (u = 0; u < users; u++) {
		topic = int(rand() * topics)
		ts = 1000
		for (k = 0; k < n; k++) {
			t = rand() < 0.7 ? topic : int(rand() * topics)
			ts += int(rand() * 1200)
			printf "%d\tu%04d\ti%04d\t%s\t\n", ts, u, t * per + int(rand() * per), ev[int(rand() * 4)]
		}
	}
}
