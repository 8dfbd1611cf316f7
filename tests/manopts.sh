#!/bin/sh
# Every option a tool's --help lists (its own and each subcommand's, the
# subcommands read from the page's SYNOPSIS) is in its man page, and
# every option the page lists as an item (.It Fl) is one its --help
# knows: a help and a page that drift apart fail here. The options every
# tool shares (-o, -u, -l, -@, -T, --seed, --memory, -v, -q, -h, -V) are
# exempt, since pages may describe them once by pointing to ig-formats(5).
# usage: manopts.sh BINDIR PAGE...
bin=$1
shift
common='help version verbose quiet output uncompressed level threads seed memory tmpdir'
status=0
checked=0
tmp=${TMPDIR:-/tmp}/manopts.$$
trap 'rm -f "$tmp".*' EXIT
for page in "$@"; do
	tool=$(basename "$page" .1)
	[ "$tool" != "$page" ] && [ -x "$bin/$tool" ] || continue
	subs=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$page" |
		awk 'prev == ".Nm" && $1 == ".Cm" { print $2 } { prev = $0 }' | sort -u)
	{
		"$bin/$tool" --help
		for s in $subs; do "$bin/$tool" "$s" --help; done
	} 2>&1 | grep -o -e '--[a-z][a-z0-9-]*' | sort -u >"$tmp.help"
	# \- is mdoc's minus; an option is named after "Fl " or ", " (Fl x , -long).
	sed 's/\\-/-/g' "$page" >"$tmp.page"
	grep -o -e 'Fl -[a-z][a-z0-9-]*' -e ', -[a-z][a-z0-9-]*' "$tmp.page" |
		sed 's/^[^-]*-/--/' | sort -u >"$tmp.named"
	grep -e '^\.It Fl' "$tmp.page" | grep -o -e 'Fl -[a-z][a-z0-9-]*' -e ', -[a-z][a-z0-9-]*' |
		sed 's/^[^-]*-/--/' | sort -u >"$tmp.items"
	for o in $(comm -23 "$tmp.help" "$tmp.named"); do
		case " $common " in *" ${o#--} "*) continue ;; esac
		echo "$page: $o is in $tool's --help but not in the page"
		status=1
	done
	for o in $(comm -23 "$tmp.items" "$tmp.help"); do
		case " $common " in *" ${o#--} "*) continue ;; esac
		echo "$page: $o is an item of the page but not in $tool's --help"
		status=1
	done
	checked=$((checked + 1))
done
[ $status = 0 ] && echo "manopts: $checked pages agree with their tools' --help" ||
	echo "manopts: pages and --help disagree above"
exit $status
