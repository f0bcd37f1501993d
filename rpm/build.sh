#!/usr/bin/env bash
# Build the SRPM and the binary RPMs of postfix-preupgrade into target/rpmbuild/.
#
#   rpm/build.sh [--dist el9|el10|el8] [--srpm-only]
#
# Makes the two sources the spec builds from, offline:
#   SOURCES/postfix-preupgrade-VERSION.tar.gz         the files git tracks (plus untracked,
#                                                     not ignored ones), under NAME-VERSION/
#   SOURCES/postfix-preupgrade-VERSION-vendor.tar.gz  `cargo vendor` of Cargo.lock (vendor/)
#   SOURCES/postfix-preupgrade-VERSION-bundled-crates.txt  crates linked into the binary
# then runs rpmbuild -ba.
#
# On RHEL/Fedora (rpm-build installed from rpm) the host's macros and BuildRequires apply.
# On other hosts (Debian's rpm package, whose rpm database is empty) it adds what such a
# host lacks: --nodeps (build dependencies are not rpm packages there), bash as the build
# shell and for the brp scripts (Debian's /bin/sh is dash), _docdir_fmt, the dist tag,
# python3_sitelib of the target release, and no debuginfo package (no find-debuginfo).
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD/target/rpmbuild
dist=el9
srpm_only=0
while (($#)); do
    case $1 in
        --dist) dist=${2:?--dist needs a value}; shift 2 ;;
        --dist=*) dist=${1#--dist=}; shift ;;
        --srpm-only) srpm_only=1; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
case $dist in
    el8) python3_version=3.6 ;;
    el9) python3_version=3.9 ;;
    el10) python3_version=3.12 ;;
    *) echo "build.sh: --dist must be el8, el9 or el10, not $dist" >&2; exit 2 ;;
esac

for tool in rpmbuild cargo tar gzip; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool is not installed" >&2; exit 2; }
done

# A cargo test run exports settings meant for that build, not for rpmbuild's.
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR CARGO_BUILD_TARGET RUSTFLAGS \
    CARGO_ENCODED_RUSTFLAGS RUSTC_WRAPPER CARGO_MAKEFLAGS MAKEFLAGS MFLAGS

name=postfix-preupgrade
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
spec_version=$(sed -n 's/^Version: *//p' rpm/$name.spec)
if [[ $version != "$spec_version" ]]; then
    echo "build.sh: Cargo.toml version $version != spec Version $spec_version" >&2
    exit 2
fi

rm -rf "$top"
mkdir -p "$top"/{SOURCES,SPECS,BUILD,BUILDROOT,RPMS,SRPMS}
work=$top/work
mkdir -p "$work"

# Source0. Without git (an unpacked tarball), take the tree minus build output.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done \
        | grep -zv -e '__pycache__/' -e '\.pyc$' \
        > "$work/files"
else
    find . -path ./target -prune -o -path ./.git -prune -o -name __pycache__ -prune \
        -o -type f ! -name '*.pyc' -print0 \
        | sed -z 's,^\./,,' > "$work/files"
fi
tar --null -T "$work/files" --transform "s,^,$name-$version/," \
    --owner=0 --group=0 --sort=name --mtime='2026-01-01 00:00Z' \
    -czf "$top/SOURCES/$name-$version.tar.gz"

# Source1: every crate of Cargo.lock, as the offline build needs them.
(cd "$work" && cargo vendor --quiet --locked --versioned-dirs \
    --manifest-path "$OLDPWD/Cargo.toml" vendor >/dev/null)
tar -C "$work" --owner=0 --group=0 --sort=name --mtime='2026-01-01 00:00Z' \
    -czf "$top/SOURCES/$name-$version-vendor.tar.gz" vendor

# Source2: the crates linked into the binary (no build, dev or proc-macro dependencies).
cargo tree --locked --quiet -e no-build,no-dev,no-proc-macro --prefix none \
    --format '{p}' \
    | sed -n 's/^\([A-Za-z0-9_-]*\) v\([^ ]*\).*/\1 \2/p' | grep -v "^$name " | sort -u \
    > "$top/SOURCES/$name-$version-bundled-crates.txt"

cp rpm/$name.spec "$top/SPECS/"

defs=(-D "_topdir $top" -D "dist .$dist")
opts=()
if ! rpm -q --quiet rpm-build 2>/dev/null && ! rpm -q --quiet rpm 2>/dev/null; then
    # Not an rpm-based host.
    opts+=(--nodeps)
    # The brp scripts are bash scripts with a #!/bin/sh line: run them with bash.
    brp=%{_rpmconfigdir}
    defs+=(-D "_buildshell /bin/bash"
           -D "__os_install_post /bin/bash $brp/brp-compress %{_prefix}; /bin/bash $brp/brp-strip %{__strip}; /bin/bash $brp/brp-strip-comment-note %{__strip} %{__objdump}; /bin/bash $brp/brp-elfperms"
           -D "_docdir_fmt %%{NAME}"
           -D "debug_package %{nil}"
           -D "python3_sitelib /usr/lib/python$python3_version/site-packages")
fi

if ((srpm_only)); then
    rpmbuild -bs "${opts[@]}" "${defs[@]}" "$top/SPECS/$name.spec"
else
    rpmbuild -ba "${opts[@]}" "${defs[@]}" "$top/SPECS/$name.spec"
fi
rm -rf "$work"
find "$top/SRPMS" "$top/RPMS" -name '*.rpm' | sort
