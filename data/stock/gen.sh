#!/usr/bin/env bash
# The stock main.cf/master.cf of the releases a host upgrades from and to (RHEL 8, 9, 10),
# as the installed RPM leaves them: ../shared/data/stock/rhel-like/<dir> (the source
# tree's files with the distribution's config patch) with the install-path parameters the
# RPM build writes (postfix-install's post-install step, `postconf -e`) filled in with
# the RHEL package's values. el8/el9 are the "base" of the three-way .rpmnew merge (the
# release the host came from); el10 is what RHEL 10's package installs (its main.cf.rpmnew
# on an upgraded host): the approximation of 3.8.5 with the changes the RHEL 10 build's
# %prep makes to conf/main.cf (alias tables lmdb:, `default_database_type = lmdb`).
# Usage: data/stock/gen.sh [SHARED_STOCK_DIR]   (needs the real postconf)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../../../shared/data/stock/rhel-like}
for d in el8-3.5.8 el9-3.5.9 el10-3.8.5; do
    from=$d
    [ "$d" = el10-3.8.5 ] && from=el10-3.8.5-approx
    rm -rf "${here:?}/$d"
    mkdir -p "$here/$d"
    cp "$src/$from/main.cf" "$src/$from/master.cf" "$here/$d/"
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
    if [ "$d" = el10-3.8.5 ]; then
        postconf -c "$here/$d" -e \
            "alias_maps = lmdb:/etc/aliases" \
            "alias_database = lmdb:/etc/aliases" \
            "default_database_type = lmdb"
    fi
done
