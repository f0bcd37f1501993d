#!/usr/bin/env bash
# The stock main.cf/master.cf of the releases a host upgrades *from* onto RHEL 9 and 10,
# as the installed RPM leaves them: ../shared/data/stock/rhel-like/<dir> (the source
# tree's files with the distribution's config patch) with the install-path parameters the
# RPM build writes (postfix-install's post-install step, `postconf -e`) filled in with
# the RHEL package's values. They are the "base" of the three-way .rpmnew analysis.
# Usage: data/stock/gen.sh [SHARED_STOCK_DIR]   (needs the real postconf)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../../../shared/data/stock/rhel-like}
for d in el8-3.5.8 el9-3.5.9; do
    rm -rf "${here:?}/$d"
    mkdir -p "$here/$d"
    cp "$src/$d/main.cf" "$src/$d/master.cf" "$here/$d/"
    postconf -c "$here/$d" -e \
        "sendmail_path = /usr/sbin/sendmail.postfix" \
        "newaliases_path = /usr/bin/newaliases.postfix" \
        "mailq_path = /usr/bin/mailq.postfix" \
        "setgid_group = postdrop" \
        "html_directory = no" \
        "manpage_directory = /usr/share/man" \
        "sample_directory = /usr/share/doc/postfix/samples" \
        "readme_directory = /usr/share/doc/postfix/README_FILES" \
        "meta_directory = /etc/postfix" \
        "shlib_directory = /usr/lib64/postfix"
done
