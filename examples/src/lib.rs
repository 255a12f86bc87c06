//! Code shared by the examples (and by the benches, which time the same workloads).
