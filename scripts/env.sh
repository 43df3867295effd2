# shellcheck shell=bash
# Sourced by the scripts: one Go tag set everywhere, because compiling SQLite takes
# ~40 s per tag set (and again under -race). sqlite_fts5 enables full-text search;
# webkit2_41 makes Wails use WebKitGTK 4.1, the version Debian 12 ships.
export GOFLAGS="-buildvcs=false -tags=sqlite_fts5,webkit2_41"
export CGO_ENABLED=1
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="$PATH:/usr/local/go/bin"
fi
# shellcheck disable=SC2034 # for the scripts that source this
DESKTOP_TAGS="desktop,production,webkit2_41,sqlite_fts5"
