#!/bin/sh
# ig-funnel: the whole funnel as one command. Trains every model on
# TRAIN_EVENTS and writes the feed of every user of USERS_EVENTS to
# OUT/feed.tsv.gz. Each step is one ig-* command, echoed with -v, so the
# recipe can be copied and changed step by step (ig-funnel(1)).
# 'ig-funnel tune' searches the second stage's value weights and
# ig-diversify's knobs on a validation cut of TRAIN_EVENTS.
# Every path is passed quoted, as one argument: a blank in one is no
# matter. -f: no pathname expansion of the words of --diversify, which
# are split at blanks on purpose (a path like 'a[1].gz' was once replaced
# by a file 'a1.gz').
set -euf
prog=ig-funnel

usage() {
	cat <<'EOF'
Usage: ig-funnel [options] TRAIN_EVENTS USERS_EVENTS OUT
       ig-funnel tune [options] TRAIN_EVENTS OUT
Trains item neighbours, embeddings, an index and both ranking stages on
TRAIN_EVENTS, then retrieves, ranks and diversifies a feed for every user of
USERS_EVENTS (a stream with a user column, or a file of user ids; '-':
standard input) into OUT/feed.tsv.gz, with the ranking models and
OUT/summary.tsv, the funnel: items per user, time, peak memory and OUT's
peak disk use of each stage. Retrieval and the ranking stages run as one
pipe, and every other intermediate file is removed once no step needs it.
Side inputs (the sources and features that need one are skipped without it):
      --items FILE       items stream (authors, media, topics, created)
      --follows FILE     follows stream
      --topics FILE      topics stream (the knowledge graph)
Funnel:
      --positives LIST   event types that count as interest
                         [view,like,comment,share,save,follow]
  -n, --length N         feed length [25]
      --candidates N     candidates per user [500]
      --keep1 N          kept by the first ranking stage; 0: all [150]
      --keep2 N          kept by the second ranking stage; 0: all [50]
      --window X%        each user's last X% of TRAIN_EVENTS: the ranking
                         examples (impressions, or candidates' labels) [20%;
                         the last event when X% rounds to none for all]
      --value SPEC       value model, HEAD=WEIGHT,... [with impressions
                         like=1,comment=1,share=1,save=1, else any=1]
      --value2 SPEC      the second stage's value model [--value's]
      --spec FILE        retrieval spec [ig-retrieve's default]
      --similarity S     the item neighbours' ig-cooccur --score: ease (over
                         the 0/1 engagements and --positives), cosine, count,
                         jaccard, lift, pmi or swing; R,F: R's in retrieval,
                         F's in the ranking features; auto: ease or cosine,
                         the one whose neighbours alone retrieve the label
                         window's positives better [cosine,ease
                         without impressions in the label window, else
                         cosine]
      --tower, --no-tower  train the two towers (ig-train-tower, 10 epochs)
                         for the ranking feature tower_score, their cosine
                         of the user and the item, or not [on without
                         impressions in the label window, else off]
      --reshow           let items shown but never engaged with (only
                         impressions, views, skips) back among the
                         candidates, discounted by 0.8 per impression
                         (ig-diversify --fatigue-after 1
                         --fatigue-factor 0.8) [off]
      --epsilon E        exploration share of ig-diversify [its default]
      --diversify OPTS   more options for ig-diversify, one word each, after
                         ig-funnel's own '--author-window 2', e.g.
                         '--lambda 0.7 --topic-cap 3' [none]
      --max-examples N   ranking examples held to train; beyond it they come
                         from one hash shard of the users [1000000]
      --shard I/N        per-user steps (ranking examples and the feed) only
                         for the users of shard I of N; models on all events
      --keep-intermediate
                         keep the intermediate files (candidates, ranked
                         streams; in OUT/work the ranking examples,
                         neighbours, vectors, index), and write
                         OUT/rerank.sh HISTORY FEED, the re-rank of this
                         run's first-stage rows on a newer history
                         [retrieval and the ranking stages piped, the rest
                         removed once read]
Tune: cuts each user's last 20% of TRAIN_EVENTS off as the validation
events (OUT/valid.test.tsv.gz; OUT/valid.train.tsv.gz the rest), runs the
funnel once on the rest for their users, then searches the second stage's
value weights and ig-diversify's --lambda and --band (and, with --items,
--author-window and --topic-cap) against them, re-running only ig-rank
value, ig-diversify and ig-eval metrics; writes every setting tried to
OUT/tune.tsv and prints the best as options for ig-funnel. It takes the
options above (not --shard) and:
      --metric M         ndcg or recall [ndcg]
  -k, --at K             the metric's cutoff [20]
      --target LIST      event types the metric counts [the --positives]
      --shuffle-ties     for data without time (ig-eval split's option)
General:
  -@, --threads N        threads for every step [1]
      --seed N           seed for every step [1]
  -v, --verbose          echo each command
  -h, --help             print this help and exit
  -V, --version          print the version (the ig-* tools') and exit
EOF
}

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }
bad_usage() { printf '%s: %s\n' "$prog" "$*" >&2; usage >&2; exit 2; }

# The value-weight search of 'ig-funnel tune', also sourced by
# bench/rank_value_search.sh (IG_FUNNEL_LIB=1), which gives its own
# measure: one copy of the search.
# SPEC with a weight for every head of HEADS (0 for one it does not name);
# an empty SPEC is ig-rank's default, restricted to HEADS as ig-rank
# restricts it (read from its --help: one copy of it).
full_spec() { # SPEC HEADS
	def=$(ig-rank score --help 2>&1 | sed -n 's/.*--value SPEC .*\[\(.*\)\]$/\1/p')
	printf '%s\n' "$1" | awk -v heads="$2" -v def="$def" '
		function add(x) { s = s (s == "" ? "" : ",") x }
		{ nh = split(heads, H, " "); for (i = 1; i <= nh; i++) has[H[i]] = 1
		  s = $0
		  if (s == "") { n = split(def, D, ","); for (i = 1; i <= n; i++) { split(D[i], kv, "="); if (kv[1] in has) add(D[i]) } }
		  n = split(s, D, ","); for (i = 1; i <= n; i++) { split(D[i], kv, "="); named[kv[1]] = 1 }
		  for (i = 1; i <= nh; i++) if (!(H[i] in named)) add(H[i] "=0")
		  print s }'
}
# The heads of a ranked stream (its p_ columns); with 'varying', those
# whose value varies over its rows: the weight of one that does not only
# shifts every score alike, which moves neither the order nor
# ig-diversify's relevance (min-max scaled per user).
stream_heads() { # RANKED [varying]
	gzip -dcf "$1" | awk -F'\t' -v all="${2:-all}" '
		/^#ig:/ { for (i = 2; i <= NF; i++) if ($i ~ /^p_/) { o[++n] = i - 1; name[i - 1] = substr($i, 3) }
			if (all == "all") exit
			next }
		/^#/ { next }
		{ for (j = 1; j <= n; j++) { i = o[j]; if (!(i in v)) v[i] = $i; else if ($i != v[i]) d[i] = 1 } }
		END { for (j = 1; j <= n; j++) if (all == "all" || o[j] in d) printf "%s%s", (k++ ? " " : ""), name[o[j]]
			print "" }'
}
weight_of() { printf '%s\n' "$1" | tr ',' '\n' | sed -n "s/^$2=//p"; } # SPEC HEAD
with_weight() { printf '%s\n' "$1" | tr ',' '\n' | sed "s/^$2=.*/$2=$3/" | paste -sd, -; } # SPEC HEAD W
# SPEC without its zero weights (all of it when every weight is 0).
nonzero() { printf '%s\n' "$1" | tr ',' '\n' | awk -F= '$2 + 0 != 0' | paste -sd, - | sed "s/^\$/$1/"; }
# KNOBS with OPTION set to X (added when absent).
with_knob() { # KNOBS OPTION X
	printf '%s\n' "$1" | awk -v o="$2" -v x="$3" '{ for (i = 1; i < NF; i += 2) if ($i == o) { $(i + 1) = x; f = 1 } }
		{ s = $0; if (!f) s = s (s == "" ? "" : " ") o " " x; print s }'
}
better() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; } # a metric can print as 6.6e-05

# The value weights, a coordinate search from SPEC: each head's weight
# times 0, 1/4, 1/2, 2, 4 and -1 (a head at 0 tries those numbers), the
# others held, kept when the metric rises above BEST; two passes over the
# heads. measure SEARCH SPEC KNOBS sets M, or returns 1 for a setting
# tried before.
search_value() { # HEADS
	for _ in 1 2; do
		for h in $1; do
			cur=$(weight_of "$spec" "$h")
			for f in 0 0.25 0.5 2 4 -1; do
				wt=$(awk -v c="$cur" -v f="$f" 'BEGIN { x = c == 0 ? f : c * f; printf "%.6g", x == 0 ? 0 : x }')
				try=$(with_weight "$spec" "$h" "$wt")
				measure value "$try" "$knobs" || continue
				if better "$m" "$best"; then best=$m spec=$try; fi
			done
		done
	done
}

# shellcheck disable=SC2317
[ "${IG_FUNNEL_LIB:-}" != 1 ] || return 0

mode=funnel
if [ "${1:-}" = tune ]; then
	mode=tune
	shift
fi
items='' follows='' topics='' positives='view,like,comment,share,save,follow'
length=25 ncand=500 keep1=150 keep2=50 window=20% value='' value2='' spec='' epsilon=''
threads=1 seed=1 verbose=0 shard='' dopts='--author-window 2' reshow='' maxex=1000000
metric='' at='' ties='' target='' dvalue='' dashdash=''
similarity='' keepint=0
withtower='' tower=''
need() { [ $# -ge 2 ] || bad_usage "option $1 needs a value"; }
# an empty value of these was their default, silently
full() { [ -n "$2" ] || bad_usage "option $1 needs a value, not ''"; }
# an empty file name was no such option (an empty --items was no --items)
path() { [ -n "$2" ] || bad_usage "$1: an empty file name"; }
while [ $# -gt 0 ]; do
	case $1 in
	--items) need "$@"; path "$@"; items=$2; shift 2 ;;
	--follows) need "$@"; path "$@"; follows=$2; shift 2 ;;
	--topics) need "$@"; path "$@"; topics=$2; shift 2 ;;
	--positives) need "$@"; positives=$2; shift 2 ;;
	-n | --length) need "$@"; length=$2; shift 2 ;;
	--candidates) need "$@"; ncand=$2; shift 2 ;;
	--keep1) need "$@"; keep1=$2; shift 2 ;;
	--keep2) need "$@"; keep2=$2; shift 2 ;;
	--window) need "$@"; window=$2; shift 2 ;;
	--value) need "$@"; value=$2 dvalue="$dvalue value"; shift 2 ;;
	--value2) need "$@"; value2=$2 dvalue="$dvalue value2"; shift 2 ;;
	--metric) need "$@"; full "$@"; metric=$2; shift 2 ;;
	-k | --at) need "$@"; at=$2; shift 2 ;;
	--shuffle-ties) ties=--shuffle-ties; shift ;;
	--target) need "$@"; full "$@"; target=$2; shift 2 ;;
	--spec) need "$@"; path "$@"; spec=$2; shift 2 ;;
	--similarity) need "$@"; full "$@"; similarity=$2; shift 2 ;;
	--epsilon) need "$@"; full "$@"; epsilon=$2; shift 2 ;;
	--reshow) reshow=--keep-shown; shift ;;
	--shard) need "$@"; full "$@"; shard=$2; shift 2 ;;
	--max-examples) need "$@"; maxex=$2; shift 2 ;;
	--keep-intermediate) keepint=1; shift ;;
	--tower) withtower=1; shift ;;
	--no-tower) withtower=0; shift ;;
	--diversify) need "$@"; dopts="$dopts $2"; shift 2 ;;
	-@ | --threads) need "$@"; threads=$2; shift 2 ;;
	--seed) need "$@"; seed=$2; shift 2 ;;
	-v | --verbose) verbose=1; shift ;;
	-h | --help) usage 2>/dev/null || die "write error on stdout"; exit 0 ;;
	-V | --version)
		# the version of the tools it runs, which make the feed
		command -v ig-rank >/dev/null 2>&1 || die "the ig-* tools are not on PATH"
		v=$(ig-rank --version) || die "ig-rank --version failed"
		printf '%s\n' "$v" | sed '1s/^ig-rank /ig-funnel /' 2>/dev/null || die "write error on stdout"
		exit 0
		;;
	--) shift; dashdash=1; break ;;
	-?*) bad_usage "unknown option '$1'" ;;
	*) break ;;
	esac
done
# Options end at the first operand (the ig-* tools take them anywhere): one
# after the operands is said as such, not as a count of arguments.
nargs=3
[ $mode = funnel ] || nargs=2
if [ $# -ne $nargs ] && [ -z "$dashdash" ]; then
	for a in "$@"; do
		case $a in -?*) bad_usage "options go before the operands: '$a' comes after one" ;; esac
	done
fi
if [ $mode = tune ]; then
	[ $# -eq 2 ] || bad_usage "tune: expected TRAIN_EVENTS OUT, got $# arguments"
	train=$1 users='' out=$2
	[ -z "$shard" ] || bad_usage "tune takes no --shard: it measures all the validation users"
	case ${metric:=ndcg} in ndcg | recall) ;; *) bad_usage "--metric takes ndcg or recall, not '$metric'" ;; esac
	: "${at:=20}" "${target:=$positives}"
else
	[ $# -eq 3 ] || bad_usage "expected TRAIN_EVENTS USERS_EVENTS OUT, got $# arguments"
	train=$1 users=$2 out=$3
	[ -z "$metric$at$ties$target" ] || bad_usage "--metric, -k, --target and --shuffle-ties are options of 'ig-funnel tune'"
	at=1 # unused: passes the checks below
fi
# --similarity S, or RETRIEVAL,RANKING: the lists of ig-retrieve and of
# ig-rank's features (auto alone: it chooses one list for both)
case $similarity in '' | auto) ;;
*)
	for s in "${similarity%%,*}" "${similarity#*,}"; do
		case $s in ease | cosine | count | jaccard | lift | pmi | swing) ;;
		*) bad_usage "--similarity takes auto, ease, cosine, count, jaccard, lift, pmi or swing, or two of the last seven as RETRIEVAL,RANKING, not '$similarity'" ;; esac
	done
	;;
esac
for n in "$length" "$ncand" "$keep1" "$keep2" "$threads" "$seed" "$maxex" "$at"; do
	case $n in '' | *[!0-9]*) bad_usage "'$n' is not a whole number" ;; esac
done
# without leading zeros, which the range checks below would count as digits
# and a step might read as octal
decimal() { set -- "${1#"${1%%[!0]*}"}"; printf '%s' "${1:-0}"; }
length=$(decimal "$length") ncand=$(decimal "$ncand") keep1=$(decimal "$keep1") keep2=$(decimal "$keep2")
threads=$(decimal "$threads") seed=$(decimal "$seed") maxex=$(decimal "$maxex") at=$(decimal "$at")
# the steps' own ranges, checked before any work: a step would refuse
# them only when it runs, minutes in, with exit 1
[ ${#seed} -le 18 ] || bad_usage "--seed takes a whole number below 10^18, not '$seed'"
for n in "$length" "$ncand" "$keep1" "$keep2" "$threads" "$maxex" "$at"; do
	[ ${#n} -le 9 ] || bad_usage "'$n' is too large"
done
[ "$at" -ge 1 ] || bad_usage "-k/--at must be at least 1"
[ "$at" -le 1000000 ] || bad_usage "-k/--at takes at most 1000000 (ig-eval's), not '$at'"
[ "$maxex" -gt 0 ] || bad_usage "--max-examples must be at least 1"
[ "$threads" -ge 1 ] && [ "$threads" -le 1024 ] || bad_usage "-@ takes 1 to 1024 threads, not '$threads'"
[ "$length" -ge 1 ] || bad_usage "-n/--length must be at least 1"
[ "$length" -le 100000 ] || bad_usage "-n/--length takes at most 100000 (ig-diversify's), not '$length'"
[ "$keep1" -le 100000000 ] && [ "$keep2" -le 100000000 ] || bad_usage "--keep1 and --keep2 take 0 to 100000000 (ig-rank's)"
[ "$ncand" -ge 1 ] && [ "$ncand" -le 1000000 ] || bad_usage "--candidates takes 1 to 1000000, not '$ncand'"
case $window in
[1-9]% | [1-9][0-9]%) ;;
*) bad_usage "--window takes a share of 1% to 99%, not '$window'" ;;
esac
[ -z "$epsilon" ] || awk -v e="$epsilon" 'BEGIN { exit !(e ~ /^([0-9]+|[0-9]*\.[0-9]+)([eE][-+]?[0-9]+)?$/ && e + 0 <= 1) }' ||
	bad_usage "--epsilon takes a share from 0 to 1, not '$epsilon'"
case $shard in
'') ;;
*/*)
	si=${shard%%/*} sn=${shard#*/}
	case $si in '' | *[!0-9]*) bad_usage "--shard takes I/N, not '$shard'" ;; esac
	case $sn in '' | *[!0-9]*) bad_usage "--shard takes I/N, not '$shard'" ;; esac
	[ ${#si} -le 9 ] && [ ${#sn} -le 9 ] && [ "$si" -lt "$sn" ] || bad_usage "--shard takes I/N with 0 <= I < N, not '$shard'"
	;;
*) bad_usage "--shard takes I/N, not '$shard'" ;;
esac
# Paths. Each is passed quoted, blanks and all. An empty one is refused
# (an empty OUT made OUT/logs '/logs').
# Standard input ('-') can stand for USERS_EVENTS alone, which is read
# once (kept in OUT/work); TRAIN_EVENTS and the side inputs are read by
# several steps, and OUT is a directory.
[ -n "$train" ] || bad_usage "TRAIN_EVENTS: an empty file name"
[ $mode = tune ] || [ -n "$users" ] || bad_usage "USERS_EVENTS: an empty file name"
[ -n "$out" ] || bad_usage "OUT: an empty directory name"
[ "$train" != - ] || bad_usage "TRAIN_EVENTS is read by several steps: give a file, not '-' (standard input)"
[ "$out" != - ] || bad_usage "OUT is a directory: give its name, not '-'"
for o in items follows topics spec; do
	eval "f=\$$o"
	[ "$f" != - ] || bad_usage "--$o is read by several steps: give a file, not '-' (standard input)"
done
# a path that starts with '-' would read as an option to the steps
case $train in -?*) train=./$train ;; esac
case $users in -?*) users=./$users ;; esac
case $out in -?*) out=./$out ;; esac
for f in "$train" "$users" "$items" "$follows" "$topics" "$spec"; do
	[ -n "$f" ] && [ "$f" != - ] || continue
	[ -r "$f" ] || die "$f: cannot be read"
	[ ! -d "$f" ] || die "$f: is a directory"
done
[ ! -e "$out" ] || [ -d "$out" ] || die "$out: exists and is not a directory"
# A side input of another kind of stream (or none) failed only in the
# step that first read it, after the item vectors were trained: its
# header is read now (ig-formats(5): '#ig:KIND/VERSION').
for o in items follows topics; do
	eval "f=\$$o"
	[ -n "$f" ] || continue
	first=$(gzip -dcf "$f" 2>/dev/null | head -n 1) || :
	kind=$(printf '%s\n' "$first" | sed -n 's,^#ig:\([A-Za-z0-9_-]*\)/.*,\1,p')
	[ "$kind" != "$o" ] || continue
	if [ -z "$first" ] && ! msg=$(gzip -dcf "$f" 2>&1 >/dev/null); then
		die "$f: cannot be read: $(printf '%s\n' "$msg" | head -n 1)"
	fi
	a=a
	[ $o != items ] || a=an
	[ -n "$kind" ] || die "$f:1: expected $a $o stream (--$o): missing '#ig:KIND/VERSION' header (ig-formats(5))"
	die "$f:1: expected $a $o stream (--$o), got $kind"
done
# an input among the files a run replaces in OUT (its users from an
# earlier feed, say; tune's cut for tune) would be gone before it is read
# The files of OUT/work, which a run removes first (an earlier
# run's, kept by --keep-intermediate) and then as it goes
work_files='fit.train.tsv.gz fit.test.tsv.gz fit.nbrs.tsv.gz fit.rank-nbrs.tsv.gz fit.vec.gz fit.hnsw fit.anbrs.tsv.gz fit.cand.tsv.gz
fit.cosine.tsv.gz probe.test.tsv.gz probe.ease.tsv.gz probe.cosine.tsv.gz probe.tsv
examples.tsv.gz all.nbrs.tsv.gz all.rank-nbrs.tsv.gz all.vec.gz all.hnsw all.anbrs.tsv.gz users.in users.chk no-items.tsv feed.users gzip.err unranked.n
pipe.1 pipe.2 pipe.probe
tune.ranked.tsv tune.feed.tsv tune.metrics.tsv tune.rows tune.best.tsv tune.compare.tsv
fit.tower.users.vec fit.tower.items.vec fit.tower.model all.tower.users.vec all.tower.items.vec all.tower.model'
products='feed.tsv.gz summary.tsv candidates.tsv.gz ranked1.tsv.gz ranked.tsv.gz first.model second.model tune.tsv rerank.sh'
products="$products $(for f in $work_files; do printf ' work/%s' "$f"; done)"
[ $mode = funnel ] || products="$products valid.train.tsv.gz valid.test.tsv.gz"
# PATH with its directory's symbolic links resolved (POSIX has no -ef)
canon() { d=$(dirname -- "$1") && d=$(cd -P -- "$d" 2>/dev/null && pwd -P) && printf '%s/%s\n' "$d" "$(basename -- "$1")"; }
if [ -d "$out" ]; then
	cout=$(canon "$out/.")
	cout=${cout%/.}
	for f in "$train" "$users" "$items" "$follows" "$topics" "$spec"; do
		[ -n "$f" ] && [ "$f" != - ] || continue
		cf=$(canon "$f") || continue
		for o in $products; do
			[ "$cf" != "$cout/$o" ] || { printf '%s: %s: the %s of %s, which this run replaces: copy it out of OUT first\n' \
				"$prog" "$f" "$o" "$out" >&2; exit 2; }
		done
	done
fi
command -v ig-retrieve >/dev/null 2>&1 || die "the ig-* tools are not on PATH"
# A feed holds at most what each stage keeps: said now, not found in a
# short feed after the run (0: all).
cap=$ncand capby="--candidates $ncand"
[ "$keep1" -eq 0 ] || [ "$keep1" -ge "$cap" ] || cap=$keep1 capby="--keep1 $keep1"
[ "$keep2" -eq 0 ] || [ "$keep2" -ge "$cap" ] || cap=$keep2 capby="--keep2 $keep2"
[ "$length" -le "$cap" ] ||
	printf '%s: warning: -n %s is more than %s keeps: feeds of at most %s items\n' "$prog" "$length" "$capby" "$cap" >&2
# ig-eval refuses a bad list of event types with exit 2 before it reads
# anything: asked now, not after the funnel's minutes
rc=0
ig-eval metrics -q --positives "$positives" -t /dev/null </dev/null >/dev/null 2>&1 || rc=$?
[ $rc != 2 ] || bad_usage "--positives takes a comma list of event types, not '$positives'"
rc=0
[ $mode != tune ] || ig-eval metrics -q --positives "$target" -t /dev/null </dev/null >/dev/null 2>&1 || rc=$?
[ $rc != 2 ] || bad_usage "--target takes event types, as --positives, not '$target'"
# Follows and topics reach items only through the items' authors and
# topics: without --items they have nothing to act on (Last.fm's friends).
skipped=''
note() { skipped="$skipped$1; "; }
if [ -z "$items" ]; then
	[ -n "$follows" ] && note "--follows without --items: follows unused, the items have no authors"
	[ -n "$topics" ] && note "--topics without --items: topics unused, the items have no topics"
	follows='' topics=''
fi
[ -z "$items" ] && note "no --items: account, follow, topic and explore sources, author/media/topic features and rules off (diversity by item vectors only)"
[ -z "$follows" ] && note "no --follows: follow source and follows_author off"
[ -z "$topics" ] && note "no --topics: knowledge-graph exploration and topic affinity off"

# The heads of the ranking models (ig-rank features --heads).
heads=any,view,like,comment,share,save,follow,see_less,hide
# A re-shown item is discounted from its first impression: the user has
# passed it by once (chosen on validation world seed 2: 0.8 against 0.9,
# none, and ig-diversify's default of 0.5 from the third;
# bench/closed_loop.md).
# Later --diversify options override it.
reshow_dopts='--fatigue-after 1 --fatigue-factor 0.8'

# The options handed on to a step (--value, --value2, --diversify,
# --spec) are put to that step's own parser now, on stand-in inputs (a
# header each) in a temporary directory, as the funnel will pass them:
# the step would refuse them only when it runs, after the training.
# Refused with exit 2 and the step's message.
refused() { # OPTION MESSAGE
	printf '%s: %s: %s\n' "$prog" "$1" "$(printf '%s\n' "$2" | grep -v "^Try '")" >&2
	exit 2
}
chk=$(mktemp -d "${TMPDIR:-/tmp}/ig-funnel.XXXXXX") || die "cannot create a temporary directory in ${TMPDIR:-/tmp}"
trap 'rm -rf "$chk"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
printf '#ig:ranked/1\tuser\titem\tscore\tsources\treason\t%s\n' "$(printf '%s\n' "$heads" | tr ',' '\n' | sed 's/^/p_/' | paste -sd '\t' -)" >"$chk/ranked.tsv"
printf '#ig:events/1\tts\tuser\titem\tevent\tvalue\n' >"$chk/events.tsv"
printf '#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\nx\ta\tphoto\t0\t\n' >"$chk/items.tsv"
printf '#ig:neighbors/1\titem\tneighbor\tscore\tsupport\n' >"$chk/nbrs.tsv"
printf '#ig:follows/1\tuser\tauthor\tts\n' >"$chk/follows.tsv"
printf '#ig:topics/1\ttopic\tparent\n' >"$chk/topics.tsv"
printf '1 2\nx 0.5 0.25\n' >"$chk/vec.txt"
for o in $dvalue; do
	eval "v=\$$o"
	rc=0
	msg=$(ig-rank value -q --value "$v" -o /dev/null "$chk/ranked.tsv" 2>&1) || rc=$?
	[ $rc != 2 ] || refused "--$o '$v'" "$msg"
	for kv in $(printf '%s\n' "$v" | tr ',' ' '); do
		case ,$heads, in
		*,"${kv%%=*}",*) ;;
		*) refused "--$o '$v'" "ig-rank: --value: head '${kv%%=*}' is not one of the ranking models' ($heads)" ;;
		esac
	done
	[ $rc = 0 ] || refused "--$o '$v'" "$msg"
done
# ig-diversify as the funnel runs it (diversify, below), its vectors
# assumed trained; what it would print on standard output (-h, -V) or
# write other than gzip (-u) is refused too.
rc=0
# shellcheck disable=SC2086
ig-diversify -q -@ "$threads" --seed "$seed" --items "$chk/items.tsv" ${topics:+--topics "$chk/topics.tsv"} \
	--vectors "$chk/vec.txt" --events "$chk/events.tsv" ${epsilon:+--epsilon "$epsilon"} \
	${reshow:+$reshow_dopts} $dopts -n "$length" -o "$chk/feed.tsv.gz" "$chk/ranked.tsv" \
	>"$chk/stdout" 2>"$chk/stderr" </dev/null || rc=$?
dwords=${dopts#--author-window 2}
dwords=${dwords# }
[ $rc = 0 ] || refused "--diversify '$dwords'" "$(cat "$chk/stderr")"
[ ! -s "$chk/stdout" ] || refused "--diversify '$dwords'" "ig-diversify would print on standard output, not write the feed (-h or -V)"
gzip -t "$chk/feed.tsv.gz" 2>/dev/null ||
	refused "--diversify '$dwords'" "ig-diversify would write the feed uncompressed (-u), not as OUT/feed.tsv.gz"
# ig-retrieve with the inputs the funnel gives it (retrieve, below), the
# item vectors and their index assumed trained
if [ -n "$spec" ]; then
	ig-retrieve index -q "$chk/vec.txt" "$chk/vec.hnsw" 2>"$chk/stderr" || die "ig-retrieve index: $(cat "$chk/stderr")"
	rc=0
	msg=$(ig-retrieve -q -@ "$threads" --seed "$seed" -n "$ncand" --spec "$spec" ${reshow:+"$reshow"} \
		${items:+--items "$chk/items.tsv"} ${follows:+--follows "$chk/follows.tsv"} ${topics:+--topics "$chk/topics.tsv"} \
		--neighbors "$chk/nbrs.tsv" ${items:+--account-neighbors "$chk/nbrs.tsv"} --vectors "$chk/vec.txt" \
		--index "$chk/vec.hnsw" -o /dev/null "$chk/events.tsv" 2>&1 </dev/null) || rc=$?
	[ $rc = 0 ] || refused "--spec $spec" "$msg"
fi
rm -rf "$chk"
trap - EXIT
# A signal to the script alone (kill PID) ended it and left the step it
# ran going, to write its output after the script had gone (a whole feed
# without a summary, say): the steps run in the background, waited for,
# and a signal ends the one running (its temporary file removed) and the
# script, with 128 + the signal's number.
child=''
stop() { # STATUS
	trap - HUP INT TERM
	if [ -n "$child" ]; then
		# (CHILD: the running step, or the steps of a pipe)
		# shellcheck disable=SC2086
		kill -TERM $child 2>/dev/null || :
		# shellcheck disable=SC2086
		wait $child 2>/dev/null || :
	fi
	[ -z "${w:-}" ] || rm -f "$w/pipe.1" "$w/pipe.2"
	exit "$1"
}
# A signal between a step's start and its pid's assignment to CHILD
# would end the script and leave the step running: while STARTING, the
# signal is only recorded, and acted on once CHILD holds the step.
starting='' signalled=''
on_signal() { # STATUS
	signalled=$1
	[ -n "$starting" ] || stop "$1"
}
started() {
	starting=''
	[ -z "$signalled" ] || stop "$signalled"
}
trap 'on_signal 129' HUP
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
# CMD in the background (standard input /dev/null), waited for: its exit
# status.
run() { # CMD...
	starting=1
	"$@" &
	child=$!
	started
	rc=0
	wait "$child" || rc=$?
	child=''
	return $rc
}
# OUT/logs and OUT/work, and an earlier run's products out of OUT: a run
# that fails leaves none of them next to its own (an old feed would read
# as this run's).
prepare_out() {
	mkdir -p "$out/logs" "$out/work" || die "$out: cannot be created"
	w=$out/work
	rm -f "$out/feed.tsv.gz" "$out/summary.tsv" "$out/candidates.tsv.gz" "$out/ranked1.tsv.gz" \
		"$out/ranked.tsv.gz" "$out/first.model" "$out/second.model" "$out/tune.tsv" "$out/rerank.sh" \
		"$out/summary.tsv.tmp" "$out/tune.tsv.tmp" "$out/ranked1.tsv.gz.tmp" "$out/ranked.tsv.gz.tmp"
	# and the intermediate files an earlier run kept (--keep-intermediate),
	# which would count in this run's disk use
	for f in $work_files; do rm -f "$w/$f"; done
	# and what the steps of a run killed outright (SIGKILL, the OOM
	# killer) left under their temporary names ('.NAME.tmp-PID-N', the
	# step's PID, gone; 'NAME.tmp', the script's): no later run removed
	# them, and they counted in its disk use
	for f in $products; do
		case $f in */*) tdir=${f%/*}/ tbase=${f##*/} ;; *) tdir='' tbase=$f ;; esac
		rm -f "$out/$f.tmp"
		set +f # (the script's words are never globbed but here)
		set -- "$out/$tdir.$tbase".tmp-*
		set -f
		for tf in "$@"; do
			[ -f "$tf" ] || continue
			tpid=${tf##*.tmp-}
			tpid=${tpid%%-*}
			case $tpid in '' | *[!0-9]*) continue ;; esac
			# (a zombie, killed but not yet reaped, is gone too)
			if kill -0 "$tpid" 2>/dev/null &&
				[ "$(sed 's/.*) //' "/proc/$tpid/stat" 2>/dev/null | cut -c1)" != Z ]; then
				continue
			fi
			rm -f "$tf"
		done
	done
	# ig-diversify needs an items stream: without --items an empty one,
	# which keeps every item (--missing keep) with its ig2vec vector for
	# the similarity; written once for every diversify of the run.
	[ -n "$items" ] || printf '#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n' >"$w/no-items.tsv" ||
		die "$w/no-items.tsv: cannot be written"
	disk_peak=0 disks=''
	disk_at prepare
}
# Each intermediate file is removed (drop) as soon as no later step
# reads it, unless --keep-intermediate: the disk use stays near the
# largest step's inputs and output (ig-funnel(1) DISK).
drop() { # FILE...
	[ "$keepint" = 1 ] || rm -f "$@"
}
# OUT's disk use in KB (du -sk) after step NAME: the largest a step's
# files reach, as a step only adds to them (its spill files go to
# TMPDIR); the run's peak in DISK_PEAK, each step's in DISKS.
disk_at() { # NAME
	kb=$(du -sk "$out" 2>/dev/null | cut -f1) || kb=0
	case $kb in '' | *[!0-9]*) kb=0 ;; esac
	[ "$kb" -le "$disk_peak" ] || disk_peak=$kb
	disks="$disks $1:$kb"
}
# The run's peak disk use in MB.
disk_mb() { awk -v k="$disk_peak" 'BEGIN { printf "%.0f", k / 1024 }'; }
# OUT/summary.tsv's output column: FILE, or that it was removed, or
# (with PIPED, for a stream of the pipe) never written.
kept() { # FILE [piped]
	if [ "$keepint" = 1 ]; then printf '%s' "$1"
	elif [ -n "${2:-}" ] && [ "$piped" = 1 ]; then printf '%s (piped)' "$1"
	else printf '%s (removed)' "$1"; fi
}
# The largest disk use in MB after the steps NAMES.
disk_of() { # NAMES...
	printf '%s\n' "$disks" | tr ' ' '\n' | awk -F: -v names=" $* " 'index(names, " " $1 " ") && $2 > m { m = $2 }
		END { printf "%.0f", m / 1024 }'
}

# ARGS as words a shell reads back as they are: quoted when they hold
# anything but letters, digits and _ . / : = , @ % + - (-v's echo).
shell_words() {
	sep=''
	for a in "$@"; do
		case $a in
		'' | *[!A-Za-z0-9_./:=,@%+-]*) printf "%s'%s'" "$sep" "$(printf '%s\n' "$a" | sed "s/'/'\\\\''/g")" ;;
		*) printf '%s%s' "$sep" "$a" ;;
		esac
		sep=' '
	done
}
# One step: its stderr goes to OUT/logs/NAME.log; its summary line (the
# last line of every ig-* tool's stderr) gives the time and memory.
step() {
	name=$1
	shift
	if [ -n "$piping" ]; then
		np=$((np + 1))
		eval "pn_$np=\$name"
		eval "pc_$np=\$(shell_words \"\$@\")"
		return 0
	fi
	[ $verbose = 1 ] && printf '$ %s\n' "$(shell_words "$@")" >&2
	if ! run "$@" 2>"$out/logs/$name.log"; then
		cat "$out/logs/$name.log" >&2
		die "step '$name' failed (log: $out/logs/$name.log)"
	fi
	disk_at "$name"
}
# The steps between pipe_begin and pipe_end run as one pipe: step
# queues each command, and pipe_end starts them all in the background,
# each one's standard output the next one's input through a FIFO in
# OUT/work (OUT/work/pipe.N), each one's standard error in its log, and
# waits for them all; a signal ends them all (stop). A step that fails
# fails the pipe (the others then end on a broken pipe or the end of
# their input): the logs of those that failed are shown. With -v each
# step is echoed as the others, with a '|' at the end of the line when
# its output goes to the next.
piping=''
# Whether OUT/work can hold a FIFO (some network and FUSE file systems
# cannot): without, the pipe's steps run one after another on files.
can_pipe() {
	rm -f "$w/pipe.probe"
	if mkfifo "$w/pipe.probe" 2>/dev/null; then
		rm -f "$w/pipe.probe"
		return 0
	fi
	note "serving: $w cannot hold a FIFO (mkfifo): retrieval and the ranking stages run one after another on files"
	return 1
}
pipe_begin() { piping=1 np=0; }
pipe_end() {
	piping=''
	i=1
	while [ $i -le "$np" ]; do
		eval "c=\$pc_$i"
		if [ $verbose = 1 ]; then
			printf '$ %s' "$c" >&2
			if [ $i -lt "$np" ]; then printf ' |\n' >&2; else printf '\n' >&2; fi
		fi
		if [ $i -lt "$np" ]; then
			rm -f "$w/pipe.$i"
			mkfifo "$w/pipe.$i" || die "$w/pipe.$i: cannot be made (mkfifo)"
		fi
		i=$((i + 1))
	done
	i=1 pids='' starting=1
	while [ $i -le "$np" ]; do
		eval "c=\$pc_$i n=\$pn_$i"
		pin=/dev/null
		[ $i -eq 1 ] || pin=$w/pipe.$((i - 1))
		# (exec: the step itself is the background process, which a
		# signal reaches, not a shell that would leave it running)
		if [ $i -lt "$np" ]; then
			eval "exec $c" <"$pin" >"$w/pipe.$i" 2>"$out/logs/$n.log" &
		else
			eval "exec $c" <"$pin" 2>"$out/logs/$n.log" &
		fi
		pids="$pids $!"
		child=$pids
		i=$((i + 1))
	done
	started
	failed=''
	i=1
	for pid in $pids; do
		rc=0
		wait "$pid" || rc=$?
		eval "n=\$pn_$i"
		[ $rc = 0 ] || failed="$failed $n"
		i=$((i + 1))
	done
	child=''
	i=1
	while [ $i -lt "$np" ]; do rm -f "$w/pipe.$i"; i=$((i + 1)); done
	if [ -n "$failed" ]; then
		for n in $failed; do cat "$out/logs/$n.log" >&2; done
		# shellcheck disable=SC2086
		set -- $failed
		[ $# -eq 1 ] && die "step '$1' failed (log: $out/logs/$1.log)"
		die "steps '$(printf '%s\n' "$@" | paste -sd, - | sed "s/,/', '/g")' of a pipe failed (logs: $out/logs/STEP.log)"
	fi
	i=1
	while [ $i -le "$np" ]; do
		eval "disk_at \"\$pn_$i\""
		i=$((i + 1))
	done
}
# Whether FILE (gzip or plain) has a line that is not a comment or blank;
# one that cannot be read (a damaged gzip file) is said as such.
has_rows() { # FILE NAME
	# (awk: grep takes a line that is not UTF-8 for binary data, and says so)
	gzip -dcf "$1" 2>/dev/null | awk '!/^#/ && /[^[:space:]]/ { f = 1; exit } END { exit !f }' && return 0
	gzip -dcf "$1" >/dev/null 2>"$w/gzip.err" || die "$2: cannot be read: $(head -n 1 "$w/gzip.err")"
	return 1
}
# Per user rows of a stream (gzip or plain), and its users.
rows_per_user() {
	gzip -dcf "$1" | awk -F'\t' '!/^#/ { n++; if (!($1 in u)) { u[$1] = 1; k++ } }
		END { if (k) printf "%.1f\t%d", n / k, k; else printf "0\t0" }'
}
# "real CPU peak" of a step's log; the steps joined by a pipe add up.
cost() {
	for l in "$@"; do [ ! -f "$out/logs/$l.log" ] || tail -n 1 "$out/logs/$l.log"; done | sed -n \
		's/.*; \([0-9.]*\) s real, \([0-9.]*\) s CPU, \([0-9.]*\) MB peak$/\1 \2 \3/p' |
		awk '{ r += $1; c += $2; if ($3 > m) m = $3 } END { printf "%.2f\t%.2f\t%.0f", r, c, m }'
}

# Why the label window gave no ranking example, in terms of TRAIN (run
# only then: it reads TRAIN once more): the likeliest cause first.
no_examples() {
	# shellcheck disable=SC2046
	set -- $(gzip -dcf "$train" | awk -F'\t' -v pos="$positives" '
		BEGIN { n = split(pos, a, ","); for (i = 1; i <= n; i++) p[a[i]] = 1; ev = 4; it = 3 }
		/^#ig:/ { for (i = 2; i <= NF; i++) { if ($i == "event") ev = i - 1; if ($i == "item") it = i - 1 } }
		/^#/ { next }
		{ n_ev++; if ($ev in p) n_pos++; t[$ev]++; if (!($it in seen)) { seen[$it] = 1; n_it++ } }
		END { printf "%d %d %d", n_ev, n_pos, n_it; for (x in t) printf " %s:%d", x, t[x] }')
	[ "$1" -gt 0 ] || die "$train: no events: nothing to train on"
	if [ "$2" -eq 0 ]; then
		nev=$1
		shift 3
		die "$train: none of its $nev events is of a --positives type ($positives); it has $(printf '%s\n' "$@" |
			sort | sed 's/:/ /' | paste -sd, - | sed 's/,/, /g'): name the types that show interest with --positives"
	fi
	[ "$nusers" -gt 0 ] || die "no ranking examples: no user of $train has 2 events or more with a positive one before the last, to learn from what follows it: give users longer histories"
	# The examples came from one shard of the window's users: its users
	# gave none, whatever the others would have (a small --max-examples
	# makes a shard of few users, or none).
	[ -z "$exshard" ] || [ -n "$shard" ] || die "no ranking examples from the users of shard $exshard, the sample of the $nusers users of the label window that --max-examples $maxex asks for: raise --max-examples"
	if [ -n "$shard" ]; then
		unranked="no ranking examples from the users of --shard $shard among the $nusers users of the label window: the feed is ranked by retrieval score, without models"
		printf '%s: warning: %s\n' "$prog" "$unranked" >&2
		return
	fi
	# Every user has had every item retrieval could propose: nothing to
	# learn from, but nothing wrong with the data either. The feed is
	# then ranked by the retrieval score alone (and is empty when
	# serving finds no candidate either).
	unranked="no ranking examples: retrieval found no candidate for the $nusers users of the label window ($train has $3 distinct items, and a user's own items are never candidates): the feed is ranked by retrieval score, without models"
	printf '%s: warning: %s\n' "$prog" "$unranked" >&2
}
# A ranked stream of CANDIDATES in their own order (score, highest
# first), at most KEEP a user: the stages without a ranking model. The
# items per user and users of CANDIDATES and of OUTPUT (as read_counts
# gives them, tab-separated) go to OUT/work/unranked.n.
unranked_stage() { # CANDIDATES KEEP OUTPUT
	gzip -dc "$1" | awk -F'\t' -v OFS='\t' -v keep="$2" -v counts="$w/unranked.n" '
		function per(r, u) { return u ? sprintf("%.1f\t%d", r / u, u) : "0\t0" }
		/^#ig:/ { for (i = 2; i <= NF; i++) c[$i] = i - 1
			print "#ig:ranked/1", "user", "item", "score", "sources", "reason"; next }
		/^#/ { print; next }
		$c["user"] != u { u = $c["user"]; n = 0; users++ }
		{ rows++ }
		++n <= keep { print $c["user"], $c["item"], $c["score"], $c["sources"], $c["reason"]; kept++; if (n == 1) kusers++ }
		END { print per(rows, users), per(kept, kusers) >counts }' |
		gzip -c >"$3.tmp" && mv "$3.tmp" "$3" || { rm -f "$3.tmp"; die "$3: cannot be written"; }
	disk_at unranked
}
# "items per user<TAB>users" of the stream that STEP read, from its
# summary line (ig-rank score: 'U users, C candidates, ...';
# ig-diversify: 'C candidates of U users, ...'); a line not of that form
# counts FILE itself when it is still there.
read_counts() { # STEP FILE
	c=$(tail -n 1 "$out/logs/$1.log" | sed -n -e 's/^ig-rank: \([0-9]*\) users, \([0-9]*\) candidates, .*/\2 \1/p' \
		-e 's/^ig-diversify: \([0-9]*\) candidates of \([0-9]*\) users, .*/\1 \2/p' |
		awk '{ if ($2 > 0) printf "%.1f\t%d", $1 / $2, $2; else printf "0\t0" }')
	if [ -z "$c" ] && [ -f "$2" ]; then c=$(rows_per_user "$2"); fi
	printf '%s\n' "${c:-?	?}"
}

# The models: item neighbours, item vectors and their index, author
# neighbours; first on the fit part of TRAIN (for the ranking examples),
# then on the whole of TRAIN (for serving).
# VEC and ACC: the item vectors and author neighbours made, or ''.
# A user's pairs grow with the square of their items: one crawler of
# 20000 distinct items took ig-cooccur 14 s (cosine) and 256 s (EASE)
# on a small world, 60000 items 77 s and much more; the neighbours count
# each user's last HIST engagements only (no user of MovieLens or
# Last.fm has more; ml-latest-small at most 2698): 1.6 s and 24 s.
hist=5000
# RETSIM's list is retrieval's (PREFIX.nbrs), FEATSIM's the ranking
# features' (PREFIX.rank-nbrs when the two differ: FEATNBRS).
models() { # PREFIX EVENTS
	p=$1 ev=$2
	# (the fit part's are made already when --similarity auto chose them)
	[ "$p.$fitnbrs" = fit.made ] || cooccur "$p.cooccur" "$retsim" "$w/$p.nbrs.tsv.gz" "$ev"
	[ "$featnbrs" = nbrs ] || cooccur "$p.cooccur-ranking" "$featsim" "$w/$p.rank-nbrs.tsv.gz" "$ev"
	vec='' acc=''
	if [ $verbose = 1 ]; then
		printf '$ %s\n' "$(shell_words ig-train-w2v -@ "$threads" --seed "$seed" --entity item --min-count 2 \
			-o "$w/$p.vec.gz" "$ev")" >&2
	fi
	if run ig-train-w2v -@ "$threads" --seed "$seed" --entity item --min-count 2 \
		-o "$w/$p.vec.gz" "$ev" 2>"$out/logs/$p.w2v.log"; then
		disk_at "$p.w2v"
		step "$p.index" ig-retrieve index -@ "$threads" --seed "$seed" "$w/$p.vec.gz" "$w/$p.hnsw"
		vec=$w/$p.vec.gz
	else
		note "item vectors not trained on $p ($(tail -n 1 "$out/logs/$p.w2v.log"))"
	fi
	train_tower "$p" "$ev"
	if [ -n "$items" ]; then
		step "$p.cooccur-authors" ig-cooccur -@ "$threads" -k 20 --entity author --items "$items" \
			--max-history "$hist" -o "$w/$p.anbrs.tsv.gz" "$ev"
		acc=$w/$p.anbrs.tsv.gz
	fi
}
# The 100 neighbours of each item by SCORE; EASE's over the 0/1 matrix
# of the engagements and the --positives (EASEW).
cooccur() { # STEP SCORE OUTPUT EVENTS
	cw=''
	[ "$2" != ease ] || cw=$easew
	step "$1" ig-cooccur -@ "$threads" -k 100 --score "$2" ${cw:+--weights "$cw"} \
		--max-history "$hist" -o "$3" "$4"
}
# --tower: the two towers of ig-train-tower on EVENTS (with the side
# inputs), for the ranking feature tower_score (ig-rank --tower), the
# cosine of the user's and the item's vectors, a learned collaborative
# score for every candidate and impression. TOWER: their prefix, or ''
# (no --tower, or training failed: no engagement). A fixed 10 epochs,
# so that the fit part's towers and the serving ones are trained alike:
# with early stopping the two stopped at different epochs and their
# cosines differ in scale, which the trees split on (ig-funnel(1)
# TWO-TOWER SCORE). WITHTOWER: 1 or 0, set where the label window's
# impressions are counted.
train_tower() { # PREFIX EVENTS
	tower='' tp=$1
	[ "$withtower" = 1 ] || return 0
	set -- ig-train-tower -@ "$threads" --seed "$seed" --epochs 10 --patience 0 ${items:+--items "$items"} \
		${follows:+--follows "$follows"} ${topics:+--topics "$topics"} -o "$w/$tp.tower" "$2"
	[ $verbose = 0 ] || printf '$ %s\n' "$(shell_words "$@")" >&2
	# (run, not step: a failure is skipped, as the item vectors' are)
	if run "$@" 2>"$out/logs/$tp.tower.log"; then
		disk_at "$tp.tower"
		tower=$w/$tp.tower
		drop "$tower.model" # (ig-rank reads the vectors alone)
	else
		note "two-tower score not trained on $tp ($(tail -n 1 "$out/logs/$tp.tower.log"))"
	fi
}
# The whole train's models that serving reads after ranking: once the
# feed (or tune's search) is written, none is read again.
drop_serving_models() {
	drop "$w/all.nbrs.tsv.gz" "$w/all.rank-nbrs.tsv.gz" "$w/all.vec.gz" "$w/all.tower.users.vec" "$w/all.tower.items.vec"
}
# The steps of the summary's train models row, each a step's log name
train_steps='split fit.cooccur fit.cooccur-cosine fit.probe-ease fit.probe-cosine fit.probe fit.cooccur-ranking
fit.w2v fit.index fit.tower fit.cooccur-authors fit.retrieve features train-second train-first all.cooccur
all.cooccur-ranking all.w2v all.index all.tower all.cooccur-authors'
# --similarity auto: EASE's and cosine's neighbours on the fit part,
# each list alone as the one retrieval source (the 100 neighbours of each
# of the user's 50 latest engagements, as ig-retrieve's cooccur source)
# for the label window's users, its top 20 scored by NDCG@20 against the
# window's --positives events (ig-eval compare); the one with the higher
# mean is kept, EASE on a tie. Past 20000 users, an even sample of 20000
# of them. The neighbours kept are the fit part's (FITNBRS=made); SIM is
# the one chosen. (Validation cuts of 13 data sets, bench/events_only.md,
# EASE or cosine: it chose cosine on DIGINETICA's sessions.)
choose_similarity() {
	fitnbrs=made
	cooccur fit.cooccur ease "$w/fit.nbrs.tsv.gz" "$w/fit.train.tsv.gz"
	cooccur fit.cooccur-cosine cosine "$w/fit.cosine.tsv.gz" "$w/fit.train.tsv.gz"
	ptest=$w/fit.test.tsv.gz
	if [ "$nusers" -gt 20000 ]; then
		ptest=$w/probe.test.tsv.gz
		gzip -dcf "$w/fit.test.tsv.gz" | awk -F'\t' -v n="$nusers" '
			/^#/ { print; next }
			$2 != last { last = $2; k++; keep = int(k * 20000 / n) != int((k - 1) * 20000 / n) }
			keep' | gzip -1 >"$ptest" || die "$ptest: cannot be written"
	fi
	for s in ease cosine; do
		f=$w/fit.nbrs.tsv.gz
		[ $s = ease ] || f=$w/fit.cosine.tsv.gz
		step "fit.probe-$s" ig-retrieve -@ "$threads" --seed "$seed" -n 20 "$fast" \
			-S 'cooccur: recent(n=50).cooccur(100) weight=1 quota=20' --neighbors "$f" \
			--users "$ptest" -o "$w/probe.$s.tsv.gz" "$w/fit.train.tsv.gz"
	done
	step fit.probe ig-eval compare -u --tsv --bootstrap 0 -k 20 --positives "$positives" -t "$ptest" \
		--train "$w/fit.train.tsv.gz" -o "$w/probe.tsv" "$w/probe.cosine.tsv.gz" "$w/probe.ease.tsv.gz"
	# shellcheck disable=SC2046
	set -- $(awk -F'\t' '$1 == "ndcg" && $3 != "" && $4 != "" { printf "%.4f %.4f %s %s", $3, $4, ($8 == "" ? "-" : sprintf("%.2g", $8)), $10 }' "$w/probe.tsv")
	[ $# = 4 ] || set -- 0 0 - 0 # no user to score: EASE
	if better "$1" "$2"; then
		sim=cosine
		mv "$w/fit.cosine.tsv.gz" "$w/fit.nbrs.tsv.gz" || die "$w/fit.nbrs.tsv.gz: cannot be written"
	else
		sim=ease
	fi
	printf '%s: item neighbours: %s (each alone on the label window of the fit part: NDCG@20 %s with cosine, %s with EASE, p %s, %s users; --similarity sets them)\n' \
		"$prog" "$sim" "$1" "$2" "$3" "$4" >&2
	rm -f "$w/fit.cosine.tsv.gz" "$w/probe.ease.tsv.gz" "$w/probe.cosine.tsv.gz" "$w/probe.tsv" "$w/probe.test.tsv.gz"
}
# The gzip level of the large intermediate streams (candidates, examples,
# the stages' rows): level 1 costs a quarter of level 6's CPU for about a
# fifth more bytes (ig-funnel(1) DISK); the feed keeps the default.
fast=-l1
retrieve() { # PREFIX HISTORY USERS OUTPUT [SHARD]
	p=$1 rshard=${5:-} raw=$fast
	[ "$4" != - ] || raw=-u # into a pipe
	step "$p.retrieve" ig-retrieve -@ "$threads" --seed "$seed" -n "$ncand" ${raw:+"$raw"} ${spec:+--spec "$spec"} \
		${rshard:+--shard "$rshard"} ${reshow:+"$reshow"} ${items:+--items "$items"} \
		${follows:+--follows "$follows"} ${topics:+--topics "$topics"} --neighbors "$w/$p.nbrs.tsv.gz" \
		${acc:+--account-neighbors "$acc"} ${vec:+--vectors "$vec"} ${vec:+--index "$w/$p.hnsw"} \
		--users "$3" -o "$4" "$2"
}
# ig-rank SUBCOMMAND with the side inputs, the neighbours and vectors of
# PREFIX and the --positives, then ARGS.
rank() { # STEP PREFIX SUBCOMMAND ARGS...
	rstep=$1 rp=$2 rsub=$3
	shift 3
	[ -z "$tower" ] || set -- --tower "$tower" "$@"
	step "$rstep" ig-rank "$rsub" ${items:+--items "$items"} ${follows:+--follows "$follows"} \
		${topics:+--topics "$topics"} --neighbors "$w/$rp.$featnbrs.tsv.gz" ${vec:+--vectors "$vec"} \
		--positives "$positives" "$@"
}

# The funnel up to the second ranking stage, which keeps KEEP2 rows:
# OUT/candidates.tsv.gz, ranked1.tsv.gz, ranked.tsv.gz and the models.
rank_lists() { # KEEP2
	keep_second=$1
	# 1. Ranking examples from each user's last 20% (--window) of TRAIN, with
	# features from the fit part before it (ig-eval split). With
	# impressions in that window, a row is an impression labelled by what
	# followed it: the heads learn P(event | shown), what a feed gets. Without
	# them, a row is a candidate retrieved from the fit part, labelled by the
	# window's events on it: P(shown and event), exposure and engagement mixed.
	step split ig-eval split --holdout "$window" --test-all --positives "$positives" -o "$w/fit" "$train"
	if ! gzip -dcf "$w/fit.test.tsv.gz" | grep -qv '^#'; then
		# Histories too short for the share to hold out an event (20% of 2
		# rounds to 0): the window is each user's last event instead.
		step split ig-eval split --holdout 1 --test-all --positives "$positives" -o "$w/fit" "$train"
		note "label window: each user's last event (no user has enough events for $window of them to be one)"
	fi
	# shellcheck disable=SC2046
	set -- $(gzip -dcf "$w/fit.test.tsv.gz" | awk -F'\t' '!/^#/ { if ($4 == "impression") n++; u[$2] = 1 }
		END { k = 0; for (x in u) k++; print n + 0, k }')
	nimpr=$1 nusers=$2
	# The item neighbours: without impressions in the label window,
	# cosine's in retrieval and, in the ranking features, EASE's weights
	# over the 0/1 matrix of the engagements and the --positives events, a
	# rating of 1 or 2 (see_less) included when it is one (ig-cooccur(1)):
	# on eleven validation cuts of ten data sets as good as the better of
	# the two lists in both places, with no choice to make (bench/
	# events_only.md; session logs, whose held-out views are mostly of
	# rare items, gain by cosine's, ratings by EASE's); with impressions,
	# cosine. --similarity overrides.
	sim=$similarity
	if [ -z "$sim" ] && [ "$nimpr" -gt 0 ]; then
		sim=cosine
	elif [ -z "$sim" ]; then
		sim=cosine,ease
		printf "%s: item neighbours: cosine's in retrieval, EASE's in the ranking features (no impressions in the label window; --similarity sets them)\n" "$prog" >&2
	fi
	# The two-tower score: without impressions it gained on two validation
	# cuts of seven (ML-100K +0.019 NDCG@20, a YOOCHOOSE-like file +0.014)
	# and was level on the others; with them (the closed loop's world) level
	# at five times the models' training (bench/events_only.md).
	if [ -z "$withtower" ] && [ "$nimpr" -gt 0 ]; then
		withtower=0
	elif [ -z "$withtower" ]; then
		withtower=1
		printf '%s: two-tower score: on (no impressions in the label window; --no-tower turns it off)\n' "$prog" >&2
	fi
	easew="$(printf '%s' "$positives" | awk -F, '{
		n = split("view,like,comment,share,save,follow," $0, t, ",")
		for (i = 1; i <= n; i++) if (t[i] != "" && !(t[i] in seen)) { seen[t[i]] = 1; printf "%s%s=1", s, t[i]; s = "," } }')"
	fitnbrs=''
	[ "$sim" != auto ] || choose_similarity
	retsim=${sim%%,*} featsim=${sim#*,} featnbrs=nbrs
	[ "$featsim" = "$retsim" ] || featnbrs=rank-nbrs
	models fit "$w/fit.train.tsv.gz"
	# Training holds its examples in memory (ig-rank(1) MEMORY, about 560
	# bytes a row): past --max-examples rows they come from one hash shard of
	# the users, a uniform sample of them, and every model still sees all.
	exrows=$nimpr
	[ "$nimpr" -gt 0 ] || exrows=$((nusers * ncand))
	exshard=$shard
	if [ -z "$shard" ] && [ "$exrows" -gt "$maxex" ]; then
		exshard="0/$(((exrows + maxex - 1) / maxex))"
		note "ranking examples from the users of shard $exshard (about $exrows rows in all; --max-examples $maxex)"
	fi
	# shellcheck disable=SC2046
	if [ "$nimpr" -gt 0 ]; then
		examples=impressions
		# The heads are P(event | shown): their sum over the engagements is
		# the expected engagements per impression, the feed's value (any and
		# view add little but noise to it; validation world,
		# bench/closed_loop.md).
		[ -n "$value" ] || value=like=1,comment=1,share=1,save=1
		# with --shard, the history of the shard's users only is held and
		# the others' impressions are skipped; item tables count everyone.
		# --fresh-sessions: an impression sees the window's sessions before
		# its own, as the feed sees the history at serving (validation world
		# seed 2: 0.6307 -> 0.6348 of the oracle's shares, mean of training
		# seeds 1-5; bench/closed_loop.md)
		rank features fit features --fresh-sessions ${exshard:+--shard "$exshard"} --history "$w/fit.train.tsv.gz" \
			--impressions "$w/fit.test.tsv.gz" --heads "$heads" "$fast" -o "$w/examples.tsv.gz"
	else
		examples=candidates
		note "no impressions: the ranking heads learn from candidates labelled by the next window's events"
		# A head is then P(an event of its type on the item in the window);
		# the user's future events of the --positives types are what a feed
		# is judged by, and the any head is the chance of one: the value is
		# that chance (validation cuts of four data sets;
		# bench/events_only.md).
		[ -n "$value" ] || value=any=1
		retrieve fit "$w/fit.train.tsv.gz" "$w/fit.test.tsv.gz" "$w/fit.cand.tsv.gz" "$exshard"
		rank features fit features ${exshard:+--shard "$exshard"} --history "$w/fit.train.tsv.gz" \
			--labels "$w/fit.test.tsv.gz" --heads "$heads" "$fast" -o "$w/examples.tsv.gz" "$w/fit.cand.tsv.gz"
	fi
	# the fit part, its candidates and its models are read no more
	drop "$w/fit.train.tsv.gz" "$w/fit.test.tsv.gz" "$w/fit.cand.tsv.gz" "$w/fit.nbrs.tsv.gz" \
		"$w/fit.rank-nbrs.tsv.gz" "$w/fit.vec.gz" "$w/fit.hnsw" "$w/fit.anbrs.tsv.gz"
	drop "$w/fit.tower.users.vec" "$w/fit.tower.items.vec"
	unranked=''
	gzip -dcf "$w/examples.tsv.gz" | grep -qv '^#' || no_examples
	if [ -z "$unranked" ]; then
		step train-second ig-rank train -@ "$threads" --seed "$seed" -o "$out/second.model" "$w/examples.tsv.gz"
		step train-first ig-rank train -@ "$threads" --seed "$seed" --stage first --distill "$out/second.model" \
			-o "$out/first.model" "$w/examples.tsv.gz"
	else
		note "ranking stages: no models (no ranking examples), the candidates' own order"
		examples=none
	fi
	drop "$w/examples.tsv.gz"

	# 2. Serving: the models again on the whole of TRAIN, then the funnel.
	models all "$train"
	# Each stream's items per user and users (the summary's) are counted
	# by the step that reads it, in its summary line: none is read again.
	v2=${value2:-$value} piped=0
	if [ -z "$unranked" ] && [ "$keepint" = 0 ] && can_pipe; then
		# Without --keep-intermediate the candidates and the first stage's
		# rows go from step to step through pipes, never to disk: the
		# disk holds the second stage's rows at most (ig-funnel(1) DISK).
		piped=1
		pipe_begin
		retrieve all "$train" "$users" - "$shard"
		rank rank-first all score -@ "$threads" -m "$out/first.model" ${shard:+--shard "$shard"} --history "$train" \
			${value:+--value "$value"} --keep "$keep1" -u -
		rank rank-second all score -@ "$threads" -m "$out/second.model" ${shard:+--shard "$shard"} --history "$train" \
			${v2:+--value "$v2"} --keep "$keep_second" "$fast" -o "$out/ranked.tsv.gz" -
		pipe_end
		n_cand=$(read_counts rank-first -) n_ranked1=$(read_counts rank-second -)
		drop "$w/all.hnsw" "$w/all.anbrs.tsv.gz"
		[ "$users" != "$w/users.in" ] || drop "$users"
		return
	fi
	retrieve all "$train" "$users" "$out/candidates.tsv.gz" "$shard"
	# the index and the author neighbours serve retrieval alone
	drop "$w/all.hnsw" "$w/all.anbrs.tsv.gz"
	[ "$users" != "$w/users.in" ] || drop "$users"
	if [ -z "$unranked" ]; then
		rank rank-first all score -@ "$threads" -m "$out/first.model" ${shard:+--shard "$shard"} --history "$train" \
			${value:+--value "$value"} --keep "$keep1" "$fast" -o "$out/ranked1.tsv.gz" "$out/candidates.tsv.gz"
		n_cand=$(read_counts rank-first "$out/candidates.tsv.gz")
		drop "$out/candidates.tsv.gz"
		rank rank-second all score -@ "$threads" -m "$out/second.model" ${shard:+--shard "$shard"} --history "$train" \
			${v2:+--value "$v2"} --keep "$keep_second" "$fast" -o "$out/ranked.tsv.gz" "$out/ranked1.tsv.gz"
		n_ranked1=$(read_counts rank-second "$out/ranked1.tsv.gz")
		drop "$out/ranked1.tsv.gz"
	else
		unranked_stage "$out/candidates.tsv.gz" "$keep1" "$out/ranked1.tsv.gz"
		n_cand=$(cut -f1,2 "$w/unranked.n") n_ranked1=$(cut -f3,4 "$w/unranked.n")
		drop "$out/ranked1.tsv.gz"
		unranked_stage "$out/candidates.tsv.gz" "$keep_second" "$out/ranked.tsv.gz"
		drop "$out/candidates.tsv.gz" "$w/unranked.n"
	fi
}
# The one ig-diversify command of the funnel and of tune: KNOBS come
# after --diversify's options, so that they win.
diversify() { # NAME RANKED FEED [KNOBS]
	ditems=${items:-$w/no-items.tsv} # (prepare_out's stand-in)
	# shellcheck disable=SC2086
	step "$1" ig-diversify -@ "$threads" --seed "$seed" --items "$ditems" \
		${topics:+--topics "$topics"} ${vec:+--vectors "$vec"} --events "$train" \
		${epsilon:+--epsilon "$epsilon"} ${reshow:+$reshow_dopts} $dopts ${4:-} -n "$length" -o "$3" "$2"
}

# OUT/rerank.sh (with --keep-intermediate): the second ranking stage and
# ig-diversify of this run again, as the steps above ran them, on
# OUT/ranked1.tsv.gz and a newer history: the hourly re-rank of the
# README's crontab. The commands are the funnel's own, recorded by step
# (as for a pipe) with stand-ins for what changes: the folder, read from
# the script's own place so that OUT may be renamed (the cron job's
# 'mv next nightly'), the history and the feed. Side inputs are made
# absolute, the job's directory being the script's caller's.
write_rerank() (
	items=${items:+$(canon "$items")} follows=${follows:+$(canon "$follows")} topics=${topics:+$(canon "$topics")}
	out='$here' w='$here/work' train='$history'
	vec=${vec:+$w/${vec##*/}} tower=${tower:+$w/${tower##*/}}
	piping=1 np=0
	rank rank-second all score -@ "$threads" -m "$out/second.model" ${shard:+--shard "$shard"} --history "$train" \
		${v2:+--value "$v2"} --keep "$keep2" "$fast" -o '$ranked' "$out/ranked1.tsv.gz"
	diversify diversify '$ranked' '$feed'
	{
		printf '#!/bin/sh\n'
		printf '# Written by ig-funnel %s with --keep-intermediate: its second ranking\n' "$(ig-rank --version 2>/dev/null | awk '{ print $NF; exit }')"
		printf '# stage and ig-diversify again, on the first stage'"'"'s rows of its run\n'
		printf '# (ranked1.tsv.gz beside this script) and HISTORY, the events up to now:\n'
		printf '# the hourly re-rank (ig-funnel(1), --keep-intermediate). FEED is written whole or not at all.\n'
		printf '#   sh rerank.sh HISTORY FEED\n'
		printf 'set -eu\n'
		printf '[ $# -eq 2 ] || { echo "usage: sh $0 HISTORY FEED" >&2; exit 2; }\n'
		printf 'here=$(cd "$(dirname "$0")" && pwd) history=$1 feed=$2\n'
		printf 'tmp=$(mktemp -d "${TMPDIR:-/tmp}/ig-rerank.XXXXXX")\n'
		printf 'trap '"'"'rm -rf "$tmp"'"'"' EXIT\n'
		printf 'trap '"'"'exit 1'"'"' HUP INT TERM\n'
		printf 'ranked=$tmp/ranked.tsv.gz\n'
		printf '%s\n%s\n' "$pc_1" "$pc_2" | sed -e "s|'\\\$here/|\"\$here\"'/|g" \
			-e "s|'\\\$history'|\"\$history\"|g" -e "s|'\\\$ranked'|\"\$ranked\"|g" -e "s|'\\\$feed'|\"\$feed\"|g"
	}
)

serve() {
	prepare_out
	uname=$users
	if [ "$users" = - ]; then
		# read once, by ig-retrieve after the training: kept till then
		uname="USERS_EVENTS (standard input)" users=$w/users.in
		cat >"$users" || die "$uname: cannot be read"
		disk_at users.in
	fi
	# no event to train on, or no user to serve: said before the training
	has_rows "$train" "$train" || die "$train: no events: nothing to train on"
	has_rows "$users" "$uname" || die "$uname: no user in it (only comments or blank lines): no feed to make"
	# its ids as ig-retrieve reads them after the training: a bad line
	# stops the run now, with ig-retrieve's message
	printf '#ig:events/1\tts\tuser\titem\tevent\tvalue\n' >"$w/users.chk"
	msg=$(ig-retrieve -q --users "$users" -o /dev/null "$w/users.chk" 2>&1 </dev/null) ||
		{ rm -f "$w/users.chk"; printf '%s\n' "$msg" >&2; exit 1; }
	rm -f "$w/users.chk"
	rank_lists "$keep2"
	diversify diversify "$out/ranked.tsv.gz" "$out/feed.tsv.gz"
	n_ranked=$(read_counts diversify "$out/ranked.tsv.gz")
	if [ "$keepint" = 1 ] && [ -z "$unranked" ]; then
		write_rerank >"$out/rerank.sh.tmp" && chmod +x "$out/rerank.sh.tmp" && mv "$out/rerank.sh.tmp" "$out/rerank.sh" ||
			{ rm -f "$out/rerank.sh.tmp"; die "$out/rerank.sh: cannot be written"; }
	fi
	# the serving models are read no more
	drop "$out/ranked.tsv.gz" "$w/no-items.tsv"
	drop_serving_models
	# the feed's users, one a line, and its items per user and users
	gzip -dcf "$out/feed.tsv.gz" | awk -F'\t' -v counts="$w/feed.n" '!/^#/ { n++; if ($1 != last) { print $1; last = $1; k++ } }
		END { if (k) printf "%.1f\t%d\n", n / k, k >counts; else printf "0\t0\n" >counts }' >"$w/feed.users" ||
		die "$w/feed.users: cannot be written"
	n_feed=$(cat "$w/feed.n")
	rm -f "$w/feed.n"
	{
		printf 'stage\titems_per_user\tusers\treal_s\tcpu_s\tpeak_mb\tdisk_mb\toutput\n'
		# shellcheck disable=SC2086
		printf 'train models\t-\t-\t%s\t%s\t%s\n' "$(cost $train_steps)" "$(disk_of prepare users.in $train_steps)" \
			"$([ -z "$unranked" ] && echo "first.model second.model" || echo "none (no ranking examples)")"
		printf 'retrieve\t%s\t%s\t%s\t%s\n' "$n_cand" "$(cost all.retrieve)" "$(disk_of all.retrieve)" "$(kept candidates.tsv.gz piped)"
		printf 'rank first\t%s\t%s\t%s\t%s\n' "$n_ranked1" "$(cost rank-first)" "$(disk_of rank-first unranked)" "$(kept ranked1.tsv.gz piped)"
		printf 'rank second\t%s\t%s\t%s\t%s\n' "$n_ranked" "$(cost rank-second)" "$(disk_of rank-second)" "$(kept ranked.tsv.gz)"
		printf 'diversify\t%s\t%s\t%s\t%s\n' "$n_feed" "$(cost diversify)" "$(disk_of diversify)" feed.tsv.gz
	} >"$out/summary.tsv.tmp" && mv "$out/summary.tsv.tmp" "$out/summary.tsv" || { rm -f "$out/summary.tsv.tmp"; die "$out/summary.tsv: cannot be written"; }
	column -t -s "$(printf '\t')" "$out/summary.tsv" >&2 2>/dev/null || cat "$out/summary.tsv" >&2
	[ -n "$skipped" ] && printf '%s: skipped: %s\n' "$prog" "${skipped%; }" >&2
	# Users retrieval had nothing for (every item already theirs) get no
	# feed: say how many, so that a short feed file is not a surprise.
	nocand=$(sed -n 's/.* \([0-9]*\) with no candidate).*/\1/p' "$out/logs/all.retrieve.log")
	[ "${nocand:-0}" -eq 0 ] || printf '%s: %s users have no feed: retrieval found no candidate for them (no item left that they have not had)\n' \
		"$prog" "$nocand" >&2
	# Users without an event in TRAIN (new users) are served from the
	# sources that need no history (ig-retrieve(1) Cold start); when no
	# user of the feed has one, USERS_EVENTS is likely of other data.
	if [ -s "$w/feed.users" ]; then
		# shellcheck disable=SC2046
		set -- $(gzip -dcf "$train" | awk -F'\t' 'NR == FNR { u[$0] = 1; n++; next }
			/^#ig:/ { for (i = 2; i <= NF; i++) if ($i == "user") c = i - 1; next }
			/^#/ { next }
			{ x = $(c ? c : 2); if (x in u) { delete u[x]; n-- } }
			END { print n + 0, FNR }' "$w/feed.users" -)
		nfeed=$(wc -l <"$w/feed.users" | tr -d ' ')
		if [ "$1" -eq "$nfeed" ]; then
			printf '%s: warning: none of the %s users of the feed has an event in %s: each feed is the new users'"'"' (popularity, trending, fresh items); are the user ids of %s those of %s?\n' \
				"$prog" "$nfeed" "$train" "$uname" "$train" >&2
		elif [ "$1" -gt 0 ]; then
			printf '%s: %s of the %s users of the feed have no event in %s: new users, served from popularity, trending and fresh items (ig-retrieve(1) Cold start)\n' \
				"$prog" "$1" "$nfeed" "$train" >&2
		fi
	fi
	drop "$w/feed.users"
	[ "$keepint" = 1 ] || rmdir "$w" 2>/dev/null || :
	printf '%s: feed of %s users in %s/feed.tsv.gz; ranking examples: %s; peak disk %s MB; %d s\n' "$prog" \
		"$(printf '%s\n' "$n_feed" | cut -f2)" "$out" "$examples" "$(disk_mb)" $(($(date +%s) - start)) >&2
}

# --- ig-funnel tune: the search -----------------------------------------
# One setting: the second stage's lists re-scored by SPEC, diversified
# with KNOBS, measured against the validation events; the row goes to
# the table, M holds the metric. Returns 1 for a setting tried before.
# The validation feed of one setting, in FEED.
feed_of() { # SPEC KNOBS FEED
	if [ -n "$1" ]; then
		step tune.value ig-rank value -u --value "$1" --keep "$keep2" -o "$w/tune.ranked.tsv" "$out/ranked.tsv.gz"
	else
		# no ranking models (no examples): the candidates' own order, as
		# the funnel serves them (ig-rank value refused the empty SPEC)
		unranked_stage "$out/ranked.tsv.gz" "$keep2" "$w/tune.ranked.tsv"
	fi
	diversify tune.diversify "$w/tune.ranked.tsv" "$3" "-u $2"
}
measure() { # SEARCH SPEC KNOBS
	awk -F'\t' -v v="$2" -v d="${3:--}" '$2 == v && $3 == d { f = 1 } END { exit !f }' "$rows" && return 1
	feed_of "$2" "$3" "$w/tune.feed.tsv"
	step tune.eval ig-eval metrics -u --tsv --bootstrap 0 -k "$at" --positives "$target" -t "$valid" \
		--train "$train" -o "$w/tune.metrics.tsv" "$w/tune.feed.tsv"
	m=$(awk -F'\t' -v m="$metric" '$1 == m { print $3 }' "$w/tune.metrics.tsv")
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "${3:--}" "$m" >>"$rows"
	runs=$((runs + 1))
	[ $verbose = 0 ] || printf '%s: tune: %s %s %s %s\n' "$prog" "$1" "$2" "${3:--}" "$m" >&2
}

# The diversity knobs of GRIDS (OPTION:X,Y,...), one pass, each over its
# values with the others held.
search_knobs() { # GRIDS
	for g in $1; do
		for x in $(printf '%s\n' "${g#*:}" | tr ',' ' '); do
			try=$(with_knob "$knobs" "${g%%:*}" "$x")
			measure diversify "$spec" "$try" || continue
			if better "$m" "$best"; then best=$m knobs=$try; fi
		done
	done
}

tune() {
	prepare_out
	has_rows "$train" "$train" || die "$train: no events: nothing to tune on"
	step tune.split ig-eval split ${ties:+"$ties"} --seed "$seed" --holdout 20% --positives "$positives" -o "$out/valid" "$train"
	if ! gzip -dcf "$out/valid.test.tsv.gz" | grep -qv '^#'; then
		# (grep finds nothing to print when the split said nothing: set -e
		# ended the script there, silently, with exit 1)
		grep -v ' s real, ' "$out/logs/tune.split.log" >&2 || :
		# (ig-eval split said why, above: too few events, or none of a
		# --positives type)
		die "$train: the validation cut (each user's last 20%, of the --positives $positives) is empty: nothing to tune on"
	fi
	# the funnel on the rest, for the validation users; the second stage
	# keeps all the first's rows, so that a value model that lifts a row
	# past the --keep2th is measured as ig-funnel --value2 would keep it
	train=$out/valid.train.tsv.gz users=$out/valid.test.tsv.gz valid=$out/valid.test.tsv.gz
	rank_lists "$keep1"
	rows=$w/tune.rows
	: >"$rows"
	runs=0 knobs=''
	heads=$(stream_heads "$out/ranked.tsv.gz")
	spec=''
	[ -z "$heads" ] || spec=$(full_spec "${value2:-$value}" "$heads")
	heads=$(stream_heads "$out/ranked.tsv.gz" varying)
	spec0=$spec
	measure default "$spec" ''
	default_m=$m best=$m
	if [ -n "$heads" ]; then
		search_value "$heads"
	else
		note "value weights not searched: no ranking model, or no head that varies"
	fi
	# the MMR weight and band (over topics, or the ig2vec vectors), the
	# author window (ig-funnel's 2, none, 3, 4) and a topic cap (none, 3,
	# 5, 8); without --items there are no authors or topics to space
	mmr='--lambda:0.3,0.5,0.6,0.8,0.9,1 --band:0,0.06,0.25,0.5'
	if [ -n "$items" ]; then
		search_knobs "$mmr --author-window:0,3,4 --topic-cap:3,5,8"
	elif [ -n "$vec" ]; then
		search_knobs "$mmr"
		note "author window and topic cap not searched: without --items there are no authors or topics"
	else
		note "diversity knobs not searched: no --items and no item vectors"
	fi
	# The best against the default, paired over the validation users: a
	# gain within chance (a small cut: 4 users of tiny data made an
	# all-zero --value2 'best') is said to be.
	gain=''
	if [ "$spec" != "$spec0" ] || [ -n "$knobs" ]; then
		feed_of "$spec" "$knobs" "$w/tune.best.tsv"
		feed_of "$spec0" '' "$w/tune.feed.tsv"
		step tune.compare ig-eval compare -u --tsv --seed "$seed" -k "$at" --positives "$target" -t "$valid" \
			--train "$train" -o "$w/tune.compare.tsv" "$w/tune.best.tsv" "$w/tune.feed.tsv"
		gain=$(awk -F'\t' -v m="$metric" '$1 == m { printf "%+.4f [%+.4f, %+.4f] over %d users (paired bootstrap)%s", $5, $6, $7, $10,
			($6 > 0 ? "" : ": within chance, the defaults are the safer choice") }' "$w/tune.compare.tsv")
	fi
	{
		printf 'search\tvalue2\tdiversify\t%s@%s\n' "$metric" "$at"
		cat "$rows"
	} >"$out/tune.tsv.tmp" && mv "$out/tune.tsv.tmp" "$out/tune.tsv" || { rm -f "$out/tune.tsv.tmp"; die "$out/tune.tsv: cannot be written"; }
	# the second stage's lists and the serving models, read by the search
	drop "$out/ranked.tsv.gz" "$w/no-items.tsv" "$w/tune.ranked.tsv" "$w/tune.feed.tsv" "$w/tune.metrics.tsv" \
		"$rows" "$w/unranked.n" "$w/tune.best.tsv" "$w/tune.compare.tsv"
	drop_serving_models
	[ "$keepint" = 1 ] || rmdir "$w" 2>/dev/null || :
	opts=''
	[ "$spec" = "$spec0" ] || opts="--value2 '$(nonzero "$spec")'"
	[ -z "$knobs" ] || opts="$opts${opts:+ }--diversify '$knobs'"
	[ -n "$skipped" ] && printf '%s: skipped: %s\n' "$prog" "${skipped%; }" >&2
	printf '%s: tune: %d settings, each one ig-rank value, ig-diversify and ig-eval metrics run, in %s/tune.tsv; peak disk %s MB; %d s\n' \
		"$prog" "$runs" "$out" "$(disk_mb)" $(($(date +%s) - start)) >&2
	nvalid=$(gzip -dcf "$valid" | awk -F'\t' '!/^#/ && !($2 in u) { u[$2] = 1; n++ } END { print n + 0 }')
	[ -n "$opts" ] || printf '%s: tune: the defaults are best (options: none)\n' "$prog" >&2
	[ -z "$gain" ] || printf '%s: tune: the best minus the default: %s\n' "$prog" "$gain" >&2
	{
		printf 'metric\t%s@%s of the feed, counting %s, %s users of %s\n' "$metric" "$at" "$target" "$nvalid" "$valid"
		printf 'default\t%s\n' "$default_m"
		printf 'best\t%s\n' "$best"
		printf 'options\t%s\n' "$opts"
	} 2>/dev/null || die "write error on stdout"
}

start=$(date +%s)
if [ $mode = tune ]; then tune; else serve; fi
