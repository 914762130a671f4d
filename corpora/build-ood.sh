#!/usr/bin/env bash
# Builds the out-of-domain multi-way test set from the gettext catalogs of one
# Debian package, VLC's translations by default (see corpora/README.md,
# "Out-of-domain test set"). It is for evaluation only: it writes nothing but
# its output folder (default data/ood), which no training or vocabulary step
# reads. Idempotent: a cached .deb is not fetched again, its unpacked tree is
# reused, and the same .deb always gives byte-identical files.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
downloads="$repo/data/downloads"
out="$repo/data/ood"
package=vlc-l10n
domains=()
langs=en,de,fr,es,it,pt,nl,pl,ru,ja,zh,cs,tr
rows=1500

usage() {
    cat <<USAGE
usage: corpora/build-ood.sh [--downloads DIR] [--out DIR] [--package NAME] [--domain NAME]...
                            [--langs LIST] [--rows N]
  --downloads DIR  cache for .debs and unpacked trees (default data/downloads)
  --out DIR        output folder (default data/ood)
  --package NAME   Debian package whose .mo catalogs are read (default vlc-l10n)
  --domain NAME    read only this catalog, NAME.mo (repeatable; default: all of the package's)
  --langs LIST     comma-separated languages, with en,de,fr,ja (default all 13)
  --rows N         rows to keep (default 1500)
USAGE
}

fail() { echo "build-ood.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --downloads|--out|--package|--domain|--langs|--rows)
            [ $# -ge 2 ] || fail "$1 needs a value"
            case "$1" in
                --downloads) downloads=$2 ;;
                --out) out=$2 ;;
                --package) package=$2 ;;
                --domain) domains+=(--domain "$2") ;;
                --langs) langs=$2 ;;
                --rows) rows=$2 ;;
            esac
            shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) fail "unknown argument '$1' (see --help)" ;;
    esac
done
[[ "$rows" =~ ^[1-9][0-9]*$ ]] || fail "--rows must be a positive integer, got '$rows'"
[[ "$package" =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || fail "'$package' is not a Debian package name"

for tool in apt-get dpkg-deb python3 sha256sum; do
    command -v "$tool" >/dev/null || fail "$tool not found"
done
# Check the languages before downloading anything.
python3 "$repo/corpora/ood_messages.py" check --langs "$langs"

downloads=$(realpath -m "$downloads") out=$(realpath -m "$out")
mkdir -p "$downloads"
cd "$downloads"

source "$repo/corpora/debian-packages.sh"
fetch_deb "$package"
deb=$(cached_deb "$package")
unpack_deb "$deb"
tree=$(deb_tree "$deb")
[ -d "$tree/usr/share/locale" ] || fail "$package has no usr/share/locale; no gettext catalogs to read"

version=$(dpkg-deb -f "$deb" Version)
sha=$(sha256sum "$deb" | cut -d' ' -f1)
# The license of the catalogs: the one of "Files: *" in the copyright file
# (the catalogs, po/*.po upstream, are not listed separately in vlc-l10n's).
copyright="usr/share/doc/$package/copyright"
license=$(awk '/^Files:/ { star = ($2 == "*") } star && /^License:/ { sub(/^License: */, ""); print; exit }' \
    "$tree/$copyright" 2>/dev/null || true)
printf '{"%s": {"version": "%s", "sha256": "%s", "deb": "%s", "license": "%s", "copyright": "%s"}}\n' \
    "$package" "$version" "$sha" "$deb" "${license:-unknown}" "$copyright" > "$package.sources.json"

python3 "$repo/corpora/ood_messages.py" build --locale-root "$downloads/$tree/usr/share/locale" \
    ${domains[@]+"${domains[@]}"} --langs "$langs" --rows "$rows" --sources "$package.sources.json" \
    --source "gettext catalogs of Debian $package $version (${license:-license unknown}); evaluation only" \
    --out "$out"
