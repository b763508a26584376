#!/usr/bin/env bash
# Installs what building, testing and demonstrating tlsfleet needs on Debian 12.
# Idempotent: with everything present it only says so; otherwise (as root) it runs
# apt-get update once and installs what is missing, without starting the distribution's
# nginx, HAProxy or dnsmasq services (the test fleet starts its own, on loopback).
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build ccache pkg-config
  # libraries
  libssl-dev libuv1-dev libc-ares-dev libcli11-dev libsimdjson-dev libbenchmark-dev
  libgtest-dev
  # the local test fleet (tests/integration/fleet.sh); gnutls-serv offers the 3DES suites
  # Debian's OpenSSL no longer builds
  nginx haproxy dnsmasq openssl gnutls-bin python3 iproute2 util-linux coreutils
  # the peer scanners of scripts/crosscheck.sh
  sslscan nmap
  # scripts and benchmarks
  time curl procps
  # tests/integration renders `tlsfleet report --html` in headless Chromium
  chromium
)
SERVICES=(nginx haproxy dnsmasq)

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "setup: installing packages needs root: sudo bash scripts/setup.sh" >&2
  exit 1
fi
command -v apt-get >/dev/null || {
  echo "setup: apt-get not found; this script is for Debian 12" >&2
  exit 1
}

# policy-rc.d exiting 101 tells the packages' maintainer scripts not to start services.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# written by tlsfleet scripts/setup.sh while it installs\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
cleanup() { [ $own_policy = 1 ] && rm -f "$policy"; return 0; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

# Belt and braces: should a service have started anyway (a policy-rc.d that allows it),
# stop the ones this run installed. Services installed earlier are left as they are.
for s in "${SERVICES[@]}"; do
  if [[ " ${missing[*]} " == *" $s "* ]] && [ -x "/etc/init.d/$s" ]; then
    "/etc/init.d/$s" stop >/dev/null 2>&1 || true
  fi
done
echo "setup: done"
