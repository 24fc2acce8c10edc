# shellcheck shell=bash
# The secrets of this installation: one file each in $SECRETS_DIR, made of 32
# random bytes the first time one is asked for, readable by this user only.
# Nothing is committed and nothing is a default. Components are handed the
# file's path (NAME_FILE, Docker's convention, which every service's config
# understands), never the value: so no environment, supervisord.conf,
# `stack/mesh env` or process listing shows it.
SECRETS_DIR="$RUN_DIR/secrets"

# random_secret: 32 random bytes, hex (safe in URLs and config files).
random_secret() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
# random_uuid: a random (version 4) UUID, 122 random bits: Consul takes only
# UUIDs as the secret of an ACL token.
random_uuid() { cat /proc/sys/kernel/random/uuid; }

# secret_file NAME [MAKER]: the path of secret NAME, created if missing by
# MAKER (random_secret unless told).
secret_file() {
  local path="$SECRETS_DIR/$1"
  if [[ ! -s $path ]]; then
    (
      umask 077
      mkdir -p "$SECRETS_DIR"
      "${2:-random_secret}" >"$path.tmp"
      mv "$path.tmp" "$path"
    )
  fi
  echo "$path"
}

# secret NAME: the value of secret NAME, for rendering configuration that only
# takes values (written to files of mode 0600 only).
secret() { cat "$(secret_file "$1")"; }
