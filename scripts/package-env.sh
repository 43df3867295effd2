# shellcheck shell=bash
# Sourced by scripts/package-* and scripts/check-packages (after scripts/env.sh):
# the version every package carries, and a check for the tools they run.

# VERSION is wails.json's info.productVersion, the one place the version is set.
VERSION=$(sed -n 's/^[[:space:]]*"productVersion":[[:space:]]*"\([^"]*\)".*/\1/p' wails.json)
if ! [[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  # Debian versions and Windows version resources both need plain numbers.
  echo "wails.json: info.productVersion is \"$VERSION\", want MAJOR.MINOR.PATCH" >&2
  exit 1
fi

# need TOOL... fails with the setup command to run when a tool is missing.
need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || {
      echo "$(basename "$0"): $t not found: run scripts/setup --package" >&2
      exit 1
    }
  done
}
