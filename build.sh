#!/usr/bin/env bash
# build.sh — builds everything embedscape needs from a fresh checkout:
#   1. finds (or, as root on Debian, installs) Emscripten;
#   2. fetches utf8proc and cJSON sources (Debian source packages, else upstream tarballs) and checks
#      every file we compile against a pinned sha256;
#   3. compiles the engine to WebAssembly (web/engine/engine.mjs: ES module, SIMD, wasm inlined, loads
#      unchanged in Node >= 20, pages and module Workers; web/engine/engine.classic.js: the same engine
#      as a classic script, for pages opened from file://);
#   4. compiles the same C natively for the C unit tests (AddressSanitizer + UBSan) and, when clang
#      has libFuzzer, the fuzz targets.
# Rebuilds are incremental (make with dependency files): touching one file recompiles one object.
#
# Usage: ./build.sh [--wasm-only] [--clean] [--handout [--model DIR] [--dtype f32|f16|q8] [--out DIR]]
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

say() { printf 'build.sh: %s\n' "$*"; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

WASM_ONLY=0
HANDOUT_ARGS=()
HANDOUT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --wasm-only) WASM_ONLY=1 ;;
    --clean) rm -rf build web/engine; say "cleaned build/ and web/engine/" ;;
    --handout) HANDOUT=1 ;;
    --model|--dtype|--out) [ $# -ge 2 ] || die "$1 needs a value"; HANDOUT_ARGS+=("$1" "$2"); shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see ./build.sh --help)" ;;
  esac
  shift
done
[ ${#HANDOUT_ARGS[@]} -eq 0 ] || [ $HANDOUT = 1 ] || die "--model/--dtype/--out go with --handout"

# ---------------------------------------------------------------- 1. Emscripten
# Debian's emcc runs its JS optimizer with the system's acorn, found through NODE_PATH.
if [ -d /usr/share/nodejs ]; then export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}; fi
if ! command -v emcc >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "emcc not found: installing Debian's emscripten package"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq emscripten >/dev/null
    [ -d /usr/share/nodejs ] && export NODE_PATH=/usr/share/nodejs
  else
    die "emcc (Emscripten >= 3.1.6) is not on the PATH. Install it (Debian/Ubuntu: 'sudo apt-get install emscripten'; elsewhere: emsdk) and run ./build.sh again."
  fi
fi

# ---------------------------------------------------------------- 2. third-party sources
TP=wasm/third_party
# Every file we compile, pinned. The hashes are of the upstream release files, which Debian's
# .orig tarballs contain unchanged, so both routes below must produce exactly these bytes.
PINS="utf8proc-2.8.0/utf8proc.c fdcc214d140a526b0de3ad22d816823c3e7940c017568c046e40f444060e7a51
utf8proc-2.8.0/utf8proc.h 3ac6bcc03716a8af82ad91d8287186a846209b3aadab04f001004d33bdb7314e
utf8proc-2.8.0/utf8proc_data.c 57a774e8b9b5ae6b2bca3927adee178c20ffcc1986d7e2eff8f39a015f464c88
cJSON-1.7.15/cJSON.c 971822d8c3cbb22c180f16cea9ef66ee5d3e10dcade6c61d4ac9a18f475d8520
cJSON-1.7.15/cJSON.h c25b54ebc98e814eb7b3eeaf12ce899806f87ff5a275b20a3b77dbb3968e5d0b"

pins_ok() {
  echo "$PINS" | while read -r f sum; do
    [ -f "$TP/$f" ] || return 1
    echo "$sum  $TP/$f" | sha256sum --quiet -c - >/dev/null 2>&1 || return 1
  done
}

fetch_debian() {  # apt-get source with a private deb-src list: the system's sources stay untouched
  command -v apt-get >/dev/null 2>&1 || return 1
  command -v dpkg-source >/dev/null 2>&1 || command -v tar >/dev/null 2>&1 || return 1
  local tmp; tmp=$(mktemp -d)
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/dl"
  local key=/usr/share/keyrings/debian-archive-keyring.gpg suite=bookworm
  [ -r "$key" ] || { rm -rf "$tmp"; return 1; }
  if [ -r /etc/os-release ]; then suite=$(. /etc/os-release; echo "${VERSION_CODENAME:-bookworm}"); fi
  echo "deb-src [signed-by=$key] http://deb.debian.org/debian $suite main" > "$tmp/sources.list"
  local O=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
           -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o "APT::Sandbox::User=root")
  if apt-get "${O[@]}" update -qq >/dev/null 2>&1 &&
     (cd "$tmp/dl" && apt-get "${O[@]}" source --download-only -qq utf8proc=2.8.0-1 cjson >/dev/null 2>&1); then
    tar -xzf "$tmp"/dl/utf8proc_2.8.0.orig.tar.gz -C "$TP" &&
    tar -xzf "$tmp"/dl/cjson_1.7.15.orig.tar.gz -C "$TP"
    local rc=$?; rm -rf "$tmp"; return $rc
  fi
  rm -rf "$tmp"; return 1
}

fetch_upstream() {  # the projects' own release tarballs
  local get
  if command -v curl >/dev/null 2>&1; then get="curl -fsSL"; elif command -v wget >/dev/null 2>&1; then get="wget -qO-"; else return 1; fi
  $get https://github.com/JuliaStrings/utf8proc/archive/refs/tags/v2.8.0.tar.gz | tar -xz -C "$TP" &&
  $get https://github.com/DaveGamble/cJSON/archive/refs/tags/v1.7.15.tar.gz | tar -xz -C "$TP"
}

if ! pins_ok; then
  say "fetching utf8proc 2.8.0 and cJSON 1.7.15 sources"
  if fetch_debian && pins_ok; then say "  from Debian's source packages"
  elif fetch_upstream && pins_ok; then say "  from the upstream release tarballs"
  else
    die "could not fetch utf8proc 2.8.0 and cJSON 1.7.15 with the pinned sha256 (tried Debian source packages and the upstream tarballs). Put the two extracted release folders under $TP/ (utf8proc-2.8.0/, cJSON-1.7.15/) and run again."
  fi
fi

# ---------------------------------------------------------------- 3 + 4. compile
JOBS=$(nproc 2>/dev/null || echo 2)
TARGETS="wasm"
if [ $WASM_ONLY = 0 ]; then TARGETS="wasm native fuzz"; fi
mkdir -p build
# One build at a time in this tree (two makes writing the same object files would corrupt them).
if command -v flock >/dev/null 2>&1; then
  flock build/.lock make -s -j"$JOBS" -f wasm/Makefile $TARGETS
else
  make -s -j"$JOBS" -f wasm/Makefile $TARGETS
fi
# the pool worker as one classic script (a Blob worker where module workers cannot start)
if [ ! web/worker/inline.js -nt web/engine/engine.classic.js ] || [ -n "$(find web/worker web/lib web/handout/bundle.mjs -name '*.js' -newer web/worker/inline.js 2>/dev/null | head -1)" ]; then
  node web/worker/build-inline.mjs >/dev/null
fi
say "engine: web/engine/engine.mjs ($(du -k web/engine/engine.mjs | cut -f1) KiB), web/engine/engine.classic.js, web/worker/inline.js"

# ---------------------------------------------------------------- handout (optional)
if [ $HANDOUT = 1 ]; then
  [ -f web/handout/build-handout.mjs ] || die "web/handout/build-handout.mjs is missing"
  node web/handout/build-handout.mjs ${HANDOUT_ARGS[@]+"${HANDOUT_ARGS[@]}"}
fi
