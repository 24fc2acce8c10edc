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
