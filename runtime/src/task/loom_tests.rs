//! Loom models of the task state machine (placeholder replaced below).
