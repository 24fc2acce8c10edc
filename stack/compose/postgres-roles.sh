#!/usr/bin/env bash
# docker-compose.yml's PostgreSQL, on its first start (the image runs
# /docker-entrypoint-initdb.d/ once, as its superuser): a login role per
# service, named by the variable carrying its password
# (AUTH_SERVICE_DATABASE_PASSWORD: auth_service), no superuser, allowed into
# the mesh's database and to create its own tables there, nothing else. Then
# FerretDB's database ($FERRETDB_DB): the role its own URL names, which cannot
# log in; its admin `ferretdb` (ADMIN_MONGODB_PASSWORD), the owner; and a role
# per service on it (POSTS_SERVICE_MONGODB_PASSWORD: posts_service), allowed
# in and to create its schemas, the admin a member of each. The native stack
# does the same in stack/mesh (pg_service_roles, pg_ferretdb_roles).
set -euo pipefail
# service_roles SUFFIX STATEMENT...: a login role for each <SERVICE>_SERVICE_<SUFFIX>
# variable (its password), then each statement with @ as the role.
service_roles() {
  local suffix=$1 var role statement; shift
  for var in $(compgen -e | grep -E "^[A-Z_]+_SERVICE_${suffix}\$" || true); do
    role="${var%_"$suffix"}" role="${role,,}"
    echo "CREATE ROLE $role LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${!var}';"
    for statement in "$@"; do echo "${statement//@/$role};"; done
  done
}
{
  echo "REVOKE CONNECT, TEMPORARY ON DATABASE $POSTGRES_DB FROM PUBLIC;"
  service_roles DATABASE_PASSWORD "GRANT CONNECT, TEMPORARY ON DATABASE $POSTGRES_DB TO @" "GRANT USAGE, CREATE ON SCHEMA public TO @"
} | psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"

[[ -n ${FERRETDB_DB:-} ]] || exit 0
{
  echo "CREATE ROLE ferretdb_anonymous NOLOGIN;"
  echo "CREATE ROLE ferretdb LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$ADMIN_MONGODB_PASSWORD';"
  echo "CREATE DATABASE $FERRETDB_DB OWNER ferretdb;"
  echo "REVOKE CONNECT, TEMPORARY ON DATABASE $FERRETDB_DB FROM PUBLIC;"
  # As natively: FerretDB's statements keep their expression indexes usable (stack/mesh wait_infra).
  echo "ALTER DATABASE $FERRETDB_DB SET plan_cache_mode = force_custom_plan;"
  service_roles MONGODB_PASSWORD "GRANT CONNECT, CREATE ON DATABASE $FERRETDB_DB TO @" "GRANT @ TO ferretdb"
} | psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"
