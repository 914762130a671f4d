#!/usr/bin/env bash
# Builds the 13-language LibreOffice help corpus (see corpora/README.md).
# Idempotent: .debs already in the cache are not fetched again, unpacked trees
# are reused, and the same .debs always give byte-identical corpus files.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
downloads="$repo/data/downloads"
out="$repo/data/corpus"
write_sample=0

usage() {
    cat <<USAGE
usage: corpora/build-libreoffice-help.sh [--downloads DIR] [--out DIR] [--sample]
  --downloads DIR  cache for .debs and unpacked trees (default data/downloads)
  --out DIR        corpus output folder (default data/corpus)
  --sample         also rewrite the committed sample corpora/sample from it
USAGE
}

while [ $# -gt 0 ]; do
    case "$1" in
        --downloads) downloads=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --sample) write_sample=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-libreoffice-help.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

# Tessera language code, Debian package, folder under usr/share/libreoffice/help.
languages=(
    "en libreoffice-help-en-us en-US"
    "de libreoffice-help-de de"
    "fr libreoffice-help-fr fr"
    "es libreoffice-help-es es"
    "it libreoffice-help-it it"
    "pt libreoffice-help-pt-br pt-BR"
    "nl libreoffice-help-nl nl"
    "pl libreoffice-help-pl pl"
    "ru libreoffice-help-ru ru"
    "ja libreoffice-help-ja ja"
    "zh libreoffice-help-zh-cn zh-CN"
    "cs libreoffice-help-cs cs"
    "tr libreoffice-help-tr tr"
)

fail() { echo "build-libreoffice-help.sh: $*" >&2; exit 1; }
for tool in apt-get dpkg-deb python3 sha256sum; do
    command -v "$tool" >/dev/null || fail "$tool not found"
done
# Absolute paths: the script works inside the cache folder.
downloads=$(realpath -m "$downloads") out=$(realpath -m "$out")
mkdir -p "$downloads"
cd "$downloads"

source "$repo/corpora/debian-packages.sh"

now() { date +%s.%N; }
started=$(now)
for entry in "${languages[@]}"; do
    read -r _ package _ <<<"$entry"
    fetch_deb "$package"
done
downloaded=$(now)

roots=() sources="{"
for entry in "${languages[@]}"; do
    read -r lang package folder <<<"$entry"
    deb=$(cached_deb "$package")
    unpack_deb "$deb"
    roots+=(--lang "$lang=$downloads/$(deb_tree "$deb")/usr/share/libreoffice/help/$folder")
    version=$(dpkg-deb -f "$deb" Version)
    sha=$(sha256sum "$deb" | cut -d' ' -f1)
    sources+="\"$lang\": {\"package\": \"$package\", \"version\": \"$version\", \"sha256\": \"$sha\"},"
done
printf '%s\n' "${sources%,}}" > sources.json
unpacked=$(now)

python3 "$repo/corpora/libreoffice_help.py" build "${roots[@]}" --sources sources.json --out "$out"
built=$(now)
if [ $write_sample -eq 1 ]; then
    python3 "$repo/corpora/libreoffice_help.py" sample --corpus "$out" --out "$repo/corpora/sample" \
        --langs en,de,fr,ja,ru
fi

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", b - a }'; }
echo "time: download $(elapsed "$started" "$downloaded"), unpack $(elapsed "$downloaded" "$unpacked"), extraction $(elapsed "$unpacked" "$built")"
echo "corpus: $out ($(du -sh "$out" | cut -f1))"
