#!/usr/bin/env bash
# Tools the tests drive: Debian's Chromium (browser tests) and poppler's pdftoppm (invoice
# PDFs rendered to an image). Install what is missing when we may (root).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} for the tests…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "${missing[*]} not installed and we are not root: the tests that need them will be" \
       "skipped (install with: sudo apt-get install ${missing[*]})." >&2
fi
