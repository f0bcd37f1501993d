#!/usr/bin/env bash
# The whole test suite. Installs the system packages the tests need when run as root
# (Debian/Ubuntu via apt-get, RHEL/Fedora via dnf), then runs fmt, clippy and cargo test.
# Tests that need a real tool (postconf, postmap, rpm, rpmbuild, rpmlint, dnf, pytest,
# ansible, firewall-offline-cmd, fail2ban-regex, update-alternatives) fail loudly when it is missing; none of them skips.
set -euo pipefail
cd "$(dirname "$0")/.."

need_cmds=(postconf postmap postalias firewall-offline-cmd fail2ban-regex update-alternatives mkfifo rpm rpmbuild rpmlint dnf openssl groff man ansible-playbook chromium zsh fish git file strace chattr python3)
missing=()
for c in "${need_cmds[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
# the system python (dnf's bindings live there, not in a pyenv python on PATH)
/usr/bin/python3 -c 'import dnf, pytest, jsonschema' >/dev/null 2>&1 || missing+=(python3-modules)

if ((${#missing[@]})); then
    echo "test.sh: missing: ${missing[*]}; installing" >&2
    if [[ $(id -u) -ne 0 ]]; then
        echo "test.sh: not root: install them yourself (see README)" >&2
    elif command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends \
            postfix postfix-lmdb postfix-pcre rpm rpmlint dnf python3-dnf \
            python3-pytest python3-jsonschema openssl groff man-db ansible-core chromium zsh fish git file \
            strace e2fsprogs python3 firewalld fail2ban >/dev/null
    elif command -v dnf >/dev/null 2>&1; then
        # chromium and fail2ban come from EPEL on RHEL and its rebuilds (not on Fedora)
        el=$(rpm -E '%{?rhel}')
        if [[ -n $el ]] && ! dnf -q repolist --enabled 2>/dev/null | grep -q '^epel\b'; then
            dnf install -y -q epel-release ||
                dnf install -y -q "https://dl.fedoraproject.org/pub/epel/epel-release-latest-$el.noarch.rpm"
        fi
        dnf install -y -q postfix postfix-lmdb postfix-pcre rpm-build rpmlint \
            python3-dnf python3-pytest python3-jsonschema openssl groff man-db ansible-core chromium zsh fish git file \
            strace e2fsprogs python3 firewalld fail2ban
    fi
fi

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked --no-fail-fast "$@"
