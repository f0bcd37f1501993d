#!/usr/bin/env bash
# End-to-end scale bench (issue 12): generate a large RHEL 9 root with N master.cf services
# and thousands of tables, then time whole processes of the release build side by side
# with Postfix's own postconf on the same files, and print peak RSS.
#
#   benches/scale.sh                 # N = 200 600 2000
#   benches/scale.sh 200 600 2000    # the same, explicitly
#   BENCH_MEMORY=1 benches/scale.sh 6000   # our commands only (no postconf): peak memory
#   BENCH_BIN=/tmp/old-build benches/scale.sh  # time another binary (before/after tables)
#
# N counts customers, as a hosting relay has them: each gets an inbound smtpd on its own
# address, with `-o` overrides in both forms (`-o name=value` and `-o { name = value }`)
# that name hash:, btree: and lmdb: tables, and an outbound smtp transport bound to that
# address (`outN unix ... smtp -o smtp_bind_address=...`), so master.cf has 2N services.
# main.cf has map lists with hash:/btree:/lmdb: members. Every table has its text source
# on disk. The outbound transports matter for the comparison: each delivery transport
# gives postconf a dozen service-defined parameters (`outN_destination_concurrency_limit`,
# ...) whose defaults it scans against every master.cf entry, so `postconf -M` grows with
# the square of them; with inbound services alone it is linear.
#
# Numbers are CPU seconds (user+sys) and wall seconds of one run, and the peak RSS of that
# run. GNU time counts CPU in steps of 10 ms, too coarse for a command that takes a few
# hundredths of a second, so with perf a command under a second of CPU is timed again as
# the mean of BENCH_REPEAT (10) runs of `perf stat -e task-clock`. `xM` is CPU time
# relative to `postconf -M` on the same files. Never a timed test: the figures depend on
# the machine; read them side by side.
#
# `fix -y` is a real fix on a copy of the generated root: it edits main.cf and master.cf,
# runs postconf to validate and postmap/postalias to build every lmdb table, and re-checks.
# Its CPU time is split honestly: GNU time gives the whole process tree (our process and
# every Postfix tool it waited for), `perf stat --no-inherit -e task-clock` gives our
# process alone; the Postfix tools' share is the difference. (Its peak RSS is the largest
# of the tree's processes.) Without perf the split is shown as `-`.
#
# After the table, `growth` gives each command's CPU time at every size relative to the
# first size (10x the input at most 12x the time is the target for check, check --format
# leapp and fix --dry-run).
#
# Needs: cargo, GNU time (/usr/bin/time, Debian package `time`), postconf, postmap, jq;
# perf (Debian package `linux-perf`) for the fix -y split.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(200 600 2000)
memory_only=${BENCH_MEMORY:-0}
# runs averaged for a command under a second of CPU (with perf)
REPEAT=${BENCH_REPEAT:-10}

for tool in /usr/bin/time jq; do
    command -v "$tool" >/dev/null || { echo "scale.sh: $tool is missing (apt-get install time jq)" >&2; exit 2; }
done
if [ "$memory_only" != 1 ]; then
    for tool in postconf postmap; do
        command -v "$tool" >/dev/null || { echo "scale.sh: $tool is missing" >&2; exit 2; }
    done
fi

# BENCH_BIN=PATH times another build (e.g. a copy of the release binary of main)
if [ -n "${BENCH_BIN:-}" ]; then
    bin=$BENCH_BIN
else
    cargo build --release --quiet --bin postfix-preupgrade
    bin=$PWD/target/release/postfix-preupgrade
fi
stock=$PWD/../shared/data/stock/rhel-like/el9-3.5.9
[ -f "$stock/main.cf" ] || stock=$PWD/examples/rhel9-mailhost/etc/postfix

work=$(mktemp -d "${TMPDIR:-/tmp}/pp-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT

# generate ROOT N
generate() {
    local root=$1 n=$2 i t kind members
    mkdir -p "$root/etc/postfix/cust" "$root/etc/postfix/maps" "$root/var/lib/rpm"
    cp examples/rhel9-mailhost/etc/os-release "$root/etc/os-release"
    printf 'root: postmaster\n' >"$root/etc/aliases"
    cp "$stock/main.cf" "$root/etc/postfix/main.cf"
    cp "$stock/master.cf" "$root/etc/postfix/master.cf"
    {
        printf 'myhostname = mail.example.com\n'
        printf 'alias_maps = hash:/etc/aliases\nalias_database = hash:/etc/aliases\n'
        # map lists: N/10 members each, cycling hash: btree: lmdb:
        for param in virtual_alias_maps transport_maps sender_canonical_maps; do
            members=()
            for ((i = 0; i < n / 10; i++)); do
                case $((i % 3)) in 0) t=hash ;; 1) t=btree ;; *) t=lmdb ;; esac
                members+=("$t:/etc/postfix/maps/${param}_$i")
                printf 'key%s value%s\n' "$i" "$i" >"$root/etc/postfix/maps/${param}_$i"
            done
            printf '%s =' "$param"
            for t in "${members[@]}"; do printf '\n    %s,' "$t"; done
            printf '\n'
        done
    } >>"$root/etc/postfix/main.cf"
    {
        printf 'smtps     inet  n       -       n       -       -       smtpd\n'
        printf '  -o syslog_name=postfix/smtps\n  -o smtpd_tls_wrappermode=yes\n'
        for ((i = 0; i < n; i++)); do
            printf '10.%d.%d.%d:smtp inet n - n - - smtpd\n' $((i / 65536)) $((i / 256 % 256)) $((i % 256))
            printf '  -o syslog_name=postfix/cust%d\n' "$i"
            printf '  -o { smtpd_client_restrictions = check_client_access hash:/etc/postfix/cust/c%d.access, permit_mynetworks, reject }\n' "$i"
            printf '  -o smtpd_sender_restrictions=check_sender_access,btree:/etc/postfix/cust/c%d.senders\n' "$i"
            printf '  -o { smtpd_recipient_restrictions = check_recipient_access lmdb:/etc/postfix/cust/c%d.rcpt, permit_mynetworks, reject_unauth_destination }\n' "$i"
            printf '  -o smtpd_banner=$myhostname ESMTP cust%d\n' "$i"
            printf 'out%d unix - - n - - smtp\n' "$i"
            printf '  -o smtp_bind_address=10.%d.%d.%d\n' $((i / 65536)) $((i / 256 % 256)) $((i % 256))
            printf '  -o { smtp_helo_name = cust%d.example }\n' "$i"
            for kind in access senders rcpt; do
                printf 'c%d.example OK\n' "$i" >"$root/etc/postfix/cust/c$i.$kind"
            done
        done
    } >>"$root/etc/postfix/master.cf"
}

# measure OUTFILE split|whole CMD...: prints "cpu wall rss_kb own_cpu" (own_cpu, with
# `split`: our process alone, from perf stat --no-inherit, or - without perf)
have_perf=0
if command -v perf >/dev/null && perf stat --no-inherit -e task-clock -x, -o /dev/null true 2>/dev/null; then
    have_perf=1
fi
measure() {
    local out=$1 split=$2 own=-
    shift 2
    # only where the split is wanted: under perf, GNU time's peak RSS would be perf's own
    if [ "$split" = split ] && [ "$have_perf" = 1 ]; then
        /usr/bin/time -f '%U %S %e %M %x' -o "$work/time" \
            perf stat --no-inherit -e task-clock -x, -o "$work/perf" -- "$@" >"$out" 2>"$work/stderr" || true
        own=$(awk -F, '$3 == "task-clock" { printf "%.2f", $1 / 1000 }' "$work/perf")
    else
        /usr/bin/time -f '%U %S %e %M %x' -o "$work/time" "$@" >"$out" 2>"$work/stderr" || true
    fi
    # exit 0/1 are answers (1: inhibitors found); anything else means the run failed
    if ! tail -n 1 "$work/time" | awk '{ exit !($5 == 0 || $5 == 1) }'; then
        echo "scale.sh: failed: $*" >&2
        head -n 5 "$work/stderr" >&2
    fi
    local cpu
    cpu=$(tail -n 1 "$work/time" | awk '{printf "%.3f", $1 + $2}')
    # GNU time counts CPU in steps of 10 ms: a command that takes under a second is timed
    # again by perf, which counts in nanoseconds, as the mean of several runs
    if [ "$split" != split ] && [ "$have_perf" = 1 ] && awk -v c="$cpu" 'BEGIN { exit !(c < 1) }'; then
        if perf stat -r "$REPEAT" -e task-clock -x, -o "$work/perf" -- "$@" >/dev/null 2>&1 ||
            [ -s "$work/perf" ]; then
            cpu=$(awk -F, '$3 == "task-clock" { printf "%.3f", $1 / 1000 }' "$work/perf")
        fi
    fi
    tail -n 1 "$work/time" | awk -v own="${own:--}" -v cpu="$cpu" '{printf "%s %.2f %d %s\n", cpu, $3, $4, own}'
}

common=(--source rhel9 --target rhel10 --postfix-version 3.5.9)
label() {
    case $1 in
        json) echo 'check --format json' ;;
        leapp) echo 'check --format leapp' ;;
        text) echo 'check (text)' ;;
        dry-run) echo 'fix --dry-run' ;;
        fix-y) echo 'fix -y (real, on a copy)' ;;
        postconf-n) echo 'postconf -n' ;;
        postconf-M) echo 'postconf -M' ;;
    esac
}
declare -A all_cpu=()
printf '| N | command | CPU s | wall s | xM (CPU / postconf -M) | peak RSS MB | output | leapp entries | fix -y CPU s: ours / Postfix tools |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for n in "${sizes[@]}"; do
    root=$work/root-$n
    generate "$root" "$n"
    declare -A cpu=() wall=() rss=() size=()
    cmds=(json leapp text dry-run)
    [ "$memory_only" = 1 ] || cmds=(postconf-n postconf-M "${cmds[@]}" fix-y)
    for c in "${cmds[@]}"; do
        out=$work/out-$c
        own=-
        case $c in
            postconf-n) r=$(measure "$out" whole postconf -c "$root/etc/postfix" -n) ;;
            postconf-M) r=$(measure "$out" whole postconf -c "$root/etc/postfix" -M) ;;
            json) r=$(measure "$out" whole "$bin" --root "$root" check --format json "${common[@]}") ;;
            leapp) r=$(measure "$out" whole "$bin" --root "$root" check --format leapp "${common[@]}") ;;
            text) r=$(measure "$out" whole "$bin" --root "$root" check "${common[@]}") ;;
            dry-run) r=$(measure "$out" whole "$bin" --root "$root" fix --dry-run "${common[@]}") ;;
            fix-y)
                rm -rf "$work/fix-root"
                cp -a "$root" "$work/fix-root"
                r=$(measure "$out" split "$bin" --root "$work/fix-root" fix -y "${common[@]}")
                rm -rf "$work/fix-root"
                ;;
        esac
        read -r cpu[$c] wall[$c] rss[$c] own <<<"$r"
        all_cpu[$n:$c]=${cpu[$c]}
        size[$c]=$(stat -c %s "$out")
        entries=
        [ "$c" != leapp ] || entries=$(jq '.entries | length' "$out" 2>/dev/null || echo invalid)
        split=
        if [ "$c" = fix-y ]; then
            split=$(awk -v t="${cpu[$c]}" -v o="$own" 'BEGIN { if (o == "-") print "- / -"; else printf "%.2f / %.2f", o, t - o }')
        fi
        ratio=
        if [ -n "${cpu[postconf-M]:-}" ] && [ "$c" != postconf-M ]; then
            ratio=$(awk -v a="${cpu[$c]}" -v b="${cpu[postconf-M]}" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
        fi
        printf '| %s | %s | %s | %s | %s | %.1f | %s | %s | %s |\n' "$n" "$(label "$c")" "${cpu[$c]}" "${wall[$c]}" \
            "${ratio:--}" "$(awk -v k="${rss[$c]}" 'BEGIN { print k / 1024 }')" \
            "$(numfmt --to=iec "${size[$c]}")" "$entries" "$split"
    done
    unset cpu wall rss size
    rm -rf "$root"
done

# growth: CPU at each size relative to the first (CPU times of 0.00 give -)
if [ ${#sizes[@]} -gt 1 ]; then
    first=${sizes[0]}
    head=
    for n in "${sizes[@]:1}"; do
        head="$head | N=$n ($(awk -v a="$n" -v b="$first" 'BEGIN { printf "%g", a / b }')x the input)"
    done
    printf '\n| CPU time relative to N=%s%s |\n' "$first" "$head"
    printf '|---|%s\n' "$(printf -- '---|%.0s' "${sizes[@]:1}")"
    for c in postconf-n postconf-M json leapp text dry-run fix-y; do
        [ -n "${all_cpu[$first:$c]:-}" ] || continue
        row=
        for n in "${sizes[@]:1}"; do
            g=$(awk -v a="${all_cpu[$n:$c]:-0}" -v b="${all_cpu[$first:$c]}" 'BEGIN { if (b > 0) printf "%.1fx the time", a / b; else print "-" }')
            row="$row | $g"
        done
        printf '| %s%s |\n' "$(label "$c")" "$row"
    done
fi
