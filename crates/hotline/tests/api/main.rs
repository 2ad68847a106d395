//! Black-box tests of the JSON API: the real application on port 0, a fresh SQLite file per test, the
//! demo users, and `reqwest` as the client.

mod alerts;
mod analytics;
mod assessment;
mod auth;
mod candidates;
mod catalogue;
mod citizen;
mod concurrency;
mod defects;
mod forecast;
mod hardening;
mod helpers;
mod idempotency;
mod incidents;
mod intake;
mod kb;
mod lifecycle;
mod notices;
mod open311;
mod open311_clients;
mod openapi;
mod permissions;
mod review;
mod scenario;
mod search;
mod triage;
