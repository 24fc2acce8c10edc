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

# gRPC (plain and TLS) serves only service-mesh proxies, which we do not run.
# Consul opens grpc_tls on 8503 by default: off, or a second stack on this
# machine could not start its own agent.
ports {
  http     = 8500
  dns      = 8600
  grpc     = -1
  grpc_tls = -1
}

log_level = "INFO"
log_json  = true

# Nobody outside this machine ever joins; keep the agent quiet and small.
disable_update_check = true
enable_script_checks = false
