# Consul agent: a single server that is its own leader, with the UI.
# Addresses and the data directory come from the command line, because they
# differ between the native stack (loopback) and docker-compose.yml.
datacenter = "feedmesh"
server = true
bootstrap_expect = 1

ui_config {
  enabled = true
}

# Single node: no need to wait for peers before electing itself.
performance {
  raft_multiplier = 1
}

# gRPC (plain and TLS) is for Connect and dataplanes, which we do not use;
# off, so a second stack on another port offset cannot collide on 8503.
ports {
  http  = 8500
  dns   = 8600
  # Nothing here speaks gRPC (no Connect, no dataplane); off, so two stacks
  # on one machine do not fight over the default TLS port.
  grpc     = -1
  grpc_tls = -1
}

log_level = "INFO"
log_json  = true

# Nobody outside this machine ever joins; keep the agent quiet and small.
disable_update_check = true
enable_script_checks = false

# ACLs, default deny: without a token nothing can be read or registered, so
# no local process can put a route into the gateway. The tokens and what each
# may do are made by stack/consul/mesh-acl.sh from mesh.json (one per
# service, for its own name only; a read-only one for Traefik; one for this
# agent). The management and agent tokens' secrets are given in a second
# config file of the deployment (.run/conf/consul-tokens.json natively,
# CONSUL_LOCAL_CONFIG in docker-compose.yml), never here.
acl {
  enabled        = true
  default_policy = "deny"
  # Off: the agent's token is given in configuration on every start, so one
  # set through the API must not linger and win over it.
  enable_token_persistence = false
}
