#!/usr/bin/env bash
# Software Vulkan (Mesa's lavapipe) for running the WebGPU engine on machines without a GPU, for
# correctness tests only (it is slower than wasm). Debian 12's own lavapipe (Mesa 22.3) is rejected
# by Dawn; Mesa 25 from bookworm-backports works. Everything goes into a private folder:
#   - a private apt configuration (its own sources list, package lists and download cache) that adds
#     bookworm-backports without touching /etc/apt or installing anything system-wide;
#   - the .debs apt would need for mesa-vulkan-drivers (from backports) and libvulkan1, downloaded
#     with `apt-get download` and unpacked with `dpkg-deb -x`;
#   - an ICD file pointing at the private libvulkan_lvp.so, and an `env` file to source.
# Usage: scripts/setup-lavapipe.sh [folder]   (default $TRANSFER_LAB_LAVAPIPE_DIR or
#        ~/.cache/transfer-lab/lavapipe). Prints the variables to export; also writes <folder>/env
#        (to source) and <folder>/env.json (for programs and tests).
# Needs: Debian 12 (bookworm) or a derivative with apt, network access to its Debian mirror, x86_64
# or arm64. Runs as any user (root only lets apt drop privileges for downloads).
set -euo pipefail

DIR="${1:-${TRANSFER_LAB_LAVAPIPE_DIR:-$HOME/.cache/transfer-lab/lavapipe}}"
# The Debian mirror this machine's apt already uses (first URI of the main archive), unless set.
system_mirror() {
  { grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}'; } | grep -v -- '-security' | head -n 1 || true
}
MIRROR="${TRANSFER_LAB_DEBIAN_MIRROR:-$(system_mirror)}"
[ -n "$MIRROR" ] || { echo "setup-lavapipe: no Debian mirror found in /etc/apt; set TRANSFER_LAB_DEBIAN_MIRROR" >&2; exit 1; }
ARCH="$(dpkg --print-architecture)"
case "$ARCH" in
  amd64) TRIPLET=x86_64-linux-gnu; ICD_ARCH=x86_64 ;;
  arm64) TRIPLET=aarch64-linux-gnu; ICD_ARCH=aarch64 ;;
  *) echo "setup-lavapipe: unsupported architecture $ARCH (amd64 or arm64)" >&2; exit 1 ;;
esac
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || {
  echo "setup-lavapipe: needs apt-get and dpkg-deb (Debian 12 / bookworm)" >&2; exit 1; }

APT="$DIR/apt"
ROOT="$DIR/root"
DEBS="$DIR/debs"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/sources.list.d" "$APT/preferences.d" "$DEBS"
cat > "$APT/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $MIRROR bookworm-backports main
EOF

APT_OPTS=(
  -o "Dir::Etc::SourceList=$APT/sources.list"
  -o "Dir::Etc::SourceParts=$APT/sources.list.d"
  -o "Dir::Etc::PreferencesParts=$APT/preferences.d"
  -o "Dir::State::Lists=$APT/lists"
  -o "Dir::Cache=$APT/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Get::List-Cleanup=0"
)
if [ "$(id -u)" != 0 ]; then APT_OPTS+=(-o "APT::Sandbox::User=$(id -un)"); fi

echo "setup-lavapipe: updating the private package lists in $APT" >&2
apt-get "${APT_OPTS[@]}" -qq update

# What installing Mesa from backports would bring in on this system (its dpkg status is only read):
# the simulation lists every package to install or upgrade, with the version to fetch.
mapfile -t PKGS < <(apt-get "${APT_OPTS[@]}" -s -qq -t bookworm-backports install --no-install-recommends \
  mesa-vulkan-drivers libvulkan1 2>/dev/null | awk '/^Inst /{v=$3; if (v ~ /^\[/) v=$4; gsub(/[()]/, "", v); print $2 "=" v}')
# libvulkan1 may already be installed system-wide; fetch it anyway so the folder is self-contained.
if ! printf '%s\n' "${PKGS[@]}" | grep -q '^libvulkan1='; then PKGS+=(libvulkan1); fi
if ! printf '%s\n' "${PKGS[@]}" | grep -q '^mesa-vulkan-drivers='; then
  PKGS+=("mesa-vulkan-drivers/bookworm-backports")
fi
echo "setup-lavapipe: downloading ${#PKGS[@]} packages: ${PKGS[*]}" >&2
( cd "$DEBS" && apt-get "${APT_OPTS[@]}" -qq download "${PKGS[@]}" )

rm -rf "$ROOT"
mkdir -p "$ROOT"
for deb in "$DEBS"/*.deb; do dpkg-deb -x "$deb" "$ROOT"; done

LIBDIR="$ROOT/usr/lib/$TRIPLET"
LVP="$LIBDIR/libvulkan_lvp.so"
[ -f "$LVP" ] || { echo "setup-lavapipe: $LVP missing after unpacking; the backports package changed layout" >&2; exit 1; }
[ -e "$LIBDIR/libvulkan.so.1" ] || { echo "setup-lavapipe: libvulkan.so.1 missing after unpacking" >&2; exit 1; }
MESA_VERSION="$(dpkg-deb -f "$(ls "$DEBS"/mesa-vulkan-drivers_*.deb | head -1)" Version)"

# The packaged ICD file names the system path; this one names the private library.
ICD="$DIR/lvp_icd.$ICD_ARCH.json"
cat > "$ICD" <<EOF
{
    "ICD": {
        "api_version": "1.3.0",
        "library_path": "$LVP"
    },
    "file_format_version": "1.0.0"
}
EOF

cat > "$DIR/env" <<EOF
# Source this file to run the WebGPU engine on lavapipe (Mesa $MESA_VERSION), e.g.
#   . $DIR/env && transfer-lab train exp.yaml --engine webgpu
export VK_ICD_FILENAMES="$ICD"
export LD_LIBRARY_PATH="$LIBDIR\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR="\${XDG_RUNTIME_DIR:-$DIR/runtime}"
export MESA_SHADER_CACHE_DIR="$DIR/shader-cache"
EOF
mkdir -p "$DIR/runtime" "$DIR/shader-cache"
chmod 700 "$DIR/runtime"
# The same for programs (tests read it to find the driver).
printf '{"VK_ICD_FILENAMES": "%s", "LD_LIBRARY_PATH": "%s", "MESA_SHADER_CACHE_DIR": "%s", "XDG_RUNTIME_DIR": "%s", "mesa": "%s"}\n' \
  "$ICD" "$LIBDIR" "$DIR/shader-cache" "$DIR/runtime" "$MESA_VERSION" > "$DIR/env.json"

echo "setup-lavapipe: lavapipe from Mesa $MESA_VERSION ready in $ROOT" >&2
echo "VK_ICD_FILENAMES=$ICD"
echo "LD_LIBRARY_PATH=$LIBDIR"
echo "# or: . $DIR/env" >&2
