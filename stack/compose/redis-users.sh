#!/bin/sh
# docker-compose.yml's Redis: its ACL users, written where only the redis user
# reads them, then the image's own entrypoint. No user without a password; the
# admin (healthcheck, operators) is `default` with a password (Redis 7.0 loads
# its AOF as that user; see stack/mesh render_store_auth); each service, named by the
# variable carrying its password (FEED_SERVICE_REDIS_PASSWORD: feed_service),
# only the rules of its folder's redis.acl, mounted at /feedmesh/<service>/.
# Passwords are stored as SHA-256. The native stack does the same in stack/mesh.
set -eu
hash() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
acl=/run/feedmesh-redis/users.acl
mkdir -p "${acl%/*}"
umask 077
{
  echo "user default on resetpass #$(hash "$ADMIN_REDIS_PASSWORD") ~* &* +@all"
  for var in $(env | sed -n 's/^\([A-Z_]*_SERVICE_REDIS_PASSWORD\)=.*/\1/p'); do
    user=$(echo "${var%_REDIS_PASSWORD}" | tr 'A-Z' 'a-z')
    rules=$(sed 's/#.*//' "/feedmesh/$(echo "$user" | tr _ -)/redis.acl" | tr -s ' \n' ' ')
    eval "password=\$$var"
    echo "user $user on #$(hash "$password") resetkeys resetchannels -@all $rules"
  done
} >"$acl"
chown -R redis:redis "${acl%/*}"
exec docker-entrypoint.sh redis-server --aclfile "$acl" "$@"
