# Sourced by the corpus builders: a cache of Debian .debs, downloaded and unpacked
# but never installed. Call from inside the cache folder; the caller defines
# fail MESSAGE (a one-line error and exit 1).

# cached_deb PACKAGE: the one cached .deb of PACKAGE; fails quietly when there is none.
cached_deb() {
    local debs=("$1"_*.deb)
    [ -e "${debs[0]}" ] || return 1
    [ ${#debs[@]} -eq 1 ] || fail "several .debs of $1 in $PWD; keep one"
    echo "${debs[0]}"
}

package_lists_updated=0
# fetch_deb PACKAGE: downloads PACKAGE's .deb unless it is cached.
fetch_deb() {
    cached_deb "$1" >/dev/null && return 0
    echo "downloading $1"
    apt-get download "$1" 2>/dev/null && return 0
    # Fresh containers often ship without package lists; update them once.
    if [ $package_lists_updated -eq 0 ]; then
        apt-get update -qq 2>/dev/null || true
        package_lists_updated=1
    fi
    local message
    message=$(apt-get download "$1" 2>&1 >/dev/null) ||
        fail "cannot download $1: $(printf '%s\n' "$message" | grep '^E:' | head -n 1)"
}

# deb_tree DEB: the folder DEB is unpacked into.
deb_tree() { echo "unpacked/${1%.deb}"; }

# unpack_deb DEB: unpacks DEB once; the rename makes an interrupted unpack start
# over instead of leaving a half tree behind.
unpack_deb() {
    local tree
    tree=$(deb_tree "$1")
    [ -d "$tree" ] && return 0
    echo "unpacking $1"
    rm -rf "$tree.partial"
    mkdir -p "$tree.partial"
    dpkg-deb -x "$1" "$tree.partial"
    mv "$tree.partial" "$tree"
}
