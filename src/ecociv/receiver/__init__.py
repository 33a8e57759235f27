"""The HJ 212 receiver and the device simulator (composition roots: they read settings and
build the real adapters)."""
