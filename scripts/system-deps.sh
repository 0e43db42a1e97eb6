#!/usr/bin/env bash
# Installs the Debian packages Certify needs when they are missing.
#   scripts/system-deps.sh run    WeasyPrint's libraries (Pango, HarfBuzz), the DejaVu fonts
#                                 the certificates embed, gettext for the translations.
#   scripts/system-deps.sh bench  the above, plus wrk (the verification load benchmark).
#   scripts/system-deps.sh test   the above, plus what the tests use: Chromium (browser tests),
#                                 zbar-tools (QR decoding), poppler-utils (pdftoppm, pdftotext).
# It only installs what is missing, needs root (or sudo) for that, and says what to do otherwise.
set -euo pipefail
mode=${1:-run}

need=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib "libpango-1.0.so" || need+=(libpango-1.0-0)
have_lib "libpangoft2-1.0.so" || need+=(libpangoft2-1.0-0)
have_lib "libharfbuzz-subset.so" || need+=(libharfbuzz-subset0)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v msgfmt >/dev/null || need+=(gettext)
if [ "$mode" = "bench" ]; then
  command -v wrk >/dev/null || need+=(wrk)
fi
if [ "$mode" = "test" ]; then
  command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v zbarimg >/dev/null || need+=(zbar-tools)
  command -v pdftoppm >/dev/null || need+=(poppler-utils)
fi
[ ${#need[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${need[*]}"
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "Missing Debian packages: ${need[*]}. Install them as root: apt-get install ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
