#!/usr/bin/env bash
# Debian packages the corpus generator needs: LibreOffice Writer (headless), Chromium, CJK fonts
# (Noto CJK for LibreOffice, TrueType AR PL UMing/UKai and WenQuanYi Zen Hei for Chromium and
# reportlab) and poppler-utils (pdftoppm, to look at pages). Idempotent: installs only what is missing.
set -euo pipefail
PACKAGES=(libreoffice-writer-nogui chromium fonts-noto-cjk fonts-arphic-uming fonts-arphic-ukai
          fonts-wqy-zenhei poppler-utils)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "corpus tools already installed"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
