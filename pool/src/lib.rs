//! # spindle-pool — a fixed thread pool
//!
//! Placeholder: the pool lands with issue "Workspace, CI and the fixed thread pool".
#![forbid(unsafe_code)]
