#!/usr/bin/env bash
# Installs Schemathesis, the property-based API fuzzer the test suite runs
# against every service's OpenAPI document, in a virtualenv of its own under
# the cache. Prints the path of its `st` command.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
prepare_cache
source "$STACK_DIR/lib/pyvenv.sh"

pip_tool schemathesis "$SCHEMATHESIS_VERSION" st --version
