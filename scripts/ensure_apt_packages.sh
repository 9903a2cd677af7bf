#!/usr/bin/env bash
# Installs the Debian packages named as arguments when any is missing (used by `make test`).
# As root it runs apt-get itself; with sudo it asks sudo; otherwise it stops at once and prints the exact
# command to run, so a fresh machine fails in a second with the fix rather than minutes later in the tests.
set -euo pipefail

[ "$#" -gt 0 ] || exit 0
if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "The tests need these Debian packages (or your system's equivalent): $*" >&2
    echo "This is not a Debian-like system (no dpkg-query): install them with your package manager," >&2
    echo "then run make test again (make test APT_TEST_PACKAGES= skips this check)." >&2
    exit 1
fi

missing=()
for package in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)" != "installed" ]; then
        missing+=("$package")
    fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

install="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    run=(bash -c "$install")
elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
    # sudo without a password, or with one typed at this terminal.
    run=(sudo bash -c "$install")
else
    echo "The tests need Debian packages that are not installed: ${missing[*]}" >&2
    echo "Run this as root (or with sudo), then make test again:" >&2
    echo "" >&2
    if command -v sudo >/dev/null 2>&1; then
        echo "    sudo sh -c 'apt-get update && apt-get install -y ${missing[*]}'" >&2
    else
        echo "    su -c 'apt-get update && apt-get install -y ${missing[*]}'" >&2
    fi
    exit 1
fi
echo "Installing the Debian packages the tests need: ${missing[*]}"
"${run[@]}" >/dev/null
