#!/usr/bin/env bash
# docker-compose.yml's PostgreSQL, on its first start (the image runs
# /docker-entrypoint-initdb.d/ once, as its superuser): a login role per
# service, named by the variable carrying its password
# (AUTH_SERVICE_DATABASE_PASSWORD: auth_service), no superuser, allowed into
# the mesh's database and to create its own tables there, nothing else. The
# native stack does the same in stack/mesh (pg_service_roles).
set -euo pipefail
mapfile -t vars < <(compgen -e | grep -E '^[A-Z_]+_SERVICE_DATABASE_PASSWORD$' || true)
{
  echo "REVOKE CONNECT, TEMPORARY ON DATABASE $POSTGRES_DB FROM PUBLIC;"
  for var in "${vars[@]}"; do
    role="${var%_DATABASE_PASSWORD}" role="${role,,}"
    echo "CREATE ROLE $role LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${!var}';"
    echo "GRANT CONNECT, TEMPORARY ON DATABASE $POSTGRES_DB TO $role;"
    echo "GRANT USAGE, CREATE ON SCHEMA public TO $role;"
  done
} | psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"
