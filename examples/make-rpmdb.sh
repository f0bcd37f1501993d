#!/usr/bin/env bash
# Give an example root a real rpm database, as RHEL 9 has it (rpmdb.sqlite): `postfix`
# 3.5.9-24.el9 owning /etc/postfix/main.cf and master.cf as %config(noreplace), with the
# digests of the RHEL 9 stock files, so that the example's edited files show up as
# modified (like `rpm -V`). Built with the real rpmbuild and registered with the real
# rpm (--justdb: only the database is written, the example's own files stay).
#
#   examples/make-rpmdb.sh examples/rhel9-mailhost [STOCK_DIR]
#
# STOCK_DIR holds the stock main.cf/master.cf (default: the RHEL 9 ones in ../shared).
set -euo pipefail
root=$(realpath "$1")
stock=${2:-$(dirname "$0")/../../shared/data/stock/rhel-like/el9-3.5.9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work"/{SPECS,SOURCES,BUILD,RPMS,SRPMS,BUILDROOT}
cp "$stock/main.cf" "$stock/master.cf" "$work/SOURCES/"
for pkg in postfix:3.5.9:24.el9 postfix-pcre:3.5.9:24.el9; do
    IFS=: read -r name version release <<<"$pkg"
    cat >"$work/SPECS/$name.spec" <<SPEC
Name:           $name
Version:        $version
Release:        $release
Summary:        Stand-in for the RHEL 9 $name package (database entry only)
License:        IPL-1.0 OR EPL-2.0
BuildArch:      x86_64
%description
Database entry for an example root of postfix-preupgrade.
%install
$(if [ "$name" = postfix ]; then
    echo 'mkdir -p %{buildroot}/etc/postfix'
    echo 'install -m 644 %{_sourcedir}/main.cf %{_sourcedir}/master.cf %{buildroot}/etc/postfix/'
fi)
%files
$(if [ "$name" = postfix ]; then
    echo '%config(noreplace) /etc/postfix/main.cf'
    echo '%config(noreplace) /etc/postfix/master.cf'
fi)
SPEC
    rpmbuild --quiet -bb --nodeps --define "_topdir $work" --define "_build_id_links none" \
        --define "__brp_strip /bin/true" --target x86_64 "$work/SPECS/$name.spec" >/dev/null
done
rm -rf "$root/var/lib/rpm"
mkdir -p "$root/var/lib/rpm"
rpm --root "$root" --dbpath /var/lib/rpm --define '_db_backend sqlite' \
    -i --justdb --nodeps --noscripts --ignorearch "$work"/RPMS/x86_64/*.rpm
rpm --root "$root" --dbpath /var/lib/rpm --define '_db_backend sqlite' -qa
rm -f "$root"/var/lib/rpm/rpmdb.sqlite-shm "$root"/var/lib/rpm/rpmdb.sqlite-wal \
    "$root"/var/lib/rpm/.rpm.lock
