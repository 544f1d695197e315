//! gapmap-inventory: the living inventory kept by people — staff accounts
//! and sessions ([`accounts`]), edits through the same validation as ingest
//! with an audit row each ([`edit`]), resident reports ([`reports`]) and what
//! changed between two dates ([`changes`]), and the IT department's spreadsheet
//! round trip ([`sheet`]).

pub mod accounts;
pub mod changes;
pub mod edit;
pub mod reports;
pub mod sheet;
