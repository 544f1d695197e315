//! gapmap-synth: deterministic synthetic data for tests, benchmarks and the
//! simulated layers of the embedded dataset — settlements, demand and
//! coverage at any scale ([`landscape`]), an equipment inventory and
//! mobile-class visits ([`inventory`]) and a VZD-format address register
//! ([`vzd`]). Everything it makes is labelled `simulated`.

pub mod inventory;
pub mod landscape;
pub mod vzd;
